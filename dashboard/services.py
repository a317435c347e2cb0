"""Dashboards and the annual report: they compose the apps' statistics functions.

    parse_period(params: Mapping, *, today: date) -> Period          (portal.periods)
    default_target(user) -> Target | None
    region_target(user, code: str) -> Target                          (Http404 outside the scope)
    enterprise_target(user, pk: int) -> Target                        (Http404 outside the scope)
    region_target_for_command(code: str | None) -> Target             (raises LookupError)
    dashboard_figures(*, target: Target, period: Period, today: date) -> Dashboard
    dashboard_key(*, target: Target, period: Period, today: date) -> tuple   (its snapshot's key)
    annual_report(*, target: Target, year: int) -> dict               (the JSON document)
    report_pdf(report: dict) -> bytes / report_xlsx(report: dict) -> bytes / report_json(...) -> bytes

Every figure comes from the one function that computes it (`<app>/statistics.py`, catalogued in
`portal.figures`, listed in docs/figures.md), called with the target's `Scope` and a `Period`: the
user only decides which targets may be asked for (`region_target`, `enterprise_target`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import wraps

from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _g

from certificates.statistics import expiring_certificates
from competitions.statistics import competition_figures_of
from courses import rollups
from courses.statistics import (
    ComplianceCounts,
    TrainingStats,
    compliance_summary,
    programme_people,
    training_statistics,
    training_year_statistics,
)
from dashboard import charts
from drills.models import Drill
from drills.statistics import (
    DrillStatistics,
    corrective_actions,
    corrective_actions_of,
    drill_statistics,
    drill_statistics_of,
    linked_drills_of,
)
from exams.statistics import exam_figures
from induction.statistics import incomplete_figures, incomplete_figures_of
from operators.statistics import unlicensed_figures
from portal import snapshots, xlsx
from portal.figures import FIGURES, percentage
from portal.models import Enterprise, PersonCategory, Region
from portal.periods import Period, PeriodError, parse_period  # noqa: F401 (re-exported)
from portal.scoping import Scope, scope_enterprise_q, scope_for, visible_enterprises
from returns.statistics import Merged, merged_figures

EXPIRING_DAYS = 90
EXPIRING_LIST = 10
REPORT_CATEGORIES = (
    PersonCategory.PRINCIPAL,
    PersonCategory.SAFETY_MANAGER,
    PersonCategory.SPECIAL_OPERATOR,
    PersonCategory.OTHER,
    PersonCategory.TEAM_LEADER,
)


# --------------------------------------------------------------------------- target


@dataclass(frozen=True)
class Target:
    kind: Scope.Kind  # ALL, REGION or ENTERPRISE
    name: str
    region: Region | None = None
    enterprise: Enterprise | None = None

    @property
    def scope(self) -> Scope:
        if self.kind == Scope.Kind.REGION:
            return Scope.of_region(self.region)
        if self.kind == Scope.Kind.ENTERPRISE:
            return Scope.of_enterprise(self.enterprise.pk)
        return Scope.everything()

    @property
    def code(self) -> str:
        if self.kind == Scope.Kind.REGION:
            return self.region.code
        if self.kind == Scope.Kind.ENTERPRISE:
            return self.enterprise.credit_code
        return ""


def can_use_dashboard(user) -> bool:
    return scope_for(user).is_staff_scope


def _district_target() -> Target:
    districts = list(Region.objects.filter(level=Region.Level.DISTRICT)[:2])
    if len(districts) == 1:
        return Target(Scope.Kind.REGION, districts[0].name, region=districts[0])
    return Target(Scope.Kind.ALL, _g("全部区域"))


def default_target(user) -> Target | None:
    scope = scope_for(user)
    if scope.is_all:
        return _district_target()
    if scope.is_region:
        return Target(Scope.Kind.REGION, scope.region.name, region=scope.region)
    if scope.is_enterprise:
        enterprise = Enterprise.objects.select_related("street").get(pk=scope.enterprise_id)
        return Target(Scope.Kind.ENTERPRISE, enterprise.name, enterprise=enterprise)
    return None


def region_target(user, code: str) -> Target:
    """A district or street the user may see; 404 otherwise (also for managers)."""
    scope = scope_for(user)
    regions = Region.objects.filter(code=code).exclude(level=Region.Level.COMMUNITY)
    if scope.is_region:
        regions = regions.filter(path__startswith=scope.region.path)
    elif not scope.is_all:
        raise Http404
    region = regions.first()
    if region is None:
        raise Http404
    return Target(Scope.Kind.REGION, region.name, region=region)


def enterprise_target(user, pk: int) -> Target:
    enterprise = visible_enterprises(user).select_related("street").filter(pk=pk).first()
    if enterprise is None or not can_use_dashboard(user):
        raise Http404
    return Target(Scope.Kind.ENTERPRISE, enterprise.name, enterprise=enterprise)


def region_target_for_command(code: str | None) -> Target:
    if not code:
        return _district_target()
    region = Region.objects.filter(code=code).exclude(level=Region.Level.COMMUNITY).first()
    if region is None:
        raise LookupError(code)
    return Target(Scope.Kind.REGION, region.name, region=region)


# --------------------------------------------------------------------------- dashboard


@dataclass
class Dashboard:
    target: Target
    period: Period
    training: TrainingStats
    compliance: ComplianceCounts
    exams: dict
    drills: DrillStatistics
    actions: dict
    expiring: dict
    unlicensed: dict
    induction: dict
    children: list[dict] = field(default_factory=list)
    children_kind: str = ""
    charts: dict = field(default_factory=dict)
    merged: Merged | None = None


def _one_snapshot(function):
    """Every figure of the call reads one snapshot of the training rollups (their state and the
    people changed since the refresh, read once instead of once per figure and year)."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with rollups.snapshot():
            return function(*args, **kwargs)

    return wrapper


def _target_key(target: Target) -> tuple:
    return (
        str(target.kind),
        target.region.pk if target.region else None,
        target.enterprise.pk if target.enterprise else None,
    )


def dashboard_key(*, target: Target, period: Period, today: date) -> tuple:
    """What one dashboard's figures depend on besides the data (a snapshot's key parts)."""
    return (_target_key(target), period.kind, period.start, period.end, today, timezone.localdate())


def dashboard_figures(*, target: Target, period: Period, today: date) -> Dashboard:
    """Every figure of one dashboard, each from its app's statistics function (see
    docs/figures.md), kept as a snapshot until anything a figure reads changes
    (portal.snapshots: a hit is one query). Computed: a fixed number of queries whatever the
    data size (tests/dashboard/test_views.py): the rollup state once for all figures, training
    3–9, compliance 2–4 (through the rollups their sums as of the refresh are parts of their own:
    after a new record only the records since are read), exams 1, drills 1 (per organising enterprise in the same query for a
    street's drill-down), corrective actions 1, expiring certificates 2, merged with the returns
    2, 无证上岗 2 (6 when someone needs a certificate), 未完成三级教育上岗 3 (4 when someone is
    flagged), drill-down children 1; then the snapshot's read, its parts' read (the figures of
    tables unchanged since the last computation are served from them, portal.snapshots.part) and
    its store (a savepoint), 5."""
    board = snapshots.cached(
        "dashboard",
        dashboard_key(target=target, period=period, today=today),
        lambda: _dashboard_figures(target=target, period=period, today=today),
    )
    board.target, board.period = target, period
    return board


@_one_snapshot
def _dashboard_figures(*, target: Target, period: Period, today: date) -> Dashboard:
    scope = target.scope
    children = _children_kind(target)
    board = Dashboard(
        target=target,
        period=period,
        # the training breakdown by place only for the drill-down children shown
        training=training_statistics(scope, period, places=(children,) if children else ()),
        compliance=compliance_summary(scope, period, by=children),
        exams=exam_figures(scope, period),
        # per organising enterprise only for a street's drill-down to its enterprises
        drills=drill_statistics(scope, period, by_enterprise=children == "enterprise"),
        actions=corrective_actions(scope, period, today=today),
        expiring=expiring_certificates(scope, today=today, days=EXPIRING_DAYS, rows=EXPIRING_LIST),
        unlicensed=unlicensed_figures(scope, period),
        induction=incomplete_figures(scope, period),
    )
    # recorded + accepted returns, from the training and drill results above
    board.merged = merged_figures(scope, period, training=board.training, drills=board.drills)
    _children(board)
    _charts(board)
    return board


def _children_kind(target: Target) -> str | None:
    """What the dashboard drills down to: the streets of a district, the enterprises of a street."""
    if target.kind == Scope.Kind.ENTERPRISE:
        return None
    if target.kind == Scope.Kind.ALL or target.region.level == Region.Level.DISTRICT:
        return "street"
    return "enterprise"


def _children(board: Dashboard) -> None:
    target = board.target
    scope = target.scope
    kind = _children_kind(target)
    if kind is None:
        return
    hours = {row["key"]: row for row in board.training.by_enterprise}
    compliance = {group.key: group for group in board.compliance.groups}
    if kind == "street":
        board.children_kind = "street"
        streets = Region.objects.filter(level=Region.Level.STREET)
        if target.kind == Scope.Kind.REGION:
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
                    "compliance_rate": getattr(compliance.get(street.code), "rate", None),
                }
            )
        return
    board.children_kind = "enterprise"
    for enterprise in Enterprise.objects.filter(scope_enterprise_q(scope)).order_by("name"):
        row = hours.get(enterprise.pk, {})
        board.children.append(
            {
                "kind": "enterprise",
                "pk": enterprise.pk,
                "name": enterprise.name,
                "count": row.get("count", 0),
                "hours": row.get("hours", Decimal(0)),
                "drills": getattr(board.drills.by_enterprise.get(enterprise.pk), "drills", 0),
                "person_times": None,
                "compliance_rate": getattr(compliance.get(enterprise.pk), "rate", None),
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
    change = percentage(Decimal(value) - Decimal(previous or 0), previous)
    pct = float(change) if change is not None else None
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


def _rate(now: Decimal | None, before: Decimal | None) -> dict:
    """A rate (%) of both years; its change as every other (None when either year has none)."""
    change = None
    if now is not None and before:
        change = _change(now, before)["change_pct"]
    return {
        "value": float(now) if now is not None else None,
        "previous": float(before) if before is not None else None,
        "change_pct": change,
    }


def annual_report(*, target: Target, year: int) -> dict:
    """The annual report as a JSON-ready dict with stable keys (see README "Annual report JSON").
    Every figure is its statistics function's, for the year and the year before (the changes):
    the drills, linked drills, corrective actions and (through the rollups) training figures of
    both years in one call each (`*_of`, `training_year_statistics`: the same code, one query
    for both years), the others called once per year; every call reads one snapshot of the
    training rollups. A fixed number of queries whatever the data size; kept as a snapshot until
    anything a figure reads changes (portal.snapshots: a hit is one query)."""
    today = timezone.localdate()
    report = snapshots.cached(
        "annual_report",
        (_target_key(target), year, today),
        lambda: _annual_report(target=target, year=year),
    )
    report["region"] = {"kind": target.kind, "code": target.code, "name": target.name}
    report["generated_at"] = timezone.localtime().isoformat(timespec="seconds")
    return report


@_one_snapshot
def _annual_report(*, target: Target, year: int) -> dict:
    scope = target.scope
    this, last = Period.of_year(year), Period.of_year(year - 1)
    t_now, t_before = training_year_statistics(scope, [year, year - 1])
    c_now, c_before = (compliance_summary(scope, p) for p in (this, last))
    d_now, d_before = drill_statistics_of(scope, [this, last])
    l_now, l_before = linked_drills_of(scope, [this, last])
    a_now, a_before = corrective_actions_of(scope, [(this, this.end), (last, last.end)])
    p_now, p_before = (programme_people(scope, p) for p in (this, last))
    e_now, e_before = (exam_figures(scope, p) for p in (this, last))
    k_now, k_before = competition_figures_of(scope, [this, last])
    u_now, u_before = (unlicensed_figures(scope, p) for p in (this, last))
    i_now, i_before = incomplete_figures_of(scope, [this, last])
    m_now = merged_figures(scope, this, training=t_now, drills=d_now)
    m_before = merged_figures(scope, last, training=t_before, drills=d_before)

    cat_now = {row["key"]: row["count"] for row in t_now.by_category}
    cat_before = {row["key"]: row["count"] for row in t_before.by_category}
    by_category = {
        category.value: {
            "label": str(category.label),
            "person_times": _change(
                cat_now.get(category.value, 0), cat_before.get(category.value, 0)
            ),
        }
        for category in REPORT_CATEGORIES
    }
    before_people = {(r["programme"], r["cohort"]): r["people"] for r in p_before}
    programmes: list[dict] = []
    names = sorted({r["programme"] for r in p_now} | {r["programme"] for r in p_before})
    now_people = {(r["programme"], r["cohort"]): r["people"] for r in p_now}
    for name in names:
        cohorts = sorted(
            {c for (n, c) in list(now_people) + list(before_people) if n == name and c}
        )
        programmes.append(
            {
                "name": name,
                "people_trained": _change(
                    now_people.get((name, None), 0), before_people.get((name, None), 0)
                ),
                "cohorts": [
                    {
                        "name": cohort,
                        "people_trained": _change(
                            now_people.get((name, cohort), 0), before_people.get((name, cohort), 0)
                        ),
                    }
                    for cohort in cohorts
                ],
            }
        )
    level_labels = dict(Drill.Level.choices)
    return {
        "schema": "annual_report/3",
        "year": year,
        "previous_year": year - 1,
        "region": {"kind": target.kind, "code": target.code, "name": target.name},
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "training": {
            "person_times": _change(t_now.count, t_before.count),
            "hours": _change(t_now.hours, t_before.hours),
            "people": _change(t_now.people, t_before.people),
            "by_category": by_category,
            "compliance": {
                "required": _change(c_now.required, c_before.required),
                "compliant": _change(c_now.compliant, c_before.compliant),
                "rate": _rate(c_now.rate, c_before.rate),
                "no_requirement": _change(c_now.no_requirement, c_before.no_requirement),
            },
        },
        "programmes": programmes,
        "drills": {
            "count": _change(d_now.total.drills, d_before.total.drills),
            "person_times": _change(d_now.total.person_times, d_before.total.person_times),
            "money": _change(d_now.total.money, d_before.total.money),
            "enterprises": _change(d_now.enterprises, d_before.enterprises),
            "by_level": _drill_groups(d_now.by_level, d_before.by_level, Drill.Level.choices),
            "by_form": _drill_groups(d_now.by_form, d_before.by_form, Drill.Form.choices),
            "linked_by_level": {
                level: {
                    "label": str(level_labels[level]),
                    "count": _change(l_now[level], l_before[level]),
                }
                for level in Drill.Level.values
            },
        },
        "corrective_actions": {
            "opened": _change(a_now["opened"], a_before["opened"]),
            "closed": _change(a_now["closed"], a_before["closed"]),
        },
        "exams": {
            "available": True,
            "taken": _change(e_now["taken"], e_before["taken"]),
            "passed": _change(e_now["passed"], e_before["passed"]),
            "pass_rate": _rate(e_now["rate"], e_before["rate"]),
        },
        "operators": {
            "unlicensed": _change(u_now["count"], u_before["count"]),
            "on": u_now["on"].isoformat(),
            "previous_on": u_before["on"].isoformat(),
        },
        "induction": {
            "incomplete": _change(i_now["count"], i_before["count"]),
            "on": i_now["on"].isoformat(),
            "previous_on": i_before["on"].isoformat(),
        },
        "reported": _merged(m_now, m_before),
        "competitions": {
            "available": True,
            "count": _change(k_now["count"], k_before["count"]),
            "teams": _change(k_now["teams"], k_before["teams"]),
            "participants": _change(k_now["participants"], k_before["participants"]),
            "results": k_now["results"],
            "in_progress": k_now["in_progress"],
        },
    }


def _merged(now: Merged, before: Merged) -> dict:
    """Recorded + accepted returns per line, with the split and the returns not yet accepted
    (apart, never in the total); lines with nothing in either year are left out."""
    lines = {}
    for line, previous in zip(now.lines, before.lines, strict=True):
        parts = ("recorded", "reported", "total", "pending")
        if not any(line[p] or previous[p] for p in parts):
            continue
        money = line["fmt"] != "int"
        lines[line["key"]] = {
            "label": line["label"],
            "format": line["fmt"],
            **{
                p: _change(
                    line[p] if money else int(line[p]), previous[p] if money else int(previous[p])
                )
                for p in parts
            },
        }
    return {
        "accepted_filings": _change(now.accepted_filings, before.accepted_filings),
        "pending_filings": _change(now.pending_filings, before.pending_filings),
        "lines": lines,
    }


def report_json(report: dict) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


def _change_text(item: dict) -> str:
    pct = item["change_pct"]
    if pct is None:
        return "—"
    return f"{pct:+.1f}%"


@dataclass
class Section:
    """One section of the report: rows of (item, this year, previous year, change, format) —
    format "int", "money", "hours", "pct" or "text" — or, when there is nothing to report, the one
    line saying so (`empty`)."""

    title: str
    rows: list[tuple[str, object, object, str, str]] = field(default_factory=list)
    empty: str = ""


def _triple(item: dict) -> tuple[object, object, str]:
    return item["value"], item["previous"], _change_text(item)


def _nothing(*items: dict) -> bool:
    return all(not item["value"] and not item["previous"] for item in items)


def report_sections(report: dict) -> list[Section]:
    """The report's sections, shared by the PDF's appendix and the xlsx (a sheet each)."""
    sections = []
    tr = report["training"]
    training = Section(_g("安全培训"))
    training.rows += [
        (_g("培训人次"), *_triple(tr["person_times"]), "int"),
        (_g("培训学时"), *_triple(tr["hours"]), "hours"),
        (_g("参训人数"), *_triple(tr["people"]), "int"),
    ]
    for item in tr["by_category"].values():
        training.rows.append(
            (_g("培训人次：%(c)s") % {"c": item["label"]}, *_triple(item["person_times"]), "int")
        )
    co = tr["compliance"]
    rate = co["rate"]
    training.rows += [
        (_g("有学时要求人数"), *_triple(co["required"]), "int"),
        (_g("学时达标人数"), *_triple(co["compliant"]), "int"),
        (
            _g("学时达标率（%）"),
            rate["value"] if rate["value"] is not None else "—",
            rate["previous"] if rate["previous"] is not None else "—",
            _change_text(rate),
            "pct",
        ),
        (_g("无学时要求人数"), *_triple(co["no_requirement"]), "int"),
    ]
    if _nothing(tr["person_times"], co["required"], co["no_requirement"]):
        training = Section(training.title, empty=_g("本年度及上一年度没有培训记录和在职人员。"))
    sections.append(training)

    programmes = Section(_g("培训项目（双百双千等）"))
    for item in report["programmes"]:
        programmes.rows.append(
            (_g("%(p)s 培训人数") % {"p": item["name"]}, *_triple(item["people_trained"]), "int")
        )
        for cohort in item["cohorts"]:
            programmes.rows.append(
                (
                    _g("%(p)s · %(c)s 培训人数") % {"p": item["name"], "c": cohort["name"]},
                    *_triple(cohort["people_trained"]),
                    "int",
                )
            )
    if not programmes.rows:
        programmes.empty = _g("本年度及上一年度没有培训项目的签到记录。")
    sections.append(programmes)

    dr = report["drills"]
    drills = Section(_g("应急演练"))
    if _nothing(dr["count"]):
        drills.empty = _g("本年度及上一年度没有已实施的演练。")
    else:
        drills.rows += [
            (_g("演练场次"), *_triple(dr["count"]), "int"),
            (_g("参演人次"), *_triple(dr["person_times"]), "int"),
            (_g("投入资金（元）"), *_triple(dr["money"]), "money"),
            (_g("开展演练的企业数"), *_triple(dr["enterprises"]), "int"),
        ]
        for group, name in (("by_level", _g("级别")), ("by_form", _g("形式"))):
            for item in dr[group].values():
                if _nothing(item["drills"]):
                    continue
                label = f"{name}：{item['label']}"
                drills.rows.append(
                    (_g("%(l)s 场次") % {"l": label}, *_triple(item["drills"]), "int")
                )
                drills.rows.append(
                    (_g("%(l)s 人次") % {"l": label}, *_triple(item["person_times"]), "int")
                )
                drills.rows.append(
                    (_g("%(l)s 投入（元）") % {"l": label}, *_triple(item["money"]), "money")
                )
        for item in dr["linked_by_level"].values():
            if not _nothing(item["count"]):
                drills.rows.append(
                    (
                        _g("多级联动演练：%(l)s 场次") % {"l": item["label"]},
                        *_triple(item["count"]),
                        "int",
                    )
                )
    sections.append(drills)

    ac = report["corrective_actions"]
    actions = Section(_g("演练整改"))
    if _nothing(ac["opened"], ac["closed"]):
        actions.empty = _g("本年度及上一年度没有整改措施。")
    else:
        actions.rows += [
            (_g("新增整改措施"), *_triple(ac["opened"]), "int"),
            (_g("验证关闭整改措施"), *_triple(ac["closed"]), "int"),
        ]
    sections.append(actions)

    licensed = Section(_g("持证上岗"))
    licensed.rows.append(
        (_g("无证上岗人数（年末）"), *_triple(report["operators"]["unlicensed"]), "int")
    )
    sections.append(licensed)

    inducted = Section(_g("三级安全教育"))
    inducted.rows.append(
        (_g("未完成三级教育上岗人数（年末）"), *_triple(report["induction"]["incomplete"]), "int")
    )
    sections.append(inducted)

    ex = report["exams"]
    exams = Section(_g("考试"))
    if _nothing(ex["taken"]):
        exams.empty = _g("本年度及上一年度没有正式考试。")
    else:
        rate = ex["pass_rate"]
        exams.rows += [
            (_g("参考人次"), *_triple(ex["taken"]), "int"),
            (_g("及格人次"), *_triple(ex["passed"]), "int"),
            (
                _g("及格率（%）"),
                rate["value"] if rate["value"] is not None else "—",
                rate["previous"] if rate["previous"] is not None else "—",
                _change_text(rate),
                "pct",
            ),
        ]
    sections.append(exams)

    rp = report["reported"]
    reported = Section(_g("含企业填报"))
    if not rp["lines"]:
        reported.empty = _g("本年度及上一年度没有系统记录或企业填报的数据。")
    else:
        reported.rows.append(
            (_g("已采纳的企业填报（份）"), *_triple(rp["accepted_filings"]), "int")
        )
        for line in rp["lines"].values():
            fmt = line["format"]
            reported.rows += [
                (_g("%(l)s：合计") % {"l": line["label"]}, *_triple(line["total"]), fmt),
                (_g("%(l)s：其中系统记录") % {"l": line["label"]}, *_triple(line["recorded"]), fmt),
                (_g("%(l)s：其中企业填报") % {"l": line["label"]}, *_triple(line["reported"]), fmt),
            ]
            if line["pending"]["value"] or line["pending"]["previous"]:
                reported.rows.append(
                    (
                        _g("%(l)s：待采纳（不计入合计）") % {"l": line["label"]},
                        *_triple(line["pending"]),
                        fmt,
                    )
                )
    sections.append(reported)

    co = report["competitions"]
    competitions = Section(_g("技能竞赛"))
    if _nothing(co["count"]) and not co["in_progress"]:
        competitions.empty = _g("本年度暂无竞赛记录。")
    else:
        competitions.rows += [
            (_g("竞赛场次"), *_triple(co["count"]), "int"),
            (_g("参赛队伍"), *_triple(co["teams"]), "int"),
            (_g("参赛人数"), *_triple(co["participants"]), "int"),
        ]
        for result in co["in_progress"]:
            competitions.rows.append(
                (
                    _g("%(c)s：进行中") % {"c": result["name"]},
                    _g("%(n)s 支队伍") % {"n": result["teams"]},
                    "—",
                    "—",
                    "text",
                )
            )
        for result in co["results"]:
            for item in result["top_three"]:
                competitions.rows.append(
                    (
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
                        "text",
                    )
                )
            if result["advancing"]:
                names = "、".join(item["team"] for item in result["advancing"])
                competitions.rows.append(
                    (_g("%(c)s 晋级队伍") % {"c": result["name"]}, names, "—", "—", "text")
                )
    sections.append(competitions)
    return sections


def _report_rows(report: dict) -> list[tuple[str, str, object, object, str]]:
    """(section, item, this year, previous year, change) rows: the PDF's appendix table."""
    rows = []
    for section in report_sections(report):
        if section.empty:
            rows.append((section.title, section.empty, "—", "—", "—"))
        for item, now, before, change, _fmt in section.rows:
            rows.append((section.title, item, now, before, change))
    return rows


_FORMATS = {
    "int": xlsx.INTEGER,
    "money": xlsx.DECIMAL,
    "hours": xlsx.ONE_PLACE,
    "pct": xlsx.PERCENT,
}


def report_xlsx(report: dict) -> bytes:
    """One sheet per section (a frozen caption and header, numbers formatted: thousands
    separators, 元 with two places, rates as %), then a sheet of the figures' definitions."""
    columns = [
        _g("项目"),
        _g("%(y)s年") % {"y": report["year"]},
        _g("%(y)s年") % {"y": report["previous_year"]},
        _g("同比（%）"),
    ]
    caption = _g("%(name)s %(y)s 年度报告") % {
        "name": report["region"]["name"],
        "y": report["year"],
    }
    sheets = []
    for section in report_sections(report):
        if section.empty:
            sheets.append(
                xlsx.Sheet(
                    title=section.title,
                    columns=columns[:1],
                    rows=[[section.empty]],
                    caption=caption,
                    widths={0: 60},
                )
            )
            continue
        rows, row_formats = [], {}
        for index, (item, now, before, change, fmt) in enumerate(section.rows):
            rows.append([item, _cell(now), _cell(before), _cell(change.rstrip("%"))])
            if fmt in _FORMATS:
                row_formats[index] = _FORMATS[fmt]
        sheets.append(
            xlsx.Sheet(
                title=section.title,
                columns=columns,
                rows=rows,
                caption=caption,
                formats={3: '+0.0"%";-0.0"%";0.0"%"'},
                row_formats=row_formats,
                widths={0: 48},
            )
        )
    sheets.append(
        xlsx.Sheet(
            title=_g("指标定义"),
            columns=[_g("指标"), _g("单位"), _g("定义"), _g("数据来源"), _g("可查看人员")],
            rows=[
                [str(f.label), str(f.unit), str(f.definition), str(f.source), str(f.audience)]
                for f in FIGURES.values()
                if any("年度报告" in str(s) for s in f.surfaces)
            ]
            + [[_g("同比"), "%", _g("(本年 − 上年) ÷ 上年；上年为 0 或无数据时记为“—”。"), "", ""]],
            widths={0: 24, 1: 8, 2: 70, 3: 40, 4: 40},
        )
    )
    return xlsx.build_sheets(sheets)


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
    out = {}
    if tr["person_times"]["value"]:
        out["category"] = charts.bar_chart(
            [(i["label"], i["person_times"]["value"]) for i in tr["by_category"].values()],
            title=_g("培训人次（按人员类别）"),
        )
    if dr["count"]["value"]:
        out["level"] = charts.bar_chart(
            [(i["label"], i["drills"]["value"]) for i in dr["by_level"].values()],
            title=_g("演练场次（按级别）"),
        )
        out["form"] = charts.pie_chart(
            [(i["label"], i["drills"]["value"]) for i in dr["by_form"].values()],
            title=_g("演练场次（按形式）"),
        )
        out["money"] = charts.bar_chart(
            [(i["label"], Decimal(i["money"]["value"])) for i in dr["by_form"].values()],
            title=_g("投入资金（按形式，元）"),
        )
    return out


def report_pdf(report: dict) -> bytes:
    from django.conf import settings
    from weasyprint import HTML

    sections = {s.title: s for s in report_sections(report)}
    html = render_to_string(
        "pdf/annual_report.html",
        {
            "report": report,
            "sections": list(sections.values()),
            "rows": _report_rows(report),
            "charts": report_charts(report),
            "generated": report["generated_at"][:16].replace("T", " "),
            "category_changes": [
                (item["label"], item["person_times"], _change_text(item["person_times"]))
                for item in report["training"]["by_category"].values()
            ],
            "programme_rows": sections[_g("培训项目（双百双千等）")].rows,
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
