"""The exam page in Chromium while the server cannot take saves: an answer saved during a network
error, a 503 JSON (database outage) and a proxy's 502 HTML page stays queued on the phone, the page
says so ("服务器暂时无法连接，答案已保存在本机，正在重试…"), retries with backoff, and is saved
once the server answers again. A definite answer from the portal (422) drops it from the queue."""

from __future__ import annotations

import json
import time

import pytest

from exams.models import AttemptQuestion
from tests.browser_support import login

pytestmark = pytest.mark.django_db(transaction=True)

SAVES = "**/api/v1/attempts/*/answers/*"  # the page saves through the API (exams.api)
RETRYING = "服务器暂时无法连接，答案已保存在本机，正在重试…"


def _wait(page, predicate, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def test_an_answer_saved_during_an_outage_is_kept_and_sent_when_the_server_is_back(
    phone, worker, attempt, screenshot
):
    login(phone, worker.username)
    phone.goto(f"/exams/attempts/{attempt.pk}/")
    first = phone.locator("fieldset.exam-q").first
    qid = int(first.get_attribute("data-question"))
    item = AttemptQuestion.objects.get(attempt=attempt, question_id=qid)

    calls = []

    def outage(route):
        calls.append(int(route.request.url.rstrip("/").rsplit("/", 1)[1]))
        if len(calls) == 1:
            route.abort("internetdisconnected")
        elif len(calls) == 2:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1"},
                content_type="application/json",
                body=json.dumps(
                    {"code": "service_unavailable", "message": "服务暂时无法连接数据库"}
                ),
            )
        else:
            route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")

    phone.route(SAVES, outage)
    first.locator("input[value=B]").check()
    _wait(phone, lambda: len(calls) >= 3)
    server_notice = phone.locator("#exam-server")
    assert server_notice.is_visible()
    assert server_notice.inner_text() == RETRYING
    queue = phone.evaluate(f"JSON.parse(localStorage.getItem('exam-queue-{attempt.pk}'))")
    assert queue[str(qid)]["response"] == ["B"]
    assert set(calls) == {qid}  # the same answer, retried
    item.refresh_from_db()
    assert item.seq == 0  # nothing reached the database
    screenshot(phone, "retrying")

    phone.unroute(SAVES)
    _wait(phone, lambda: AttemptQuestion.objects.get(pk=item.pk).seq > 0)
    item.refresh_from_db()
    assert item.response == "B"
    assert item.seq == queue[str(qid)]["seq"]
    _wait(phone, lambda: not server_notice.is_visible())
    assert phone.evaluate(f"localStorage.getItem('exam-queue-{attempt.pk}')") == "{}"
    assert "服务器已恢复" in phone.locator("#exam-status").inner_text()
    screenshot(phone, "recovered")


def test_a_definite_refusal_is_dropped_not_retried(phone, worker, attempt):
    login(phone, worker.username)
    phone.goto(f"/exams/attempts/{attempt.pk}/")
    first = phone.locator("fieldset.exam-q").first
    calls = []

    def refuse(route):
        calls.append(1)
        route.fulfill(
            status=422,
            content_type="application/json",
            body=json.dumps({"code": "invalid_request", "message": "答案格式不正确。"}),
        )

    phone.route(SAVES, refuse)
    first.locator("input[value=A]").check()
    _wait(phone, lambda: "答案格式不正确" in phone.locator("#exam-status").inner_text())
    phone.wait_for_timeout(2500)
    assert len(calls) == 1
    assert phone.evaluate(f"localStorage.getItem('exam-queue-{attempt.pk}')") == "{}"
    assert not phone.locator("#exam-server").is_visible()
