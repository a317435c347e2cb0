"""Demo data of 三级安全教育 (seeder order 47, after the people and the operators):

In 甬江化工 (demo_manager), with demo_leader (a 班组长 login) teaching the 班组级:
- a new hire starting in 20 days: nothing signed yet (the 公司级 filled in, ready to sign);
- a new hire starting in 15 days: the 公司级 signed by both;
- demo_worker, transferred (转岗) in 12 days: two levels signed, the 班组级 waiting for demo_worker
  and demo_leader (their 工作台 list it; the browser journey signs it on a phone);
- a new hire who started 60 days ago: complete (three training records written);
- a 复岗 who started 5 days ago with two levels signed: working without a complete 三级教育
  (demo_manager's to-do, the dashboard).
Everyone else hired within the past year gets a complete induction, so only that one is flagged.
Re-seeding replaces the demo inductions (and their training records).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

DEMO_NOTE = "演示数据"

CONTENT = {
    1: "安全生产法律法规与本企业安全生产规章制度\n本企业主要危险有害因素与典型事故案例\n"
    "应急预案、疏散逃生与自救互救\n劳动防护用品的正确使用",
    2: "本车间（部门）工艺流程与危险源\n本车间安全操作规程与岗位安全责任\n防火防爆与职业病危害防护",
    3: "本岗位安全操作规程与交接班制度\n设备、工具与安全防护设施的正确使用\n岗位应急处置卡与事故报告",
}


def _split(required: Decimal | None) -> dict[int, Decimal]:
    total = required or Decimal(24)
    first = (total / 3).quantize(Decimal("0.5"))
    return {1: first, 2: first, 3: total - 2 * first}


def _make(person, reason, starts_on, *, signed: int, ready: int, instructors, required, now):
    """An induction with `ready` levels filled in (held 10/7/4 days before the start, or for a
    start still ahead on the last days) and the first `signed` of them signed by both (their
    training records written)."""
    from django.utils import timezone

    from induction import services
    from induction.models import Level

    induction = services.start_induction(
        person=person, reason=reason, starts_on=starts_on, notes=DEMO_NOTE, position=person.position
    )
    hours = _split(required)
    levels = {lv.level: lv for lv in induction.levels.all()}
    for value, days in zip(Level.values, (10, 7, 4), strict=True):
        if value > ready:
            break
        level = levels[value]
        services.save_level(
            level=level,
            held_on=min(
                starts_on - timedelta(days=days),
                timezone.localtime(now).date() - timedelta(days=4 - value),
            ),
            hours=hours[value],
            content=CONTENT[value],
            instructor=instructors[value],
        )
        if value <= signed:
            # as the phones would have signed them (the demo skips the permission check)
            at = now - timedelta(days=max(1, (timezone.localtime(now).date() - level.held_on).days))
            level.trainee_signed_at, level.trainee_signed_by = at, person.user
            level.instructor_signed_at, level.instructor_signed_by = at, instructors[value]
            level.save()
            services.write_record(level)
    return induction


def seed(ctx) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from courses.models import TrainingRecord
    from induction import services
    from induction.models import NEW_HIRE_WINDOW_DAYS, Induction, InductionLevel, Reason
    from portal.demo import _link, _user
    from portal.models import Person, PersonCategory

    old = InductionLevel.objects.filter(induction__notes=DEMO_NOTE).values_list("pk", flat=True)
    TrainingRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(InductionLevel), object_id__in=list(old)
    ).delete()
    Induction.objects.filter(notes=DEMO_NOTE).delete()

    today = timezone.localdate()
    now = timezone.now()
    a = ctx.enterprise_a
    manager = ctx.users.get("demo_manager")
    worker = ctx.users.get("demo_worker")
    if manager is None:
        return
    leader_person = (
        a.people.filter(category=PersonCategory.TEAM_LEADER).order_by("id_number").first()
    )
    leader = _user(ctx, "demo_leader", full_name="")
    if leader_person is not None:
        _link(leader, leader_person)
        leader.first_name = leader_person.name
        leader.save(update_fields=["first_name"])
    instructors = {1: manager, 2: manager, 3: leader}
    table = services.required_table()
    worker_person = getattr(worker, "person", None) if worker else None
    taken = {p.pk for p in (worker_person, leader_person) if p is not None}
    others = list(
        a.people.filter(category=PersonCategory.OTHER, is_active=True)
        .exclude(pk__in=taken)
        .order_by("-id_number")[:4]
    )
    required = services.required_hours(a, table)
    made = 0
    plan = [
        (Reason.NEW_HIRE, 20, 0, 1),
        (Reason.NEW_HIRE, 15, 1, 2),
        (Reason.NEW_HIRE, -60, 3, 3),
        (Reason.RETURN, -5, 2, 3),
    ]
    for person, (reason, days, signed, ready) in zip(others, plan, strict=False):
        starts_on = today + timedelta(days=days)
        if reason == Reason.NEW_HIRE:
            person.hired_on = starts_on
            person.save(update_fields=["hired_on"])
        _make(
            person,
            reason,
            starts_on,
            signed=signed,
            ready=ready,
            instructors=instructors,
            required=required,
            now=now,
        )
        made += 1
    if worker_person is not None and worker_person.enterprise_id == a.pk:
        _make(
            worker_person,
            Reason.TRANSFER,
            today + timedelta(days=12),
            signed=2,
            ready=3,
            instructors=instructors,
            required=required,
            now=now,
        )
        made += 1
    # The rest of the district's recent hires went through theirs before starting.
    recent = Person.objects.filter(
        enterprise__in=ctx.enterprises,
        is_active=True,
        hired_on__lte=today,
        hired_on__gt=today - timedelta(days=NEW_HIRE_WINDOW_DAYS),
        inductions__isnull=True,
    ).select_related("enterprise", "user")
    for person in recent:
        boss = person.enterprise.managers.first() or manager
        _make(
            person,
            Reason.NEW_HIRE,
            person.hired_on,
            signed=3,
            ready=3,
            instructors={1: boss, 2: boss, 3: boss},
            required=services.required_hours(person.enterprise, table),
            now=now,
        )
        made += 1
