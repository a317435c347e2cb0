from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from drills.models import Participation

pytestmark = pytest.mark.django_db


def test_the_week_view_lists_the_managers_drills_of_that_week_only(
    client, manager, drill, other_drill
):
    client.force_login(manager)
    day = timezone.localtime(drill.planned_start).date()
    html = client.get(reverse("drills:week") + f"?d={day:%Y-%m-%d}").content.decode()
    assert drill.title in html
    assert other_drill.title not in html
    assert drill.place in html


def test_the_month_view_of_a_worker_shows_only_drills_they_take_part_in(
    client, worker, drill, other_drill
):
    client.force_login(worker)
    day = timezone.localtime(drill.planned_start).date()
    url = reverse("drills:calendar") + f"?y={day.year}&m={day.month}"
    assert drill.title not in client.get(url).content.decode()
    Participation.objects.create(drill=drill, person=worker.person)
    html = client.get(url).content.decode()
    assert drill.title in html
    assert other_drill.title not in html
    assert "新建演练" not in html


def test_a_bad_month_or_day_is_a_400_that_says_why(client, manager):
    client.force_login(manager)
    month = client.get(reverse("drills:calendar") + "?y=abc&m=13")
    assert month.status_code == 400
    assert "参数“y”须为 1900 至 2100 之间的整数" in month.content.decode()
    week = client.get(reverse("drills:week") + "?d=2026-02-31")
    assert week.status_code == 400
    assert "格式 2026-01-31" in week.content.decode()
    assert client.get(reverse("drills:calendar") + "?y=&m=").status_code == 200  # today


def test_the_calendar_requires_login(client, db):
    assert client.get(reverse("drills:calendar")).status_code == 302
