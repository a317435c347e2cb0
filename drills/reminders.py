"""Reminders (through portal.notices and e-mail): before a drill, for a missing evaluation, for
corrective actions due, and for held drills not reported to the regulator."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from drills.models import (
    CorrectiveAction,
    Drill,
    DrillStatus,
    FrequencyRule,
    Participation,
    ReminderLog,
)
from portal import notices, roles


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
