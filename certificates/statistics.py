"""The certificate figures: certificates expiring soon. Takes a `Scope` (and the day counted from).

expiring_certificates(scope, *, today, days=90, rows=10) -> dict      2 queries
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate
from portal.figures import Figure, computes
from portal.scoping import Scope, scope_enterprise_q

EXPIRING = Figure(
    key="certificates.expiring",
    label=_("即将到期证书"),
    unit=_("张"),
    definition=_("有效期截止日在统计日起 90 天内（含）的有效证书张数。"),
    source=_("证书（有效、有效期截止日）"),
    audience=_("监管人员（本辖区）、企业安全管理员（本企业）"),
    surfaces=("/dashboard/",),
    pick=lambda r: r["count"],
)


@computes(EXPIRING)
def expiring_certificates(scope: Scope, *, today: date, days: int = 90, rows: int = 10) -> dict:
    """{"days", "count", "rows"}: valid certificates of the scope's people expiring within `days`
    of `today`, and the first `rows` of them (soonest first). Two queries."""
    certificates = Certificate.objects.expiring_between(today, today + timedelta(days=days)).filter(
        scope_enterprise_q(scope, "person__enterprise")
    )
    return {
        "days": days,
        "count": certificates.count(),
        "rows": list(
            certificates.select_related("person__enterprise").order_by("valid_until", "pk")[:rows]
        ),
    }
