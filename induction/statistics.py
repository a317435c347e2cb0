"""The figure of 三级安全教育: people working without a complete induction.

person_states(people, on) -> dict[person_id, State]        3 queries
incomplete_figures(scope, period) -> dict                  3 queries, 4 when someone is flagged
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from induction.models import NEW_HIRE_WINDOW_DAYS, Induction
from induction.services import required_table
from portal.figures import Figure, computes
from portal.models import Person
from portal.periods import Period
from portal.scoping import Scope, scope_people


class State:
    COMPLETE = "complete"  # the latest induction begun by `on` is complete
    INCOMPLETE = "incomplete"  # begun (start date passed) and not complete: flagged
    MISSING = "missing"  # hired within the window, no induction registered: flagged
    PENDING = "pending"  # only inductions whose start date is still ahead


FLAGGED = frozenset({State.INCOMPLETE, State.MISSING})


def person_states(people: QuerySet[Person], on: date) -> dict[int, str]:
    """The 三级教育 state of each person of `people` on day `on` (people with no state: no
    induction and not a recent hire). The rule of models.assess, in SQL: a level counts when both
    have signed and it was held before the start date; complete = three such levels whose hours
    reach the rule table's minimum for the enterprise."""
    valid = Q(
        levels__trainee_signed_at__isnull=False,
        levels__instructor_signed_at__isnull=False,
        levels__held_on__lt=F("starts_on"),
        levels__hours__isnull=False,
    )
    rows = (
        Induction.objects.filter(person__in=people)
        .annotate(done=Count("levels", filter=valid), total=Sum("levels__hours", filter=valid))
        .values(
            "person_id", "starts_on", "done", "total", "person__enterprise__is_training_high_risk"
        )
        .order_by("person_id", "starts_on", "pk")
    )
    table = required_table()
    states: dict[int, str] = {}
    for row in rows:
        pid = row["person_id"]
        if row["starts_on"] > on:
            states.setdefault(pid, State.PENDING)
            continue
        required = table.get(bool(row["person__enterprise__is_training_high_risk"]))
        complete = row["done"] == 3 and (required is None or (row["total"] or 0) >= required)
        states[pid] = State.COMPLETE if complete else State.INCOMPLETE  # the latest begun wins
    recent = (
        people.filter(hired_on__lte=on, hired_on__gt=on - timedelta(days=NEW_HIRE_WINDOW_DAYS))
        .exclude(Exists(Induction.objects.filter(person=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    for pid in recent:
        states[pid] = State.MISSING
    return states


def state_label(state: str | None) -> str:
    if state == State.COMPLETE:
        return str(_("完成"))
    if state in (State.INCOMPLETE, State.MISSING, State.PENDING):
        return str(_("未完成"))
    return "—"


@dataclass
class Flagged:
    person: Person
    state: str

    @property
    def reason_text(self) -> str:
        if self.state == State.MISSING:
            return str(_("入职未登记三级教育"))
        return str(_("三级教育未完成"))


INCOMPLETE = Figure(
    key="induction.incomplete",
    label=_("未完成三级安全教育上岗人数"),
    unit=_("人"),
    definition=_(
        "在职人员中，在统计日（期间结束日与今天中较早者）已到上岗日期、而最近一次三级安全教育"
        "（新入职、转岗、复岗）未完成的人数：三级各有学员和授课人签字、均在上岗日期前、合计学时"
        "达到培训学时要求（其他从业人员初次学时：一般行业24学时，培训高危行业72学时）才算完成；"
        "统计日前一年内入职却没有任何三级教育登记的也计入。"
    ),
    source=_("三级安全教育登记（级别、日期、学时、签字）、人员（在职、入职日期）、培训学时要求"),
    audience=_("监管人员（本辖区）、企业安全管理员（本企业）"),
    surfaces=(
        "/dashboard/",
        "/admin/induction/",
        "我的工作台（待办）",
        _("年度报告 PDF / xlsx / JSON"),
    ),
    pick=lambda r: r["count"],
)


@computes(INCOMPLETE)
def incomplete_figures(scope: Scope, period: Period) -> dict:
    """{"on", "count", "rows", "by_enterprise"}: the people of the scope working without a
    complete 三级教育 on the period's last day (today when the period runs on)."""
    from django.utils import timezone

    on = min(period.end, timezone.localdate())
    people = scope_people(scope).filter(is_active=True)
    states = person_states(people, on)
    flagged = {pid: s for pid, s in states.items() if s in FLAGGED}
    rows = []
    if flagged:
        for person in (
            Person.objects.filter(pk__in=list(flagged))
            .select_related("enterprise")
            .order_by("enterprise__name", "name", "pk")
        ):
            rows.append(Flagged(person, flagged[person.pk]))
    counts: dict = {}
    for row in rows:
        counts[row.person.enterprise] = counts.get(row.person.enterprise, 0) + 1
    return {
        "on": on,
        "count": len(rows),
        "rows": rows,
        "by_enterprise": sorted(counts.items(), key=lambda item: (-item[1], item[0].name)),
    }
