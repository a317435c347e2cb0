from __future__ import annotations

import io
import json

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

from portal.dashboard import services

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
    assert report["competitions"] == {"available": False, "results": []}


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

    from courses.models import ClassRegistration, Programme, TrainingClass
    from tests.factories import PersonFactory

    programme = Programme.objects.create(name="双百双千", region=district, target_people=1000)
    classes = {}
    for year in (2025, 2026):
        classes[year] = TrainingClass.objects.create(
            title=f"{year}年骨干培训班",
            programme=programme,
            agenda="09:00 开班",
            starts_on=date(year, 5, 1),
            ends_on=date(year, 5, 2),
            place="区应急管理局",
            trainer="李老师",
            hours=8,
            capacity=50,
            region=district,
        )
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
        {"name": "双百双千", "people_trained": {"value": 3, "previous": 1, "change_pct": 200.0}}
    ]


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
    }
    assert report["schema"] == "annual_report/1"
    assert set(report["training"]) == {"person_times", "hours", "people", "by_category"}
    assert list(report["training"]["by_category"]) == [
        "principal",
        "safety_manager",
        "special_operator",
        "other",
        "team_leader",
    ]
    assert set(report["drills"]) == {"count", "person_times", "money", "by_level", "by_form"}
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
        "1500.00",
        "暂无竞赛记录",
        "技能竞赛",
    ):
        assert expected in text, expected


def test_the_xlsx_lists_each_figure_with_both_years_and_the_change(known_data):
    content = services.report_xlsx(_district_report())
    sheet = load_workbook(io.BytesIO(content)).active
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["培训人次（合计）"][2:] == (6, 3, 100)
    assert rows["培训人次：特种作业人员"][2:] == (3, 0, "—")
    assert rows["投入资金（元）"][2:] == (1500, 400, 275)
    assert rows["培训人次：其他从业人员"][4] == -50


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
