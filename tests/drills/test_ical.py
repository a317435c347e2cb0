from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from drills import calendar, lifecycle
from drills.models import CalendarToken
from tests.drills.factories import make_drill

pytestmark = pytest.mark.django_db


def _events(client, token: str):
    response = client.get(reverse("drills:ical", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_the_feed_lists_the_users_drills_with_place_and_times(client, manager, drill, other_drill):
    token = calendar.calendar_token(user=manager)
    events = _events(client, token.token)
    assert set(events) == {drill.title}
    event = events[drill.title]
    assert str(event["location"]) == "一号罐区"
    assert event["dtstart"].dt == drill.planned_start
    assert str(event["uid"]) == f"drill-{drill.uid}@anquan-portal"
    assert int(event["sequence"]) == 0


def test_a_changed_drill_keeps_its_uid_and_raises_sequence(client, manager, drill):
    token = calendar.calendar_token(user=manager)
    before = _events(client, token.token)[drill.title]
    drill.planned_start += timedelta(hours=1)
    drill.planned_end += timedelta(hours=1)
    drill.save()
    after = _events(client, token.token)[drill.title]
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) == 1


def test_saving_without_a_calendar_change_keeps_the_sequence(drill):
    drill.budget = 123
    drill.save()
    drill.refresh_from_db()
    assert drill.sequence == 0


def test_a_cancelled_drill_goes_out_as_cancelled(client, manager, drill):
    token = calendar.calendar_token(user=manager)
    lifecycle.transition_drill(drill=drill, to="cancelled")
    event = _events(client, token.token)[drill.title]
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1


def test_a_managers_enterprise_feed_has_only_that_enterprises_drills(
    client, manager, enterprise, district, drill
):
    region_drill = make_drill(region=district, title="区级联合演练")
    region_drill.participating_enterprises.add(enterprise)
    personal = _events(client, calendar.calendar_token(user=manager).token)
    assert set(personal) == {drill.title, "区级联合演练"}
    ent = _events(client, calendar.calendar_token(user=manager, enterprise=enterprise).token)
    assert set(ent) == {drill.title}


def test_a_worker_feed_has_the_drills_they_take_part_in(
    client, worker, drill, other_drill, worker_participation
):
    assert set(_events(client, calendar.calendar_token(user=worker).token)) == {drill.title}


def test_an_unknown_or_reset_token_is_404(client, manager, drill):
    token = calendar.calendar_token(user=manager)
    old = token.token
    client.force_login(manager)
    client.post(reverse("drills:feeds-reset"))
    assert client.get(reverse("drills:ical", args=[old])).status_code == 404
    assert client.get(reverse("drills:ical", args=["nope"])).status_code == 404
    assert CalendarToken.objects.get(pk=token.pk).token != old


def test_the_feeds_page_shows_the_private_urls(client, manager):
    client.force_login(manager)
    html = client.get(reverse("drills:feeds")).content.decode()
    assert html.count(".ics") == 2
