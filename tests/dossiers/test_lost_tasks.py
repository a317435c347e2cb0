"""The dossier PDFs are built on the render cluster (settings.Q_RENDER_CLUSTER), and a request
whose task was lost (a worker killed mid-build, a Redis queue lost) is queued again: by the
10-minute schedule or by the requester asking again, at most MAX_REQUEUES times, then given up so
that a new request may be made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers import services, tasks
from dossiers.models import Dossier
from portal import registry
from portal.models import Progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """The tasks queued, with their keyword options (progress_id, cluster), instead of queuing."""
    calls = []

    def async_task(func, *args, **options):
        calls.append((func, args, options))
        return f"task-{len(calls)}"

    monkeypatch.setattr("django_q.tasks.async_task", async_task)
    return calls


def _request(user, **subject) -> Dossier:
    return services.request_file(user=user, **subject)


def _lose(dossier: Dossier, *, running: bool, minutes: int = 30) -> None:
    """The task was taken by a worker that was killed (running) or lost in the queue, `minutes`
    ago; nothing has moved since."""
    then = timezone.now() - timedelta(minutes=minutes)
    if running:
        Dossier.objects.filter(pk=dossier.pk).update(status=Dossier.Status.RUNNING)
        Progress.objects.filter(pk=dossier.progress_id).update(
            status=Progress.Status.RUNNING, updated_at=then
        )
    else:
        Progress.objects.filter(pk=dossier.progress_id).update(updated_at=then)
    Dossier.objects.filter(pk=dossier.pk).update(created_at=then)


def _run(call) -> str:
    func, args, options = call
    assert func == "dossiers.tasks.build_dossier"
    return tasks.build_dossier(*args, progress_id=options["progress_id"])


def test_the_file_is_built_on_the_render_cluster(
    settings, worker, broker, django_capture_on_commit_callbacks
):
    settings.Q_RENDER_CLUSTER = "render"
    with django_capture_on_commit_callbacks(execute=True):
        dossier = _request(worker, person=worker.person)
    [(func, args, options)] = broker
    assert func == "dossiers.tasks.build_dossier"
    assert args == (dossier.pk,)
    assert options["cluster"] == "render"
    assert options["progress_id"] == str(dossier.progress_id)


def test_one_cluster_setups_build_it_on_the_main_cluster(
    settings, worker, broker, django_capture_on_commit_callbacks
):
    settings.Q_RENDER_CLUSTER = ""
    with django_capture_on_commit_callbacks(execute=True):
        _request(worker, person=worker.person)
    [(_func, _args, options)] = broker
    assert "cluster" not in options


def test_a_lost_task_is_queued_again_by_the_schedule_and_then_finished(
    settings, worker, manager, broker, django_capture_on_commit_callbacks
):
    settings.Q_RENDER_CLUSTER = "render"
    settings.Q_TIMEOUT = 300
    # given a person file whose worker was killed mid-build, and an enterprise file lost in the
    # queue, both long ago; and a fresh request whose task may still be waiting
    with django_capture_on_commit_callbacks(execute=True):
        killed = _request(worker, person=worker.person)
        lost = _request(manager, enterprise=worker.person.enterprise)
        fresh = _request(manager, person=worker.person)
    _lose(killed, running=True)
    _lose(lost, running=False)
    broker.clear()  # those tasks are gone
    # when the schedule runs
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stalled() == 2
    # then both are queued again on the render cluster with their own progress records
    queued = {args[0]: (func, args, options) for func, args, options in broker}
    assert set(queued) == {killed.pk, lost.pk}
    assert all(options["cluster"] == "render" for _f, _a, options in queued.values())
    killed.refresh_from_db()
    assert killed.status == Dossier.Status.QUEUED
    assert killed.requeues == 1
    assert Progress.objects.get(pk=killed.progress_id).message == "上次生成未能完成，已重新排队。"
    # a second run while they wait queues nothing more (idempotent)
    broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stalled() == 0
    assert broker == []
    # and the requeued tasks finish the files
    for call in queued.values():
        assert _run(call) == "done"
    for dossier in (killed, lost):
        dossier.refresh_from_db()
        assert dossier.is_ready
        assert Progress.objects.get(pk=dossier.progress_id).status == Progress.Status.DONE
    fresh.refresh_from_db()
    assert fresh.status == Dossier.Status.QUEUED
    assert fresh.requeues == 0
    # a duplicate of a requeued task (the old one was only slow) changes nothing
    name = killed.file.name
    assert _run(queued[killed.pk]) == "done"
    killed.refresh_from_db()
    assert killed.file.name == name


def test_the_requester_asking_again_requeues_a_stalled_request(
    client, worker, broker, django_capture_on_commit_callbacks
):
    url = reverse("dossiers:person", args=[worker.person.pk])
    client.force_login(worker)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
    dossier = Dossier.objects.get()
    broker.clear()
    # while it is alive, asking again only goes to its progress page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url)["Location"] == first["Location"]
    assert broker == []
    # once stalled, the page says so and asking again queues it again
    _lose(dossier, running=True)
    assert "生成似乎已中断" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, follow=True)
    assert "上次生成未能完成，已重新排队。" in again.content.decode()
    assert Dossier.objects.count() == 1
    [call] = broker
    assert _run(call) == "done"
    dossier.refresh_from_db()
    assert dossier.is_ready


def test_a_request_lost_too_often_is_given_up_and_a_new_one_may_be_made(
    client, worker, broker, django_capture_on_commit_callbacks
):
    dossier = _request(worker, person=worker.person)
    Dossier.objects.filter(pk=dossier.pk).update(requeues=services.MAX_REQUEUES)
    _lose(dossier, running=True)
    assert tasks.requeue_stalled() == 0
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.FAILED
    assert Progress.objects.get(pk=dossier.progress_id).status == Progress.Status.FAILED
    client.force_login(worker)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dossiers:person", args=[worker.person.pk]))
    newer = Dossier.objects.exclude(pk=dossier.pk).get()
    assert newer.is_pending
    # the old task turning up late builds nothing over the newer request
    assert tasks.build_dossier(dossier.pk, progress_id=None) == "superseded"


def test_someone_else_cannot_requeue_a_request(client, worker, other_worker, broker):
    dossier = _request(worker, person=worker.person)
    _lose(dossier, running=True)
    broker.clear()
    client.force_login(other_worker)
    assert client.post(reverse("dossiers:person", args=[worker.person.pk])).status_code == 404
    dossier.refresh_from_db()
    assert dossier.requeues == 0
    assert broker == []


def test_the_safety_net_is_scheduled():
    spec = registry.schedules["dossiers.requeue_stalled"]
    assert spec.func == "dossiers.tasks.requeue_stalled"
    assert spec.minutes <= 15
