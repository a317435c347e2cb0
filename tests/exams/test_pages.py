"""The worker's pages: list, instructions, start, the answering screen (no answers on it), autosave,
blur, submit, result per review policy, practice and 错题本; 404 for another person's attempt; fixed
query counts at 20 and 100 questions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exams import engine
from exams.models import Attempt, Paper
from tests.exams.factories import make_paper, make_questions


@pytest.fixture
def client_worker(client, worker):
    client.force_login(worker)
    return client


def start(client, paper) -> Attempt:
    response = client.post(reverse("exams:start", args=[paper.pk]))
    assert response.status_code == 302
    return Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def save(client, attempt, question_id, response, seq):
    """The page's autosave: the API's PUT with the session (static/js/exam.js)."""
    return client.put(
        f"/api/v1/attempts/{attempt.pk}/answers/{question_id}",
        data=json.dumps({"response": response, "seq": seq}),
        content_type="application/json",
    )


def test_my_exams_lists_the_papers_i_may_take(client_worker, paper, other_enterprise, questions):
    hidden = make_paper(
        owner_enterprise=other_enterprise, questions=questions, title="企业B内部考试"
    )
    unpublished = make_paper(
        owner_region=paper.region, questions=questions, title="未发布", published=False
    )
    body = client_worker.get(reverse("exams:list")).content.decode()
    assert paper.title in body
    assert hidden.title not in body
    assert unpublished.title not in body


def test_a_paper_of_another_enterprise_is_404(client_worker, other_enterprise, questions):
    hidden = make_paper(owner_enterprise=other_enterprise, questions=questions)
    assert client_worker.get(reverse("exams:paper", args=[hidden.pk])).status_code == 404
    assert client_worker.post(reverse("exams:start", args=[hidden.pk])).status_code == 404


def test_the_attempt_page_never_carries_the_correct_answers(client_worker, district, bank):
    qs = make_questions(bank, 3, "single")
    for q in qs:
        q.explanation = "秘密解析内容"
        q.save()
    paper = make_paper(owner_region=district, questions=qs)
    attempt = start(client_worker, paper)
    body = client_worker.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert "秘密解析内容" not in body
    assert '"answer"' not in body
    assert "exam-config" in body
    assert qs[0].stem in body


def test_another_persons_attempt_is_404_everywhere(client, paper, worker, other_worker):
    client.force_login(worker)
    attempt = start(client, paper)
    client.force_login(other_worker)
    q = engine.load_items(attempt)[0].question_id
    for name in ("exams:attempt", "exams:result"):
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
    assert save(client, attempt, q, ["A"], 1).status_code == 404
    for name in ("exams:attempt-submit", "exams:attempt-blur", "exams:attempt-flag"):
        assert client.post(reverse(name, args=[attempt.pk])).status_code == 404
    attempt.refresh_from_db()
    assert not attempt.is_finished
    assert attempt.blur_count == 0


def test_anonymous_visitors_are_sent_to_login(client, paper):
    response = client.get(reverse("exams:list"))
    assert response.status_code == 302
    assert "login" in response.url


def test_autosave_answers_with_the_servers_time_and_ignores_an_older_seq(client_worker, paper):
    attempt = start(client_worker, paper)
    q = engine.load_items(attempt)[0].question_id
    first = save(client_worker, attempt, q, ["C"], 10).json()
    assert first["accepted"]
    assert first["saved_at"]
    stale = save(client_worker, attempt, q, ["A"], 9).json()
    assert not stale["accepted"]
    assert stale["response"] == ["C"]
    bad = save(client_worker, attempt, q, ["Z"], 11)
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_response"


def test_a_save_after_the_deadline_is_409_with_a_message(client_worker, paper):
    attempt = start(client_worker, paper)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    q = engine.load_items(attempt)[0].question_id
    response = save(client_worker, attempt, q, ["A"], 1)
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    assert "时间已到" in response.json()["message"]


def test_opening_an_expired_attempt_finishes_it_and_shows_the_result(client_worker, paper):
    attempt = start(client_worker, paper)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    response = client_worker.get(reverse("exams:attempt", args=[attempt.pk]))
    assert response.status_code == 302
    assert response.url.endswith("/result/")
    attempt.refresh_from_db()
    assert attempt.is_finished
    assert attempt.finished_at == attempt.deadline


def test_resume_after_closing_the_browser_shows_the_saved_answers(client, worker, paper):
    client.force_login(worker)
    attempt = start(client, paper)
    q = engine.load_items(attempt)[0].question_id
    save(client, attempt, q, ["C"], 1)
    client.logout()
    client.force_login(worker)  # another device
    assert start(client, paper).pk == attempt.pk
    page = client.get(reverse("exams:attempt", args=[attempt.pk]))
    config = page.context["config"]
    assert config["items"][0]["response"] == ["C"]


def test_submit_twice_gives_one_result_and_the_result_follows_the_review_policy(
    client_worker, paper
):
    attempt = start(client_worker, paper)
    for item in engine.load_items(attempt):
        save(client_worker, attempt, item.question_id, list(item.snapshot["answer"]), 1)
    url = reverse("exams:attempt-submit", args=[attempt.pk])
    assert client_worker.post(url).status_code == 302
    assert client_worker.post(url).status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == 7
    body = client_worker.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "解析0" in body
    assert "合格" in body
    paper.review_policy = Paper.Review.SCORE
    paper.save()
    body = client_worker.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "解析0" not in body
    assert "7" in body
    paper.review_policy = Paper.Review.FULL
    paper.review_from = timezone.now() + timedelta(days=1)
    paper.save()
    body = client_worker.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "解析0" not in body
    assert "成绩将于" in body


def test_blur_endpoint_counts_and_auto_submits_at_the_limit(client_worker, paper):
    paper.blur_limit = 1
    paper.save()
    attempt = start(client_worker, paper)
    data = client_worker.post(reverse("exams:attempt-blur", args=[attempt.pk])).json()
    assert data["finished"]
    assert data["blur_count"] == 1
    event = attempt.events.get(kind="blur")
    assert event.ip == "127.0.0.1"


def test_practice_and_wrong_book_pages(client_worker, bank, questions, worker):
    assert bank.name in client_worker.get(reverse("exams:practice")).content.decode()
    response = client_worker.post(reverse("exams:practice-start"), {"bank": bank.pk, "count": 3})
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    item = engine.load_items(attempt)[0]
    wrong = next(c for c in "ABCD" if c not in item.snapshot["answer"])
    data = save(client_worker, attempt, item.question_id, [wrong], 1).json()
    assert data["feedback"]["correct"] is False
    assert item.snapshot["stem"] in client_worker.get(reverse("exams:wrong-book")).content.decode()


def test_the_me_page_shows_my_exams(client_worker, paper):
    body = client_worker.get(reverse("portal:me")).content.decode()
    assert paper.title in body


@pytest.mark.parametrize("view", ["page", "save", "submit"])
def test_attempt_page_autosave_and_submit_run_a_fixed_number_of_queries(
    queries, client_worker, district, bank, view
):
    counts = []
    # warm-up (per-process caches such as the site and settings lookups)
    warm = make_paper(
        owner_region=district, questions=make_questions(bank, 2, "judge"), title="热身"
    )
    warm_attempt = start(client_worker, warm)
    client_worker.get(reverse("exams:attempt", args=[warm_attempt.pk]))
    save(client_worker, warm_attempt, engine.load_items(warm_attempt)[0].question_id, ["A"], 1)
    client_worker.post(reverse("exams:attempt-submit", args=[warm_attempt.pk]))
    for n in (20, 100):
        qs = make_questions(bank, n, "single") if n == 20 else make_questions(bank, n, "multiple")
        paper = make_paper(owner_region=district, questions=qs, title=f"卷{n}")
        attempt = start(client_worker, paper)
        q = engine.load_items(attempt)[0].question_id
        with queries.capture() as ctx:
            if view == "page":
                assert (
                    client_worker.get(reverse("exams:attempt", args=[attempt.pk])).status_code
                    == 200
                )
            elif view == "save":
                assert save(client_worker, attempt, q, ["A", "B"] if n == 100 else ["A"], 1).json()[
                    "accepted"
                ]
            else:
                client_worker.post(reverse("exams:attempt-submit", args=[attempt.pk]))
        counts.append(len(ctx.captured_queries))
    # page: session, user, attempt+paper+person, items (+ savepoints); save: session, user,
    # attempt, item, conditional UPDATE, event INSERT; submit: session, user, attempt, claim
    # UPDATE, items, bulk UPDATE of scores, score UPDATE, event INSERT, wrong-book SELECT, INSERT.
    assert counts[0] == counts[1], counts


def test_the_home_page_block_lists_my_open_exams_and_nothing_for_visitors(rf, worker, paper):
    from django.contrib.auth.models import AnonymousUser

    from exams.views import home_section_context

    request = rf.get("/")
    request.user = worker
    assert [r.paper for r in home_section_context(request)["open"]] == [paper]
    request.user = AnonymousUser()
    assert home_section_context(request) is None
