"""The register's figure: people working without a valid required certificate (无证上岗).

unlicensed_figures(scope, period) -> dict      2 to 6 queries (services.unlicensed)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from operators import services
from portal.figures import Figure, computes
from portal.periods import Period
from portal.scoping import Scope, scope_people

UNLICENSED = Figure(
    key="operators.unlicensed",
    label=_("无证上岗人数"),
    unit=_("人"),
    definition=_(
        "在职人员中，所在岗位（岗位持证要求）或所从事的特种作业须持证，而在统计日（期间结束日与今天中较早者）"
        "没有该作业项目有效证书（无证、已过期或逾期未复审）的人数。"
    ),
    source=_("人员（在职、岗位、特种作业操作项目）、岗位持证要求、特种作业/特种设备作业人员证"),
    audience=_("监管人员（本辖区）、企业安全管理员（本企业）"),
    surfaces=(
        "/dashboard/",
        "/courses/compliance/",
        "/admin/operators/unlicensed/",
        "我的工作台（待办）",
        _("年度报告 PDF / xlsx / JSON"),
    ),
    pick=lambda r: r["count"],
)


@computes(UNLICENSED)
def unlicensed_figures(scope: Scope, period: Period) -> dict:
    """{"on", "count", "rows", "by_enterprise"}: the 无证上岗 people of the scope on the period's
    last day (today when the period runs on), and their counts by enterprise."""
    from django.utils import timezone

    on = min(period.end, timezone.localdate())
    rows = services.unlicensed(scope_people(scope), on)
    return {
        "on": on,
        "count": len(rows),
        "rows": rows,
        "by_enterprise": services.unlicensed_by_enterprise(rows),
    }
