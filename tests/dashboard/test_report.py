from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard import services

pytestmark = pytest.mark.django_db


def _district_report(year: int = 2026) -> dict:
    return services.annual_report(target=services.region_target_for_command(None), year=year)


def test_the_annual_report_has_the_hand_computed_figures_and_year_over_year_changes(known_data):
    report = _district_report()
    training = report["training"]
    assert training["person_times"] == {"value": 6, "previous": 3, "change_pct": 100.0}
    assert training["hours"] == {"value": "22.00", "previous": "6.00", "change_pct": 266.7}
    cats = training["by_category"]
    assert cats["principal"]["person_times"] == {"value": 2, "previous": 1, "change_pct": 100.0}
    assert cats["special_operator"]["person_times"] == {
        "value": 3,
        "previous": 0,
        "change_pct": None,
    }
    assert cats["other"]["person_times"] == {"value": 1, "previous": 2, "change_pct": -50.0}
    assert cats["team_leader"]["person_times"] == {"value": 0, "previous": 0, "change_pct": None}
    drills = report["drills"]
    assert drills["count"] == {"value": 2, "previous": 1, "change_pct": 100.0}
    assert drills["person_times"] == {"value": 3, "previous": 1, "change_pct": 200.0}
    assert drills["money"] == {"value": "1500.00", "previous": "400.00", "change_pct": 275.0}
    assert drills["by_form"]["live"]["money"]["value"] == "1000.00"
    assert drills["by_form"]["tabletop"]["drills"] == {
        "value": 1,
        "previous": 0,
        "change_pct": None,
    }
    assert drills["by_level"]["enterprise"]["drills"]["value"] == 2
    assert report["competitions"] == {
        "available": True,
        "count": {"value": 0, "previous": 0, "change_pct": None},
        "teams": {"value": 0, "previous": 0, "change_pct": None},
        "participants": {"value": 0, "previous": 0, "change_pct": None},
        "results": [],
        "in_progress": [],
    }


def test_a_street_report_counts_only_that_street(street, known_data):
    report = services.annual_report(
        target=services.region_target_for_command(street.code), year=2026
    )
    assert report["region"]["code"] == street.code
    assert report["training"]["person_times"]["value"] == 5
    assert report["drills"]["money"]["value"] == "1000.00"


def test_programme_people_trained_are_counted_per_year(enterprise, district):
    from datetime import date

    from django.utils import timezone

    from courses.models import ClassRegistration, Cohort, Programme
    from tests.courses.factories import TrainingClassFactory
    from tests.factories import PersonFactory

    programme = Programme.objects.create(name="双百双千", region=district, target_people=1000)
    first = Cohort.objects.create(programme=programme, name="第一期")
    classes = {}
    for year in (2025, 2026):
        classes[year] = TrainingClassFactory(
            programme=programme, starts_on=date(year, 5, 1), region=district
        )
    classes[2026].cohort = first
    classes[2026].save()
    people = [PersonFactory(enterprise=enterprise) for _ in range(3)]
    now = timezone.now()
    for person in people:
        ClassRegistration.objects.create(
            training_class=classes[2026], person=person, attended_at=now
        )
    ClassRegistration.objects.create(training_class=classes[2026], person=PersonFactory())
    ClassRegistration.objects.create(
        training_class=classes[2025], person=people[0], attended_at=now
    )
    report = _district_report()
    assert report["programmes"] == [
        {
            "name": "双百双千",
            "people_trained": {"value": 3, "previous": 1, "change_pct": 200.0},
            "cohorts": [
                {
                    "name": "第一期",
                    "people_trained": {"value": 3, "previous": 0, "change_pct": None},
                }
            ],
        }
    ]
    sheet = load_workbook(io.BytesIO(services.report_xlsx(report)))["培训项目（双百双千等）"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["双百双千 · 第一期 培训人数"] == (3, 0, "—")


def test_the_json_keys_are_stable(known_data):
    report = json.loads(services.report_json(_district_report()))
    assert set(report) == {
        "schema",
        "year",
        "previous_year",
        "region",
        "generated_at",
        "training",
        "programmes",
        "drills",
        "exams",
        "competitions",
        "corrective_actions",
        "operators",
        "induction",
        "reported",
    }
    assert report["schema"] == "annual_report/3"
    assert set(report["operators"]) == {"unlicensed", "on", "previous_on"}
    assert report["operators"]["previous_on"] == "2025-12-31"  # the previous year's last day
    assert set(report["induction"]) == {"incomplete", "on", "previous_on"}
    assert report["induction"]["previous_on"] == "2025-12-31"
    assert set(report["training"]) == {
        "person_times",
        "hours",
        "people",
        "by_category",
        "compliance",
    }
    assert set(report["training"]["compliance"]) == {
        "required",
        "compliant",
        "rate",
        "no_requirement",
    }
    assert list(report["training"]["by_category"]) == [
        "principal",
        "safety_manager",
        "special_operator",
        "other",
        "team_leader",
    ]
    assert set(report["drills"]) == {
        "count",
        "person_times",
        "money",
        "enterprises",
        "by_level",
        "by_form",
        "linked_by_level",
    }
    assert set(report["corrective_actions"]) == {"opened", "closed"}
    assert set(report["competitions"]) >= {"count", "teams", "participants", "in_progress"}
    assert set(report["drills"]["by_form"]) == {"tabletop", "live"}
    assert set(report["exams"]) == {"available", "taken", "passed", "pass_rate"}
    assert set(report["region"]) == {"kind", "code", "name"}


def test_the_pdf_carries_the_figures_the_changes_and_the_empty_competition_section(known_data):
    pdf = services.report_pdf(_district_report())
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "年度安全培训与应急演练报告",
        "主要负责人",
        "特种作业人员",
        "班组长",
        "+100.0%",
        "-50.0%",
        "+275.0%",
        "1,500.00",
        "暂无竞赛记录",
        "技能竞赛",
    ):
        assert expected in text, expected


def test_the_xlsx_lists_each_figure_with_both_years_and_the_change(known_data):
    content = services.report_xlsx(_district_report())
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "安全培训",
        "培训项目（双百双千等）",
        "应急演练",
        "演练整改",
        "持证上岗",
        "三级安全教育",
        "考试",
        "含企业填报",
        "技能竞赛",
        "指标定义",
    ]
    rows = {}
    for name in ("安全培训", "应急演练"):
        sheet = book[name]
        assert sheet.freeze_panes == "A3"  # the caption and the header stay in view
        rows.update({row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)})
    assert rows["培训人次"][1:] == (6, 3, 100)
    assert rows["培训人次：特种作业人员"][1:] == (3, 0, "—")
    assert rows["投入资金（元）"][1:] == (1500, 400, 275)
    assert rows["培训人次：其他从业人员"][3] == -50
    training = book["安全培训"]
    formats = {row[0].value: row[1].number_format for row in training.iter_rows(min_row=3)}
    assert formats["培训人次"] == "#,##0"
    assert formats["学时达标率（%）"].endswith('"%"')
    assert book["演练整改"]["A3"].value == "本年度及上一年度没有整改措施。"
    definitions = [row[0] for row in book["指标定义"].iter_rows(min_row=2, values_only=True)]
    assert "学时达标率" in definitions
    assert "参演人次" in definitions


def test_the_command_writes_the_report_in_each_format(tmp_path, street, known_data):
    for fmt in ("json", "xlsx", "pdf"):
        out = tmp_path / f"r.{fmt}"
        call_command(
            "annual_report",
            "--year",
            "2026",
            "--region",
            street.code,
            "--format",
            fmt,
            "--output",
            str(out),
        )
        assert out.stat().st_size > 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["training"]["person_times"]["value"] == 5


def test_the_command_refuses_an_unknown_region_with_exit_status_1(tmp_path, capsys):
    out = tmp_path / "r.json"
    with pytest.raises(CommandError, match="找不到区划代码"):
        call_command(
            "annual_report",
            "--year",
            "2026",
            "--region",
            "999999",
            "--format",
            "json",
            "--output",
            str(out),
        )
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(
            [
                "manage.py",
                "annual_report",
                "--year",
                "2026",
                "--region",
                "999999",
                "--format",
                "json",
                "--output",
                str(out),
            ]
        ).execute()
    assert excinfo.value.code == 1
    assert "找不到区划代码" in capsys.readouterr().err
    assert not out.exists()


# --------------------------------------------------------------------------- competitions


@pytest.fixture
def competitions(district, street, other_street, enterprise, other_enterprise):
    """2026: a district competition (practical only, advancing 2) with teams A 90, B 70, C 80
    (C from enterprise A's street), a draft (left out) and a running one (counted, listed as 进行中
    without ranks: they are interim), a street-2 competition with B alone;
    2025: one district competition with one team."""
    from decimal import Decimal

    from competitions.models import CompetitionStatus
    from tests.competitions.factories import (
        add_items,
        add_judges,
        add_team,
        make_competition,
        score,
    )
    from tests.factories import EnterpriseFactory

    def build(region, name, year, teams, **extra):
        fields = {
            "theory_weight": Decimal(0),
            "practical_weight": Decimal(100),
            "status": CompetitionStatus.CLOSED,
            **extra,
        }
        competition = make_competition(region, name=name, year=year, **fields)
        (item,) = add_items(competition, 10)
        (judge,) = add_judges(competition, 1)
        for team_name, ent, value in teams:
            score(add_team(competition, ent, team_name, 1), item, judge, value)
        return competition

    third = EnterpriseFactory(name="企业C有限公司", street=street)
    build(
        district,
        "区应急技能大赛",
        2026,
        [("A队", enterprise, 9), ("B队", other_enterprise, 7), ("C队", third, 8)],
        advancing_count=2,
    )
    build(district, "筹备中的比赛", 2026, [("草稿队", enterprise, 10)], status="draft")
    build(district, "进行中的比赛", 2026, [("赛中队", enterprise, 10)], status="open")
    build(other_street, "二号街道比武", 2026, [("B2队", other_enterprise, 6)])
    build(district, "2025年大赛", 2025, [("旧队", enterprise, 5)])


def test_the_competition_section_has_winner_advancing_and_top_three(competitions):
    co = _district_report()["competitions"]
    assert co["available"] is True
    # the closed district one, the running one, the street-2 one (the draft is left out)
    assert co["count"] == {"value": 3, "previous": 1, "change_pct": 200.0}
    assert co["teams"] == {"value": 5, "previous": 1, "change_pct": 400.0}
    assert co["participants"] == {"value": 5, "previous": 1, "change_pct": 400.0}
    assert [(c["name"], c["status_label"], c["teams"]) for c in co["in_progress"]] == [
        ("进行中的比赛", "进行中", 1)
    ]
    assert [r["name"] for r in co["results"]] == ["二号街道比武", "区应急技能大赛"]
    big = co["results"][1]
    assert big["teams"] == 3
    assert big["host"] == "测试区"
    assert big["status"] == "closed"
    assert big["winner"] == {
        "rank": 1,
        "team": "A队",
        "enterprise": "企业A化工有限公司",
        "total": "90.00",
    }
    assert [(t["rank"], t["team"], t["total"]) for t in big["top_three"]] == [
        (1, "A队", "90.00"),
        (2, "C队", "80.00"),
        (3, "B队", "70.00"),
    ]
    assert [t["team"] for t in big["advancing"]] == ["A队", "C队"]


def test_the_competition_section_is_scoped_to_the_region_or_the_enterprise(
    competitions, street, other_street, other_enterprise
):
    first = services.annual_report(
        target=services.region_target_for_command(street.code), year=2026
    )
    assert first["competitions"]["results"] == []
    second = services.annual_report(
        target=services.region_target_for_command(other_street.code), year=2026
    )
    assert [r["name"] for r in second["competitions"]["results"]] == ["二号街道比武"]
    target = services.Target("enterprise", other_enterprise.name, enterprise=other_enterprise)
    mine = services.annual_report(target=target, year=2026)
    assert [r["name"] for r in mine["competitions"]["results"]] == [
        "二号街道比武",
        "区应急技能大赛",
    ]


def test_competition_figures_of_both_years_equals_one_call_per_year(
    competitions, district, street, other_street, enterprise, other_enterprise
):
    """competition_figures_of (the annual report's two years in the queries of one call) gives
    each year what competition_figures gives it alone, for every kind of scope; overlapping
    periods are computed one call each."""
    from datetime import date

    from competitions.statistics import competition_figures, competition_figures_of
    from portal.periods import Period
    from portal.scoping import Scope

    years = [Period.of_year(2026), Period.of_year(2025)]
    scopes = [
        Scope.everything(),
        Scope.of_region(district),
        Scope.of_region(street),
        Scope.of_region(other_street),
        Scope.of_enterprise(enterprise.pk),
        Scope.of_enterprise(other_enterprise.pk),
    ]
    for scope in scopes:
        together = competition_figures_of(scope, years)
        assert together == [competition_figures(scope, p) for p in years]
    both = Period.between(date(2025, 1, 1), date(2026, 12, 31))
    district_scope = Scope.of_region(district)
    assert competition_figures_of(district_scope, [both, years[0]]) == [
        competition_figures(district_scope, both),
        competition_figures(district_scope, years[0]),
    ]
    assert competition_figures(district_scope, both)["count"] == 4


def test_an_enterprise_report_counts_only_its_own_teams(competitions, enterprise, other_enterprise):
    def teams(ent):
        target = services.Target("enterprise", ent.name, enterprise=ent)
        return services.annual_report(target=target, year=2026)["competitions"]["teams"]

    # B队 in the district competition and B2队 in the street-2 one; none in 2025
    assert teams(other_enterprise) == {"value": 2, "previous": 0, "change_pct": None}
    # A队 and 赛中队 of the running one (not B队 or C队 of the same competition); 旧队 in 2025
    assert teams(enterprise) == {"value": 2, "previous": 1, "change_pct": 100.0}


def test_the_pdf_and_xlsx_carry_the_competition_results(competitions):
    report = _district_report()
    pdf = services.report_pdf(report)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("区应急技能大赛", "冠军：A队", "90.00", "晋级队伍：A队、C队", "二号街道比武"):
        assert expected in text, expected
    assert "暂无竞赛记录" not in text
    assert "进行中的比赛" in text
    assert "进行中" in text
    sheet = load_workbook(io.BytesIO(services.report_xlsx(report)))["技能竞赛"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["竞赛场次"][1:] == (3, 1, 200)
    assert rows["参赛队伍"][1:] == (5, 1, 400)
    assert rows["参赛人数"][1:] == (5, 1, 400)
    assert rows["进行中的比赛：进行中"][1] == "1 支队伍"
    assert rows["区应急技能大赛 第1名：A队（企业A化工有限公司）"][1] == 90
    assert rows["区应急技能大赛 第3名：B队（企业B机械有限公司）"][1] == 70
    assert rows["区应急技能大赛 晋级队伍"][1] == "A队、C队"


def test_the_report_counts_linked_drills_by_level_enterprises_and_corrective_actions(
    district, known_data, enterprise
):
    """Issue 15: the district reports linked drills by level, the enterprises that held drills
    and the corrective actions opened and closed."""
    from datetime import date

    from django.utils import timezone

    from drills.models import CorrectiveAction, Drill, Finding
    from tests.drills.factories import make_drill

    start = timezone.make_aware(timezone.datetime(2026, 9, 1, 9))
    linked = make_drill(region=district, start=start, status="archived", is_linked=True)
    linked.participating_enterprises.add(enterprise)
    finding = Finding.objects.create(drill=linked, grade="deficiency", description="通讯中断")
    for status, verified in (("open", None), ("verified", start)):
        CorrectiveAction.objects.create(
            finding=finding,
            description="配发对讲机",
            owner_name="区应急局",
            due_on=date(2026, 10, 1),
            status=status,
            verified_at=verified,
        )
    report = _district_report()
    linked_by_level = report["drills"]["linked_by_level"]
    assert linked_by_level["district"]["count"]["value"] == 1
    assert linked_by_level["enterprise"]["count"]["value"] == 0
    assert list(linked_by_level) == list(Drill.Level.values)
    # enterprises that held drills: A and B in 2026 (the district's own drill has no enterprise)
    assert report["drills"]["enterprises"] == {"value": 2, "previous": 1, "change_pct": 100.0}
    assert report["corrective_actions"]["opened"]["value"] == 2
    assert report["corrective_actions"]["closed"]["value"] == 1
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(services.report_pdf(report))).pages
    )
    assert "多级联动演练：区级 场次" in text
    assert "新增整改措施" in text


def test_the_pdf_says_in_one_line_that_a_section_has_nothing_to_report(district):
    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(services.report_pdf(_district_report()))).pages
    )
    for line in (
        "本年度及上一年度没有已实施的演练。",
        "本年度及上一年度没有正式考试。",
        "本年度暂无竞赛记录。",
    ):
        assert line in re.sub(r"\s+", "", text), line
    # no page holds only the closing footnote: the appendix's last row (技能竞赛) goes with it
    pages = PdfReader(io.BytesIO(services.report_pdf(_district_report()))).pages
    last = re.sub(r"\s+", "", pages[-1].extract_text())
    assert last.index("技能竞赛本年度暂无竞赛记录") < last.index("同比=(本年−上年)÷上年")
