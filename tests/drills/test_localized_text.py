"""Dates and words on drill pages follow the active language (Django's localized formats and
gettext), and no Chinese is left outside gettext in the drills/courses/exams/certificates
templates."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from drills import reminders
from drills.models import FrequencyRule, Participation
from tests.drills.factories import make_drill

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TRANSLATED = [
    r"\{#.*?#\}",
    r"\{% *comment *%\}.*?\{% *endcomment *%\}",
    r"\{% *(blocktrans|blocktranslate)\b.*?\{% *(endblocktrans|endblocktranslate) *%\}",
    r"\{% *(trans|translate)\b.*?%\}",
    r"""_\((".*?"|'.*?')\)""",
]


def _untranslated(path: Path) -> list[str]:
    text = path.read_text()
    for pattern in TRANSLATED:
        text = re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), 1)
        if CJK.search(line)
    ]


def test_no_chinese_outside_gettext_in_these_apps_templates():
    templates = Path(settings.BASE_DIR) / "templates"
    paths = [
        *sorted((templates / "drills").rglob("*.html")),
        *sorted((templates / "courses").rglob("*.html")),
        *sorted((templates / "exams").rglob("*.html")),
        *sorted((templates / "certificates").rglob("*.html")),
        templates / "pdf" / "drill_report.html",
    ]
    problems = [problem for path in paths for problem in _untranslated(path)]
    assert problems == []


def test_the_scan_finds_hard_coded_chinese(tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text('{% trans "好" %} {{ d|date:"Y年n月" }}\n{# 注释 #}{{ x|default:_("无") }}\n')
    assert _untranslated(probe) == ['probe.html:1: {{ d|date:"Y年n月" }}']


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_month_calendar_uses_the_localized_month_format(client, manager):
    client.force_login(manager)
    html = client.get(reverse("drills:calendar"), {"y": 2026, "m": 3}).content.decode()
    assert "2026年3月" in html
    assert "<th>一</th>" in html
    _english(client)
    html = client.get(reverse("drills:calendar"), {"y": 2026, "m": 3}).content.decode()
    assert "March 2026" in html
    assert "2026年3月" not in html


def test_the_week_view_uses_the_localized_weekday_and_date(client, manager):
    client.force_login(manager)
    html = client.get(reverse("drills:week"), {"d": "2026-03-04"}).content.decode()
    assert "2026年3月2日" in html  # the Monday, DATE_FORMAT
    assert "3月2日 星期一" in html
    _english(client)
    html = client.get(reverse("drills:week"), {"d": "2026-03-04"}).content.decode()
    assert "Monday" in html
    assert "星期一" not in html
    assert "March 2, 2026" in html


def test_the_budget_line_is_translated(client, manager, enterprise):
    drill = make_drill(enterprise=enterprise)
    drill.refresh_from_db()
    client.force_login(manager)
    html = client.get(reverse("drills:detail", args=[drill.pk])).content.decode()
    assert f"{drill.budget} 元 / {drill.spent} 元" in html


def test_a_reminder_states_the_start_in_the_localized_format(enterprise, manager, worker):
    start = datetime(2026, 6, 5, 9, 30, tzinfo=timezone.get_current_timezone())
    drill = make_drill(enterprise=enterprise, created_by=manager, start=start)
    Participation.objects.create(drill=drill, person=worker.person)
    due = reminders.due_reminders(now=start - timedelta(days=2))
    assert due
    assert all("6月5日 09:30" in r.title for r in due)


def test_a_rule_reads_well(db):
    rule = FrequencyRule.objects.get(applies_to="government")
    assert str(rule) == f"政府及街道：{rule.drill} / 24个月"


def test_dates_in_the_tests_are_real():
    assert date(2026, 3, 2).weekday() == 0
