"""portal.progress: a long job's progress record, its page and JSON, and who may see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal import progress
from portal.models import Progress


@pytest.fixture
def record(manager):
    return progress.start(owner=manager, kind="test", title="导入名册", total=4)


@pytest.mark.django_db
def test_a_job_moves_from_queued_through_steps_to_done(record):
    assert record.status == Progress.Status.QUEUED
    assert record.percent == 0

    progress.running(str(record.pk), total=5, message="正在检查")
    progress.step(str(record.pk), done=2)
    progress.step(str(record.pk))
    record.refresh_from_db()
    assert (record.status, record.done, record.total, record.percent) == ("running", 3, 5, 60)

    progress.finish(str(record.pk), message="已导入 5 人", result_url="/admin/")
    record.refresh_from_db()
    assert record.finished
    assert record.percent == 100
    assert record.finished_at is not None
    assert (record.message, record.result_url) == ("已导入 5 人", "/admin/")


@pytest.mark.django_db
def test_an_increment_never_passes_the_total(record):
    for _ in range(6):
        progress.step(str(record.pk))
    record.refresh_from_db()
    assert record.done == 4


@pytest.mark.django_db
def test_a_failure_keeps_its_message(record):
    progress.fail(str(record.pk), message="第3行：身份证号无效")
    record.refresh_from_db()
    assert record.status == Progress.Status.FAILED
    assert record.finished
    assert record.message == "第3行：身份证号无效"


@pytest.mark.django_db
def test_calls_without_a_record_do_nothing(record):
    progress.running(None, total=9)
    progress.step(None, done=3)
    progress.finish(None, message="x")
    progress.fail(None, message="x")
    record.refresh_from_db()
    assert (record.status, record.done) == ("queued", 0)


@pytest.mark.django_db
def test_start_queues_the_task_after_the_commit_with_the_record_id(
    manager, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda *a, **kw: calls.append((a, kw)) or "task-123"
    )
    with django_capture_on_commit_callbacks(execute=True):
        record = progress.start(
            owner=manager, kind="test", title="t", total=1, task="app.tasks.run", args=(7,)
        )
        assert calls == []

    assert calls == [(("app.tasks.run", 7), {"progress_id": str(record.pk)})]
    record.refresh_from_db()
    assert record.task_id == "task-123"


@pytest.mark.django_db
def test_the_owner_sees_the_page_and_its_json(client, manager, record):
    progress.step(str(record.pk), done=1, message="正在检查第1行")
    client.force_login(manager)

    page = client.get(reverse("portal:progress", args=[record.pk]))
    data = client.get(reverse("portal:progress-json", args=[record.pk])).json()

    assert page.status_code == 200
    html = page.content.decode()
    assert "导入名册" in html
    assert 'role="progressbar"' in html
    assert "js/progress.js" in html
    assert data["done"] == 1
    assert data["total"] == 4
    assert data["percent"] == 25
    assert data["status"] == "running"
    assert data["status_label"] == "处理中"
    assert data["message"] == "正在检查第1行"
    assert data["finished"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_manager", "worker", "supervisor"])
def test_anyone_else_is_refused_with_a_404(client, request, record, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("portal:progress", args=[record.pk])).status_code == 404
    assert client.get(reverse("portal:progress-json", args=[record.pk])).status_code == 404


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_the_login(client, record):
    response = client.get(reverse("portal:progress-json", args=[record.pk]))
    assert response.status_code == 302
    assert reverse("portal:login") in response["Location"]


@pytest.mark.django_db
def test_a_superuser_sees_every_record(client, superuser, record):
    client.force_login(superuser)
    assert client.get(reverse("portal:progress", args=[record.pk])).status_code == 200


@pytest.mark.django_db
def test_a_finished_page_shows_the_result_link(client, manager, record):
    progress.finish(str(record.pk), message="完成", result_url="/courses/records/")
    client.force_login(manager)
    html = client.get(reverse("portal:progress", args=[record.pk])).content.decode()
    assert 'href="/courses/records/"' in html
    assert "已完成" in html
