"""The JSON API: token auth, start/resume, attempt without answers, save with seq, 409 after the
deadline, submit twice, result; someone else's attempt is 404 with a stable code."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from exams.models import Attempt


def test_the_whole_flow_through_the_api(client, paper, token):
    exams = client.get("/api/v1/exams/", **token).json()
    assert [e["id"] for e in exams] == [paper.pk]
    started = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token)
    assert started.status_code == 201
    data = started.json()
    assert data["deadline"]
    assert data["server_time"]
    assert all("answer" not in q and "explanation" not in q for q in data["questions"])
    resumed = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token)
    assert resumed.status_code == 200
    assert resumed.json()["id"] == data["id"]
    attempt_id = data["id"]
    q = data["questions"][0]["id"]
    put = client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{q}",
        {"response": ["B"], "seq": 2},
        content_type="application/json",
        **token,
    )
    assert put.status_code == 200
    assert put.json()["accepted"]
    older = client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{q}",
        {"response": ["A"], "seq": 1},
        content_type="application/json",
        **token,
    ).json()
    assert not older["accepted"]
    assert older["response"] == ["B"]
    got = client.get(f"/api/v1/attempts/{attempt_id}", **token).json()
    assert got["questions"][0]["response"] == ["B"]
    not_yet = client.get(f"/api/v1/attempts/{attempt_id}/result", **token)
    assert not_yet.status_code == 409
    assert not_yet.json()["code"] == "not_finished"
    first = client.post(f"/api/v1/attempts/{attempt_id}/submit", **token).json()
    second = client.post(f"/api/v1/attempts/{attempt_id}/submit", **token).json()
    assert first["score"] == second["score"]
    assert first["finished_at"] == second["finished_at"]
    result = client.get(f"/api/v1/attempts/{attempt_id}/result", **token).json()
    assert result["review"] == "full"
    assert result["items"][0]["answer"]


def test_a_save_after_the_deadline_is_409(client, paper, token):
    data = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token).json()
    Attempt.objects.filter(pk=data["id"]).update(deadline=timezone.now() - timedelta(minutes=2))
    response = client.put(
        f"/api/v1/attempts/{data['id']}/answers/{data['questions'][0]['id']}",
        {"response": ["A"], "seq": 1},
        content_type="application/json",
        **token,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"


def test_someone_elses_attempt_is_404(client, paper, token, other_worker):
    from exams.engine import start_or_resume

    theirs, _ = start_or_resume(paper=paper, person=other_worker.person, now=timezone.now())
    for method, url in [
        ("get", f"/api/v1/attempts/{theirs.pk}"),
        ("get", f"/api/v1/attempts/{theirs.pk}/result"),
        ("post", f"/api/v1/attempts/{theirs.pk}/submit"),
    ]:
        response = getattr(client, method)(url, **token)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert not theirs.is_finished


def test_without_a_token_the_api_is_401(client, paper):
    response = client.get("/api/v1/exams/")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_the_openapi_schema_lists_the_exam_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/exams/{paper_id}/attempts" in paths
    assert "/api/v1/attempts/{attempt_id}/answers/{question_id}" in paths
