"""The exam figures: 参考人次, 及格人次, 及格率 of formal exams. Takes a `Scope` and a `Period`.

exam_figures(scope, period) -> dict            1 query
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from exams.models import Attempt
from portal.figures import Figure, computes, percentage
from portal.periods import Period
from portal.scoping import Scope, scope_enterprise_q

STAFF = _("监管人员（本辖区）、企业安全管理员（本企业）")
SURFACES = ("/dashboard/", _("年度报告 PDF / xlsx / JSON"))
_SOURCE = _("考试作答（正式考试，不含模拟考试和练习）")


TAKEN = Figure(
    key="exams.taken",
    label=_("参考人次"),
    unit=_("人次"),
    definition=_("交卷时间在统计期间内的正式考试作答次数（一人考一次记一人次）。"),
    source=_SOURCE,
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["taken"],
)
PASSED = Figure(
    key="exams.passed",
    label=_("及格人次"),
    unit=_("人次"),
    definition=_("上述作答中成绩及格的次数。"),
    source=_SOURCE,
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["passed"],
)
RATE = Figure(
    key="exams.pass_rate",
    label=_("考试及格率"),
    unit="%",
    definition=_("及格人次 ÷ 参考人次，保留一位小数；无人参考时不计算。"),
    source=_SOURCE,
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["rate"],
)


@computes(TAKEN, PASSED, RATE)
def exam_figures(scope: Scope, period: Period) -> dict:
    """Finished attempts at formal exams (正式考试, not mock or practice) in the period, by the
    scope's people: taken, passed, people, rate (%). One aggregate query."""
    lo, hi = period.bounds
    totals = Attempt.objects.filter(
        scope_enterprise_q(scope, "person__enterprise"),
        state=Attempt.State.FINISHED,
        finished_at__gte=lo,
        finished_at__lt=hi,
        paper__mode="exam",
    ).aggregate(
        taken=Count("pk"),
        passed=Count("pk", filter=Q(passed=True)),
        people=Count("person", distinct=True),
    )
    return {**totals, "rate": percentage(totals["passed"], totals["taken"])}
