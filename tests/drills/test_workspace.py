"""The manager's front workspace end to end: participants, script, evaluation, findings, attachments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from drills.models import CorrectiveAction, EvaluationTemplate, Finding, Participation
from portal.models import PersonCategory
from tests.drills.factories import drill_post
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_manager_creates_a_drill_from_the_front_workspace(client, manager, enterprise):
    client.force_login(manager)
    assert client.get(reverse("drills:create")).status_code == 200
    response = client.post(reverse("drills:create"), drill_post(enterprise, campaign="fire_day"))
    drill = enterprise.drills.get()
    assert response.status_code == 302
    assert drill.budget == Decimal("5000")
    assert drill.code.startswith("YL2026")
    assert drill.created_by == manager


def test_a_manager_cannot_create_a_drill_for_another_enterprise(client, manager, other_enterprise):
    client.force_login(manager)
    response = client.post(
        reverse("drills:create"),
        {
            "title": "越权",
            "enterprise": other_enterprise.pk,
            "level": "enterprise",
            "form": "live",
            "content": "single",
            "purpose": "inspection",
            "accident_type": "fire",
            "planned_start": "2026-12-10T09:00",
            "planned_end": "2026-12-10T11:00",
            "place": "x",
            "budget": "0",
            "spent": "0",
            "training_hours": "2",
        },
    )
    assert response.status_code == 200
    assert not other_enterprise.drills.exists()


def test_participants_are_added_by_category_whole_enterprise_selection_and_as_externals(
    client, manager, enterprise, drill
):
    leaders = [
        PersonFactory(enterprise=enterprise, category=PersonCategory.TEAM_LEADER) for _ in range(2)
    ]
    others = [PersonFactory(enterprise=enterprise) for _ in range(3)]
    client.force_login(manager)
    url = reverse("drills:participants", args=[drill.pk])
    client.post(
        url,
        {
            "action": "add",
            "mode": "category",
            "category": PersonCategory.TEAM_LEADER,
            "role": "support",
        },
    )
    assert set(drill.participations.values_list("person_id", flat=True)) == {p.pk for p in leaders}
    client.post(
        url, {"action": "add", "mode": "selected", "people": [others[0].pk], "role": "evaluator"}
    )
    client.post(
        url, {"action": "add", "mode": "enterprise", "enterprise": enterprise.pk, "role": "player"}
    )
    assert drill.participations.filter(person__isnull=False).count() == 5  # no duplicates
    assert drill.participations.get(person=others[0]).role == "evaluator"
    client.post(
        url, {"action": "external", "name": "陈医生", "unit": "区人民医院", "role": "support"}
    )
    ext = drill.participations.get(person__isnull=True)
    assert (ext.name, ext.unit) == ("陈医生", "区人民医院")
    html = client.get(url).content.decode()
    assert "陈医生" in html
    assert "区人民医院" in html


def test_adding_with_nothing_selected_shows_an_error(client, manager, drill):
    client.force_login(manager)
    response = client.post(
        reverse("drills:participants", args=[drill.pk]),
        {"action": "add", "mode": "selected", "role": "player"},
    )
    assert "请至少选择一名人员" in response.content.decode()


def test_a_controller_records_actual_times_on_the_script(
    client, manager, worker, drill, worker_participation
):
    client.force_login(manager)
    client.post(
        reverse("drills:script", args=[drill.pk]),
        {"order": 1, "planned_time": "09:00", "content": "罐区报警", "expected_action": "中控确认"},
    )
    step = drill.script_steps.get()
    worker_participation.role = "director"
    worker_participation.save()
    client.force_login(worker)
    client.post(reverse("drills:script-record", args=[drill.pk, step.pk]), {"now": "1"})
    step.refresh_from_db()
    assert step.actual_time is not None
    assert step.recorded_by == worker
    client.post(
        reverse("drills:script-record", args=[drill.pk, step.pk]),
        {f"s{step.pk}-actual_time": "09:07", f"s{step.pk}-notes": "报警延迟2分钟"},
    )
    step.refresh_from_db()
    assert str(step.actual_time) == "09:07:00"
    assert step.notes == "报警延迟2分钟"


def test_a_plain_player_cannot_record_the_script(client, worker, drill, worker_participation):
    client.force_login(worker)
    assert client.get(reverse("drills:script", args=[drill.pk])).status_code == 403


def test_an_evaluator_fills_the_live_template_on_a_phone_and_the_summary_scores_it(
    client, worker, drill, worker_participation
):
    drill.status = "evaluating"
    drill.save()
    worker_participation.role = "evaluator"
    worker_participation.save()
    template = EvaluationTemplate.objects.get(form="live")
    items = list(template.items.all())
    data = {"t": template.pk, "comment": "总体良好", "submit": "1"}
    for item in items:
        data[f"item-{item.pk}"] = {"yes_no": "yes", "points": str(item.max_points), "time": "4:00"}[
            item.kind
        ]
    client.force_login(worker)
    client.post(reverse("drills:evaluate", args=[drill.pk]), data)
    evaluation = drill.evaluations.get()
    assert evaluation.submitted_at is not None
    assert (
        evaluation.score == evaluation.max_score == sum(i.max_points for i in items)
    )  # 4:00 is under 300 s
    html = client.get(reverse("drills:detail", args=[drill.pk])).content.decode()
    assert "100.0%" in html


def test_an_out_of_range_score_is_refused_and_nothing_is_saved(client, manager, drill):
    drill.status = "evaluating"
    drill.save()
    template = EvaluationTemplate.objects.get(form="live")
    item = template.items.filter(kind="points").first()
    client.force_login(manager)
    response = client.post(
        reverse("drills:evaluate", args=[drill.pk]),
        {"t": template.pk, f"item-{item.pk}": "999", "save": "1"},
    )
    assert "分数须在" in response.content.decode()
    assert not drill.evaluations.exists()


def test_an_incomplete_evaluation_cannot_be_submitted_but_can_be_saved(client, manager, drill):
    drill.status = "executing"
    drill.save()
    template = EvaluationTemplate.objects.get(form="live")
    client.force_login(manager)
    response = client.post(
        reverse("drills:evaluate", args=[drill.pk]), {"t": template.pk, "submit": "1"}
    )
    assert "尚未评分" in response.content.decode()
    client.post(reverse("drills:evaluate", args=[drill.pk]), {"t": template.pk, "save": "1"})
    assert drill.evaluations.get().submitted_at is None


def test_a_worker_without_the_evaluator_role_cannot_evaluate(
    client, worker, drill, worker_participation
):
    client.force_login(worker)
    assert client.get(reverse("drills:evaluate", args=[drill.pk])).status_code == 403


def test_findings_and_actions_flow_from_open_to_verified(client, manager, drill, worker):
    client.force_login(manager)
    url = reverse("drills:findings", args=[drill.pk])
    client.post(url, {"action": "finding", "grade": "deficiency", "description": "对讲机盲区"})
    finding = drill.findings.get()
    due = timezone.localdate() + timedelta(days=10)
    client.post(
        url,
        {
            "action": "action",
            "finding": finding.pk,
            "description": "增设中继台",
            "owner": worker.person.pk,
            "due_on": due,
        },
    )
    action = finding.actions.get()
    assert action.owner == worker.person
    op = reverse("drills:action-update", args=[drill.pk, action.pk])
    client.post(op, {"op": "verify", "verification": "太早"})
    action.refresh_from_db()
    assert action.status == "open"
    client.post(op, {"op": "done", "note": "已安装"})
    client.post(op, {"op": "verify", "verification": "现场测试通话正常"})
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.VERIFIED
    assert action.verified_by == manager


def test_an_action_without_an_owner_is_refused(client, manager, drill):
    finding = Finding.objects.create(drill=drill, grade="improve", description="标识不足")
    client.force_login(manager)
    response = client.post(
        reverse("drills:findings", args=[drill.pk]),
        {
            "action": "action",
            "finding": finding.pk,
            "description": "补充标识",
            "due_on": "2030-01-01",
        },
    )
    assert "请选择责任人" in response.content.decode()
    assert not finding.actions.exists()


def test_a_supervisor_defers_from_the_findings_page_and_a_manager_cannot(
    client, manager, supervisor, drill
):
    finding = Finding.objects.create(drill=drill, grade="deficiency", description="问题")
    action = CorrectiveAction.objects.create(
        finding=finding, description="措施", owner_name="甲", due_on="2030-01-01"
    )
    url = reverse("drills:action-update", args=[drill.pk, action.pk])
    client.force_login(manager)
    assert client.post(url, {"op": "defer", "reason": "经理自己暂缓"}).status_code == 403
    client.force_login(supervisor)
    client.post(url, {"op": "defer", "reason": "设备采购周期长"})
    action.refresh_from_db()
    assert action.deferral_reason == "设备采购周期长"
    assert action.deferred_by == supervisor


def test_attachments_are_validated_by_type_and_size(client, manager, drill, settings):
    client.force_login(manager)
    url = reverse("drills:attachment-upload", args=[drill.pk])
    bad = SimpleUploadedFile("现场.exe", b"MZ....", content_type="application/octet-stream")
    response = client.post(url, {"kind": "photo", "file": bad}, follow=True)
    assert "照片只接受以下格式" in response.content.decode()
    assert not drill.attachments.exists()
    good = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    client.post(url, {"kind": "photo", "file": good})
    att = drill.attachments.get()
    assert att.original_name == "现场.jpg"
    assert att.size == 103
    assert client.get(reverse("drills:attachment", args=[drill.pk, att.pk])).status_code == 200


def test_an_oversized_photo_is_refused(client, manager, drill, monkeypatch):
    from drills import forms

    monkeypatch.setitem(forms.UPLOAD_RULES, "photo", ({".jpg"}, 0))
    client.force_login(manager)
    f = SimpleUploadedFile("大.jpg", b"\xff\xd8\xff" + b"0" * 10, content_type="image/jpeg")
    response = client.post(
        reverse("drills:attachment-upload", args=[drill.pk]),
        {"kind": "photo", "file": f},
        follow=True,
    )
    assert "不能超过" in response.content.decode()
    assert not drill.attachments.exists()


def test_the_my_page_lists_upcoming_drills_and_notices(client, worker, drill, worker_participation):
    from portal.models import Notice
    from portal.notices import KIND_DRILLS, notify

    notify(worker, "演练提醒：测试", body="地点：一号罐区", kind=KIND_DRILLS)
    notify(worker, "其他来源的通知")
    client.force_login(worker)
    html = client.get(reverse("portal:me")).content.decode()
    assert "我的演练" in html
    assert drill.title in html
    assert "演练提醒：测试" in html
    response = client.post(
        reverse("portal:notices-read-all"), {"kind": KIND_DRILLS, "next": reverse("portal:me")}
    )
    assert response["Location"] == reverse("portal:me")
    # only the drill notices are marked read from the 我的演练 block
    assert list(
        Notice.objects.filter(user=worker, read_at__isnull=True).values_list("title", flat=True)
    ) == ["其他来源的通知"]


def test_participations_count_as_person_times(drill, worker):
    Participation.objects.create(drill=drill, person=worker.person)
    Participation.objects.create(drill=drill, external_name="外部", external_unit="单位")
    assert drill.participations.count() == 2


def _region_drill_post(region, enterprises=()):
    return {
        "title": "危险化学品道路运输事故联合演练",
        "organiser_region": region.pk,
        "level": "district",
        "is_linked": "on",
        "participating_enterprises": [e.pk for e in enterprises],
        "participating_units": "区消防救援大队\n区交警大队",
        "form": "live",
        "content": "comprehensive",
        "purpose": "demonstration",
        "accident_type": "road_transport",
        "planned_start": "2026-12-20T09:00",
        "planned_end": "2026-12-20T12:00",
        "place": "疏港公路",
        "budget": "260000",
        "spent": "0",
        "campaign": "safety_month",
        "training_hours": "3",
    }


def test_a_district_supervisor_organises_a_linked_drill_for_the_region(
    client, supervisor, district, enterprise, other_enterprise
):
    client.force_login(supervisor)
    response = client.post(
        reverse("drills:create"), _region_drill_post(district, [enterprise, other_enterprise])
    )
    assert response.status_code == 302
    drill = district.organised_drills.get()
    assert drill.is_linked
    assert set(drill.participating_enterprises.all()) == {enterprise, other_enterprise}


def test_a_street_supervisor_cannot_organise_a_district_drill(client, street_supervisor, district):
    client.force_login(street_supervisor)
    response = client.post(reverse("drills:create"), _region_drill_post(district))
    assert response.status_code == 200
    assert not district.organised_drills.exists()
