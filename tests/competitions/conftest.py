"""Helpers for the competitions tests: a competition of the test district, teams, items, judges,
scores and finished theory attempts with known values."""

from __future__ import annotations

import pytest

from tests.competitions.factories import (
    make_competition,
)


@pytest.fixture
def competition(district):
    return make_competition(district)
