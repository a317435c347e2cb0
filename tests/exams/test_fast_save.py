"""The apps' autosave through its fast route (portal.api.fast_route, exams.api._fast_put_answer)
answers exactly as ninja's operation: the same statuses and bodies for the same requests, every
request it does not fully understand handed to ninja (a session and its CSRF check, a bad token,
bodies ninja refuses or coerces)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from ninja.operation import Operation

from exams import api as exams_api
from exams.models import Attempt, AttemptEvent, AttemptQuestion, Question
from tests.exams.factories import make_paper


@pytest.fixture
def ninja_runs(monkeypatch):
    """How many requests ninja's operations answered."""
    calls = []
    run = Operation.run

    def counting(self, request, **kw):
        calls.append(request.path)
        return run(self, request, **kw)

    monkeypatch.setattr(Operation, "run", counting)
    return calls


def _put(client, attempt_id, question_id, body, **headers):
    return client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{question_id}",
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def _scenario(client, paper, token, other_token):
    """Statuses and bodies of a run of saves (times replaced by whether there is one)."""
    started = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token).json()
    attempt, questions = started["id"], started["questions"]
    single = next(q for q in questions if q["type"] == "single")
    key = single["options"][0]["key"]
    q = single["id"]
    requests = [
        (attempt, q, {"response": [key], "seq": 5}, token),  # accepted
        (attempt, q, {"response": [key], "seq": 5}, token),  # repeated seq: what the server holds
        (attempt, q, {"response": [], "seq": 4}, token),  # older
        (attempt, q, {"response": [key], "seq": 6, "extra": 1}, token),  # extra key ignored
        (attempt, q, {"response": ["Z"], "seq": 7}, token),  # not an option: 422
        (attempt, 2**40, {"response": [key], "seq": 8}, token),  # not in the attempt: 404
        (attempt, q, {"response": [key], "seq": 9}, other_token),  # someone else's: 404
        (attempt, q, {"response": [key], "seq": "10"}, token),  # ninja coerces: 200
        (attempt, q, {"response": [key], "seq": -1}, token),  # 422 with errors
        (attempt, q, {"response": [key], "seq": 2**53}, token),  # 422
        (attempt, q, {"response": [key], "seq": True}, token),  # ninja's call
        (attempt, q, {"response": "A", "seq": 11}, token),  # 422
        (attempt, q, {"response": ["A\x00"], "seq": 12}, token),  # unstorable: 400
        (attempt, q, {"seq": 13}, token),  # 422
        (attempt, q, "{not json", token),  # 400
        (attempt, q, "[1, 2]", token),  # 422
        ("0", q, {"response": [key], "seq": 14}, token),  # 422
        (attempt, "x", {"response": [key], "seq": 15}, token),  # 422
        (attempt, q, {"response": [key], "seq": 16}, {"HTTP_AUTHORIZATION": "Bearer nope"}),
        (attempt, q, {"response": [key], "seq": 17}, {}),  # 401
    ]
    answers = []
    for attempt_id, question_id, body, headers in requests:
        response = _put(client, attempt_id, question_id, body, **headers)
        data = response.json()
        if "saved_at" in data:
            data["saved_at"] = data["saved_at"] is not None
        answers.append((response.status_code, response["Content-Type"], data))
    client.post(f"/api/v1/attempts/{attempt}/submit", **token)
    response = _put(client, attempt, q, {"response": [key], "seq": 99}, **token)
    answers.append((response.status_code, response["Content-Type"], response.json()))
    item = AttemptQuestion.objects.get(attempt_id=attempt, question_id=q)
    saves = AttemptEvent.objects.filter(attempt_id=attempt, kind=AttemptEvent.Kind.SAVE)
    return answers, (item.seq, item.response), sorted(e.detail for e in saves)


def _token(worker):
    response = Client().post(
        "/api/v1/auth/token",
        {"username": worker.username, "password": "secret-pass-1"},
        content_type="application/json",
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def test_the_fast_route_answers_as_ninja_does(
    client, paper, questions, district, token, other_worker, monkeypatch, ninja_runs
):
    other = _token(other_worker)
    ninja_runs.clear()
    fast = _scenario(client, paper, token, other)
    # the submit and the 13 saves the route does not take went to ninja; the start (its own
    # fast route), the 7 saves of the common case and the one after the submit did not
    assert len(ninja_runs) == 1 + 13
    ninja_runs.clear()
    monkeypatch.setattr(exams_api, "fast_user", lambda request: None)  # ninja answers every save
    slow = _scenario(client, make_paper(owner_region=district, questions=questions), token, other)
    assert len(ninja_runs) == 2 + 21
    assert fast == slow
    statuses = [status for status, _type, _body in fast[0]]
    assert statuses[:7] == [200, 200, 200, 200, 422, 404, 404]
    assert statuses[-1] == 409
    assert [body.get("accepted") for _s, _t, body in fast[0][:4]] == [True, False, False, True]
    assert {content_type for _s, content_type, _b in fast[0]} == {"application/json; charset=utf-8"}


def test_a_session_save_keeps_its_csrf_check(worker, paper, ninja_runs):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(worker)
    started = browser.post(f"/api/v1/exams/{paper.pk}/attempts")
    assert started.status_code == 403  # no CSRF token
    browser.get("/")  # the CSRF cookie
    csrf = {"HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value}
    started = browser.post(f"/api/v1/exams/{paper.pk}/attempts", **csrf).json()
    question = started["questions"][0]
    body = {"response": [question["options"][0]["key"]], "seq": 1}
    ninja_runs.clear()
    assert _put(browser, started["id"], question["id"], body).status_code == 403
    saved = _put(browser, started["id"], question["id"], body, **csrf)
    assert saved.status_code == 200
    assert saved.json()["accepted"] is True
    assert len(ninja_runs) == 2  # both through ninja's session auth


def _fill_blank(bank):
    return Question.objects.create(
        bank=bank, type="fill_blank", stem="持证___年，每___年复审。", options=[], answer="6;3"
    )


def test_attempt_out_is_pydantics_dump(client, district, bank, questions, token, ninja_runs):
    """exams.api.attempt_out builds what ninja's validation and dump of AttemptOut make of a
    start's payload: the same keys in the same order, the same values, defaults included."""
    paper = make_paper(owner_region=district, questions=[*questions, _fill_blank(bank)])
    started = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token)
    assert started.status_code == 201
    assert ninja_runs == []  # the fast route answered
    attempt = Attempt.objects.select_related("paper").get(pk=started.json()["id"])
    payload = exams_api._attempt_payload(attempt)
    assert {q["type"] for q in payload["questions"]} == {
        "single",
        "multiple",
        "judge",
        "fill_blank",
    }
    built = exams_api.attempt_out(payload)
    dumped = exams_api.AttemptOut.model_validate(payload).model_dump()
    assert json.dumps(built, default=str) == json.dumps(dumped, default=str)


def test_a_start_through_the_fast_route_answers_as_ninja_does(
    client, district, questions, token, monkeypatch, ninja_runs
):
    paper = make_paper(owner_region=district, questions=questions)
    fast = [client.post(f"/api/v1/exams/{paper.pk}/attempts", **token) for _ in range(2)]
    assert ninja_runs == []
    monkeypatch.setattr(exams_api, "fast_user", lambda request: None)
    slow = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token)  # a resume, by ninja
    assert ninja_runs == [f"/api/v1/exams/{paper.pk}/attempts"]
    assert [r.status_code for r in (*fast, slow)] == [201, 200, 200]

    def without_time(response):
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return re.sub(rb'"server_time": "[^"]*"', b"", response.content)

    assert without_time(fast[1]) == without_time(slow)  # byte for byte, key order included
    first, resumed = fast[0].json(), slow.json()
    del first["server_time"], resumed["server_time"]
    assert first == resumed
    refused = [
        client.post("/api/v1/exams/0/attempts", **token).status_code,
        client.post(f"/api/v1/exams/{2**40}/attempts", **token).status_code,
        client.post(f"/api/v1/exams/{paper.pk}/attempts").status_code,
    ]
    assert refused == [422, 404, 401]
