"""One definition per figure (issue 15): every surface shows what the figure's one function computed.

For a district supervisor, a street supervisor and an enterprise manager, over two years, each
surface that shows a figure is rendered while `portal.figures.recording()` records the calls of
the catalogued functions. For each figure the surface shows, the test reads the number off the
surface (HTML, xlsx cell, PDF text, JSON), and checks that
- the surface called the figure's function with the surface's scope and period,
- what it shows is what that call returned,
- which is the reference value (the function called directly) — so every surface agrees.
A surface that computed a catalogued figure itself shows a number never recorded and fails; the
coverage tests at the end fail for a new export, API route, live figure or dashboard URL that is
not classified here, and for docs/figures.md out of step with the catalogue.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import get_resolver
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from courses.models import TrainingRecord, TrainingRequirement
from dashboard import services
from portal import registry
from portal.figures import FIGURES, recording
from portal.models import PersonCategory
from portal.periods import Period
from portal.scoping import Scope
from tests.dashboard.factories import add_record
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

YEARS = (2025, 2026)


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def _reference(key: str, scope: Scope, period: Period, today: date):
    figure = FIGURES[key]
    module, name = figure.function.rsplit(".", 1)
    import importlib

    fn = getattr(importlib.import_module(module), name)
    if key.startswith("actions."):
        return figure.pick(fn(scope, period, today=today))
    return figure.pick(fn(scope, period))


# --------------------------------------------------------------------------- the data


@pytest.fixture
def data(enterprise, other_enterprise, known_data):
    """known_data (hand-computed) plus: requirements with people who meet them, miss them and
    have none; 1,200 records in 2025 (a figure with a thousands separator); an exam; actions."""
    from drills.models import CorrectiveAction, Drill, Finding
    from exams.models import Attempt, Paper

    TrainingRequirement.objects.all().delete()
    for risk in (False, True):
        TrainingRequirement.objects.create(
            category=PersonCategory.PRINCIPAL, high_risk=risk, annual_hours=Decimal("8")
        )
    # known_data's principal has 8 h in 2026 (met) and 4 h in 2025 (short); its other people
    # (category 其他从业人员) have no requirement.
    boss_b = PersonFactory(enterprise=other_enterprise, category=PersonCategory.PRINCIPAL)
    add_record(boss_b, date(2026, 2, 1), "2")
    add_record(boss_b, date(2025, 2, 1), "9")
    person = known_data["operator"]
    TrainingRecord.objects.bulk_create(
        [
            TrainingRecord(
                person=person,
                enterprise=enterprise,
                category=person.category,
                date=date(2025, 1, 1) + timedelta(days=i % 300),
                hours=Decimal("1.5"),
                kind="topic",
                source_kind="external",
                title="批量",
            )
            for i in range(1200)
        ]
    )
    paper = Paper.objects.create(title="年度考试", mode="exam", enterprise=enterprise)
    for number_, passed in ((1, True), (2, False)):
        Attempt.objects.create(
            paper=paper,
            person=person,
            number=number_,
            state="finished",
            finished_at=timezone.make_aware(timezone.datetime(2026, 5, 1, 10)),
            passed=passed,
            score=Decimal("70"),
        )
    drill = Drill.objects.filter(enterprise=enterprise, status="archived").first()
    finding = Finding.objects.create(drill=drill, grade="deficiency", description="通道堵塞")
    CorrectiveAction.objects.create(
        finding=finding, description="清理", owner_name="安全科", due_on=date(2026, 7, 1)
    )
    # 无证上岗: a 叉车司机 of enterprise A without the N1 certificate the position needs
    from tests.operators.factories import equipment_kind, position

    position(enterprise, "叉车司机", equipment_kind("N1"))
    PersonFactory(enterprise=enterprise, position="叉车司机")
    # an accepted return of enterprise A for 2026 (合计 = recorded + reported) and a pending one
    from returns.models import Filing
    from tests.returns.factories import make_form

    form = make_form(enterprise.street.parent)
    Filing.objects.create(
        form=form,
        enterprise=enterprise,
        status="accepted",
        additional={"training.other.person_times": "76", "activity.lectures": "3"},
    )
    Filing.objects.create(
        form=form,
        enterprise=other_enterprise,
        status="passed",
        additional={"training.other.person_times": "500"},
    )
    return known_data


# --------------------------------------------------------------------------- reading surfaces


def _html(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def read_dashboard(response) -> dict:
    html = _html(response)
    kpi = {
        label.strip(): value
        for value, label in re.findall(
            r'<span class="n">([^<]*)</span><span class="l">([^<·（]*)', html
        )
    }
    facts = {
        label.strip(): value
        for label, value in re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", html)
    }
    merged = {
        key: number(re.findall(r'<td class="num">([^<]*)</td>', row)[0])
        for key, row in re.findall(r'<tr data-line="([^"]+)">(.*?)</tr>', html)
    }
    return {
        "returns.merged_totals": merged,
        "training.person_times": number(kpi["培训人次"]),
        "training.hours": number(kpi["培训学时"]),
        "drills.count": number(kpi["演练场次"]),
        "drills.person_times": number(kpi["参演人次"]),
        "exams.taken": number(facts["参考人次"]),
        "exams.passed": number(facts["及格人次"]),
        "actions.open": number(kpi["未关闭整改"]),
        "compliance.required": number(facts["有学时要求的在职人员"]),
        "compliance.compliant": number(facts["已达标"]),
        "compliance.rate": _rate(facts["达标率"]),
        "compliance.no_requirement": number(facts["无学时要求（单列，不计入达标率）"]),
        "operators.unlicensed": number(
            re.search(
                r'id="dash-unlicensed">\s*<h2>无证上岗（<span class="n">([\d,]+)</span>', html
            )[1]
        ),
        "induction.incomplete": number(
            re.search(
                r'id="dash-induction">\s*<h2>未完成三级安全教育上岗（<span class="n">([\d,]+)</span>',
                html,
            )[1]
        ),
    }


def _rate(text: str):
    text = text.strip().rstrip("%")
    return None if text in ("—", "") else number(text)


COMPLIANCE_SENTENCE = re.compile(
    r"有学时要求 ([\d,]+) 人，(?:达标 ([\d,]+) 人，)?学时达标率 ([\d.]+|—)%?；无要求 ([\d,]+) 人"
)


def read_compliance_page(response) -> dict:
    html = _html(response)
    match = COMPLIANCE_SENTENCE.search(html)
    required, compliant, rate, none = match.groups()
    return {
        "operators.unlicensed": number(re.search(r"无证上岗 ([\d,]+) 人", html)[1]),
        "compliance.required": number(required),
        "compliance.compliant": number(compliant) if compliant else Decimal(0),
        "compliance.rate": _rate(rate),
        "compliance.no_requirement": number(none),
    }


def read_compliance_xlsx(response) -> dict:
    sheet = load_workbook(io.BytesIO(response.content))["汇总"]
    rows = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    rate = rows["学时达标率（%）"]
    return {
        "compliance.required": rows["有学时要求人数"],
        "compliance.compliant": rows["学时达标人数"],
        "compliance.rate": None if rate == "—" else Decimal(str(rate)),
        "compliance.no_requirement": rows["无学时要求人数"],
    }


def read_report_json(response) -> dict:
    r = json.loads(response.content)
    tr, dr, co = r["training"], r["drills"], r["training"]["compliance"]
    rate = co["rate"]["value"]
    return {
        "training.person_times": tr["person_times"]["value"],
        "training.hours": Decimal(tr["hours"]["value"]),
        "training.people": tr["people"]["value"],
        "training.person_times_by_category": {
            k: v["person_times"]["value"] for k, v in tr["by_category"].items()
        },
        "compliance.required": co["required"]["value"],
        "compliance.compliant": co["compliant"]["value"],
        "compliance.rate": None if rate is None else Decimal(str(rate)),
        "compliance.no_requirement": co["no_requirement"]["value"],
        "drills.count": dr["count"]["value"],
        "drills.person_times": dr["person_times"]["value"],
        "drills.money": Decimal(dr["money"]["value"]),
        "drills.enterprises": dr["enterprises"]["value"],
        "drills.linked_by_level": {
            k: v["count"]["value"] for k, v in dr["linked_by_level"].items()
        },
        "actions.opened": r["corrective_actions"]["opened"]["value"],
        "actions.closed": r["corrective_actions"]["closed"]["value"],
        "exams.taken": r["exams"]["taken"]["value"],
        "exams.passed": r["exams"]["passed"]["value"],
        "competitions.count": r["competitions"]["count"]["value"],
        "competitions.teams": r["competitions"]["teams"]["value"],
        "competitions.participants": r["competitions"]["participants"]["value"],
        "returns.merged_totals": {
            k: Decimal(str(v["total"]["value"])) for k, v in r["reported"]["lines"].items()
        },
        "operators.unlicensed": r["operators"]["unlicensed"]["value"],
        "induction.incomplete": r["induction"]["incomplete"]["value"],
    }


def read_report_xlsx(response) -> dict:
    book = load_workbook(io.BytesIO(response.content))
    rows = {}
    for name in ("安全培训", "应急演练", "考试", "持证上岗", "三级安全教育"):
        sheet = book[name]  # an empty section is one line: its rows have one cell
        rows.update(
            {
                r[0]: r[-1 if len(r) == 1 else 1]
                for r in sheet.iter_rows(min_row=3, values_only=True)
            }
        )
    out = {
        "training.person_times": rows["培训人次"],
        "training.hours": Decimal(str(rows["培训学时"])),
        "training.people": rows["参训人数"],
        "compliance.required": rows["有学时要求人数"],
        "compliance.compliant": rows["学时达标人数"],
        "compliance.rate": None
        if rows["学时达标率（%）"] == "—"
        else Decimal(str(rows["学时达标率（%）"])),
        "compliance.no_requirement": rows["无学时要求人数"],
        "operators.unlicensed": rows["无证上岗人数（年末）"],
        "induction.incomplete": rows["未完成三级教育上岗人数（年末）"],
    }
    if "演练场次" in rows:
        out["drills.count"] = rows["演练场次"]
        out["drills.person_times"] = rows["参演人次"]
    return out


def read_report_pdf(response) -> dict:
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = re.sub(r"\s+", "", text)
    out = {}
    m = re.search(r"全年培训([\d,]+)人次、([\d,.]+)学时，参训([\d,]+)人", text)
    if m:
        out["training.person_times"] = number(m[1])
        out["training.hours"] = number(m[2])
        out["training.people"] = number(m[3])
    m = re.search(
        r"有学时要求([\d,]+)人，达标([\d,]+)人，学时达标率([\d.]+)%；无要求([\d,]+)人", text
    )
    if m:
        out["compliance.required"] = number(m[1])
        out["compliance.compliant"] = number(m[2])
        out["compliance.rate"] = number(m[3])
        out["compliance.no_requirement"] = number(m[4])
    m = re.search(r"持证上岗：年末无证上岗([\d,]+)人", text)
    if m:
        out["operators.unlicensed"] = number(m[1])
    m = re.search(r"三级安全教育：年末未完成三级教育上岗([\d,]+)人", text)
    if m:
        out["induction.incomplete"] = number(m[1])
    m = re.search(r"全年实施演练([\d,]+)场（([\d,]+)家企业开展）、参演([\d,]+)人次", text)
    if m:
        out["drills.count"] = number(m[1])
        out["drills.enterprises"] = number(m[2])
        out["drills.person_times"] = number(m[3])
    return out


def read_api_compliance(response) -> dict:
    r = response.json()
    return {
        "compliance.required": r["required"],
        "compliance.compliant": r["compliant"],
        "compliance.rate": None if r["rate"] is None else Decimal(str(r["rate"])),
        "compliance.no_requirement": r["no_requirement"],
    }


def read_api_training(response) -> dict:
    r = response.json()
    return {
        "training.person_times": r["person_times"],
        "training.hours": Decimal(str(r["hours"])),
        "training.people": r["people"],
        "training.person_times_by_category": r["by_category"],
    }


def read_api_drills(response) -> dict:
    r = response.json()
    return {
        "drills.count": r["total"]["drills"],
        "drills.person_times": r["total"]["person_times"],
        "drills.money": Decimal(r["total"]["money"]),
        "drills.enterprises": r["enterprises"],
    }


def read_training_page(response) -> dict:
    m = re.search(r"共培训 ([\d,]+) 人次、([\d,]+) 人，([\d,.]+) 学时", _html(response))
    return {
        "training.person_times": number(m[1]),
        "training.people": number(m[2]),
        "training.hours": number(m[3]),
    }


# (name, url for a year and the target's query, reader, figures it must show)
SURFACES = [
    ("dashboard page", "/dashboard/{target}?period=year&year={y}", read_dashboard),
    ("compliance page", "/courses/compliance/?year={y}", read_compliance_page),
    ("compliance xlsx", "/courses/compliance/?year={y}&format=xlsx", read_compliance_xlsx),
    ("training statistics page", "/courses/statistics/?year={y}", read_training_page),
    ("annual report JSON", "/dashboard/report/?year={y}&format=json{report}", read_report_json),
    ("annual report xlsx", "/dashboard/report/?year={y}&format=xlsx{report}", read_report_xlsx),
    ("annual report PDF", "/dashboard/report/?year={y}&format=pdf{report}", read_report_pdf),
    ("API compliance", "/api/v1/courses/compliance?year={y}", read_api_compliance),
    ("API training", "/api/v1/courses/statistics?year={y}", read_api_training),
    (
        "API drills",
        "/api/v1/drills/statistics?start={y}-01-01&end={y}-12-31",
        read_api_drills,
    ),
]


def _targets(supervisor, street_supervisor, manager, street, enterprise):
    return [
        ("district", supervisor, Scope.of_region(supervisor.region), "", ""),
        ("street", street_supervisor, Scope.of_region(street), "", ""),
        ("enterprise", manager, Scope.of_enterprise(enterprise.pk), "", ""),
    ]


def test_every_surface_shows_the_figure_its_one_function_computed(
    client, data, supervisor, street_supervisor, manager, street, enterprise
):
    today = date(2026, 11, 29)
    shown: dict[tuple, dict[str, set]] = {}
    for who, user, scope, target, report in _targets(
        supervisor, street_supervisor, manager, street, enterprise
    ):
        client.force_login(user)
        for y in YEARS:
            period = Period.of_year(y)
            for name, pattern, reader in SURFACES:
                url = pattern.format(y=y, target=target, report=report)
                with recording() as rec:
                    response = client.get(url)
                assert response.status_code == 200, (who, name, response.status_code)
                values = reader(response)
                assert values, (who, name, "shows no figure")
                for key, value in values.items():
                    computed = rec.values(key)
                    assert computed, f"{name} ({who}, {y}) shows {key} without calling its function"
                    assert any(_same(value, c) for c in computed), (
                        who,
                        y,
                        name,
                        key,
                        value,
                        computed,
                    )
                    if key.startswith("actions.") and name == "dashboard page":
                        continue  # as of today, not of the period: compared below
                    reference = _reference(key, scope, period, today)
                    assert _same(value, reference), (who, y, name, key, value, reference)
                    shown.setdefault((who, y), {}).setdefault(key, set()).add(name)
    # The core figures were seen on several surfaces each, for every target and year.
    for (who, y), keys in shown.items():
        assert len(keys["compliance.rate"]) >= 5, (who, y, keys["compliance.rate"])
        assert len(keys["training.person_times"]) >= 4, (who, y)
        assert len(keys["drills.count"]) >= 3, (who, y)
        report = {"annual report JSON", "annual report xlsx", "annual report PDF"}
        assert report <= keys["operators.unlicensed"], (who, y, keys["operators.unlicensed"])
        assert report <= keys["induction.incomplete"], (who, y, keys["induction.incomplete"])


def _same(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        a, b = dict(a or {}), dict(b or {})
        return {k: v for k, v in a.items() if v} == {k: v for k, v in b.items() if v}
    if a is None or b is None:
        return a is None and b is None
    return Decimal(str(a)) == Decimal(str(b))


def test_the_compliance_rate_counts_only_people_with_a_requirement_on_every_surface(
    client, data, supervisor
):
    """The disagreement of issue 15: /courses/compliance/ counted people with no requirement as
    达标 (共 200 人，达标 129 人) while /dashboard/ said 61 of 132."""
    client.force_login(supervisor)
    page = read_compliance_page(client.get("/courses/compliance/?year=2026"))
    board = read_dashboard(client.get("/dashboard/?period=year&year=2026"))
    # 2026: known_data's principal met 8 h, enterprise B's principal has 2 h; the two people of
    # category 其他从业人员 and 特种作业人员 have no requirement (plus known_data's drill people).
    assert page["compliance.required"] == board["compliance.required"] == 2
    assert page["compliance.compliant"] == board["compliance.compliant"] == 1
    assert page["compliance.rate"] == board["compliance.rate"] == Decimal("50.0")
    assert page["compliance.no_requirement"] == board["compliance.no_requirement"] > 0


def test_the_dashboard_shows_figures_with_thousands_separators(client, data, supervisor):
    client.force_login(supervisor)
    html = _html(client.get("/dashboard/?period=year&year=2025"))
    # 2025: known_data's 3 records, enterprise B's principal 1, the 1,200 bulk records
    assert '<span class="n">1,204</span><span class="l">培训人次' in html


def test_live_figures_read_their_catalogued_function(data):
    """Every live figure (home page, campaign pages) names a catalogued figure and computes it by
    calling that figure's function."""
    assert registry.live_figures
    for figure in registry.live_figures.values():
        assert figure.figure in FIGURES, figure.key
        if figure.per_page:
            continue  # needs a campaign page with a quiz: tests/cms cover their values
        with recording() as rec:
            value = figure.value()
        assert rec.values(figure.figure) == [value], figure.key


def test_the_home_page_live_training_count_is_the_training_figure(data):
    today = timezone.localdate()
    figure = registry.live_figures["training_count_this_year"]
    expected = _reference(
        "training.person_times", Scope.everything(), Period.of_year(today.year), today
    )
    assert figure.value() == expected


# --------------------------------------------------------------------------- coverage

# Spreadsheet exports that show a catalogued figure: tested above. Every other export must be
# listed in NO_FIGURE_EXPORTS — a new export is classified (and, if it shows a figure, walked
# above) before the suite passes.
FIGURE_EXPORTS = {"courses.compliance", "dashboard.report"}
NO_FIGURE_EXPORTS = {
    "returns.tracker",  # which enterprises filed a return (a list, not a figure)
    "courses.import-template",
    "courses.study-log",  # the study sessions row by row (the per-enterprise hours on the page: study.*)
    "cms.quiz",  # the campaign quiz ranking (campaign figures: cms.quiz functions)
    "competitions.results",  # one competition's ranked teams and scores
    "exams.bank",  # a question bank
    "exams.import-template",
    "exams.results",  # one paper's attempts, person by person
    "portal.logins",  # the login log
    "portal.first-passwords",  # a big roster import's first passwords
    "portal.roster",  # people
    "portal.roster-template",
    "operators.certificates",  # the certificate register, row by row
    "operators.template",
    "operators.unlicensed",  # the people behind operators.unlicensed, row by row (no count)
    "induction.incomplete",  # the people behind induction.incomplete, row by row (no count)
}
FIGURE_ROUTES = {"/courses/compliance", "/courses/statistics", "/drills/statistics"}


def test_every_spreadsheet_export_is_classified():
    unknown = set(registry.spreadsheet_exports) - FIGURE_EXPORTS - NO_FIGURE_EXPORTS
    # Admin list exports (portal.admin_export) list rows, never figures.
    unknown = {key for key in unknown if not key.startswith(("admin.", "wagtail."))}
    assert not unknown, f"classify these exports in {__file__}: {sorted(unknown)}"


def test_every_api_route_named_for_figures_is_walked():
    from portal.api import api

    paths = set()
    for prefix, router in api._routers:
        for path in router.path_operations:
            paths.add(f"{prefix.rstrip('/')}/{path.lstrip('/')}".replace("//", "/"))
    figure_like = {
        p for p in paths if re.search(r"statistic|compliance|figure|report|summary|count", p)
    }
    walked = {p for p in figure_like if any(p.endswith(r) for r in FIGURE_ROUTES)}
    assert figure_like == walked, f"walk these API routes above: {sorted(figure_like - walked)}"


def test_every_dashboard_url_is_walked():
    resolver = next(
        p for p in get_resolver().url_patterns if getattr(p, "app_name", None) == "dashboard"
    )
    names = {getattr(p, "name", None) for p in resolver.url_patterns}
    assert names == {"index", "region", "enterprise", "report"}  # report: JSON, xlsx, PDF


def test_the_dashboard_computes_no_figure_itself():
    """The dashboard composes: no aggregate, no count, no model query of figure records."""
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (Path(settings.BASE_DIR) / "dashboard").glob("*.py")
    )
    for forbidden in (".aggregate(", "Count(", "Sum(", "apps.get_model", "_portal_scope"):
        assert forbidden not in source, forbidden


def test_docs_figures_md_matches_the_catalogue():
    from dashboard.figures_doc import render

    doc = (Path(settings.BASE_DIR) / "docs" / "figures.md").read_text(encoding="utf-8")
    assert doc == render(), "run: python manage.py figures_doc > docs/figures.md"
    for key in FIGURES:
        assert f"`{key}`" in doc


def test_the_dashboard_figures_of_a_target_depend_on_the_target_not_the_user(
    data, supervisor, street
):
    target = services.region_target(supervisor, street.code)
    board = services.dashboard_figures(
        target=target, period=Period.of_year(2026), today=date(2026, 11, 29)
    )
    assert board.training.count == 5


def test_figures_are_shown_with_thousands_separators():
    from portal.templatetags.figure_tags import money_text, thousands_text

    assert thousands_text(1234567) == "1,234,567"
    assert thousands_text(Decimal("1806.0")) == "1,806"
    assert thousands_text(Decimal("1234.5")) == "1,234.5"
    assert thousands_text("1500.00") == "1,500.00"
    assert thousands_text(None) == "—"
    assert thousands_text("—") == "—"
    assert money_text(Decimal("3500")) == "3,500.00"


def test_the_period_picker_offers_the_common_choices_first(client, supervisor):
    client.force_login(supervisor)
    html = _html(client.get("/dashboard/?period=year&year=2026"))
    picker = html[html.index('class="dash-common-periods"') :]
    labels = re.findall(r">(今年|去年|本季度|上季度|本月|上月)<", picker[:2000])
    assert labels == ["今年", "去年", "本季度", "上季度", "本月", "上月"]
    assert picker.index("今年") < picker.index('name="period"')


# --------------------------------------------------------------------------- drill-down rows


def _child_rates(html: str) -> dict[str, Decimal | None]:
    """The dashboard's drill-down table: name → its 学时达标率 (the last column)."""
    table = html[html.index("各街道/乡镇" if "各街道/乡镇" in html else "各企业") :]
    rows = re.findall(
        r'<tr> <td><a href="[^"]*">([^<]+)</a></td> (?:<td class="num">[^<]*</td>){3}'
        r'<td class="num">([^<]*)</td>',
        table,
    )
    return {name: _rate(rate) for name, rate in rows}


def _compliance_rows(html: str) -> dict[str, Decimal | None]:
    """/courses/compliance/'s summary table: street or enterprise → its 学时达标率."""
    rows = re.findall(
        r'<tr> <td><a href="\?year=\d+&amp;(?:street|enterprise)=[^"]+">([^<]+)</a></td>'
        r'(?: ?<td class="num">[^<]*</td>){3} ?<td class="num">([^<]*)</td>',
        html,
    )
    return {name: _rate(rate) for name, rate in rows}


def test_the_street_rows_of_the_district_dashboard_show_their_compliance_rate(
    client, data, supervisor, street_supervisor, street
):
    """Issue 15: the district summary's drill-down rows by street had no 学时达标率. Each row
    shows the rate `compliance_summary` computed for that street (the same as
    /courses/compliance/ shows for it), in the same call as the district's figures."""
    for user, scope, url in (
        (supervisor, Scope.of_region(supervisor.region), "/dashboard/"),
        (street_supervisor, Scope.of_region(street), "/dashboard/"),
    ):
        client.force_login(user)
        for y in YEARS:
            with recording() as rec:
                html = _html(client.get(f"{url}?period=year&year={y}"))
            shown = _child_rates(html)
            assert shown, (user, y)
            (call,) = [c for c in rec.calls if c.function.endswith(".compliance_summary")]
            groups = {g.label: g.rate for g in call.result.groups}
            reference = {
                g.label: g.rate
                for g in services.compliance_summary(
                    scope, Period.of_year(y), by=call.kwargs["by"]
                ).groups
            }
            assert groups == reference
            for name, rate in shown.items():
                assert rate == reference.get(name), (user, y, name, rate, reference)
            assert any(rate is not None for rate in shown.values())
            compliance_page = _compliance_rows(_html(client.get(f"/courses/compliance/?year={y}")))
            assert compliance_page == {k: v for k, v in reference.items() if k in shown}


# --------------------------------------------------------------------------- 双百双千, study hours


def test_the_programme_page_shows_the_programme_figures(client, data, supervisor, manager):
    """/courses/programmes/<pk>/ shows `courses.statistics.programme_figures` (people of any
    enterprise, the programme's start to today): coverage, people trained, per cohort."""
    from courses import classes
    from courses.models import Cohort, Programme
    from tests.courses.factories import TrainingClassFactory

    programme = Programme.objects.create(
        name="双百双千", target_enterprises=100, target_people=1000, region=supervisor.region
    )
    cohorts = [
        Cohort.objects.create(programme=programme, name=f"第{n}期", target_people=50)
        for n in "一二"
    ]
    now = timezone.now()
    people = [PersonFactory() for _ in range(3)]
    for cohort, attendees in ((cohorts[0], people), (cohorts[1], people[:1])):
        training_class = TrainingClassFactory(
            region=supervisor.region, programme=programme, cohort=cohort
        )
        for person in attendees:
            registration = classes.register_for_class(person=person, training_class=training_class)
            classes.mark_attendance(registration=registration, method="manual", now=now)
    for user in (supervisor, manager):
        client.force_login(user)
        with recording() as rec:
            html = _html(client.get(f"/courses/programmes/{programme.pk}/"))
        (figures,) = [c.result for c in rec.calls if c.function.endswith(".programme_figures")]
        for key, label in (
            ("programmes.enterprises_covered", "覆盖企业"),
            ("programmes.people_to_date", "培训人数"),
        ):
            shown = number(re.search(rf"<strong>{label}</strong> ([\d,]+) /", html)[1])
            assert rec.values(key) == [shown] == [FIGURES[key].pick(figures)]
        per_cohort = {
            name: number(n)
            for name, n in re.findall(r"<tr><td>(第.期)</td><td>([\d,]+)</td>", html)
        }
        assert per_cohort == {"第一期": 3, "第二期": 1}
        assert rec.values("programmes.cohort_people_to_date") == [
            {cohorts[0].pk: 3, cohorts[1].pk: 1}
        ]


def test_the_study_log_shows_the_study_hours_figures(client, data, manager, supervisor, enterprise):
    """/courses/study-log/ shows `courses.statistics.study_hours` per enterprise: the measured
    study time and the online-course hours credited, for the scope of who asks."""
    from cms.models import HomePage
    from courses import learning, records
    from courses.models import CourseIndexPage, StudySession
    from courses.statistics import study_hours
    from tests.courses.factories import _publish, make_course

    index = _publish(
        HomePage.objects.get().add_child(
            instance=CourseIndexPage(title="在线课程", slug="courses-one-definition")
        )
    )
    course = make_course(index)
    person = data["operator"]
    enrolment = learning.enrol(person=person, course=course)
    StudySession.objects.create(
        enrolment=enrolment,
        person=person,
        lesson=course.lessons().first(),
        tab="t",
        started_at=timezone.now(),
        last_beat_at=timezone.now(),
        credited_seconds=5400,
    )
    records.record_training(
        person=person,
        on=timezone.localdate(),
        hours=Decimal("1.5"),
        kind="topic",
        source=enrolment,
        title=course.title,
        source_kind="course",
    )
    year = timezone.localdate().year
    for user, scope in (
        (manager, Scope.of_enterprise(enterprise.pk)),
        (supervisor, Scope.of_region(supervisor.region)),
    ):
        client.force_login(user)
        with recording() as rec:
            html = _html(client.get("/courses/study-log/"))
        shown = {
            name: (number(measured), number(credited))
            for name, measured, credited in re.findall(
                r"<tr><td>([^<]+)</td><td>([\d.,]+)</td><td>([\d.,]+)</td></tr>", html
            )
        }
        reference = study_hours(scope, Period.of_year(year))
        assert shown == {r.name: (r.measured_hours, r.credited_hours) for r in reference}
        assert shown[enterprise.name][1] >= Decimal("1.5")
        for key in ("study.measured_hours", "study.credited_hours"):
            assert rec.values(key) == [FIGURES[key].pick(reference)], key
