"""Dashboards and the annual report: composes the apps' statistics services.

    parse_period(params: Mapping, *, today: date) -> Period          (raises PeriodError)
    default_target(user) -> Target | None
    region_target(user, code: str) -> Target                          (Http404 outside the scope)
    enterprise_target(user, pk: int) -> Target                        (Http404 outside the scope)
    region_target_for_command(code: str | None) -> Target             (raises LookupError)
    dashboard_figures(*, user, target: Target, period: Period, today: date) -> Dashboard
    annual_report(*, target: Target, year: int) -> dict               (the JSON document)
    report_pdf(report: dict) -> bytes / report_xlsx(report: dict) -> bytes / report_json(...) -> bytes

The services of the other apps scope through `portal.scoping.scope_for(user)`. A dashboard for
a street or an enterprise below the user's own scope passes them a copy of the user whose scope is
narrowed to that street / enterprise (`narrowed_user`), after checking that the user may see it.
"""

from __future__ import annotations

import calendar
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.db.models import Case, Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate
from courses.models import ClassRegistration, TrainingRecord
from courses.services import requirement_table, review_cycle_figures
from courses.statistics import TrainingStats, scoped_records, training_statistics
from dashboard import charts
from drills.models import CorrectiveAction, Drill
from drills.services import DrillStatistics, drill_statistics, visible_drills
from portal import xlsx
from portal.models import Enterprise, PersonCategory, Region
from portal.params import ParameterError, date_value, int_param
from portal.scoping import Scope, enterprise_q, scope_for, visible_enterprises, visible_people

EXPIRING_DAYS = 90
EXPIRING_LIST = 10
REPORT_CATEGORIES = (
    PersonCategory.PRINCIPAL,
    PersonCategory.SAFETY_MANAGER,
    PersonCategory.SPECIAL_OPERATOR,
    PersonCategory.OTHER,
    PersonCategory.TEAM_LEADER,
)


class PeriodError(ValueError):
    pass


PERIOD_MIN, PERIOD_MAX = date(2000, 1, 1), date(2100, 12, 31)  # as the years below


# --------------------------------------------------------------------------- period


@dataclass(frozen=True)
class Period:
    kind: str  # "year" | "quarter" | "month" | "custom"
    start: date
    end: date
    label: str

    @property
    def query(self) -> dict[str, str]:
        if self.kind == "custom":
            return {
                "period": "custom",
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        data = {"period": self.kind, "year": str(self.start.year)}
        if self.kind == "quarter":
            data["quarter"] = str((self.start.month - 1) // 3 + 1)
        if self.kind == "month":
            data["month"] = str(self.start.month)
        return data


def _int(params: Mapping, key: str, default: int, lo: int, hi: int, message) -> int:
    try:
        return int_param(params, key, default, min=lo, max=hi, message=str(message))
    except ParameterError as exc:
        raise PeriodError(exc.message) from None


def parse_period(params: Mapping, *, today: date) -> Period:
    """The period from query parameters: period=year|quarter|month|custom with year, quarter,
    month or start/end (YYYY-MM-DD). Defaults to the current year."""
    kind = (params.get("period") or "year").strip()
    year = _int(params, "year", today.year, 2000, 2100, _("年份须为 2000 至 2100 之间的整数。"))
    if kind == "year":
        return Period("year", date(year, 1, 1), date(year, 12, 31), _g("%(y)s年") % {"y": year})
    if kind == "quarter":
        q = _int(params, "quarter", (today.month - 1) // 3 + 1, 1, 4, _("季度须为 1 至 4。"))
        start = date(year, 3 * q - 2, 1)
        end_month = 3 * q
        end = date(year, end_month, calendar.monthrange(year, end_month)[1])
        return Period("quarter", start, end, _g("%(y)s年第%(q)s季度") % {"y": year, "q": q})
    if kind == "month":
        m = _int(params, "month", today.month, 1, 12, _("月份须为 1 至 12。"))
        end = date(year, m, calendar.monthrange(year, m)[1])
        return Period("month", date(year, m, 1), end, _g("%(y)s年%(m)s月") % {"y": year, "m": m})
    if kind == "custom":
        message = _(
            "自定义期间须填写 2000-01-01 至 2100-12-31 之间的开始和结束日期（格式 2026-01-31）。"
        )
        try:
            start, end = (
                date_value(params.get(key) or "", name=key, min=PERIOD_MIN, max=PERIOD_MAX)
                for key in ("start", "end")
            )
        except ParameterError:
            raise PeriodError(message) from None
        if end < start:
            raise PeriodError(_("结束日期不能早于开始日期。"))
        if (end - start).days > 366 * 5:
            raise PeriodError(_("自定义期间不能超过五年。"))
        return Period(
            "custom",
            start,
            end,
            _g("%(start)s 至 %(end)s") % {"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"},
        )
    raise PeriodError(_("期间类型须为年、季度、月或自定义。"))


# --------------------------------------------------------------------------- target


@dataclass(frozen=True)
class Target:
    kind: str  # "all" | "region" | "enterprise"
    name: str
    region: Region | None = None
    enterprise: Enterprise | None = None

    @property
    def scope(self) -> Scope:
        if self.kind == "region":
            return Scope("region", region=self.region)
        if self.kind == "enterprise":
            return Scope("enterprise", enterprise_id=self.enterprise.pk)
        return Scope("all")

    @property
    def code(self) -> str:
        if self.kind == "region":
            return self.region.code
        if self.kind == "enterprise":
            return self.enterprise.credit_code
        return ""


def can_use_dashboard(user) -> bool:
    return scope_for(user).kind in {"all", "region", "enterprise"}


def _district_target() -> Target:
    districts = list(Region.objects.filter(level=Region.Level.DISTRICT)[:2])
    if len(districts) == 1:
        return Target("region", districts[0].name, region=districts[0])
    return Target("all", _g("全部区域"))


def default_target(user) -> Target | None:
    scope = scope_for(user)
    if scope.kind == "all":
        return _district_target()
    if scope.kind == "region":
        return Target("region", scope.region.name, region=scope.region)
    if scope.kind == "enterprise":
        enterprise = Enterprise.objects.select_related("street").get(pk=scope.enterprise_id)
        return Target("enterprise", enterprise.name, enterprise=enterprise)
    return None


def region_target(user, code: str) -> Target:
    """A district or street the user may see; 404 otherwise (also for managers)."""
    scope = scope_for(user)
    regions = Region.objects.filter(code=code).exclude(level=Region.Level.COMMUNITY)
    if scope.kind == "region":
        regions = regions.filter(path__startswith=scope.region.path)
    elif scope.kind != "all":
        raise Http404
    region = regions.first()
    if region is None:
        raise Http404
    return Target("region", region.name, region=region)


def enterprise_target(user, pk: int) -> Target:
    enterprise = visible_enterprises(user).select_related("street").filter(pk=pk).first()
    if enterprise is None or not can_use_dashboard(user):
        raise Http404
    return Target("enterprise", enterprise.name, enterprise=enterprise)


def region_target_for_command(code: str | None) -> Target:
    if not code:
        return _district_target()
    region = Region.objects.filter(code=code).exclude(level=Region.Level.COMMUNITY).first()
    if region is None:
        raise LookupError(code)
    return Target("region", region.name, region=region)


class _Viewer:
    """Stands in for a user in the other apps' services when there is no user (the command)."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None


def narrowed_user(user, target: Target):
    """A copy of `user` (or a stand-in) whose portal scope is the target's."""
    viewer = copy.copy(user) if user is not None else _Viewer()
    viewer._portal_scope = target.scope
    return viewer


# --------------------------------------------------------------------------- dashboard


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class Dashboard:
    target: Target
    period: Period
    training: TrainingStats
    compliance: dict
    exams: dict | None
    drills: DrillStatistics
    actions: dict
    expiring: dict
    children: list[dict] = field(default_factory=list)
    children_kind: str = ""
    charts: dict = field(default_factory=dict)


def _exam_figures(viewer, start: date, end: date) -> dict | None:
    """Finished attempts at formal exams (正式考试, not mock or practice) in the period: one
    aggregate query. None when the exams app has no attempt model."""
    try:
        Attempt = apps.get_model("exams", "Attempt")
    except LookupError:
        return None
    tz = timezone.get_current_timezone()
    from datetime import datetime

    lo = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    qs = Attempt.objects.filter(
        enterprise_q(viewer, "person__enterprise"),
        state="finished",
        finished_at__gte=lo,
        finished_at__lt=hi,
    )
    qs = qs.filter(paper__mode="exam")
    totals = qs.aggregate(
        taken=Count("pk"),
        passed=Count("pk", filter=Q(passed=True)),
        people=Count("person", distinct=True),
    )
    return {**totals, "rate": _pct(totals["passed"], totals["taken"])}


def _compliance(viewer, year: int) -> dict:
    """The share of active people with a training-hour requirement who met it in `year`: the
    same rule as courses.services.compliance_rows (requirement by category and enterprise risk;
    the initial figure when hired that year) but counted in SQL, as compliance_rows builds one
    Python row per person. Three or four queries: the requirement table, the special operators
    whose certificate comes up for review that year and their cycle hours
    (courses.services.review_cycle_figures), one aggregate over the other people."""
    table = requirement_table()
    whens = []
    for (category, high_risk), requirement in table.items():
        match = {"category": category, "enterprise__is_training_high_risk": high_risk}
        initial = requirement.hours_for(hired_this_year=True)
        annual = requirement.hours_for(hired_this_year=False)
        if initial is not None:
            whens.append(When(hired_on__year=year, **match, then=Value(initial)))
        if annual is not None:
            whens.append(When(**match, then=Value(annual)))
    required = Case(
        *whens, default=Value(None), output_field=DecimalField(max_digits=8, decimal_places=1)
    )
    hours = (
        TrainingRecord.objects.filter(
            person=OuterRef("pk"), date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
        )
        .order_by()
        .values("person")
        .annotate(h=Sum("hours"))
        .values("h")
    )
    people = visible_people(viewer).filter(is_active=True)
    # 特种作业: per certificate review cycle, in the year of the review (courses.services).
    cycles = review_cycle_figures(people=people, year=year, table=table)
    counts = (
        people.exclude(pk__in=list(cycles))
        .annotate(
            req=required,
            got=Coalesce(
                Subquery(hours),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=10, decimal_places=1),
            ),
        )
        .aggregate(
            people=Count("pk", filter=Q(req__isnull=False)),
            compliant=Count("pk", filter=Q(req__isnull=False, got__gte=F("req"))),
        )
    )
    counts["people"] += len(cycles)
    counts["compliant"] += sum(1 for c in cycles.values() if c.is_compliant)
    return {
        "year": year,
        "people": counts["people"],
        "compliant": counts["compliant"],
        "rate": _pct(counts["compliant"], counts["people"]),
    }


def _period_bounds(start: date, end: date):
    from datetime import datetime

    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, datetime.min.time(), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz),
    )


def dashboard_figures(*, user, target: Target, period: Period, today: date) -> Dashboard:
    """Every figure of one dashboard. A fixed number of queries whatever the data size:
    training 5 (courses.statistics), compliance 4 (requirement table, the special operators'
    review cycles 2, one aggregate), exams 1,
    drills 1 (drills.services.drill_statistics), open corrective actions 1, expiring
    certificates 2 (count + first rows), drill-down children 1 or 2 (the streets; or the enterprises
    and drills per enterprise) — 15 or 16, plus the session/user lookups of the request."""
    viewer = narrowed_user(user, target)
    training = training_statistics(user=viewer, start=period.start, end=period.end)
    compliance = _compliance(viewer, period.end.year)
    exams = _exam_figures(viewer, period.start, period.end)
    drills = drill_statistics(user=viewer, start=period.start, end=period.end)
    actions = (
        CorrectiveAction.objects.open()
        .filter(finding__drill__in=visible_drills(viewer).values("pk"))
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    )
    certificates = Certificate.objects.expiring_between(
        today, today + timedelta(days=EXPIRING_DAYS)
    ).filter(enterprise_q(viewer, "person__enterprise"))
    expiring = {
        "days": EXPIRING_DAYS,
        "count": certificates.count(),
        "rows": list(
            certificates.select_related("person__enterprise").order_by("valid_until", "pk")[
                :EXPIRING_LIST
            ]
        ),
    }
    board = Dashboard(
        target=target,
        period=period,
        training=training,
        compliance=compliance,
        exams=exams,
        drills=drills,
        actions=actions,
        expiring=expiring,
    )
    _children(board, viewer)
    _charts(board)
    return board


def _children(board: Dashboard, viewer) -> None:
    target = board.target
    if target.kind == "enterprise":
        return
    hours = {row["key"]: row for row in board.training.by_enterprise}
    if target.kind == "all" or target.region.level == Region.Level.DISTRICT:
        board.children_kind = "street"
        streets = Region.objects.filter(level=Region.Level.STREET)
        if target.kind == "region":
            streets = streets.filter(path__startswith=target.region.path)
        by_street = {row["key"]: row for row in board.training.by_street}
        for street in streets.order_by("path"):
            row = by_street.get(street.pk, {})
            bucket = board.drills.by_street.get(street.name)
            board.children.append(
                {
                    "kind": "street",
                    "code": street.code,
                    "name": street.name,
                    "count": row.get("count", 0),
                    "hours": row.get("hours", Decimal(0)),
                    "drills": bucket.drills if bucket else 0,
                    "person_times": bucket.person_times if bucket else 0,
                }
            )
        return
    board.children_kind = "enterprise"
    lo, hi = _period_bounds(board.period.start, board.period.end)
    drills_by_enterprise = {
        row["enterprise_id"]: row
        for row in visible_drills(viewer)
        .held()
        .filter(planned_start__gte=lo, planned_start__lt=hi, enterprise__isnull=False)
        .values("enterprise_id")
        .annotate(n=Count("pk"))
    }
    for enterprise in visible_enterprises(viewer).order_by("name"):
        row = hours.get(enterprise.pk, {})
        board.children.append(
            {
                "kind": "enterprise",
                "pk": enterprise.pk,
                "name": enterprise.name,
                "count": row.get("count", 0),
                "hours": row.get("hours", Decimal(0)),
                "drills": drills_by_enterprise.get(enterprise.pk, {}).get("n", 0),
                "person_times": None,
            }
        )


def _charts(board: Dashboard) -> None:
    t = board.training
    board.charts = {
        "category": charts.bar_chart(
            [(r["label"], r["count"]) for r in t.by_category], title=_g("培训人次（按人员类别）")
        ),
        "period": charts.line_chart(
            [(r["label"], r["count"]) for r in t.by_period], title=_g("培训人次（按月）")
        ),
        "drill_form": charts.pie_chart(
            [(k, b.drills) for k, b in board.drills.by_form.items()], title=_g("演练场次（按形式）")
        ),
        "drill_level": charts.bar_chart(
            [(k, b.drills) for k, b in board.drills.by_level.items()],
            title=_g("演练场次（按级别）"),
        ),
        "children": charts.bar_chart(
            [(c["name"], c["hours"]) for c in board.children], title=_g("培训学时（下级对比）")
        ),
    }


# --------------------------------------------------------------------------- annual report


def _change(value, previous) -> dict:
    """{"value", "previous", "change_pct"}: change_pct is None when the previous year is 0."""
    pct = None
    if previous:
        pct = float(
            ((Decimal(value) - Decimal(previous)) * 100 / Decimal(previous)).quantize(
                Decimal("0.1")
            )
        )
    if isinstance(value, Decimal):
        value, previous = f"{value:.2f}", f"{Decimal(previous):.2f}"
    return {"value": value, "previous": previous, "change_pct": pct}


def _drill_groups(current: dict, previous: dict, choices) -> dict:
    out = {}
    for key, label in choices:
        now = current.get(str(label))
        before = previous.get(str(label))
        out[key] = {
            "label": str(label),
            "drills": _change(now.drills if now else 0, before.drills if before else 0),
            "person_times": _change(
                now.person_times if now else 0, before.person_times if before else 0
            ),
            "money": _change(
                now.money if now else Decimal(0), before.money if before else Decimal(0)
            ),
        }
    return out


def annual_report(*, target: Target, year: int, user=None) -> dict:
    """The annual report as a JSON-ready dict with stable keys (see README "Annual report JSON").

    Queries, whatever the data size: training 2 (totals, by category; both years each),
    drills 2 × 1 (drill_statistics), programmes 1, exams 2 × 1, competitions 6 — 13."""
    viewer = narrowed_user(user, target)
    this = (date(year, 1, 1), date(year, 12, 31))
    last = (date(year - 1, 1, 1), date(year - 1, 12, 31))
    # Training: the courses app's scoping (scoped_records), grouped here for both years at once
    # (two aggregate queries instead of twice the five of training_statistics, which also
    # breaks down by enterprise, street and period — not needed in the report).
    records = scoped_records(viewer).filter(date__gte=last[0], date__lte=this[1])
    now_q, before_q = Q(date__gte=this[0]), Q(date__lt=this[0])
    totals = records.aggregate(
        n_now=Count("pk", filter=now_q),
        n_before=Count("pk", filter=before_q),
        h_now=Sum("hours", filter=now_q),
        h_before=Sum("hours", filter=before_q),
        p_now=Count("person", distinct=True, filter=now_q),
        p_before=Count("person", distinct=True, filter=before_q),
    )
    per_category = {
        row["category"]: row
        for row in records.values("category")
        .annotate(now=Count("pk", filter=now_q), before=Count("pk", filter=before_q))
        .order_by()
    }
    by_category = {}
    for category in REPORT_CATEGORIES:
        row = per_category.get(category.value, {})
        by_category[category.value] = {
            "label": str(category.label),
            "person_times": _change(row.get("now", 0), row.get("before", 0)),
        }
    d_now = drill_statistics(user=viewer, start=this[0], end=this[1])
    d_before = drill_statistics(user=viewer, start=last[0], end=last[1])

    registrations = ClassRegistration.objects.filter(
        enterprise_q(viewer, "person__enterprise"),
        attended_at__isnull=False,
        training_class__programme__isnull=False,
        training_class__ends_on__year__in=[year - 1, year],
    )
    programmes = [
        {
            "name": row["training_class__programme__name"],
            "people_trained": _change(row["now"], row["before"]),
        }
        for row in registrations.values(
            "training_class__programme_id", "training_class__programme__name"
        )
        .annotate(
            now=Count("person", distinct=True, filter=Q(training_class__ends_on__year=year)),
            before=Count("person", distinct=True, filter=Q(training_class__ends_on__year=year - 1)),
        )
        .order_by("training_class__programme__name")
    ]
    e_now = _exam_figures(viewer, *this)
    e_before = _exam_figures(viewer, *last)
    if e_now is None:
        exams = {"available": False, "taken": None, "passed": None, "pass_rate": None}  # nosec B105 # "pass_rate" is a figure, not a password
    else:
        exams = {
            "available": True,
            "taken": _change(e_now["taken"], e_before["taken"]),
            "passed": _change(e_now["passed"], e_before["passed"]),
            "pass_rate": {
                "value": float(e_now["rate"]) if e_now["rate"] is not None else None,
                "previous": float(e_before["rate"]) if e_before["rate"] is not None else None,
                "change_pct": None,
            },
        }
        if e_now["rate"] is not None and e_before["rate"]:
            exams["pass_rate"]["change_pct"] = _change(e_now["rate"], e_before["rate"])[
                "change_pct"
            ]
    return {
        "schema": "annual_report/1",
        "year": year,
        "previous_year": year - 1,
        "region": {
            "kind": target.kind,
            "code": target.code,
            "name": target.name,
        },
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "training": {
            "person_times": _change(totals["n_now"], totals["n_before"]),
            "hours": _change(totals["h_now"] or Decimal(0), totals["h_before"] or Decimal(0)),
            "people": _change(totals["p_now"], totals["p_before"]),
            "by_category": by_category,
        },
        "programmes": programmes,
        "drills": {
            "count": _change(d_now.total.drills, d_before.total.drills),
            "person_times": _change(d_now.total.person_times, d_before.total.person_times),
            "money": _change(d_now.total.money, d_before.total.money),
            "by_level": _drill_groups(d_now.by_level, d_before.by_level, Drill.Level.choices),
            "by_form": _drill_groups(d_now.by_form, d_before.by_form, Drill.Form.choices),
        },
        "exams": exams,
        "competitions": _competition_results(target, year),
    }


def _competition_results(target: Target, year: int) -> dict:
    """Skills competitions of the year (and the year before, for the changes): those hosted in the
    target region's subtree, or for an enterprise those it sent a team to (and then only its own
    teams are counted); only closed or published ones (a running competition's ranks are interim).
    Six queries whatever the number of competitions or teams (competitions.services.standings_many).
    """
    if not apps.is_installed("competitions"):
        return {"available": False, "count": None, "teams": None, "results": []}
    from competitions.models import Competition, CompetitionStatus
    from competitions.services import standings_many

    competitions = (
        Competition.objects.filter(
            year__in=[year - 1, year],
            status__in=[CompetitionStatus.CLOSED, CompetitionStatus.PUBLISHED],
        )
        .select_related("region")
        .order_by("-year", "name", "pk")
    )
    if target.kind == "region":
        competitions = competitions.filter(region__path__startswith=target.region.path)
    elif target.kind == "enterprise":
        competitions = competitions.filter(
            pk__in=Competition.objects.filter(teams__enterprise=target.enterprise).values("pk")
        )
    counted = {year: [0, 0], year - 1: [0, 0]}
    results = []

    def team(s) -> dict:
        return {
            "rank": s.rank,
            "team": s.name,
            "enterprise": s.enterprise,
            "total": str(s.total),
        }

    for competition, rows in standings_many(competitions):
        counted[competition.year][0] += 1
        if target.kind == "enterprise":
            counted[competition.year][1] += sum(
                1 for s in rows if s.enterprise_id == target.enterprise.pk
            )
        else:
            counted[competition.year][1] += len(rows)
        if competition.year != year:
            continue
        results.append(
            {
                "name": competition.name,
                "host": competition.region.name,
                "status": competition.status,
                "status_label": str(competition.get_status_display()),
                "teams": len(rows),
                "winner": team(rows[0]) if rows else None,
                "advancing": [team(s) for s in rows if s.advancing],
                "top_three": [team(s) for s in rows if s.rank <= 3],
            }
        )
    return {
        "available": True,
        "count": _change(counted[year][0], counted[year - 1][0]),
        "teams": _change(counted[year][1], counted[year - 1][1]),
        "results": results,
    }


def report_json(report: dict) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


def _change_text(item: dict) -> str:
    pct = item["change_pct"]
    if pct is None:
        return "—"
    return f"{pct:+.1f}%"


def _report_rows(report: dict) -> list[tuple[str, str, object, object, str]]:
    """(section, item, this year, previous year, change) rows shared by the PDF and the xlsx."""
    rows = []
    tr = report["training"]
    s = _g("培训")
    rows.append((s, _g("培训人次（合计）"), *_triple(tr["person_times"])))
    rows.append((s, _g("培训学时"), *_triple(tr["hours"])))
    rows.append((s, _g("参训人数"), *_triple(tr["people"])))
    for item in tr["by_category"].values():
        rows.append(
            (s, _g("培训人次：%(c)s") % {"c": item["label"]}, *_triple(item["person_times"]))
        )
    for item in report["programmes"]:
        rows.append(
            (
                _g("培训项目"),
                _g("%(p)s 培训人数") % {"p": item["name"]},
                *_triple(item["people_trained"]),
            )
        )
    dr = report["drills"]
    s = _g("应急演练")
    rows.append((s, _g("演练场次"), *_triple(dr["count"])))
    rows.append((s, _g("参演人次"), *_triple(dr["person_times"])))
    rows.append((s, _g("投入资金（元）"), *_triple(dr["money"])))
    for group, name in (("by_level", _g("级别")), ("by_form", _g("形式"))):
        for item in dr[group].values():
            label = f"{name}：{item['label']}"
            rows.append((s, _g("%(l)s 场次") % {"l": label}, *_triple(item["drills"])))
            rows.append((s, _g("%(l)s 人次") % {"l": label}, *_triple(item["person_times"])))
            rows.append((s, _g("%(l)s 投入（元）") % {"l": label}, *_triple(item["money"])))
    ex = report["exams"]
    s = _g("考试")
    if ex["available"]:
        rows.append((s, _g("参考人次"), *_triple(ex["taken"])))
        rows.append((s, _g("及格人次"), *_triple(ex["passed"])))
        rate = ex["pass_rate"]
        rows.append(
            (
                s,
                _g("及格率（%）"),
                rate["value"] if rate["value"] is not None else "—",
                rate["previous"] if rate["previous"] is not None else "—",
                _change_text(rate),
            )
        )
    else:
        rows.append((s, _g("暂无考试数据"), "—", "—", "—"))
    co = report["competitions"]
    s = _g("技能竞赛")
    if co["available"]:
        rows.append((s, _g("竞赛场次"), *_triple(co["count"])))
        rows.append((s, _g("参赛队伍"), *_triple(co["teams"])))
    for result in co["results"]:
        for item in result["top_three"]:
            rows.append(
                (
                    s,
                    _g("%(c)s 第%(r)s名：%(t)s（%(e)s）")
                    % {
                        "c": result["name"],
                        "r": item["rank"],
                        "t": item["team"],
                        "e": item["enterprise"],
                    },
                    item["total"],
                    "—",
                    "—",
                )
            )
        if result["advancing"]:
            names = "、".join(item["team"] for item in result["advancing"])
            rows.append((s, _g("%(c)s 晋级队伍") % {"c": result["name"]}, names, "—", "—"))
    if not co["results"]:
        rows.append((s, _g("暂无竞赛记录"), "—", "—", "—"))
    return rows


def _triple(item: dict) -> tuple[object, object, str]:
    return item["value"], item["previous"], _change_text(item)


def report_xlsx(report: dict) -> bytes:
    columns = [
        _g("类别"),
        _g("项目"),
        _g("%(y)s年") % {"y": report["year"]},
        _g("%(y)s年") % {"y": report["previous_year"]},
        _g("同比（%）"),
    ]
    rows = [
        (section, item, _cell(now), _cell(before), _cell(change.rstrip("%")))
        for section, item, now, before, change in _report_rows(report)
    ]
    return xlsx.build_workbook(columns, rows, title=_g("年度报告"))


def _cell(value: object) -> object:
    """Numbers as numbers in the workbook (a change "+12.5" becomes 12.5; "—" stays text)."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def report_charts(report: dict) -> dict:
    tr, dr = report["training"], report["drills"]
    return {
        "category": charts.bar_chart(
            [(i["label"], i["person_times"]["value"]) for i in tr["by_category"].values()],
            title=_g("培训人次（按人员类别）"),
        ),
        "level": charts.bar_chart(
            [(i["label"], i["drills"]["value"]) for i in dr["by_level"].values()],
            title=_g("演练场次（按级别）"),
        ),
        "form": charts.pie_chart(
            [(i["label"], i["drills"]["value"]) for i in dr["by_form"].values()],
            title=_g("演练场次（按形式）"),
        ),
        "money": charts.bar_chart(
            [(i["label"], Decimal(i["money"]["value"])) for i in dr["by_form"].values()],
            title=_g("投入资金（按形式，元）"),
        ),
    }


def report_pdf(report: dict) -> bytes:
    from django.conf import settings
    from weasyprint import HTML

    html = render_to_string(
        "pdf/annual_report.html",
        {
            "report": report,
            "rows": _report_rows(report),
            "charts": report_charts(report),
            "generated": report["generated_at"][:16].replace("T", " "),
            "category_changes": [
                (item["label"], item["person_times"], _change_text(item["person_times"]))
                for item in report["training"]["by_category"].values()
            ],
            "programme_changes": [
                (item["name"], item["people_trained"], _change_text(item["people_trained"]))
                for item in report["programmes"]
            ],
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_report(report: dict, fmt: str) -> tuple[bytes, str]:
    """(content, content type) for fmt in pdf | xlsx | json."""
    if fmt == "pdf":
        return report_pdf(report), "application/pdf"
    if fmt == "xlsx":
        return report_xlsx(report), xlsx.XLSX_CONTENT_TYPE
    if fmt == "json":
        return report_json(report), "application/json; charset=utf-8"
    raise ValueError(fmt)
