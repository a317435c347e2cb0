"""Merged figures: the dashboard and the annual report show recorded + accepted reported, with the
split visible; returns not yet accepted are shown apart, never in a total. The numbers are
computed here by hand from the rows the test creates."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from drills.models import Drill
from portal.models import PersonCategory
from portal.periods import Period
from portal.scoping import Scope
from returns import services
from returns.models import Filing, FilingStatus
from returns.statistics import merged_figures, reported_figures
from tests.dashboard.factories import add_record, held_drill
from tests.factories import PersonFactory
from tests.returns.factories import make_form

pytestmark = pytest.mark.django_db


def _file(form, enterprise, manager_user, values: dict, status: str) -> Filing:
    filing = services.save_filing(
        filing=services.filing_for(form, enterprise),
        user=manager_user,
        additional={k: Decimal(v) for k, v in values.items()},
        note="补报",
        submit=True,
        now=timezone.now(),
    )
    Filing.objects.filter(pk=filing.pk).update(status=status)
    return filing


@pytest.fixture
def world(enterprise, other_enterprise, manager, other_manager, street):
    # recorded: A has 2 principal records (4 h + 4 h) and one other-worker record (2 h) in 2026,
    # one live enterprise drill with 3 people who checked in, 1,000 元; B one record (8 h).
    principal = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    worker = PersonFactory(enterprise=enterprise, category=PersonCategory.OTHER)
    add_record(principal, date(2026, 3, 1), "4")
    add_record(principal, date(2026, 6, 1), "4")
    add_record(worker, date(2026, 6, 2), "2")
    add_record(PersonFactory(enterprise=other_enterprise), date(2026, 4, 1), "8")
    add_record(principal, date(2025, 3, 1), "6")  # another year
    held_drill(enterprise, date(2026, 6, 10), form=Drill.Form.LIVE, spent="1000", people=3)
    annual = make_form(street.parent)
    # A: accepted — 76 other workers' person-times, 152 h, 2 tabletop enterprise drills with
    # 40 participant-times and 300 元, 5 lectures
    _file(
        annual,
        enterprise,
        manager,
        {
            "training.other.person_times": "76",
            "training.other.hours": "152",
            "drills.form.tabletop.count": "2",
            "drills.level.enterprise.count": "2",
            "drills.form.tabletop.person_times": "40",
            "drills.level.enterprise.person_times": "40",
            "drills.form.tabletop.money": "300",
            "drills.level.enterprise.money": "300",
            "activity.lectures": "5",
        },
        FilingStatus.ACCEPTED,
    )
    # B: passed by the street, not yet accepted — 500 other workers' person-times
    _file(
        annual,
        other_enterprise,
        other_manager,
        {"training.other.person_times": "500"},
        FilingStatus.PASSED,
    )
    # a form that does not count in the figures: never added
    side = make_form(street.parent, name="专项调查", counts_in_figures=False)
    _file(side, enterprise, manager, {"activity.lectures": "1000"}, FilingStatus.ACCEPTED)
    return annual


def test_merged_totals_are_recorded_plus_accepted_by_hand(world, district):
    merged = merged_figures(Scope.of_region(district), Period.of_year(2026))
    by_hand = {
        # key: (recorded, reported, pending)
        "training.person_times": (4, 76, 500),
        "training.hours": (Decimal("18"), Decimal("152"), Decimal(0)),
        "training.principal.person_times": (2, 0, 0),
        "training.other.person_times": (2, 76, 500),  # A's worker and B's person
        "drills.count": (1, 2, 0),
        "drills.person_times": (3, 40, 0),
        "drills.money": (Decimal("1000"), Decimal("300"), Decimal(0)),
        "drills.level.enterprise.count": (1, 2, 0),
        "drills.form.live.count": (1, 0, 0),
        "drills.form.tabletop.count": (0, 2, 0),
        "drills.form.tabletop.person_times": (0, 40, 0),
        "activity.lectures": (0, 5, 0),
    }
    for key, (recorded, reported, pending) in by_hand.items():
        line = merged.line(key)
        assert (line["recorded"], line["reported"], line["pending"]) == (
            recorded,
            reported,
            pending,
        ), key
        assert line["total"] == recorded + reported, key  # pending never in the total
    assert merged.accepted_filings == 1
    assert merged.pending_filings == 1


def test_a_street_sees_only_its_enterprises_returns(world, street, other_street):
    period = Period.of_year(2026)
    mine = reported_figures(Scope.of_region(street), period)
    theirs = reported_figures(Scope.of_region(other_street), period)
    assert mine.accepted["training.other.person_times"] == 76
    assert not mine.pending
    assert theirs.pending["training.other.person_times"] == 500
    assert not theirs.accepted


def test_a_return_of_another_year_or_outside_the_period_is_not_counted(world, district):
    q3 = Period("quarter", date(2026, 7, 1), date(2026, 9, 30), "2026年第3季度")
    assert not reported_figures(Scope.of_region(district), q3).accepted
    assert not reported_figures(Scope.of_region(district), Period.of_year(2025)).accepted


def test_the_dashboard_shows_the_split_and_the_pending_apart(client, world, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("dashboard:index"), {"period": "year", "year": "2026"})
    html = re.sub(r"\s+", " ", html.content.decode())
    row = re.search(r'<tr data-line="training.person_times">(.*?)</tr>', html)[1]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["80", "4", "76", "500"]  # total, recorded, reported, pending
    assert "待采纳的填报（1 份）单列，不计入合计" in html


def test_the_annual_report_json_and_xlsx_show_the_merged_figures(client, world, supervisor):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(supervisor)
    url = reverse("dashboard:report")
    report = json.loads(client.get(url, {"year": "2026", "format": "json"}).content)
    line = report["reported"]["lines"]["training.person_times"]
    assert line["total"]["value"] == 80
    assert line["recorded"]["value"] == 4
    assert line["reported"]["value"] == 76
    assert line["pending"]["value"] == 500
    assert report["reported"]["lines"]["drills.money"]["total"]["value"] == "1300.00"
    # the recorded figures of the report are unchanged (what training_statistics computed)
    assert report["training"]["person_times"]["value"] == 4
    book = load_workbook(BytesIO(client.get(url, {"year": "2026", "format": "xlsx"}).content))
    rows = {r[0]: r[1] for r in book["含企业填报"].iter_rows(min_row=3, values_only=True)}
    assert rows["培训人次：合计"] == 80
    assert rows["培训人次：其中企业填报"] == 76
    assert rows["培训人次：待采纳（不计入合计）"] == 500
