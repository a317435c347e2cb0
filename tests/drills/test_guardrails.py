"""Drill workflow guardrails (issue 19): many participants' roles change in one step; the planning
form is grouped and asks for 实际投入 and 已报告监管部门 only once the drill is held; workers never
see the budget or the regulator flags."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from drills import participation
from drills.models import DrillStatus, ParticipantRole, Participation
from tests.drills.factories import drill_post, make_drill
from tests.factories import PersonFactory


def _parts(drill, people, role=ParticipantRole.PLAYER):
    return [Participation.objects.create(drill=drill, person=p, role=role) for p in people]


# --------------------------------------------------------------------------- roles in one step


def test_a_manager_changes_the_role_of_many_participants_in_one_step(client, manager, drill):
    people = [PersonFactory(enterprise=drill.enterprise) for _ in range(3)]
    parts = _parts(drill, people)
    client.force_login(manager)
    response = client.post(
        reverse("drills:participants", args=[drill.pk]),
        {"action": "roles", "parts": [parts[0].pk, parts[1].pk], "role": "evaluator"},
    )
    assert response.status_code == 302
    roles = dict(drill.participations.values_list("pk", "role"))
    assert roles == {parts[0].pk: "evaluator", parts[1].pk: "evaluator", parts[2].pk: "player"}
    page = client.get(reverse("drills:participants", args=[drill.pk])).content.decode()
    assert 'id="bulk-roles"' in page
    assert "批量更改角色" in page


def test_a_worker_is_refused_the_bulk_role_change(client, worker, drill, worker_participation):
    client.force_login(worker)
    response = client.post(
        reverse("drills:participants", args=[drill.pk]),
        {"action": "roles", "parts": [worker_participation.pk], "role": "director"},
    )
    assert response.status_code == 403
    worker_participation.refresh_from_db()
    assert worker_participation.role == ParticipantRole.PLAYER


def test_a_participating_managers_bulk_change_touching_another_enterprises_person_changes_nobody(
    client, other_manager, other_enterprise, enterprise, district
):
    region_drill = make_drill(region=district, title="区级联动演练")
    region_drill.participating_enterprises.add(other_enterprise, enterprise)
    own = _parts(region_drill, [PersonFactory(enterprise=other_enterprise)])[0]
    foreign = _parts(region_drill, [PersonFactory(enterprise=enterprise)])[0]
    client.force_login(other_manager)
    response = client.post(
        reverse("drills:participants", args=[region_drill.pk]),
        {"action": "roles", "parts": [own.pk, foreign.pk], "role": "evaluator"},
    )
    assert response.status_code == 403
    assert set(region_drill.participations.values_list("role", flat=True)) == {"player"}
    # their own people alone: allowed
    client.post(
        reverse("drills:participants", args=[region_drill.pk]),
        {"action": "roles", "parts": [own.pk], "role": "evaluator"},
    )
    own.refresh_from_db()
    assert own.role == "evaluator"


def test_bad_bulk_input_is_refused_in_chinese_and_changes_nothing(manager, drill, other_drill):
    mine = _parts(drill, [PersonFactory(enterprise=drill.enterprise)])[0]
    theirs = _parts(other_drill, [PersonFactory(enterprise=other_drill.enterprise)])[0]
    cases = [
        ([mine.pk], "boss", "未知的角色"),
        ([], "evaluator", "请先勾选"),
        ([mine.pk, theirs.pk], "evaluator", "不属于本次演练"),
        (["x"], "evaluator", "无效"),
    ]
    for ids, role, message in cases:
        with pytest.raises(ValidationError) as exc:
            participation.change_roles(user=manager, drill=drill, participation_ids=ids, role=role)
        assert message in exc.value.messages[0]
    assert set(Participation.objects.values_list("role", flat=True)) == {"player"}


# --------------------------------------------------------------------------- the planning form


def test_the_planning_form_is_grouped_and_asks_nothing_known_only_after_the_drill(client, manager):
    client.force_login(manager)
    page = client.get(reverse("drills:create")).content.decode()
    legends = ["基本信息", "时间和地点", "演练场景", "参演人员", "经费"]
    positions = [page.index(f"<legend>{g}</legend>") for g in legends]
    assert positions == sorted(positions)
    assert 'name="budget"' in page
    for name in ("spent", "reported_to_regulator", "reported_on"):
        assert f'name="{name}"' not in page


def test_a_posted_spent_or_reported_flag_is_ignored_before_the_drill_is_held(
    client, manager, enterprise
):
    client.force_login(manager)
    response = client.post(
        reverse("drills:create"),
        drill_post(enterprise, spent="4800", reported_to_regulator="on", reported_on="2026-12-11"),
    )
    assert response.status_code == 302
    drill = enterprise.drills.get()
    assert (drill.spent, drill.reported_to_regulator, drill.reported_on) == (0, False, None)
    # still planned: the edit form leaves them out too
    response = client.post(
        reverse("drills:edit", args=[drill.pk]),
        drill_post(enterprise, spent="4800", reported_to_regulator="on", reported_on="2026-12-11"),
    )
    drill.refresh_from_db()
    assert drill.spent == 0
    assert not drill.reported_to_regulator


def test_a_held_drill_asks_for_the_money_spent_and_the_report(client, manager, enterprise):
    drill = make_drill(enterprise=enterprise, status=DrillStatus.EVALUATING, spent=Decimal("0"))
    client.force_login(manager)
    page = client.get(reverse("drills:edit", args=[drill.pk])).content.decode()
    assert "<legend>报告监管部门</legend>" in page
    assert 'name="spent"' in page
    client.post(
        reverse("drills:edit", args=[drill.pk]),
        drill_post(
            enterprise, spent="4800.50", reported_to_regulator="on", reported_on="2026-12-11"
        ),
    )
    drill.refresh_from_db()
    assert drill.spent == Decimal("4800.50")
    assert drill.reported_to_regulator


# --------------------------------------------------------------------------- what workers see


def test_a_worker_never_sees_the_budget_or_the_regulator_flag(
    client, worker, manager, drill, worker_participation
):
    drill.reported_to_regulator = True
    drill.save()
    client.force_login(worker)
    page = client.get(reverse("drills:detail", args=[drill.pk])).content.decode()
    for text in ("预算", "实际投入", "报告监管部门", str(drill.budget)):
        assert text not in page
    client.force_login(manager)
    page = client.get(reverse("drills:detail", args=[drill.pk])).content.decode()
    assert "预算/实际投入" in page
    assert "报告监管部门" in page
