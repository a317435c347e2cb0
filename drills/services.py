"""Drill services: scoping, lifecycle, compliance, check-in, evaluation, reminders, calendar,
statistics and the after-action report. Views, tasks and the admin call these; none holds logic."""

from __future__ import annotations

import calendar as pycalendar
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from drills.models import (
    HELD_STATES,
    AfterActionReport,
    CalendarToken,
    CorrectiveAction,
    Drill,
    DrillStatus,
    EmergencyPlan,
    Evaluation,
    EvaluationAnswer,
    EvaluationItem,
    EvaluationTemplate,
    FrequencyRule,
    ParticipantRole,
    Participation,
    ReminderLog,
)
from portal import notices, roles
from portal.models import Enterprise, Person, Region
from portal.ownership import owned_q
from portal.scoping import (
    can_edit_district_settings,
    scope_for,
    visible_enterprises,
    visible_people,
    visible_regions,
)

# --------------------------------------------------------------------------- scoping


def drill_q(user) -> Q:
    """Drills the user may see: superuser all; supervisor their region's enterprises' drills and the
    drills organised by regions in their subtree; manager their enterprise's drills and drills their
    enterprise joins; a worker the drills they take part in."""
    return scope_drill_q(scope_for(user))


def scope_drill_q(scope) -> Q:
    """`drill_q` for a `portal.scoping.Scope` (the statistics functions take a scope)."""
    if scope.is_self:
        return Q(pk__in=Participation.objects.filter(person_id=scope.person_id).values("drill_id"))
    q = owned_q(scope, region="organiser_region")
    if scope.is_enterprise:
        joined = Drill.participating_enterprises.through.objects.filter(
            enterprise_id=scope.enterprise_id
        ).values("drill_id")
        q |= Q(pk__in=joined)
    return q


def visible_drills(user) -> QuerySet[Drill]:
    return Drill.objects.filter(drill_q(user))


def can_manage(user, drill: Drill) -> bool:
    """Edit the drill, its participants, script, findings: the organising enterprise's manager, a
    supervisor for drills organised by a region in their subtree, a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    if scope.is_enterprise:
        return drill.enterprise_id == scope.enterprise_id
    if scope.is_region:
        return bool(drill.organiser_region_id) and drill.organiser_region.path.startswith(
            scope.region.path
        )
    return False


def is_supervisor_of(user, drill: Drill) -> bool:
    scope = scope_for(user)
    if scope.is_all:
        return True
    if not scope.is_region:
        return False
    path = scope.region.path
    if drill.enterprise_id:
        return drill.enterprise.street.path.startswith(path)
    return drill.organiser_region.path.startswith(path)


def my_participation(user, drill: Drill) -> Participation | None:
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return None
    return drill.participations.filter(person=person).first()


def has_role_in(user, drill: Drill, *role_values: str) -> bool:
    part = my_participation(user, drill)
    return part is not None and part.role in role_values


def can_evaluate(user, drill: Drill) -> bool:
    return can_manage(user, drill) or has_role_in(user, drill, ParticipantRole.EVALUATOR)


def can_run_script(user, drill: Drill) -> bool:
    return can_manage(user, drill) or has_role_in(
        user, drill, ParticipantRole.DIRECTOR, ParticipantRole.COMMANDER
    )


def can_edit_plan(user, plan: EmergencyPlan) -> bool:
    """An emergency plan is changed by those who may organise its enterprise's drills (its manager,
    a superuser); a supervisor reads it. The in-memory twin of `organisable_enterprises`."""
    scope = scope_for(user)
    if scope.is_all:
        return True
    return scope.is_enterprise and plan.enterprise_id == scope.enterprise_id


def can_manage_action(user, action: CorrectiveAction) -> bool:
    """Edit a corrective action (description, owner, due date, status, verification): those who
    manage its drill. (A supervisor of the drill verifies or defers it on the front end.)"""
    return can_manage(user, action.finding.drill)


def linkable_drills(user) -> QuerySet[Drill]:
    """Drills a page may link (the CMS chooser): organised by a district/street, and, for staff,
    among the drills they may see; the content team (editors, reviewers) sees every linkable one."""
    linkable = Drill.objects.filter(organiser_region__isnull=False)
    scope = scope_for(user)
    if scope.is_all:
        return linkable
    if scope.is_staff_scope:
        return linkable.filter(drill_q(user))
    if roles.has_role(user, roles.EDITOR) or roles.has_role(user, roles.REVIEWER):
        return linkable
    return linkable.none()


def organisable_enterprises(user) -> QuerySet[Enterprise]:
    """Enterprises the user may organise a drill for (managers: their own)."""
    scope = scope_for(user)
    if scope.is_all or scope.is_enterprise:
        return visible_enterprises(user)
    return Enterprise.objects.none()


def organisable_regions(user) -> QuerySet[Region]:
    scope = scope_for(user)
    if scope.is_supervising:
        return visible_regions(user).exclude(level=Region.Level.COMMUNITY)
    return Region.objects.none()


# --------------------------------------------------------------------------- lifecycle

ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    DrillStatus.PLANNED: (DrillStatus.PREPARING, DrillStatus.CANCELLED),
    DrillStatus.PREPARING: (DrillStatus.EXECUTING, DrillStatus.PLANNED, DrillStatus.CANCELLED),
    DrillStatus.EXECUTING: (DrillStatus.EVALUATING, DrillStatus.CANCELLED),
    DrillStatus.EVALUATING: (DrillStatus.RECTIFYING, DrillStatus.ARCHIVED, DrillStatus.CANCELLED),
    DrillStatus.RECTIFYING: (DrillStatus.ARCHIVED, DrillStatus.CANCELLED),
    DrillStatus.ARCHIVED: (),
    DrillStatus.CANCELLED: (),
}


class TransitionError(Exception):
    pass


def allowed_transitions(drill: Drill) -> tuple[str, ...]:
    return ALLOWED_TRANSITIONS[drill.status]


def archive_blockers(drill: Drill) -> list[CorrectiveAction]:
    return list(
        CorrectiveAction.objects.blocking_archive()
        .filter(finding__drill=drill)
        .select_related("finding")
    )


@transaction.atomic
def transition_drill(*, drill: Drill, to: str, user=None, reason: str = "") -> Drill:
    """Moves the drill along its lifecycle; anything not in ALLOWED_TRANSITIONS is refused. A
    cancellation's reason goes to every participant with a login as a notice."""
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    if to not in ALLOWED_TRANSITIONS[drill.status]:
        raise TransitionError(
            _("演练状态不能从“%(from)s”变为“%(to)s”。")
            % {"from": drill.get_status_display(), "to": DrillStatus(to).label}
        )
    if to == DrillStatus.ARCHIVED:
        blockers = archive_blockers(drill)
        if blockers:
            raise TransitionError(
                _("还有 %(n)d 项不足项整改措施未关闭，不能归档（可由监管人员说明理由后暂缓）。")
                % {"n": len(blockers)}
            )
    drill.status = to
    drill.save()
    if to == DrillStatus.CANCELLED and reason:
        _notify_cancelled(drill, reason)
    if to in (DrillStatus.EVALUATING, DrillStatus.ARCHIVED) and drill.training_hours > 0:
        transaction.on_commit(lambda: _enqueue("drills.tasks.record_training_for_drill", drill.pk))
    return drill


def _notify_cancelled(drill: Drill, reason: str) -> None:
    from django.urls import reverse

    from portal.notices import KIND_DRILLS, notify

    users = {
        p.person.user
        for p in drill.participations.select_related("person__user")
        if p.person_id and p.person.user_id
    }
    for user in users:
        notify(
            user,
            _("演练已取消：%(title)s") % {"title": drill.title},
            _("取消原因：%(reason)s") % {"reason": reason},
            url=reverse("drills:detail", args=[drill.pk]),
            key=f"drill-cancelled-{drill.pk}",
            kind=KIND_DRILLS,
        )


def _enqueue(func: str, *args) -> None:
    from django_q.tasks import async_task

    async_task(func, *args)


def overlapping_drills(*, drill: Drill) -> QuerySet[Drill]:
    """Other live drills at the same place whose planned time overlaps this one."""
    return (
        Drill.objects.active()
        .filter(
            place__iexact=drill.place.strip(),
            planned_start__lt=drill.planned_end,
            planned_end__gt=drill.planned_start,
        )
        .exclude(pk=drill.pk)
    )


@transaction.atomic
def defer_action(*, action: CorrectiveAction, user, reason: str) -> CorrectiveAction:
    """A supervisor lets the drill be archived with this 不足项 action still open."""
    if not is_supervisor_of(user, action.finding.drill):
        raise PermissionError(_("只有监管人员可以暂缓整改措施。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(_("请填写暂缓理由（至少4个字）。"))
    action.deferral_reason = reason
    action.deferred_by = user
    action.save(update_fields=["deferral_reason", "deferred_by"])
    return action


def verify_action(*, action: CorrectiveAction, user, verification: str) -> CorrectiveAction:
    if action.status != CorrectiveAction.Status.DONE:
        raise ValidationError(_("只有“已整改待验证”的措施可以验证关闭。"))
    if not verification.strip():
        raise ValidationError(_("请填写验证意见。"))
    action.status = CorrectiveAction.Status.VERIFIED
    action.verification = verification.strip()
    action.verified_by = user
    action.verified_at = timezone.now()
    action.save()
    return action


# --------------------------------------------------------------------------- participants


def add_participants(*, drill: Drill, people, role: str = ParticipantRole.PLAYER) -> int:
    """Adds roster people (already scoped by the caller); people already in the drill are skipped.
    Returns how many rows were created."""
    existing = set(
        drill.participations.filter(person__isnull=False).values_list("person_id", flat=True)
    )
    rows = [
        Participation(drill=drill, person_id=pk, role=role)
        for pk in people.values_list("pk", flat=True)
        if pk not in existing
    ]
    Participation.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def addable_people(user, drill: Drill) -> QuerySet[Person]:
    """Roster people the user may add: their visible people, limited to the organising and
    participating enterprises of the drill."""
    enterprise_ids = set(drill.participating_enterprises.values_list("pk", flat=True))
    if drill.enterprise_id:
        enterprise_ids.add(drill.enterprise_id)
    return visible_people(user).active().filter(enterprise_id__in=enterprise_ids)


def participation_q(user) -> Q:
    """Participations the user may see: every one of the drills they manage or supervise (a
    superuser, a supervisor of the drill's region, the organising enterprise's manager); a
    participating enterprise's manager only their own people's; a worker their own."""
    scope = scope_for(user)
    if scope.is_all:
        return Q()
    if scope.is_region:
        return Q(drill__in=visible_drills(user))  # for a region, drill_q is is_supervisor_of
    if scope.is_enterprise:
        return Q(drill__enterprise_id=scope.enterprise_id) | Q(
            drill__in=visible_drills(user), person__enterprise_id=scope.enterprise_id
        )
    if scope.is_self:
        return Q(person_id=scope.person_id)
    return Q(pk__in=[])


def finding_q(user, prefix: str = "") -> Q:
    """Findings (and, with prefix="finding", their corrective actions) the user may see: those of
    drills they manage or supervise, and of drills they evaluate; the front end's findings page."""
    p = f"{prefix}__" if prefix else ""
    scope = scope_for(user)
    if scope.is_all:
        return Q()
    if scope.is_none:
        return Q(pk__in=[])
    evaluating = Participation.objects.filter(
        person__user=user, role=ParticipantRole.EVALUATOR
    ).values("drill_id")
    q = Q(**{f"{p}drill_id__in": evaluating})
    if scope.is_region:
        q |= Q(**{f"{p}drill__in": visible_drills(user)})
    elif scope.is_enterprise:
        q |= Q(**{f"{p}drill__enterprise_id": scope.enterprise_id})
    return q


def can_change_participation(user, part: Participation) -> bool:
    """Change a participant's role or attendance, or remove them: those who manage the drill, and
    a participating enterprise's manager for their own people."""
    if can_manage(user, part.drill):
        return True
    scope = scope_for(user)
    return (
        scope.is_enterprise
        and part.person_id is not None
        and part.person.enterprise_id == scope.enterprise_id
        and can_add_participants(user, part.drill)
    )


def can_add_participants(user, drill: Drill) -> bool:
    if can_manage(user, drill):
        return True
    scope = scope_for(user)
    return (
        scope.is_enterprise
        and drill.participating_enterprises.filter(pk=scope.enterprise_id).exists()
    )


# --------------------------------------------------------------------------- QR check-in

CHECKIN_SALT = "drills.checkin"
CHECKIN_PERIOD = 60  # seconds: the code changes every minute


def _minute(now: datetime) -> int:
    return int(now.timestamp()) // CHECKIN_PERIOD


def checkin_code(*, drill: Drill, now: datetime) -> str:
    return signing.Signer(salt=CHECKIN_SALT).sign(f"{drill.uid.hex}.{_minute(now)}")


def checkin_url(*, drill: Drill, now: datetime) -> str:
    return reverse("drills:checkin-scan", args=[checkin_code(drill=drill, now=now)])


class CheckInError(Exception):
    pass


def read_checkin_code(*, code: str, now: datetime) -> Drill:
    """The drill a code belongs to; accepts this minute's and the previous minute's code."""
    try:
        value = signing.Signer(salt=CHECKIN_SALT).unsign(code)
        uid_hex, minute = value.rsplit(".", 1)
        minute = int(minute)
    except (signing.BadSignature, ValueError) as exc:
        raise CheckInError(_("签到二维码无效，请扫描现场屏幕上的二维码。")) from exc
    if minute not in (_minute(now), _minute(now) - 1):
        raise CheckInError(_("签到二维码已过期，请重新扫描现场屏幕上的最新二维码。"))
    drill = Drill.objects.filter(uid=uid_hex).first()
    if drill is None:
        raise CheckInError(_("签到二维码无效，请扫描现场屏幕上的二维码。"))
    return drill


def check_in(*, drill: Drill, user, now: datetime) -> Participation:
    if drill.status not in (DrillStatus.PREPARING, DrillStatus.EXECUTING):
        raise CheckInError(_("该演练当前不在签到时段。"))
    participation = my_participation(user, drill)
    if participation is None:
        raise CheckInError(_("您不在本次演练的参演人员名单中，请联系组织人员。"))
    if participation.checked_in_at is None:
        participation.checked_in_at = now
        participation.check_in_method = Participation.CheckIn.QR
        participation.save(update_fields=["checked_in_at", "check_in_method"])
    return participation


def set_manual_check_in(*, participation: Participation, present: bool, now: datetime) -> None:
    if present and participation.checked_in_at is None:
        participation.checked_in_at = now
        participation.check_in_method = Participation.CheckIn.MANUAL
    elif not present:
        participation.checked_in_at = None
        participation.check_in_method = ""
    participation.save(update_fields=["checked_in_at", "check_in_method"])


# --------------------------------------------------------------------------- evaluation


def can_edit_district_rules(user) -> bool:
    """District-wide drill settings (frequency rules, evaluation templates) have no owner region
    below the district: only the district's supervisors (and superusers) may change them; street
    supervisors and managers read them."""
    return can_edit_district_settings(user)


def templates_for(drill: Drill) -> QuerySet[EvaluationTemplate]:
    return EvaluationTemplate.objects.filter(form=drill.form, is_active=True)


@transaction.atomic
def save_evaluation(
    *,
    drill: Drill,
    template: EvaluationTemplate,
    evaluator,
    answers: dict[int, dict],
    comment: str,
    submit: bool,
) -> Evaluation:
    """answers: item id → {"yes": bool|None, "points": Decimal|None, "seconds": int|None, "note": str}."""
    items = list(template.items.all())
    errors = []
    for item in items:
        a = answers.get(item.pk, {})
        if item.kind == EvaluationItem.Kind.POINTS and a.get("points") is not None:
            if not (0 <= a["points"] <= item.max_points):
                errors.append(
                    _("“%(item)s”的分数须在 0–%(max)d 之间。")
                    % {"item": item.text, "max": item.max_points}
                )
        if (
            submit
            and item.score(yes=a.get("yes"), points=a.get("points"), seconds=a.get("seconds"))
            is None
        ):
            errors.append(_("“%(item)s”尚未评分。") % {"item": item.text})
    if errors:
        raise ValidationError(errors)
    evaluation, _created = Evaluation.objects.get_or_create(
        drill=drill, template=template, evaluator=evaluator
    )
    if evaluation.submitted_at:
        raise ValidationError(_("该评估表已提交，不能再修改。"))
    score = Decimal(0)
    max_score = Decimal(0)
    for item in items:
        a = answers.get(item.pk, {})
        EvaluationAnswer.objects.update_or_create(
            evaluation=evaluation,
            item=item,
            defaults={
                "yes": a.get("yes"),
                "points": a.get("points"),
                "seconds": a.get("seconds"),
                "note": (a.get("note") or "")[:255],
            },
        )
        value = item.score(yes=a.get("yes"), points=a.get("points"), seconds=a.get("seconds"))
        score += value or 0
        max_score += item.max_points
    evaluation.comment = comment
    evaluation.score = score
    evaluation.max_score = max_score
    if submit:
        evaluation.submitted_at = timezone.now()
    evaluation.save()
    return evaluation


@dataclass
class ItemSummary:
    item: EvaluationItem
    count: int = 0
    earned: Decimal = Decimal(0)
    yes: int = 0
    seconds: list[int] = field(default_factory=list)

    @property
    def average(self) -> Decimal | None:
        return self.earned / self.count if self.count else None

    @property
    def average_seconds(self) -> int | None:
        return sum(self.seconds) // len(self.seconds) if self.seconds else None


@dataclass
class EvaluationSummary:
    evaluations: list[Evaluation]
    items: list[ItemSummary]
    score: Decimal | None
    max_score: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        if not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.1"))


def evaluation_summary(*, drill: Drill) -> EvaluationSummary:
    """Averages of the submitted evaluations, per item and overall (3 queries)."""
    evaluations = list(
        drill.evaluations.filter(submitted_at__isnull=False).select_related("template", "evaluator")
    )
    answers = (
        EvaluationAnswer.objects.filter(evaluation__in=evaluations)
        .select_related("item")
        .order_by("item__template_id", "item__sort_order", "item_id")
    )
    by_item: dict[int, ItemSummary] = {}
    for answer in answers:
        summary = by_item.setdefault(answer.item_id, ItemSummary(item=answer.item))
        value = answer.item.score(yes=answer.yes, points=answer.points, seconds=answer.seconds)
        if value is None:
            continue
        summary.count += 1
        summary.earned += value
        summary.yes += 1 if answer.yes else 0
        if answer.seconds is not None:
            summary.seconds.append(answer.seconds)
    if not evaluations:
        return EvaluationSummary(evaluations=[], items=[], score=None, max_score=None)
    score = sum((e.score or Decimal(0) for e in evaluations), Decimal(0)) / len(evaluations)
    max_score = sum((e.max_score or Decimal(0) for e in evaluations), Decimal(0)) / len(evaluations)
    return EvaluationSummary(
        evaluations=evaluations,
        items=list(by_item.values()),
        score=score.quantize(Decimal("0.1")),
        max_score=max_score.quantize(Decimal("0.1")),
    )


# --------------------------------------------------------------------------- compliance


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


@dataclass
class RuleStatus:
    rule: FrequencyRule
    last_drill_on: date | None
    due_on: date | None  # None: never drilled, due now

    def overdue(self, today: date) -> bool:
        return self.due_on is None or self.due_on < today


class _ComplianceRow:
    rules: list[RuleStatus]

    @property
    def next_due_on(self) -> date | None:
        dues = [r.due_on for r in self.rules]
        if any(d is None for d in dues):
            return None
        return min(dues) if dues else None

    def overdue_rules(self, today: date) -> list[RuleStatus]:
        return [r for r in self.rules if r.overdue(today)]


@dataclass
class EnterpriseCompliance(_ComplianceRow):
    enterprise: Enterprise
    rules: list[RuleStatus]


@dataclass
class RegionCompliance(_ComplianceRow):
    """A government body: the district (区人民政府 and its departments) or a street/township
    (街道办事处/乡镇人民政府). Communities are not government bodies."""

    region: Region
    rules: list[RuleStatus]


def _rules_for(rules: list[FrequencyRule], enterprise: Enterprise) -> list[FrequencyRule]:
    return [
        r
        for r in rules
        if r.applies_to == FrequencyRule.AppliesTo.ALL
        or (r.applies_to == FrequencyRule.AppliesTo.HIGH_RISK and enterprise.is_drill_high_risk)
    ]


def _statuses(
    rules: list[FrequencyRule],
    last_by_type: dict[str, date],
    linked: dict[tuple[str, str], date] | None = None,
) -> list[RuleStatus]:
    """Each rule with the last held drill that counts for it (by plan type) and the next due date.
    `linked`: (plan type, role) → last linked drill the enterprise's people attended in that role;
    it counts for the rules whose linked_roles name the role."""
    statuses = []
    for rule in rules:
        types = rule.plan_types()
        dates = [d for pt, d in last_by_type.items() if types is None or pt in types]
        roles_counted = set(rule.linked_roles or [])
        dates += [
            d
            for (pt, role), d in (linked or {}).items()
            if role in roles_counted and (types is None or pt in types)
        ]
        last_on = max(dates) if dates else None
        statuses.append(
            RuleStatus(
                rule=rule,
                last_drill_on=last_on,
                due_on=add_months(last_on, rule.interval_months) if last_on else None,
            )
        )
    return statuses


def enterprise_compliance(*, enterprises: QuerySet[Enterprise]) -> list[EnterpriseCompliance]:
    """For each enterprise, each applicable rule with the last held drill counting for it and the
    next due date. Four queries whatever the number of enterprises:
    1. enterprises (with street), 2. active rules, 3. last held drill date per enterprise and plan
    type (organised by the enterprise), 4. last held linked drill another body organised that the
    enterprise joined (参演企业) and its people attended, per enterprise, plan type and role (the
    rule's linked_roles say which roles count)."""
    enterprise_list = list(
        enterprises.select_related("street").only(
            "name", "is_drill_high_risk", "street__name", "street__path"
        )
    )
    rules = list(
        FrequencyRule.objects.filter(is_active=True).exclude(
            applies_to=FrequencyRule.AppliesTo.GOVERNMENT
        )
    )
    last: dict[int, dict[str, date]] = defaultdict(dict)
    rows = (
        Drill.objects.held()
        .filter(enterprise_id__in=enterprises.values("pk"))
        .values("enterprise_id", "plan_type")
        .annotate(last=Max("planned_start"))
    )
    for row in rows:
        last[row["enterprise_id"]][row["plan_type"]] = timezone.localtime(row["last"]).date()
    linked: dict[int, dict[tuple[str, str], date]] = defaultdict(dict)
    for row in (
        Participation.objects.attended()
        .filter(
            drill__status__in=HELD_STATES,
            drill__is_linked=True,
            drill__participating_enterprises=F("person__enterprise"),
            person__enterprise_id__in=enterprises.values("pk"),
        )
        .exclude(drill__plan_type="")
        .values("person__enterprise_id", "drill__plan_type", "role")
        .annotate(last=Max("drill__planned_start"))
        .order_by()
    ):
        key = (row["drill__plan_type"], row["role"])
        linked[row["person__enterprise_id"]][key] = timezone.localtime(row["last"]).date()
    return [
        EnterpriseCompliance(
            enterprise=enterprise,
            rules=_statuses(
                _rules_for(rules, enterprise),
                last.get(enterprise.pk, {}),
                linked.get(enterprise.pk, {}),
            ),
        )
        for enterprise in enterprise_list
    ]


GOVERNMENT_LEVELS = (Region.Level.DISTRICT, Region.Level.STREET)


def government_regions(user) -> QuerySet[Region]:
    """The government bodies a user oversees: the district and street regions of their subtree
    (none for managers and workers)."""
    return visible_regions(user).filter(level__in=GOVERNMENT_LEVELS)


def region_compliance(*, regions: QuerySet[Region]) -> list[RegionCompliance]:
    """The government rule(s) (《生产安全事故应急条例》第八条: 县级以上人民政府及其负有安全生产
    监督管理职责的部门、乡镇人民政府、街道办事处 at least every 24 months) for each district/street
    region. A drill counts for a region when the region organised it (organiser_region set, no
    organising enterprise) and it has been held. Three queries whatever the number of regions."""
    regions = regions.filter(level__in=GOVERNMENT_LEVELS)
    region_list = list(regions.order_by("path").only("name", "level", "path"))
    rules = list(
        FrequencyRule.objects.filter(is_active=True, applies_to=FrequencyRule.AppliesTo.GOVERNMENT)
    )
    last: dict[int, dict[str, date]] = defaultdict(dict)
    rows = (
        Drill.objects.held()
        .filter(enterprise__isnull=True, organiser_region_id__in=regions.values("pk"))
        .values("organiser_region_id", "plan_type")
        .annotate(last=Max("planned_start"))
    )
    for row in rows:
        last[row["organiser_region_id"]][row["plan_type"]] = timezone.localtime(row["last"]).date()
    return [
        RegionCompliance(region=region, rules=_statuses(rules, last.get(region.pk, {})))
        for region in region_list
    ]


def overdue_enterprises(*, user, today: date) -> list[EnterpriseCompliance]:
    return [
        c
        for c in enterprise_compliance(enterprises=visible_enterprises(user))
        if c.overdue_rules(today)
    ]


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Reminder:
    key: str
    user_id: int
    email: str
    title: str
    body: str
    url: str


def _organiser_users(drills: list[Drill]) -> dict[int, list]:
    """drill id → organiser users (creator and the organising enterprise's managers); 1 query."""
    from portal.models import User

    enterprise_ids = {d.enterprise_id for d in drills if d.enterprise_id}
    managers = defaultdict(list)
    for u in User.objects.filter(
        enterprise_id__in=enterprise_ids, is_active=True, groups__name=roles.MANAGER
    ):
        managers[u.enterprise_id].append(u)
    result = {}
    for d in drills:
        users = {u.pk: u for u in managers.get(d.enterprise_id, [])}
        if d.created_by_id and d.created_by and d.created_by.is_active:
            users[d.created_by_id] = d.created_by
        result[d.pk] = list(users.values())
    return result


def due_reminders(*, now: datetime) -> list[Reminder]:
    """Every reminder due now (sent or not). Fixed number of queries:
    1. drills starting within 3 days, 2. their participants' users, 3. their organisers,
    4. drills 7+ days past with no submitted evaluation, 5. their organisers,
    6. open corrective actions due today or earlier (with drill, owner user), 7. their organisers."""
    today = timezone.localdate(now)
    reminders: list[Reminder] = []

    upcoming = list(
        Drill.objects.active()
        .filter(planned_start__gt=now, planned_start__lte=now + timedelta(days=3))
        .select_related("created_by")
    )
    parts = defaultdict(list)
    for p in Participation.objects.filter(
        drill__in=upcoming, person__user__is_active=True
    ).select_related("person__user"):
        parts[p.drill_id].append(p.person.user)
    organisers = _organiser_users(upcoming)
    for drill in upcoming:
        # One reminder at a time: the 3-day one, then the 1-day one; a drill first seen inside
        # the last day (created late) gets the 1-day one alone, never both together.
        kinds = ["before1d"] if drill.planned_start <= now + timedelta(days=1) else ["before3d"]
        start = timezone.localtime(drill.planned_start)
        users = {u.pk: u for u in parts[drill.pk] + organisers[drill.pk]}
        for kind in kinds:
            for user in users.values():
                reminders.append(
                    Reminder(
                        key=f"{kind}:{drill.pk}:{user.pk}:{drill.sequence}",
                        user_id=user.pk,
                        email=user.email,
                        title=_("演练提醒：%(title)s 将于 %(when)s 开始")
                        % {"title": drill.title, "when": date_format(start, _("n月j日 H:i"))},
                        body=_("地点：%(place)s。请准时参加并扫码签到。") % {"place": drill.place},
                        url=reverse("drills:detail", args=[drill.pk]),
                    )
                )

    late = list(
        Drill.objects.filter(
            status__in=(DrillStatus.EXECUTING, DrillStatus.EVALUATING),
            planned_end__lte=now - timedelta(days=7),
            planned_end__gt=now - timedelta(days=90),
        )
        .exclude(evaluations__submitted_at__isnull=False)
        .select_related("created_by")
    )
    organisers = _organiser_users(late)
    for drill in late:
        for user in organisers[drill.pk]:
            reminders.append(
                Reminder(
                    key=f"evaluation:{drill.pk}:{user.pk}",
                    user_id=user.pk,
                    email=user.email,
                    title=_("演练评估未提交：%(title)s") % {"title": drill.title},
                    body=_("演练已结束 7 天，请尽快完成评估并填写总结。"),
                    url=reverse("drills:evaluate", args=[drill.pk]),
                )
            )

    actions = list(
        CorrectiveAction.objects.filter(
            status=CorrectiveAction.Status.OPEN, due_on__lte=today + timedelta(days=1)
        ).select_related("finding__drill__created_by", "owner__user")
    )
    organisers = _organiser_users([a.finding.drill for a in actions])
    for action in actions:
        kind = "action-overdue" if action.due_on < today else "action-due"
        users = {u.pk: u for u in organisers[action.finding.drill_id]}
        if action.owner_id and action.owner.user_id and action.owner.user.is_active:
            users[action.owner.user_id] = action.owner.user
        title = (
            _("整改措施已逾期：%(desc)s")
            if kind == "action-overdue"
            else _("整改措施即将到期：%(desc)s")
        ) % {"desc": action.description[:30]}
        for user in users.values():
            reminders.append(
                Reminder(
                    key=f"{kind}:{action.pk}:{user.pk}",
                    user_id=user.pk,
                    email=user.email,
                    title=title,
                    body=_("完成期限：%(due)s；演练：%(drill)s。")
                    % {"due": action.due_on, "drill": action.finding.drill.title},
                    url=reverse("drills:findings", args=[action.finding.drill_id]),
                )
            )
    return reminders


# How far back the reporting-duty check looks: older unreported drills are history, not news.
UNREPORTED_LOOKBACK_DAYS = 180


def unreported_drills(*, now: datetime) -> list[Drill]:
    """Held drills organised by an enterprise that a frequency rule obliges to report to the
    regulator (report_to_regulator, with its report_within_days), of a plan type the rule counts,
    still not reported when the rule's days have passed since the drill's planned end (and ended
    within UNREPORTED_LOOKBACK_DAYS). Two queries: the rules, the drills (with their enterprise)."""
    rules = FrequencyRule.objects.filter(
        is_active=True, report_to_regulator=True, report_within_days__isnull=False
    ).exclude(applies_to=FrequencyRule.AppliesTo.GOVERNMENT)
    q = Q(pk__in=[])
    for rule in rules:
        rule_q = Q(planned_end__lte=now - timedelta(days=rule.report_within_days))
        if rule.applies_to == FrequencyRule.AppliesTo.HIGH_RISK:
            rule_q &= Q(enterprise__is_drill_high_risk=True)
        types = rule.plan_types()
        if types is not None:
            rule_q &= Q(plan_type__in=types)
        q |= rule_q
    return list(
        Drill.objects.held()
        .filter(
            q,
            enterprise__isnull=False,
            reported_to_regulator=False,
            planned_end__gt=now - timedelta(days=UNREPORTED_LOOKBACK_DAYS),
        )
        .select_related("enterprise", "created_by")
        .order_by("planned_end")
    )


def unreported_reminders(*, now: datetime) -> list[Reminder]:
    """One reminder per unreported drill (see unreported_drills) to each of its organisers (the
    enterprise's managers and the drill's creator); three queries."""
    drills = unreported_drills(now=now)
    organisers = _organiser_users(drills)
    reminders = []
    for drill in drills:
        for user in organisers[drill.pk]:
            reminders.append(
                Reminder(
                    key=f"unreported:{drill.pk}:{user.pk}",
                    user_id=user.pk,
                    email=user.email,
                    title=_("演练未报告监管部门：%(title)s") % {"title": drill.title},
                    body=_(
                        "%(enterprise)s 的演练已于 %(end)s 结束，按演练频次规则须报告负有安全生产"
                        "监督管理职责的部门，至今未登记报告。报告后请在演练信息中勾选“已报告监管部门”"
                        "并填写报告日期。"
                    )
                    % {
                        "enterprise": drill.enterprise.name,
                        "end": date_format(timezone.localtime(drill.planned_end), "Y-m-d"),
                    },
                    url=reverse("drills:detail", args=[drill.pk]),
                )
            )
    return reminders


def notify_unreported(*, now: datetime) -> int:
    """Tells each unreported drill's organisers once (notice + email); returns how many were sent.
    Scheduled hourly (drills/apps.py); safe to run twice (ReminderLog keys)."""
    return _deliver(unreported_reminders(now=now), now=now)


def send_reminders(*, now: datetime) -> int:
    """Sends the due reminders not sent before (email + portal notice); returns how many were sent.
    The unique ReminderLog.key makes a second run, or two racing runs, send nothing twice."""
    return _deliver(due_reminders(now=now), now=now)


def _deliver(reminders: list[Reminder], *, now: datetime) -> int:
    if not reminders:
        return 0
    sent_keys = set(
        ReminderLog.objects.filter(key__in=[r.key for r in reminders]).values_list("key", flat=True)
    )
    new = [r for r in reminders if r.key not in sent_keys]
    fresh: list[Reminder] = []
    for reminder in new:
        try:
            with transaction.atomic():
                ReminderLog.objects.create(key=reminder.key, sent_at=now)
        except IntegrityError:
            continue  # another run sent it
        fresh.append(reminder)
    notices.notify_many(
        [
            notices.NoticeSpec(
                user_id=r.user_id,
                title=r.title,
                body=r.body,
                url=r.url,
                key=f"drills:{r.key}",
                kind=notices.KIND_DRILLS,
            )
            for r in fresh
        ],
        now=now,
    )
    mails = [
        (r.title, f"{r.body}\n{settings_site_url()}{r.url}", None, [r.email])
        for r in fresh
        if r.email
    ]
    if mails:
        send_mass_mail(mails, fail_silently=True)
    return len(fresh)


def settings_site_url() -> str:
    return getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")


# --------------------------------------------------------------------------- iCalendar


def calendar_token(*, user, enterprise: Enterprise | None = None) -> CalendarToken:
    token = CalendarToken.objects.filter(user=user, enterprise=enterprise).first()
    if token is None:
        token = CalendarToken.objects.create(
            user=user, enterprise=enterprise, token=secrets.token_urlsafe(24)
        )
    return token


def reset_calendar_token(*, token: CalendarToken) -> CalendarToken:
    token.token = secrets.token_urlsafe(24)
    token.save(update_fields=["token"])
    return token


def feed_drills(*, token: CalendarToken) -> QuerySet[Drill]:
    user = token.user
    if not user.is_active:
        return Drill.objects.none()
    drills = visible_drills(user)
    if token.enterprise_id:
        if not roles.is_manager(user) or user.enterprise_id != token.enterprise_id:
            return Drill.objects.none()
        drills = drills.filter(enterprise_id=token.enterprise_id)
    return drills.select_related("enterprise", "organiser_region").order_by("planned_start")


def build_ical(*, drills, name: str, now: datetime) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//anquan-portal//drills//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for drill in drills:
        event = Event()
        event.add("uid", f"drill-{drill.uid}@anquan-portal")
        event.add("sequence", drill.sequence)
        event.add("dtstamp", now)
        event.add("dtstart", drill.planned_start)
        event.add("dtend", drill.planned_end)
        event.add("summary", drill.title)
        event.add("location", drill.place)
        event.add(
            "description",
            f"{drill.organiser_name} · {drill.get_form_display()} · {drill.get_accident_type_display()} · {drill.get_status_display()}",
        )
        event.add("last-modified", drill.updated_at)
        event.add("status", "CANCELLED" if drill.status == DrillStatus.CANCELLED else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()


# --------------------------------------------------------------------------- calendar views


def month_grid(*, year: int, month: int) -> list[list[date]]:
    return pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def drills_between(*, user, start: date, end: date) -> dict[date, list[Drill]]:
    """Visible drills starting in [start, end), by local day (1 query)."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    hi = datetime.combine(end, datetime.min.time(), tzinfo=tz)
    by_day: dict[date, list[Drill]] = defaultdict(list)
    for drill in (
        visible_drills(user)
        .filter(planned_start__gte=lo, planned_start__lt=hi)
        .select_related("enterprise", "organiser_region")
        .order_by("planned_start")
    ):
        by_day[timezone.localtime(drill.planned_start).date()].append(drill)
    return by_day


# --------------------------------------------------------------------------- report and training


def report_context(*, drill: Drill) -> dict:
    attendance = drill.attendance()
    role_counts = Counter(p.get_role_display() for p in attendance.attended)
    findings = list(drill.findings.prefetch_related("actions__owner"))
    return {
        "drill": drill,
        "attendance": attendance,
        "participations": attendance.attended,
        "no_shows": attendance.no_shows,
        "role_counts": sorted(role_counts.items()),
        "summary": evaluation_summary(drill=drill),
        "findings": findings,
        "steps": list(drill.script_steps.all()),
        "generated_at": timezone.localtime(),
    }


def render_report(*, drill_id: int) -> AfterActionReport:
    """Renders the after-action report PDF (WeasyPrint) and stores it; safe to run twice."""
    from weasyprint import HTML

    drill = Drill.objects.select_related("enterprise", "organiser_region", "plan").get(pk=drill_id)
    report, _created = AfterActionReport.objects.get_or_create(drill=drill)
    html = render_to_string("pdf/drill_report.html", report_context(drill=drill))
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    started = timezone.now()
    if report.file:
        report.file.delete(save=False)
    report.file.save(f"{drill.code or drill.pk}.pdf", ContentFile(pdf), save=False)
    report.generated_at = started
    report.save()
    return report


def requeue_stalled_reports(*, now, limit: int = 100) -> int:
    """Queues the render again for after-action reports requested well over a task timeout ago
    and still not generated (the Redis broker loses a task whose worker was killed). Returns how
    many were queued."""
    cutoff = now - timedelta(seconds=settings.Q_TIMEOUT + 120)
    drill_ids = list(
        AfterActionReport.objects.filter(requested_at__lt=cutoff)
        .filter(Q(generated_at__isnull=True) | Q(generated_at__lt=F("requested_at")))
        .order_by("requested_at")
        .values_list("drill_id", flat=True)[:limit]
    )
    for drill_id in drill_ids:
        _enqueue("drills.tasks.render_report", drill_id)
    return len(drill_ids)


def request_report(*, drill: Drill) -> AfterActionReport:
    report, created = AfterActionReport.objects.get_or_create(drill=drill)
    if not created:
        report.requested_at = timezone.now()
        report.save(update_fields=["requested_at"])
    transaction.on_commit(lambda: _enqueue("drills.tasks.render_report", drill.pk))
    return report


def record_training_for_drill(*, drill_id: int) -> int:
    """Writes a training record for every checked-in roster participant (idempotent per source and
    person in courses.services.record_training). Returns how many were written."""
    from certificates.services import issue_certificate
    from courses.services import record_training

    drill = Drill.objects.select_related("certificate_template").get(pk=drill_id)
    if drill.training_hours <= 0:
        return 0
    count = 0
    for part in (
        drill.participations.attended().filter(person__isnull=False).select_related("person")
    ):
        record_training(
            person=part.person,
            on=timezone.localtime(drill.planned_start).date(),
            hours=drill.training_hours,
            kind="drill",
            source_kind="drill",
            source=part,
            title=_("应急演练：%(title)s") % {"title": drill.title},
        )
        if drill.certificate_template_id:
            issue_certificate(
                person=part.person,
                source=part,
                template=drill.certificate_template,
                title=_("应急演练参演证明"),
                details={"subject": drill.title, "hours": str(drill.training_hours)},
            )
        count += 1
    return count
