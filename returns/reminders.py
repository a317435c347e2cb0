"""Deadline reminders (through the notice service) and the tracker of who filed.

    REMIND_DAYS_BEFORE                                 days before the due date the first notice goes
    send_reminders(*, now) -> int                      notices created (a schedule runs it hourly)
    tracker_rows(form, enterprises, *, today) -> list[TrackerRow]
    tracker_counts(rows) -> dict                       filed / late / returned / not filed

A target enterprise whose return is not submitted (none, a draft, or returned) gets, per manager,
one notice in the REMIND_DAYS_BEFORE days up to the due date and one after it: each notice has a
key (returns:<form>:<enterprise>:before|after), so running again, or twice at once, sends nothing
twice (portal.notices.notify_many skips an existing user+key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import notices
from portal.roles import MANAGER
from returns.models import EDITABLE, Filing, FilingStatus, ReturnForm

REMIND_DAYS_BEFORE = 3


def _unfiled(form: ReturnForm) -> list[int]:
    """The target enterprises of a form whose return is not submitted (2 queries)."""
    filed = set(
        Filing.objects.filter(form=form)
        .exclude(status__in=EDITABLE)
        .values_list("enterprise_id", flat=True)
    )
    return [pk for pk in form.targets().values_list("pk", flat=True) if pk not in filed]


def send_reminders(*, now: datetime) -> int:
    today = timezone.localdate(now)
    specs: list[notices.NoticeSpec] = []
    User = get_user_model()
    forms = ReturnForm.objects.filter(
        is_open=True, due_on__gte=today - timedelta(days=366)
    ).select_related("region")
    for form in forms.prefetch_related("streets"):
        if today > form.due_on:
            when = "after"
            title = _("统计报表“%(name)s”已逾期未提交") % {"name": form.name}
            body = _("截止日期 %(due)s 已过，请尽快填报并提交。") % {
                "due": f"{form.due_on:%Y-%m-%d}"
            }
        elif today >= form.due_on - timedelta(days=REMIND_DAYS_BEFORE):
            when = "before"
            title = _("统计报表“%(name)s”将于 %(due)s 截止") % {
                "name": form.name,
                "due": f"{form.due_on:%Y-%m-%d}",
            }
            body = _("请在截止日期前填报并提交（%(period)s）。") % {"period": form.period.label}
        else:
            continue
        enterprises = _unfiled(form)
        if not enterprises:
            continue
        url = reverse("returns_admin:fill", args=[form.pk])
        managers = User.objects.filter(
            enterprise_id__in=enterprises, groups__name=MANAGER, is_active=True
        ).values_list("pk", "enterprise_id")
        specs += [
            notices.NoticeSpec(
                user_id=user_id,
                title=title,
                body=body,
                url=url,
                key=f"returns:{form.pk}:{enterprise_id}:{when}",
                kind=notices.KIND_RETURNS,
            )
            for user_id, enterprise_id in managers
        ]
    before = _count(specs)
    notices.notify_many(specs, now=now)
    return _count(specs) - before


def _count(specs) -> int:
    from portal.models import Notice

    return Notice.objects.filter(key__in=[s.key for s in specs]).count() if specs else 0


# --------------------------------------------------------------------------- tracker


@dataclass
class TrackerRow:
    enterprise_id: int
    enterprise: str
    street: str
    status: str  # a FilingStatus value, or "" when nothing was saved
    status_label: str
    submitted_at: datetime | None
    late: bool
    reason: str
    filing_id: int | None


def _late(form: ReturnForm, filing: Filing | None, today: date) -> bool:
    due_end = timezone.make_aware(
        datetime.combine(form.due_on + timedelta(days=1), datetime.min.time())
    )
    if filing is not None and filing.status not in EDITABLE:
        return filing.submitted_at is not None and filing.submitted_at >= due_end
    return today > form.due_on


def tracker_rows(form: ReturnForm, enterprises, *, today: date) -> list[TrackerRow]:
    """One row per target enterprise among `enterprises` (the user's visible ones). 2 queries."""
    filings = {f.enterprise_id: f for f in Filing.objects.filter(form=form)}
    rows = []
    for enterprise in (
        enterprises.filter(form.targets_q())
        .select_related("street")
        .order_by("street__path", "name")
    ):
        filing = filings.get(enterprise.pk)
        rows.append(
            TrackerRow(
                enterprise_id=enterprise.pk,
                enterprise=enterprise.name,
                street=enterprise.street.name,
                status=filing.status if filing else "",
                status_label=filing.get_status_display() if filing else _("未填报"),
                submitted_at=filing.submitted_at if filing else None,
                late=_late(form, filing, today),
                reason=filing.reason if filing and filing.status == FilingStatus.RETURNED else "",
                filing_id=filing.pk if filing else None,
            )
        )
    return rows


def tracker_counts(rows: list[TrackerRow]) -> dict[str, int]:
    filed = [r for r in rows if r.status and r.status not in EDITABLE]
    return {
        "targets": len(rows),
        "filed": len(filed),
        "accepted": sum(1 for r in rows if r.status == FilingStatus.ACCEPTED),
        "returned": sum(1 for r in rows if r.status == FilingStatus.RETURNED),
        "late": sum(1 for r in rows if r.late),
        "not_filed": len(rows) - len(filed),
    }
