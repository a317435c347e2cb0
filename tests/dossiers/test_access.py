"""Who may have a training file: the worker their own, the manager their enterprise's people and
the enterprise file, the supervisor their region's; everyone else is refused on every route."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dossiers import services, tasks
from dossiers.models import Dossier
from portal.models import Progress

pytestmark = pytest.mark.django_db


def _refused(response) -> bool:
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def _as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def test_a_worker_asks_for_their_own_file_and_is_sent_to_the_progress_page(
    client, worker, queued_tasks, django_capture_on_commit_callbacks
):
    url = reverse("dossiers:person", args=[worker.person.pk])
    page = _as(client, worker).get(url)
    assert page.status_code == 200
    assert "生成我的档案" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:progress", args=[dossier.progress_id])
    assert queued_tasks == [("dossiers.tasks.build_dossier", dossier.pk)]
    # asking again while it is made goes to the same progress page
    again = client.post(url)
    assert again["Location"] == response["Location"]
    assert Dossier.objects.count() == 1


def test_the_me_page_links_to_the_own_file(client, worker, manager):
    page = _as(client, worker).get(reverse("portal:me"))
    assert reverse("dossiers:person", args=[worker.person.pk]) in page.content.decode()
    assert "我的培训档案" not in _as(client, manager).get(reverse("portal:me")).content.decode()


@pytest.mark.parametrize("who", ["worker", "manager", "supervisor", "street_supervisor"])
def test_those_who_see_a_person_may_ask_for_their_file(client, request, who, worker):
    user = request.getfixturevalue(who)
    response = _as(client, user).get(reverse("dossiers:person", args=[worker.person.pk]))
    assert response.status_code == 200


def test_outsiders_are_refused_the_person_and_enterprise_pages(
    client, worker, enterprise, other_worker, other_manager, editor, queued_tasks, request
):
    other_street = request.getfixturevalue("other_street")
    from tests.factories import make_supervisor

    other_supervisor = make_supervisor(other_street)
    person_url = reverse("dossiers:person", args=[worker.person.pk])
    enterprise_url = reverse("dossiers:enterprise", args=[enterprise.pk])
    for user in (other_worker, other_manager, other_supervisor, editor, None):
        for url in (person_url, enterprise_url):
            for method in ("get", "post"):
                response = getattr(_as(client, user), method)(url)
                assert _refused(response), (user, url, method, response.status_code)
    # a worker may not have their enterprise's file
    for method in ("get", "post"):
        assert _refused(getattr(_as(client, worker), method)(enterprise_url))
    assert not Dossier.objects.exists()


@pytest.mark.parametrize("who", ["manager", "supervisor", "street_supervisor"])
def test_the_manager_and_supervisors_may_ask_for_the_enterprise_file(
    client, request, who, enterprise, queued_tasks
):
    user = request.getfixturevalue(who)
    url = reverse("dossiers:enterprise", args=[enterprise.pk])
    assert _as(client, user).get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert Dossier.objects.get().requested_by == user


def test_only_the_requester_who_still_sees_the_subject_downloads_the_file(
    client, worker, manager, other_manager, supervisor, queued_tasks
):
    dossier = services.request_file(user=manager, person=worker.person)
    url = reverse("dossiers:download", args=[dossier.pk])
    # not ready yet
    assert _as(client, manager).get(url).status_code == 404
    tasks.build_dossier(dossier.pk, progress_id=str(dossier.progress_id))
    response = _as(client, manager).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    # someone else, even one who sees the person, gets nothing
    for user in (worker, other_manager, supervisor, None):
        assert _refused(_as(client, user).get(url)), user
    # the requester moved to another enterprise: refused too
    manager.enterprise = other_manager.enterprise
    manager.save()
    assert _as(client, manager).get(url).status_code == 404


def test_a_job_whose_requester_lost_the_right_builds_nothing(
    worker, manager, other_manager, queued_tasks
):
    dossier = services.request_file(user=manager, person=worker.person)
    manager.enterprise = other_manager.enterprise
    manager.save()
    assert tasks.build_dossier(dossier.pk, progress_id=str(dossier.progress_id)) == "refused"
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.FAILED
    assert not dossier.file
    assert Progress.objects.get(pk=dossier.progress_id).status == Progress.Status.FAILED


def test_an_expired_file_says_so(client, worker, queued_tasks):
    from datetime import timedelta

    from django.utils import timezone

    dossier = services.request_file(user=worker, person=worker.person)
    tasks.build_dossier(dossier.pk, progress_id=str(dossier.progress_id))
    services.purge_expired(now=timezone.now() + timedelta(hours=73))
    response = _as(client, worker).get(reverse("dossiers:download", args=[dossier.pk]))
    assert response.status_code == 410
    assert "重新生成" in response.content.decode()


def test_the_admin_listings_offer_the_files(client, manager, worker, enterprise):
    people = _as(client, manager).get(reverse("portal_people:index"))
    assert reverse("dossiers:person", args=[worker.person.pk]) in people.content.decode()
    enterprises = client.get(reverse("portal_enterprises:index"))
    assert reverse("dossiers:enterprise", args=[enterprise.pk]) in enterprises.content.decode()
