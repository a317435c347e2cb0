"""Demo data for seed_demo (order 50): plans, drills in every state including the linked district
drill, participants, script, evaluations, findings and actions. Idempotent: rows are found by
natural keys (drill code, plan name, finding text)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from drills.evaluation import save_evaluation
from drills.models import (
    AccidentType,
    CorrectiveAction,
    Drill,
    DrillStatus,
    EmergencyPlan,
    Evaluation,
    EvaluationTemplate,
    Finding,
    ParticipantRole,
    Participation,
    PlanType,
    ScriptStep,
)
from drills.reminders import notify_unreported
from drills.reports import record_training_for_drill
from portal.models import PersonCategory

HELD_TRAINING_STATES = (DrillStatus.EVALUATING, DrillStatus.RECTIFYING, DrillStatus.ARCHIVED)

PLANS = [
    # (enterprise index, name, type, accident types)
    (
        0,
        "甬江化工生产安全事故综合应急预案",
        PlanType.COMPREHENSIVE,
        [AccidentType.FIRE, AccidentType.CHEMICAL_LEAK],
    ),
    (0, "液氯泄漏专项应急预案", PlanType.SPECIAL, [AccidentType.CHEMICAL_LEAK]),
    (0, "储罐区火灾现场处置方案", PlanType.ONSITE, [AccidentType.FIRE]),
    (4, "船坞有限空间作业现场处置方案", PlanType.ONSITE, [AccidentType.CONFINED_SPACE]),
    (
        4,
        "西塘船舶修造综合应急预案",
        PlanType.COMPREHENSIVE,
        [AccidentType.FIRE, AccidentType.OTHER],
    ),
    (7, "冷库液氨泄漏专项应急预案", PlanType.SPECIAL, [AccidentType.AMMONIA]),
    (
        8,
        "南港石化储运综合应急预案",
        PlanType.COMPREHENSIVE,
        [AccidentType.CHEMICAL_LEAK, AccidentType.PIPELINE_LEAK],
    ),
    (5, "煤气泄漏中毒专项应急预案", PlanType.SPECIAL, [AccidentType.CHEMICAL_LEAK]),
]

# (code, enterprise index or None for the district, title, status, days from today, plan index,
#  form, content, accident type, place, budget, spent, campaign)
DRILLS = [
    (
        "YL-DEMO-01",
        0,
        "液氯储罐泄漏处置综合演练",
        DrillStatus.ARCHIVED,
        -150,
        1,
        "live",
        "comprehensive",
        AccidentType.CHEMICAL_LEAK,
        "甬江化工液氯罐区",
        "38000",
        "35600",
        "safety_month",
    ),
    (
        "YL-DEMO-02",
        0,
        "储罐区初起火灾现场处置演练",
        DrillStatus.RECTIFYING,
        -40,
        2,
        "live",
        "single",
        AccidentType.FIRE,
        "甬江化工储罐区东侧",
        "12000",
        "11800",
        "",
    ),
    (
        "YL-DEMO-03",
        4,
        "船坞有限空间中毒窒息救援演练",
        DrillStatus.EVALUATING,
        -5,
        3,
        "live",
        "single",
        AccidentType.CONFINED_SPACE,
        "西塘船舶2号船坞",
        "8000",
        "7650",
        "",
    ),
    (
        "YL-DEMO-04",
        0,
        "综合应急预案桌面推演",
        DrillStatus.EXECUTING,
        0,
        0,
        "tabletop",
        "comprehensive",
        AccidentType.CHEMICAL_LEAK,
        "甬江化工办公楼三楼会议室",
        "2000",
        "1200",
        "",
    ),
    (
        "YL-DEMO-05",
        7,
        "冷库液氨泄漏应急疏散演练",
        DrillStatus.PREPARING,
        2,
        5,
        "live",
        "single",
        AccidentType.AMMONIA,
        "塘西冷链1号冷库",
        "15000",
        "0",
        "",
    ),
    (
        "YL-DEMO-06",
        4,
        "船舶修造综合应急预案桌面演练",
        DrillStatus.PLANNED,
        12,
        4,
        "tabletop",
        "comprehensive",
        AccidentType.FIRE,
        "西塘船舶综合楼会议室",
        "3000",
        "0",
        "fire_day",
    ),
    (
        "YL-DEMO-07",
        8,
        "输油管道泄漏现场处置演练",
        DrillStatus.CANCELLED,
        20,
        6,
        "live",
        "single",
        AccidentType.PIPELINE_LEAK,
        "南港石化储运3号泊位",
        "20000",
        "0",
        "",
    ),
    (
        "YL-DEMO-08",
        None,
        "危险化学品道路运输事故联合演练",
        DrillStatus.PLANNED,
        25,
        None,
        "live",
        "comprehensive",
        AccidentType.ROAD_TRANSPORT,
        "南港镇疏港公路化工园区段",
        "260000",
        "0",
        "safety_month",
    ),
]


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed_drills(ctx) -> None:
    plans = []
    for ent_index, name, plan_type, accidents in PLANS:
        enterprise = ctx.enterprises[ent_index]
        plan, _ = EmergencyPlan.objects.get_or_create(
            enterprise=enterprise,
            name=name,
            defaults={
                "plan_type": plan_type,
                "accident_types": [str(a) for a in accidents],
                "version": "2025版",
                "filing_status": EmergencyPlan.FilingStatus.FILED,
                "filed_on": timezone.localdate() - timedelta(days=300),
                "next_review_on": timezone.localdate() + timedelta(days=430),
            },
        )
        plans.append(plan)

    manager = ctx.users.get("demo_manager")
    supervisor = ctx.users.get("demo_supervisor")
    for (
        code,
        ent_index,
        title,
        status,
        days,
        plan_index,
        form,
        content,
        accident,
        place,
        budget,
        spent,
        campaign,
    ) in DRILLS:
        enterprise = ctx.enterprises[ent_index] if ent_index is not None else None
        drill = Drill.objects.filter(code=code).first()
        if drill is not None:
            continue
        hour = 9 if form == "live" else 14
        drill = Drill.objects.create(
            code=code,
            title=title,
            enterprise=enterprise,
            organiser_region=None if enterprise else ctx.district,
            level=Drill.Level.ENTERPRISE if enterprise else Drill.Level.DISTRICT,
            is_linked=enterprise is None,
            participating_units="区消防救援大队\n区交警大队\n区人民医院急救中心\n区生态环境分局"
            if enterprise is None
            else "",
            form=form,
            content=content,
            purpose=Drill.Purpose.DEMONSTRATION if enterprise is None else Drill.Purpose.INSPECTION,
            accident_type=accident,
            plan=plans[plan_index] if plan_index is not None else None,
            planned_start=_at(days, hour),
            planned_end=_at(days, hour) + timedelta(hours=3 if form == "live" else 2),
            place=place,
            budget=Decimal(budget),
            spent=Decimal(spent),
            campaign=campaign,
            reported_to_regulator=status in (DrillStatus.ARCHIVED, DrillStatus.RECTIFYING),
            reported_on=(_at(days, 9) + timedelta(days=3)).date()
            if status in (DrillStatus.ARCHIVED, DrillStatus.RECTIFYING)
            else None,
            status=status,
            created_by=(manager if ent_index == 0 else None) if enterprise else supervisor,
            summary="演练达到预期目标：报警及时，警戒疏散有序，堵漏处置规范；通讯联络和物资保障仍需加强。"
            if status in (DrillStatus.ARCHIVED, DrillStatus.RECTIFYING)
            else "",
        )
        if enterprise is None:
            drill.participating_enterprises.set(
                [ctx.enterprises[0], ctx.enterprises[8], ctx.enterprises[10]]
            )
        _participants(ctx, drill, status)
        _script(drill)
        if status in (DrillStatus.EVALUATING, DrillStatus.RECTIFYING, DrillStatus.ARCHIVED):
            _evaluation(ctx, drill)
        if status in (DrillStatus.RECTIFYING, DrillStatus.ARCHIVED):
            _findings(drill, supervisor, archived=status == DrillStatus.ARCHIVED)
    _rule_cases(ctx)
    for drill in Drill.objects.filter(code__startswith="YL-DEMO-", status__in=HELD_TRAINING_STATES):
        record_training_for_drill(drill_id=drill.pk)  # idempotent per participation
    notify_unreported(now=timezone.now())  # the unreported case below: a notice to demo_manager


def _rule_cases(ctx) -> None:
    """Drills that show the rules: a street's linked community drill with a headcount of residents
    on no roster, crediting the construction firm (明湖建设, under the drill rule but not the 48/16
    training rule) that took part; and a drill of 甬江化工 held three weeks ago and not reported to
    the regulator (the reporting duty of 应急条例第八条)."""
    builder = ctx.enterprises[2]
    if not Drill.objects.filter(code="YL-DEMO-09").exists():
        start = _at(-60, 9)
        drill = Drill.objects.create(
            code="YL-DEMO-09",
            title="东湖街道社区火灾疏散联动演练",
            organiser_region=ctx.streets[0],
            level=Drill.Level.STREET,
            is_linked=True,
            participating_units="街道消防站\n社区卫生服务中心",
            form="live",
            content="comprehensive",
            purpose=Drill.Purpose.DEMONSTRATION,
            accident_type=AccidentType.FIRE,
            plan_type=PlanType.ONSITE,
            planned_start=start,
            planned_end=start + timedelta(hours=2),
            place="东湖街道明湖社区广场",
            budget=Decimal("18000"),
            spent=Decimal("16500"),
            headcount=85,  # residents who joined, on no roster
            status=DrillStatus.ARCHIVED,
            reported_to_regulator=True,
            reported_on=(start + timedelta(days=2)).date(),
            summary="社区居民 85 人参加疏散；明湖建设工程应急队完成初起火灾扑救和人员搜救。",
        )
        drill.participating_enterprises.set([builder])
        _participants(ctx, drill, DrillStatus.ARCHIVED)
    if not Drill.objects.filter(code="YL-DEMO-10").exists():
        enterprise = ctx.enterprises[0]
        start = _at(-21, 9)
        drill = Drill.objects.create(
            code="YL-DEMO-10",
            title="危化品仓库泄漏现场处置演练",
            enterprise=enterprise,
            level=Drill.Level.ENTERPRISE,
            form="live",
            content="single",
            accident_type=AccidentType.CHEMICAL_LEAK,
            plan=EmergencyPlan.objects.filter(enterprise=enterprise, plan_type=PlanType.ONSITE)
            .order_by("pk")
            .first(),
            planned_start=start,
            planned_end=start + timedelta(hours=2),
            place="甬江化工危化品仓库",
            budget=Decimal("6000"),
            spent=Decimal("5200"),
            status=DrillStatus.EVALUATING,
            reported_to_regulator=False,
            created_by=ctx.users.get("demo_manager"),
        )
        _participants(ctx, drill, DrillStatus.EVALUATING)


def _participants(ctx, drill: Drill, status: str) -> None:
    enterprises = (
        [drill.enterprise] if drill.enterprise_id else list(drill.participating_enterprises.all())
    )
    held = status in (
        DrillStatus.EXECUTING,
        DrillStatus.EVALUATING,
        DrillStatus.RECTIFYING,
        DrillStatus.ARCHIVED,
    )
    rows = []
    for enterprise in enterprises:
        people = list(enterprise.people.order_by("id_number")[:12])
        for i, person in enumerate(people):
            if person.category == PersonCategory.PRINCIPAL:
                role = ParticipantRole.COMMANDER
            elif person.category == PersonCategory.SAFETY_MANAGER:
                role = ParticipantRole.DIRECTOR if i % 2 else ParticipantRole.EVALUATOR
            elif person.category == PersonCategory.TEAM_LEADER:
                role = ParticipantRole.SUPPORT
            else:
                role = ParticipantRole.PLAYER
            rows.append(
                Participation(
                    drill=drill,
                    person=person,
                    role=role,
                    checked_in_at=drill.planned_start - timedelta(minutes=20 - i)
                    if held and i % 7
                    else None,
                    check_in_method=Participation.CheckIn.QR if held and i % 7 else "",
                )
            )
    Participation.objects.bulk_create(rows, ignore_conflicts=True)
    for name, unit, role in [
        ("陈建华", "区应急管理局", ParticipantRole.EVALUATOR),
        ("赵立新", "区消防救援大队", ParticipantRole.OBSERVER),
    ]:
        Participation.objects.get_or_create(
            drill=drill, external_name=name, external_unit=unit, defaults={"role": role}
        )


SCRIPT = [
    ("09:00", "巡检人员发现异常气味并报告中控室", "中控室确认报警信息，通知当班班长"),
    ("09:05", "班长现场确认泄漏，启动现场处置方案", "切断进料阀门，组织无关人员撤离"),
    ("09:12", "应急救援队佩戴空气呼吸器进入警戒区", "设置警戒线，实施堵漏，喷淋稀释"),
    ("09:30", "伤员转运与医疗救护", "急救人员现场处置并转运医院"),
    ("09:50", "险情解除，清点人数，现场洗消", "总指挥宣布演练结束并点评"),
]


def _script(drill: Drill) -> None:
    start = timezone.localtime(drill.planned_start)
    for order, (hhmm, content, expected) in enumerate(SCRIPT, start=1):
        h, m = map(int, hhmm.split(":"))
        planned = time((start.hour + h - 9) % 24, m)
        actual = None
        if drill.status in (DrillStatus.EVALUATING, DrillStatus.RECTIFYING, DrillStatus.ARCHIVED):
            actual = time(planned.hour, min(planned.minute + order, 59))
        ScriptStep.objects.get_or_create(
            drill=drill,
            order=order,
            defaults={
                "planned_time": planned,
                "content": content,
                "expected_action": expected,
                "actual_time": actual,
                "notes": "按预定程序完成" if actual else "",
            },
        )


def _evaluation(ctx, drill: Drill) -> None:
    template = EvaluationTemplate.objects.filter(form=drill.form, is_active=True).first()
    evaluator = ctx.users.get("demo_supervisor")
    if (
        template is None
        or evaluator is None
        or Evaluation.objects.filter(drill=drill, evaluator=evaluator).exists()
    ):
        return
    answers = {}
    for n, item in enumerate(template.items.all()):
        if item.kind == "yes_no":
            answers[item.pk] = {"yes": n % 4 != 3}
        elif item.kind == "points":
            answers[item.pk] = {"points": Decimal(item.max_points) * Decimal("0.8")}
        else:
            answers[item.pk] = {"seconds": (item.target_seconds or 60) - 30}
    save_evaluation(
        drill=drill,
        template=template,
        evaluator=evaluator,
        answers=answers,
        comment="组织有序，处置基本规范，个别人员防护装备佩戴不到位。",
        submit=True,
    )


def _findings(drill: Drill, supervisor, *, archived: bool) -> None:
    today = timezone.localdate()
    items = [
        (
            Finding.Grade.DEFICIENCY,
            "应急通讯对讲机信号在罐区北侧中断，指令传达延误约3分钟",
            "增设罐区中继台并每月测试通讯盲区",
            20,
        ),
        (
            Finding.Grade.RECTIFY,
            "两名参演人员空气呼吸器佩戴不规范，面罩气密性未检查",
            "组织全员呼吸器佩戴复训并考核",
            10,
        ),
        (
            Finding.Grade.IMPROVE,
            "警戒区标识数量不足，夜间可视性差",
            "补充配备反光警示锥和警戒带",
            30,
        ),
    ]
    owner = (
        drill.participations.filter(person__isnull=False, role=ParticipantRole.DIRECTOR)
        .select_related("person")
        .first()
    )
    for grade, desc, action_text, due_days in items:
        finding, _ = Finding.objects.get_or_create(
            drill=drill, description=desc, defaults={"grade": grade}
        )
        if finding.actions.exists():
            continue
        action = CorrectiveAction(
            finding=finding,
            description=action_text,
            owner=owner.person if owner else None,
            owner_name="" if owner else "安全科",
            due_on=today + timedelta(days=due_days if not archived else -60),
        )
        if archived:
            action.status = CorrectiveAction.Status.VERIFIED
            action.completion_note = "已完成"
            action.verification = "现场核查整改到位"
            action.verified_by = supervisor
            action.verified_at = timezone.now() - timedelta(days=50)
        elif grade == Finding.Grade.RECTIFY:
            action.due_on = today - timedelta(days=2)  # overdue, shows in reminders
        action.save()
