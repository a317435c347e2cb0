"""The 登记卡 is a queued render on the render cluster: the same user's pending one is reused, the
file goes only to the requester while they may see the induction, a purged one says 410, and a
requester who lost the right gets nothing rendered."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from induction import cards, tasks
from portal.models import Progress
from portal.storage import private_storage
from tests.factories import make_manager
from tests.induction.factories import induction

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda func, *args, **opts: calls.append((func, args, opts))
    )
    return calls


@pytest.fixture
def ind(worker):
    return induction(worker.person, starts_on=date(2030, 3, 1))


def _ask(client, ind, capture):
    with capture(execute=True):
        response = client.post(reverse("induction_admin:card", args=[ind.pk]))
    assert response.status_code == 302
    return Progress.objects.filter(key=cards.key(ind.pk)).order_by("-created_at").first()


def _render(call) -> str:
    func, args, opts = call
    assert func == cards.TASK
    return tasks.render_card(*args, progress_id=opts["progress_id"])


def test_the_card_is_queued_on_the_render_cluster_once_per_user(
    settings, client, manager, ind, broker, django_capture_on_commit_callbacks
):
    settings.Q_RENDER_CLUSTER = "render"
    client.force_login(manager)
    first = _ask(client, ind, django_capture_on_commit_callbacks)
    again = _ask(client, ind, django_capture_on_commit_callbacks)
    assert again == first
    [call] = broker
    assert call[2]["cluster"] == "render"
    assert _render(call) == "done"
    assert _render(call) == "done"  # a duplicate task is a no-op
    first.refresh_from_db()
    response = client.get(first.result_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    # a new click after it finished renders it again (the levels may have been signed since)
    second = _ask(client, ind, django_capture_on_commit_callbacks)
    assert second != first


def test_a_stalled_card_request_is_not_reused(
    client, manager, ind, broker, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    first = _ask(client, ind, django_capture_on_commit_callbacks)
    Progress.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert _ask(client, ind, django_capture_on_commit_callbacks) != first
    assert len(broker) == 2


def test_only_the_requester_who_still_sees_it_gets_the_file(
    client, manager, enterprise, other_manager, ind, broker, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    record = _ask(client, ind, django_capture_on_commit_callbacks)
    _render(broker[0])
    record.refresh_from_db()
    url = record.result_url
    # another manager of the same enterprise did not ask for it; another enterprise's manager
    # may not see the induction at all
    colleague = make_manager(enterprise)
    for user in (colleague, other_manager):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(other_manager)
    assert client.post(reverse("induction_admin:card", args=[ind.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_workers_cannot_ask_for_a_card(client, worker, ind, broker):
    client.force_login(worker)
    assert client.post(reverse("induction_admin:card", args=[ind.pk])).status_code in (302, 403)
    assert broker == []


def test_a_requester_who_lost_the_right_gets_nothing_rendered(
    client, manager, ind, other_enterprise, broker, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    record = _ask(client, ind, django_capture_on_commit_callbacks)
    manager.enterprise = other_enterprise
    manager.save()
    assert _render(broker[0]) == "refused"
    record.refresh_from_db()
    assert record.status == Progress.Status.FAILED
    assert not private_storage().exists(cards.stored_name(ind.pk, record.pk))


def test_purged_cards_say_so(client, manager, ind, broker, django_capture_on_commit_callbacks):
    client.force_login(manager)
    record = _ask(client, ind, django_capture_on_commit_callbacks)
    _render(broker[0])
    record.refresh_from_db()
    assert cards.purge(now=timezone.now()) == 0
    later = timezone.now() + timedelta(hours=cards.KEEP_HOURS, minutes=1)
    assert cards.purge(now=later) == 1
    response = client.get(record.result_url)
    assert response.status_code == 410
    assert "请重新生成" in response.content.decode()
