"""Drill fixtures: a drill of enterprise A (organised by `manager`), one of enterprise B, and a
district drill."""

from __future__ import annotations

import pytest

from drills.models import ParticipantRole, Participation
from tests.drills.factories import make_drill


@pytest.fixture
def drill(enterprise, manager):
    return make_drill(enterprise=enterprise, created_by=manager)


@pytest.fixture
def other_drill(other_enterprise, other_manager):
    return make_drill(
        enterprise=other_enterprise, created_by=other_manager, title="B企业火灾演练", place="B厂区"
    )


@pytest.fixture
def worker_participation(drill, worker):
    return Participation.objects.create(
        drill=drill, person=worker.person, role=ParticipantRole.PLAYER
    )
