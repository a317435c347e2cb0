"""DatabaseUnavailableMiddleware (unit, fast): a database outage met in the view or while loading the
session user answers 503 + Retry-After — JSON with a Chinese message for the API and the exam
page's JSON endpoints, a small HTML page elsewhere — and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from exams import engine
from exams.models import AttemptQuestion

pytestmark = pytest.mark.django_db


def _outage(monkeypatch, exc=None):
    exc = exc or OperationalError("server closed the connection unexpectedly")

    def fail(**_kwargs):
        raise exc

    # whichever path the save takes: one statement (PostgreSQL) or the full path
    monkeypatch.setattr(engine, "quick_save", fail)
    monkeypatch.setattr(engine, "save_answer", fail)


def _assert_json_503(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "5"
    data = response.json()
    assert data["code"] == "service_unavailable"
    assert "数据库" in data["message"]


def test_the_exam_page_save_answers_503_json(client, worker, attempt, monkeypatch):
    """The page saves through the API with its session (static/js/exam.js)."""
    client.force_login(worker)
    item = attempt.items.first()
    _outage(monkeypatch)
    response = client.put(
        f"/api/v1/attempts/{attempt.pk}/answers/{item.question_id}",
        data=json.dumps({"response": ["A"], "seq": 7}),
        content_type="application/json",
    )
    _assert_json_503(response)
    assert AttemptQuestion.objects.get(pk=item.pk).seq == 0


def test_the_api_save_answers_503_json_on_interface_error(client, worker, attempt, monkeypatch):
    client.force_login(worker)  # the API takes the session too
    item = attempt.items.first()
    _outage(monkeypatch, InterfaceError("connection already closed"))
    response = client.put(
        f"/api/v1/attempts/{attempt.pk}/answers/{item.question_id}",
        data=json.dumps({"response": ["A"], "seq": 3}),
        content_type="application/json",
    )
    _assert_json_503(response)
    assert AttemptQuestion.objects.get(pk=item.pk).seq == 0


def test_an_outage_while_loading_the_user_is_a_503_page_not_a_500(client, worker, monkeypatch):
    client.force_login(worker)

    def fail(request):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("django.contrib.auth.get_user", fail)
    response = client.get(reverse("exams:list"))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "服务暂时不可用" in body
    assert "刷新页面" in body
    # the same outage on a JSON request gets JSON
    _assert_json_503(client.get(reverse("exams:list"), HTTP_ACCEPT="application/json"))


def test_other_errors_are_not_hidden_as_503(client, worker, attempt, monkeypatch):
    client.force_login(worker)
    client.raise_request_exception = True
    _outage(monkeypatch, ValueError("a bug"))
    item = attempt.items.first()
    with pytest.raises(ValueError, match="a bug"):
        client.put(
            f"/api/v1/attempts/{attempt.pk}/answers/{item.question_id}",
            data=json.dumps({"response": ["A"], "seq": 7}),
            content_type="application/json",
        )


def test_a_healthy_save_is_untouched(client, worker, attempt):
    client.force_login(worker)
    item = attempt.items.first()
    response = client.put(
        f"/api/v1/attempts/{attempt.pk}/answers/{item.question_id}",
        data=json.dumps({"response": ["A"], "seq": 7}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert AttemptQuestion.objects.get(pk=item.pk).seq == 7
