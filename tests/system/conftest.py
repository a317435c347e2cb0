"""System checks (tests/system): real processes — gunicorn, a django-q2 cluster, a private
PostgreSQL — against a throwaway database, plus the exam page in Chromium during an outage.
Every test here is marked `system`; shared process helpers are in bench/loadkit.py."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/system/" in str(item.fspath):
            item.add_marker(pytest.mark.system)
