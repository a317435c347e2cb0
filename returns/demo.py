"""Demo data: the standard annual return published for the demo district, and returns in every
state from the demo enterprises (enterprise A's is left for demo_manager to file)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from returns import services
from returns.models import Filing, FilingChange, FilingStatus, ReturnForm

ANNUAL = "年度安全培训与应急演练统计表（标准表）"

# (enterprise index, status, additional figures, note, reason)
DEMO_FILINGS = [
    (
        1,
        FilingStatus.ACCEPTED,
        {"training.other.person_times": 860, "training.other.hours": 1720, "activity.lectures": 4},
        "外包班组和季节工集中培训，签到表存档",
        "",
    ),
    (
        2,
        FilingStatus.ACCEPTED,
        {
            "training.other.person_times": 420,
            "training.other.hours": 840,
            "drills.form.tabletop.count": 2,
            "drills.level.enterprise.count": 2,
            "drills.form.tabletop.person_times": 60,
            "drills.level.enterprise.person_times": 60,
        },
        "车间班前会安全教育、两次桌面推演（纸质记录）",
        "",
    ),
    (
        3,
        FilingStatus.PASSED,
        {"training.other.person_times": 300, "training.other.hours": 600},
        "承包商入场安全教育",
        "",
    ),
    (
        4,
        FilingStatus.SUBMITTED,
        {"activity.consultations": 150, "activity.hall_visitors": 80},
        "安全生产月咨询日、组织参观安全教育馆",
        "",
    ),
    (
        5,
        FilingStatus.RETURNED,
        {"training.other.person_times": 5000},
        "全员培训",
        "补报人次超过企业在册人数，请按签到表核对后重新提交",
    ),
]


def seed(ctx) -> None:
    year = timezone.localdate().year
    form = ReturnForm.objects.filter(name=ANNUAL).first()
    if form is None:
        return  # the standard form's migration did not run
    form.region = ctx.district
    form.year = year
    form.due_on = date(year + 1, 1, 31)
    form.is_open = True
    form.save()
    now = timezone.now()
    for index, status, values, note, reason in DEMO_FILINGS:
        if index >= len(ctx.enterprises):
            continue
        enterprise = ctx.enterprises[index]
        if Filing.objects.filter(form=form, enterprise=enterprise).exists():
            continue
        if not form.asks(enterprise):
            continue
        filing = services.save_filing(
            filing=services.filing_for(form, enterprise),
            user=None,
            additional={k: Decimal(v) for k, v in values.items()},
            note=note,
            submit=True,
            now=now,
        )
        if status == FilingStatus.SUBMITTED:
            continue
        Filing.objects.filter(pk=filing.pk).update(
            status=status, reason=reason, accepted_at=now if status == "accepted" else None
        )
        FilingChange.objects.create(
            filing=filing,
            at=now,
            action={"accepted": "accept", "passed": "pass", "returned": "return"}[status],
            field="状态",
            old=str(FilingStatus.SUBMITTED.label),
            new=str(FilingStatus(status).label),
        )
