"""Browser journeys: Playwright for Python driving Debian's Chromium against pytest-django's live
server. The fixtures and helpers (one browser for the whole run, the data the migrations made
recreated before every transactional test) are in tests/browser_support.py."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # The live server needs committed data. The flush after each such test empties every
            # table; tests/browser_support.py's _migrated_data puts back what migrate made.
            item.add_marker(pytest.mark.django_db(transaction=True), append=False)
