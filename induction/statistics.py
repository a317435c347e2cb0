"""The figure of 三级安全教育: people working without a complete induction.

person_states(people, on) -> dict[person_id, State]        3 queries
incomplete_figures(scope, period) -> dict                  3 queries, 4 when someone is flagged
incomplete_figures_of(scope, periods) -> list[dict]        the same for several periods, as many
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from induction.models import NEW_HIRE_WINDOW_DAYS, Induction
from induction.services import required_table
from portal import snapshots
from portal.figures import Figure, computes, record
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
    return _person_states_on(people, [on])[0]


def _person_states_on(people: QuerySet[Person], days: list[date]) -> list[dict[int, str]]:
    """`person_states` on each of `days`, in the 3 queries of one day: the inductions' rows and
    the rule table do not depend on the day, the recent hires without an induction are read
    once for all the days' windows."""
    valid = Q(
        levels__trainee_signed_at__isnull=False,
        levels__instructor_signed_at__isnull=False,
        levels__held_on__lt=F("starts_on"),
        levels__hours__isnull=False,
    )
    rows = list(
        Induction.objects.filter(person__in=people)
        .annotate(done=Count("levels", filter=valid), total=Sum("levels__hours", filter=valid))
        .values(
            "person_id", "starts_on", "done", "total", "person__enterprise__is_training_high_risk"
        )
        .order_by("person_id", "starts_on", "pk")
    )
    table = required_table()
    out: list[dict[int, str]] = []
    for on in days:
        states: dict[int, str] = {}
        for row in rows:
            pid = row["person_id"]
            if row["starts_on"] > on:
                states.setdefault(pid, State.PENDING)
                continue
            required = table.get(bool(row["person__enterprise__is_training_high_risk"]))
            complete = row["done"] == 3 and (required is None or (row["total"] or 0) >= required)
            states[pid] = State.COMPLETE if complete else State.INCOMPLETE  # latest begun wins
        out.append(states)
    window = timedelta(days=NEW_HIRE_WINDOW_DAYS)
    hired = Q()
    for on in days:
        hired |= Q(hired_on__lte=on, hired_on__gt=on - window)
    recent = (
        people.filter(hired)
        .exclude(Exists(Induction.objects.filter(person=OuterRef("pk"))))
        .values_list("pk", "hired_on")
    )
    for pid, hired_on in recent:
        for on, states in zip(days, out, strict=True):
            if on - window < hired_on <= on:
                states[pid] = State.MISSING
    return out


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
    return _incomplete_figures_of(scope, [period])[0]


@snapshots.kept
def incomplete_figures_of(scope: Scope, periods: list[Period]) -> list[dict]:
    """`incomplete_figures` of several periods (the annual report's two years) in the queries of
    one call (3, 4 when someone is flagged on any of the days)."""
    out = _incomplete_figures_of(scope, periods)
    for period, figures in zip(periods, out, strict=True):
        record(incomplete_figures, (scope, period), {}, figures)
    return out


def _incomplete_figures_of(scope: Scope, periods: list[Period]) -> list[dict]:
    from django.utils import timezone

    today = timezone.localdate()
    days = [min(period.end, today) for period in periods]
    people = scope_people(scope).filter(is_active=True)
    flagged = [
        {pid: s for pid, s in states.items() if s in FLAGGED}
        for states in _person_states_on(people, days)
    ]
    wanted = set().union(*flagged)
    persons = []
    if wanted:
        persons = list(
            Person.objects.filter(pk__in=list(wanted))
            .select_related("enterprise")
            .order_by("enterprise__name", "name", "pk")
        )
    out = []
    for on, flags in zip(days, flagged, strict=True):
        rows = [Flagged(person, flags[person.pk]) for person in persons if person.pk in flags]
        counts: dict = {}
        for row in rows:
            counts[row.person.enterprise] = counts.get(row.person.enterprise, 0) + 1
        out.append(
            {
                "on": on,
                "count": len(rows),
                "rows": rows,
                "by_enterprise": sorted(counts.items(), key=lambda item: (-item[1], item[0].name)),
            }
        )
    return out
