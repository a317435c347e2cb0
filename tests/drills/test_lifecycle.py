from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drills import evaluation, lifecycle
from drills.models import CorrectiveAction, DrillStatus, Finding
from tests.drills.factories import make_drill

pytestmark = pytest.mark.django_db


def test_a_drill_moves_through_the_whole_lifecycle_in_order(drill):
    for to in ("preparing", "executing", "evaluating", "rectifying", "archived"):
        drill = lifecycle.transition_drill(drill=drill, to=to)
    assert drill.status == DrillStatus.ARCHIVED


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("planned", "executing"),
        ("planned", "archived"),
        ("executing", "planned"),
        ("archived", "rectifying"),
        ("cancelled", "planned"),
        ("archived", "cancelled"),
    ],
)
def test_a_skipped_or_backward_transition_is_refused(enterprise, start, to):
    drill = make_drill(enterprise=enterprise, status=start)
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.transition_drill(drill=drill, to=to)
    drill.refresh_from_db()
    assert drill.status == start


@pytest.mark.parametrize("start", ["planned", "preparing", "executing", "evaluating", "rectifying"])
def test_every_unfinished_drill_can_be_cancelled(enterprise, start):
    drill = make_drill(enterprise=enterprise, status=start)
    assert lifecycle.transition_drill(drill=drill, to="cancelled").status == "cancelled"


def _open_action(drill, grade=Finding.Grade.DEFICIENCY):
    finding = Finding.objects.create(drill=drill, grade=grade, description="对讲机信号中断")
    return CorrectiveAction.objects.create(
        finding=finding,
        description="增设中继台",
        owner_name="安全科",
        due_on=timezone.localdate() + timedelta(days=5),
    )


def test_archive_is_blocked_while_a_deficiency_action_is_open(enterprise):
    drill = make_drill(enterprise=enterprise, status="rectifying")
    _open_action(drill)
    with pytest.raises(lifecycle.TransitionError, match="不足项"):
        lifecycle.transition_drill(drill=drill, to="archived")


def test_an_open_improvement_action_does_not_block_archive(enterprise):
    drill = make_drill(enterprise=enterprise, status="rectifying")
    _open_action(drill, grade=Finding.Grade.IMPROVE)
    assert lifecycle.transition_drill(drill=drill, to="archived").status == "archived"


def test_a_verified_deficiency_action_no_longer_blocks_archive(enterprise, manager):
    drill = make_drill(enterprise=enterprise, status="rectifying")
    action = _open_action(drill)
    action.status = CorrectiveAction.Status.DONE
    action.save()
    evaluation.verify_action(action=action, user=manager, verification="现场核查到位")
    assert lifecycle.transition_drill(drill=drill, to="archived").status == "archived"


def test_a_supervisor_can_defer_a_deficiency_with_a_reason_and_then_archive(enterprise, supervisor):
    drill = make_drill(enterprise=enterprise, status="rectifying")
    action = _open_action(drill)
    evaluation.defer_action(action=action, user=supervisor, reason="设备采购周期长，列入下季度计划")
    assert lifecycle.transition_drill(drill=drill, to="archived").status == "archived"


def test_a_manager_or_another_streets_supervisor_cannot_defer(enterprise, manager, other_street):
    from tests.factories import make_supervisor

    drill = make_drill(enterprise=enterprise, status="rectifying")
    action = _open_action(drill)
    for user in (manager, make_supervisor(other_street)):
        with pytest.raises(PermissionError):
            evaluation.defer_action(action=action, user=user, reason="理由充分的暂缓")
    action.refresh_from_db()
    assert action.deferral_reason == ""


def test_archive_button_shows_the_blocking_message_and_changes_nothing(client, manager, enterprise):
    drill = make_drill(enterprise=enterprise, status="rectifying")
    _open_action(drill)
    client.force_login(manager)
    response = client.post(
        reverse("drills:transition", args=[drill.pk]), {"to": "archived"}, follow=True
    )
    assert "不足项整改措施未关闭" in response.content.decode()
    drill.refresh_from_db()
    assert drill.status == "rectifying"


def test_a_drill_at_the_same_place_and_overlapping_time_is_warned(
    client, manager, enterprise, drill
):
    client.force_login(manager)
    start = timezone.localtime(drill.planned_start + timedelta(hours=1))
    response = client.post(
        reverse("drills:create"),
        {
            "title": "同地点演练",
            "enterprise": enterprise.pk,
            "level": "enterprise",
            "form": "live",
            "content": "single",
            "purpose": "inspection",
            "accident_type": "fire",
            "planned_start": f"{start:%Y-%m-%dT%H:%M}",
            "planned_end": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "place": "一号罐区",
            "budget": "0",
            "spent": "0",
            "training_hours": "2",
        },
        follow=True,
    )
    assert "同一地点" in response.content.decode()
    assert "液氯泄漏处置演练" in response.content.decode()


def test_a_drill_elsewhere_or_at_another_time_is_not_an_overlap(enterprise, drill):
    elsewhere = make_drill(enterprise=enterprise, place="二号车间", start=drill.planned_start)
    later = make_drill(enterprise=enterprise, start=drill.planned_end + timedelta(minutes=1))
    assert not lifecycle.overlapping_drills(drill=elsewhere).exists()
    assert not lifecycle.overlapping_drills(drill=later).exists()


def test_a_drill_ending_before_it_starts_is_refused_with_a_chinese_message(
    client, manager, enterprise
):
    client.force_login(manager)
    response = client.post(
        reverse("drills:create"),
        {
            "title": "时间错误",
            "enterprise": enterprise.pk,
            "level": "enterprise",
            "form": "live",
            "content": "single",
            "purpose": "inspection",
            "accident_type": "fire",
            "planned_start": "2026-12-10T10:00",
            "planned_end": "2026-12-10T09:00",
            "place": "一号罐区",
            "budget": "0",
            "spent": "0",
            "training_hours": "2",
        },
    )
    assert response.status_code == 200
    assert "计划结束时间不能早于开始时间" in response.content.decode()
    assert not enterprise.drills.exists()
