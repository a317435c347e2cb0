"""Issue 13, findings 2 and 3: answers leaking out of exams (the rule is in exams/disclosure.py).

Finding 2 — the 错题本: a paper whose review hides answers puts nothing visible in the book, practice
from the book (or from the bank) gives no feedback on its questions, and a resit cannot be aced that
way; a paper that publishes answers later fills the book only then.
Finding 3 — practice during an exam: an exam-only bank is never practised; practice on a bank is
refused while an exam in progress draws from it (the 错题本: while any exam is in progress); a
practice opened before the exam gives no feedback on the exam's questions.

The sweep at the end requests every page and API operation of the exam engine in a world where
every question is withheld from the worker, fails if any of them shows an answer, an explanation or
a correctness, and fails when a new route has no case.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import URLPattern, resolve, reverse
from django.utils import timezone

from exams import engine
from exams.errors import ExamError
from exams.models import Attempt, Paper, QuestionBank
from exams.practice import open_wrong_answers, start_practice, wrong_book
from exams.urls import urlpatterns as exam_urlpatterns
from portal.api import api as portal_api
from portal.roles import sync_role_groups
from tests.exams.factories import make_paper, make_questions
from tests.exams.test_admin import draw_paper_form

# Every question here has the explanation "秘密解析<pk>" and the answer B (single choice).
SECRET = "秘密解析"


def secret_questions(bank, n: int):
    questions = make_questions(bank, n, "single")
    for q in questions:
        q.explanation = f"{SECRET}{q.pk}"
        q.save()
    return questions


@pytest.fixture
def client_worker(client, worker):
    client.force_login(worker)
    return client


@pytest.fixture
def api(client, token):
    """Calls /api/v1/ with the worker's token: api("GET", "/api/v1/…", body) → response."""

    def call(method: str, path: str, body: dict | None = None):
        return client.generic(
            method,
            path,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            **token,
        )

    return call


@pytest.fixture
def hidden_paper(district, bank):
    """A paper of four questions whose review publishes nothing; two attempts allowed."""
    return make_paper(
        owner_region=district,
        questions=secret_questions(bank, 4),
        review_policy=Paper.Review.NOTHING,
        attempts_allowed=2,
        pass_score=4,
        title="不公布答案的考试",
    )


def take(paper, person, *, right: bool = False, blank: bool = False) -> Attempt:
    """Start, answer every question (right, wrong or not at all) and submit."""
    now = timezone.now()
    attempt, _created = engine.start_or_resume(paper=paper, person=person, now=now)
    for seq, item in enumerate(engine.load_items(attempt), start=1):
        if not blank:
            response = list(item.snapshot["answer"]) if right else ["A"]
            engine.save_answer(
                attempt=attempt, question_id=item.question_id, response=response, seq=seq, now=now
            )
    return engine.submit_attempt(attempt=attempt, now=now)


def save_html(client, attempt, question_id, response, seq=1):
    """The exam page's autosave: the API's PUT with the page's session."""
    return client.put(
        f"/api/v1/attempts/{attempt.pk}/answers/{question_id}",
        data=json.dumps({"response": response, "seq": seq}),
        content_type="application/json",
    )


def flash(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# ---------------------------------------------------------------- finding 2: the 错题本


def test_a_blank_submit_on_a_paper_that_publishes_nothing_puts_nothing_in_the_wrong_book(
    client_worker, api, hidden_paper, person
):
    # given: the worker submits the hidden paper blank, through the page
    start = client_worker.post(reverse("exams:start", args=[hidden_paper.pk]))
    attempt = Attempt.objects.get(person=person, paper=hidden_paper)
    assert start.url == reverse("exams:attempt", args=[attempt.pk])
    client_worker.post(reverse("exams:attempt-submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.is_finished
    stems = [item.snapshot["stem"] for item in engine.load_items(attempt)]

    # then: the book is empty everywhere
    assert not open_wrong_answers(person, now=timezone.now()).exists()
    book = client_worker.get(reverse("exams:wrong-book")).content.decode()
    assert "错题本是空的" in book
    assert not any(stem in book for stem in stems)
    practice = client_worker.get(reverse("exams:practice")).content.decode()
    assert "错题本中有 0 道题" in practice
    assert api("GET", "/api/v1/practice/wrong-book").json()["entries"] == []
    assert api("GET", "/api/v1/practice/").json()["wrong_count"] == 0


def test_practice_gives_no_feedback_on_the_questions_of_a_paper_that_publishes_nothing(
    client_worker, api, hidden_paper, bank, person
):
    # given: a practice on the bank opened before the exam (it holds the exam's four questions)
    practice = start_practice(person=person, now=timezone.now(), bank_id=bank.pk, count=10)
    take(hidden_paper, person, blank=True)

    # then: neither the book nor the bank gives a practice any more
    from_book = client_worker.post(reverse("exams:practice-start"), {"source": "wrong"})
    assert from_book.status_code == 302
    assert "错题本中没有可以练习的题" in flash(from_book)
    from_bank = client_worker.post(reverse("exams:practice-start"), {"bank": bank.pk})
    assert from_bank.url == reverse("exams:practice")
    assert "没有符合条件的试题" in flash(from_bank)
    assert api("POST", "/api/v1/practice/", {"wrong_book": True}).json()["code"] == (
        "nothing_to_practise"
    )
    assert api("POST", "/api/v1/practice/", {"bank": bank.pk}).json()["code"] == (
        "nothing_to_practise"
    )
    assert Attempt.objects.filter(person=person, paper__mode=Paper.Mode.PRACTICE).count() == 1

    # and the practice opened before takes no answer to them and shows nothing of them
    item = engine.load_items(practice)[0]
    refused = save_html(client_worker, practice, item.question_id, ["B"])
    assert refused.status_code == 403
    assert refused.json()["code"] == "question_withheld"
    assert "feedback" not in refused.json()
    put = api(
        "PUT",
        f"/api/v1/attempts/{practice.pk}/answers/{item.question_id}",
        {
            "response": ["B"],
            "seq": 2,
        },
    )
    assert (put.status_code, put.json()["code"]) == (403, "question_withheld")
    page = client_worker.get(reverse("exams:attempt", args=[practice.pk])).content.decode()
    assert SECRET not in page
    assert "暂不能在练习中作答" in page
    questions = api("GET", f"/api/v1/attempts/{practice.pk}").json()["questions"]
    assert all(q["withheld"] and q["feedback"] is None for q in questions)


def test_the_second_attempt_cannot_be_aced_through_the_wrong_book(
    client_worker, api, hidden_paper, bank
):
    """The reviewer's attack: submit blank, harvest every answer practice (from the book or the
    bank, on the page and through the API) and the review give, then answer the resit with them."""
    first = api("POST", f"/api/v1/exams/{hidden_paper.pk}/attempts").json()
    api("POST", f"/api/v1/attempts/{first['id']}/submit")

    learned: dict[int, list[str]] = {}

    def harvest(practice_id: int, save) -> None:
        for q in api("GET", f"/api/v1/attempts/{practice_id}").json()["questions"]:
            saved = save(practice_id, q["id"], [q["options"][0]["key"]])
            feedback = saved.json().get("feedback") if saved.status_code == 200 else None
            if feedback and "answer" in feedback:
                by_label = {o["label"]: o["key"] for o in q["options"]}
                learned[q["id"]] = [by_label[label] for label in feedback["answer"]]

    def save_on_the_page(practice_id, question_id, response):
        return save_html(client_worker, Attempt(pk=practice_id), question_id, response)

    def save_through_the_api(practice_id, question_id, response):
        path = f"/api/v1/attempts/{practice_id}/answers/{question_id}"
        return api("PUT", path, {"response": response, "seq": 1})

    for form in ({"source": "wrong"}, {"bank": bank.pk, "count": 50}):
        started = client_worker.post(reverse("exams:practice-start"), form)
        if started.url.startswith("/exams/attempts/"):
            harvest(resolve(started.url).kwargs["pk"], save_on_the_page)
    for body in ({"wrong_book": True}, {"bank": bank.pk, "count": 50}):
        started = api("POST", "/api/v1/practice/", body)
        if started.status_code == 201:
            harvest(started.json()["id"], save_through_the_api)
    review = api("GET", f"/api/v1/attempts/{first['id']}/result").json()
    for item in review["items"]:
        learned.setdefault(item["id"], item.get("answer", []))
    assert learned == {}

    resit = api("POST", f"/api/v1/exams/{hidden_paper.pk}/attempts").json()
    assert resit["id"] != first["id"]
    for seq, q in enumerate(resit["questions"], start=1):
        api(
            "PUT",
            f"/api/v1/attempts/{resit['id']}/answers/{q['id']}",
            {
                "response": learned.get(q["id"], ["A"]),
                "seq": seq,
            },
        )
    api("POST", f"/api/v1/attempts/{resit['id']}/submit")
    resit_attempt = Attempt.objects.get(pk=resit["id"])
    assert resit_attempt.score < resit_attempt.total
    assert resit_attempt.passed is False


def test_a_score_only_paper_never_puts_its_questions_in_the_wrong_book(
    client_worker, district, bank, person
):
    paper = make_paper(
        owner_region=district, questions=secret_questions(bank, 3), review_policy="score"
    )
    attempt = take(paper, person)
    assert not open_wrong_answers(person, now=timezone.now()).exists()
    result = client_worker.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "得分" in result
    assert SECRET not in result
    assert "正确答案" not in result


def test_a_paper_publishing_answers_later_fills_the_wrong_book_only_then(
    client_worker, api, district, bank, person
):
    paper = make_paper(
        owner_region=district,
        questions=secret_questions(bank, 3),
        review_from=timezone.now() + timedelta(days=1),
    )
    attempt = take(paper, person)
    assert not open_wrong_answers(person, now=timezone.now()).exists()
    assert api("GET", "/api/v1/practice/wrong-book").json()["entries"] == []
    assert (
        SECRET not in client_worker.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    )

    # when the publication time passes
    paper.review_from = timezone.now() - timedelta(minutes=1)
    paper.save()

    # then: the book holds the three, the review shows them, and practice from the book teaches
    assert len(api("GET", "/api/v1/practice/wrong-book").json()["entries"]) == 3
    result = client_worker.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert SECRET in result
    practice = api("POST", "/api/v1/practice/", {"wrong_book": True}).json()
    q = practice["questions"][0]
    saved = api(
        "PUT",
        f"/api/v1/attempts/{practice['id']}/answers/{q['id']}",
        {
            "response": [q["options"][0]["key"]],
            "seq": 1,
        },
    ).json()
    assert saved["feedback"]["answer"]
    assert saved["feedback"]["explanation"].startswith(SECRET)


def test_a_resit_in_progress_hides_the_answers_of_the_first_attempts_review(
    client_worker, api, district, bank, person
):
    paper = make_paper(owner_region=district, questions=secret_questions(bank, 3))
    first = take(paper, person)
    assert SECRET in client_worker.get(reverse("exams:result", args=[first.pk])).content.decode()
    assert open_wrong_answers(person, now=timezone.now()).count() == 3

    # when the resit starts
    resit, _created = engine.start_or_resume(paper=paper, person=person, now=timezone.now())

    # then: the first attempt shows its score only, and the book hides the questions
    page = client_worker.get(reverse("exams:result", args=[first.pk])).content.decode()
    assert SECRET not in page
    assert "暂不显示每题的对错、答案和解析" in page
    result = api("GET", f"/api/v1/attempts/{first.pk}/result").json()
    assert (result["review"], result["items"], result["withheld"]) == ("score", [], True)
    assert result["score"] == 0
    assert not open_wrong_answers(person, now=timezone.now()).exists()

    # and once it is handed in, everything is back
    engine.submit_attempt(attempt=resit, now=timezone.now())
    assert SECRET in client_worker.get(reverse("exams:result", args=[first.pk])).content.decode()


def test_a_question_on_two_papers_stays_withheld_while_either_paper_hides_it(
    client_worker, district, bank, person
):
    questions = secret_questions(bank, 3)
    hiding = make_paper(
        owner_region=district, questions=questions, review_policy="nothing", title="不公布"
    )
    showing = make_paper(owner_region=district, questions=questions[:2], title="公布答案")
    take(hiding, person, blank=True)
    shown = take(showing, person)
    page = client_worker.get(reverse("exams:result", args=[shown.pk])).content.decode()
    assert SECRET not in page
    assert "暂不显示每题的对错、答案和解析" in page
    assert not open_wrong_answers(person, now=timezone.now()).exists()


def test_the_wrong_book_shows_what_was_disclosed_and_keeps_undisclosed_items_out(
    district, bank, person
):
    """The same book holds a published paper's mistakes and not a hidden one's."""
    published = make_paper(owner_region=district, questions=secret_questions(bank, 2))
    hidden = make_paper(
        owner_region=district, questions=secret_questions(bank, 2), review_policy="nothing"
    )
    take(published, person)
    take(hidden, person)
    book = wrong_book(person=person, now=timezone.now())
    assert {w.question_id for w in book.entries} == {
        pq.question_id for pq in published.paper_questions.all()
    }


def test_the_wrong_book_page_shows_the_answer_and_explanation_only_of_a_published_paper(
    client_worker, api, district, bank, person
):
    """Issue 19: where the paper's review shows answers, the 错题本 shows the correct answer and the
    explanation beside the entry; a hidden paper's questions show nothing (no entry at all)."""
    published = make_paper(owner_region=district, questions=secret_questions(bank, 2))
    hidden = make_paper(
        owner_region=district, questions=secret_questions(bank, 2), review_policy="nothing"
    )
    take(published, person)  # answers A everywhere; the right answer is B
    take(hidden, person)
    page = client_worker.get(reverse("exams:wrong-book")).content.decode()
    for pq in published.paper_questions.all():
        assert f"{SECRET}{pq.question_id}" in page
    for pq in hidden.paper_questions.all():
        assert f"{SECRET}{pq.question_id}" not in page
    assert page.count("正确答案：B") == 2
    assert page.count("上次答案：A") == 2
    entries = api("GET", "/api/v1/practice/wrong-book").json()["entries"]
    assert {e["question_id"]: (e["answer_text"], e["explanation"]) for e in entries} == {
        pq.question_id: ("B", f"{SECRET}{pq.question_id}") for pq in published.paper_questions.all()
    }


def test_the_wrong_book_shows_a_multiple_choice_answer_in_letter_order(
    client_worker, district, bank, person
):
    question = make_questions(bank, 1, "multiple")[0]
    question.options = ["甲", "乙", "丙", "丁"]
    question.answer = "DCA"  # written without clean(): stored in order all the same
    question.save()
    question.refresh_from_db()
    assert question.answer == "ACD"
    paper = make_paper(owner_region=district, questions=[question], shuffle_options=True)
    attempt, _created = engine.start_or_resume(paper=paper, person=person, now=timezone.now())
    engine.save_answer(
        attempt=attempt,
        question_id=question.pk,
        response=["D", "B"],
        seq=1,
        now=timezone.now(),
    )
    engine.submit_attempt(attempt=attempt, now=timezone.now())
    page = client_worker.get(reverse("exams:wrong-book")).content.decode()
    assert "正确答案：ACD" in page
    assert "上次答案：BD" in page


# ---------------------------------------------------------------- finding 3: practice during exams


def test_an_exam_only_bank_is_never_practised(client_worker, api, district, bank, person):
    secret_questions(bank, 3)
    bank.exam_only = True
    bank.save()
    assert QuestionBank._meta.get_field("exam_only").default is False

    assert bank.name not in client_worker.get(reverse("exams:practice")).content.decode()
    assert bank.pk not in [b["id"] for b in api("GET", "/api/v1/practice/").json()["banks"]]
    refused = client_worker.post(reverse("exams:practice-start"), {"bank": bank.pk})
    assert refused.url == reverse("exams:practice")
    assert f"题库“{bank.name}”仅用于考试，不能练习" in flash(refused)
    response = api("POST", "/api/v1/practice/", {"bank": bank.pk})
    assert (response.status_code, response.json()["code"]) == (409, "exam_only")
    assert not Paper.objects.filter(practice_for=person).exists()

    # a published exam's mistakes are in the book, but the book's practice skips them
    take(make_paper(owner_region=district, questions=list(bank.questions.all())), person)
    book = client_worker.get(reverse("exams:wrong-book")).content.decode()
    assert "仅用于考试，不参与练习" in book
    response = api("POST", "/api/v1/practice/", {"wrong_book": True})
    assert (response.status_code, response.json()["code"]) == (409, "nothing_to_practise")


def test_a_practice_opened_before_its_bank_became_exam_only_takes_no_answer(bank, person):
    secret_questions(bank, 2)
    practice = start_practice(person=person, now=timezone.now(), bank_id=bank.pk)
    QuestionBank.objects.filter(pk=bank.pk).update(exam_only=True)
    item = engine.load_items(practice)[0]
    with pytest.raises(ExamError) as refused:
        engine.save_answer(
            attempt=practice,
            question_id=item.question_id,
            response=["B"],
            seq=1,
            now=timezone.now(),
        )
    assert refused.value.code == "question_withheld"


def test_practice_on_a_bank_is_refused_while_an_exam_drawing_from_it_is_open(
    client_worker, api, district, bank, person, other_worker
):
    free = QuestionBank.objects.create(name="另一个题库", region=district)
    secret_questions(free, 2)
    paper = make_paper(owner_region=district, questions=secret_questions(bank, 3), title="安全考试")
    client_worker.post(reverse("exams:start", args=[paper.pk]))
    exam = Attempt.objects.get(paper=paper, person=person)

    page = client_worker.get(reverse("exams:practice")).content.decode()
    assert "您正在参加的考试“安全考试”使用了这个题库的试题，交卷后才能练习。" in page
    refused = client_worker.post(reverse("exams:practice-start"), {"bank": bank.pk})
    assert refused.url == reverse("exams:practice")
    assert "安全考试" in flash(refused)
    response = api("POST", "/api/v1/practice/", {"bank": bank.pk})
    assert (response.status_code, response.json()["code"]) == (409, "exam_in_progress")
    assert "交卷后才能练习" in response.json()["message"]
    options = api("GET", "/api/v1/practice/").json()
    assert {b["name"]: b["busy_with"] for b in options["banks"]} == {
        bank.name: "安全考试",
        free.name: None,
    }
    # a bank the exam does not draw from may be practised, and so may this one by someone else
    assert api("POST", "/api/v1/practice/", {"bank": free.pk}).status_code == 201
    assert start_practice(
        person=other_worker.person, now=timezone.now(), bank_id=bank.pk
    ).paper.is_practice

    # once the exam is handed in, the bank may be practised again (the paper shows its answers)
    client_worker.post(reverse("exams:attempt-submit", args=[exam.pk]))
    assert api("POST", "/api/v1/practice/", {"bank": bank.pk}).status_code == 201


def test_practice_from_the_wrong_book_is_refused_while_an_exam_is_open(
    client_worker, api, district, bank, person
):
    earlier = make_paper(owner_region=district, questions=secret_questions(bank, 2), title="上次")
    take(earlier, person)
    assert open_wrong_answers(person, now=timezone.now()).count() == 2
    other = QuestionBank.objects.create(name="另一个题库", region=district)
    paper = make_paper(owner_region=district, questions=secret_questions(other, 2), title="这次")
    client_worker.post(reverse("exams:start", args=[paper.pk]))

    assert "您正在参加考试“这次”，交卷后才能练习错题。" in (
        client_worker.get(reverse("exams:wrong-book")).content.decode()
    )
    refused = client_worker.post(reverse("exams:practice-start"), {"source": "wrong"})
    assert refused.url == reverse("exams:wrong-book")
    assert "交卷后才能练习错题" in flash(refused)
    response = api("POST", "/api/v1/practice/", {"wrong_book": True})
    assert (response.status_code, response.json()["code"]) == (409, "exam_in_progress")
    assert api("GET", "/api/v1/practice/wrong-book").json()["busy_with"] == "这次"


def test_a_practice_opened_before_an_exam_gives_no_feedback_on_the_exams_questions(
    client_worker, api, district, bank, person
):
    questions = secret_questions(bank, 3)
    practice = start_practice(person=person, now=timezone.now(), bank_id=bank.pk)
    answered = engine.load_items(practice)[0]
    before = save_html(client_worker, practice, answered.question_id, ["A"]).json()
    assert before["feedback"]["explanation"].startswith(SECRET)  # no exam open yet

    paper = make_paper(owner_region=district, questions=questions)
    client_worker.post(reverse("exams:start", args=[paper.pk]))

    page = client_worker.get(reverse("exams:attempt", args=[practice.pk])).content.decode()
    assert SECRET not in page
    other = engine.load_items(practice)[1]
    refused = save_html(client_worker, practice, other.question_id, ["B"])
    assert (refused.status_code, refused.json()["code"]) == (403, "question_withheld")
    assert api("GET", f"/api/v1/attempts/{practice.pk}").json()["questions"][0]["feedback"] is None
    finished = api("POST", f"/api/v1/attempts/{practice.pk}/submit").json()
    assert (finished["review"], finished["items"], finished["withheld"]) == ("score", [], True)


def test_the_admin_bank_form_sets_the_exam_only_flag(client, examiner, district):
    sync_role_groups()
    client.force_login(examiner)
    assert "仅用于考试" in client.get(reverse("exams_banks:add")).content.decode()
    response = client.post(
        reverse("exams_banks:add"),
        {"name": "考试专用题库", "description": "", "exam_only": "on", "region": district.pk},
    )
    assert response.status_code == 302
    assert QuestionBank.objects.get(name="考试专用题库").exam_only is True


def test_the_admin_refuses_a_practice_paper_drawing_from_an_exam_only_bank(
    client, examiner, district, bank
):
    sync_role_groups()
    secret_questions(bank, 3)
    bank.exam_only = True
    bank.save()
    client.force_login(examiner)
    data = draw_paper_form(
        region=district,
        bank=bank,
        title="练习卷",
        mode="practice",
        duration_minutes="0",
        review_policy="full",
        **{"draw_rules-0-count": "2"},
    )
    response = client.post(reverse("exams_papers:add"), data)
    assert response.status_code == 200
    assert f"题库“{bank.name}”仅用于考试，练习试卷不能使用。" in response.content.decode()
    assert not Paper.objects.filter(title="练习卷").exists()
    data.update(mode="exam", duration_minutes="30")
    assert client.post(reverse("exams_papers:add"), data).status_code == 302


# ---------------------------------------------------------------- query counts


@pytest.mark.parametrize("view", ["exams:wrong-book", "exams:practice"])
def test_the_wrong_book_and_practice_pages_run_a_fixed_number_of_queries(
    queries, client_worker, district, person, view
):
    counts = []
    client_worker.get(reverse(view))  # warm-up (per-process caches: the site, settings)
    for n in (2, 6):
        for i in range(n):
            bank = QuestionBank.objects.create(name=f"题库{n}-{i}", region=district)
            questions = secret_questions(bank, 2)
            policy = "nothing" if i % 2 else "full"
            take(
                make_paper(owner_region=district, questions=questions, review_policy=policy), person
            )
        with queries.capture() as ctx:
            assert client_worker.get(reverse(view)).status_code == 200
        counts.append(len(ctx.captured_queries))
    # both: session, user, person (+ its enterprise), my exams in progress, my attempts (for the
    # withheld questions), the book with the withheld questions as a subquery; the practice page
    # also the banks and their knowledge points.
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- the sweep

# An answer, an explanation or a correctness on a page: "正确答案：B", a highlighted right option,
# "回答正确/错误", the explanation text.
SHOWN_ON_A_PAGE = re.compile(
    rf'正确答案：\s*[A-H]|<li class="ok">|<strong class="(?:ok|bad)">|{SECRET}'
    r'|"(?:answer|explanation|correct|is_correct)":'  # the attempt page's JSON config
)
# ... and in JSON, any of these keys, or an option flagged right.
REVEALING_KEYS = {"answer", "explanation", "correct", "is_correct"}

API_PREFIXES = ("/api/v1/exams/", "/api/v1/attempts/", "/api/v1/practice/")


def _json_leaks(data) -> list[str]:
    found = []
    if isinstance(data, dict):
        found += [k for k in data if k in REVEALING_KEYS]
        if data.get("right") is True:
            found.append("right")
        for value in data.values():
            found += _json_leaks(value)
    elif isinstance(data, list):
        for value in data:
            found += _json_leaks(value)
    return found


@pytest.fixture
def withheld_world(district, person):
    """Every question the worker can meet is withheld from them, so every surface must show no
    answer at all: a bank whose questions are on a finished paper that publishes nothing (and in
    a practice opened before it, with one answer given then), an exam-only bank on a paper that
    publishes answers tomorrow, a bank an exam in progress draws from (its paper publishes
    tomorrow too, so handing it in during the sweep withholds as much)."""
    practised = QuestionBank.objects.create(name="练习题库", region=district)
    exam_only = QuestionBank.objects.create(name="仅考试题库", region=district, exam_only=True)
    drawn = QuestionBank.objects.create(name="考试题库", region=district)
    q1, q2, q3 = (secret_questions(b, 3) for b in (practised, exam_only, drawn))
    practice = start_practice(person=person, now=timezone.now(), bank_id=practised.pk)
    first = engine.load_items(practice)[0]
    engine.save_answer(
        attempt=practice, question_id=first.question_id, response=["A"], seq=1, now=timezone.now()
    )
    hidden = make_paper(owner_region=district, questions=q1, review_policy="nothing", title="H")
    later = make_paper(
        owner_region=district,
        questions=q2,
        review_from=timezone.now() + timedelta(days=1),
        title="R",
    )
    running = make_paper(
        owner_region=district,
        questions=q3,
        review_from=timezone.now() + timedelta(days=1),
        title="E",
    )
    return {
        "banks": [practised, exam_only, drawn],
        "questions": q1 + q2 + q3,
        "practice": practice,
        "hidden": take(hidden, person, blank=True),
        "later": take(later, person),
        "running": engine.start_or_resume(paper=running, person=person, now=timezone.now())[0],
    }


def _visit_every_surface(client, api, w, seen: set[str]):
    """Requests every exam page and API operation (and records which); yields (label, response)."""

    def page(method: str, name: str, *args, data=None, follow=False):
        url = reverse(f"exams:{name}", args=args)
        seen.add(f"exams:{name}")
        if method == "GET":
            return url, client.get(url, follow=follow)
        if isinstance(data, dict) and "question" in data:
            return url, client.post(url, json.dumps(data), content_type="application/json")
        return url, client.post(url, data or {}, follow=follow)

    def call(method: str, template: str, body=None, **ids):
        seen.add(f"{method} {template}")
        path = template.format(**ids)
        return path, api(method, path, body)

    practice, running = w["practice"], w["running"]
    attempts = [practice, running]
    results = [w["hidden"], w["later"], practice]
    banks = [b.pk for b in w["banks"]]

    yield page("GET", "list")
    for paper_id in (w["hidden"].paper_id, w["later"].paper_id, running.paper_id):
        yield page("GET", "paper", paper_id)
    yield page("POST", "start", running.paper_id, follow=True)
    for attempt in attempts:
        yield page("GET", "attempt", attempt.pk)
        item = engine.load_items(attempt)[-1]
        yield page("POST", "attempt-flag", attempt.pk, data={"question": item.question_id})
        yield page("POST", "attempt-blur", attempt.pk)
    yield page("GET", "practice")
    for bank_id in banks:
        yield page("POST", "practice-start", data={"bank": bank_id}, follow=True)
    yield page("POST", "practice-start", data={"source": "wrong"}, follow=True)
    yield page("GET", "wrong-book")

    yield call("GET", "/api/v1/exams/")
    yield call("POST", "/api/v1/exams/{paper_id}/attempts", paper_id=running.paper_id)
    for attempt in attempts:
        yield call("GET", "/api/v1/attempts/{attempt_id}", attempt_id=attempt.pk)
        for seq, item in enumerate(engine.load_items(attempt), start=20):
            yield call(
                "PUT",
                "/api/v1/attempts/{attempt_id}/answers/{question_id}",
                {"response": ["B"], "seq": seq},
                attempt_id=attempt.pk,
                question_id=item.question_id,
            )
    yield call("GET", "/api/v1/practice/")
    for bank_id in banks:
        yield call("POST", "/api/v1/practice/", {"bank": bank_id})
    yield call("POST", "/api/v1/practice/", {"wrong_book": True})
    yield call("GET", "/api/v1/practice/wrong-book")

    # hand in the practice (page and API) and the running exam: the reviews still show nothing
    yield page("POST", "attempt-submit", practice.pk, follow=True)
    yield call("POST", "/api/v1/attempts/{attempt_id}/submit", attempt_id=running.pk)
    for attempt in results + [running]:
        yield page("GET", "result", attempt.pk)
        yield call("GET", "/api/v1/attempts/{attempt_id}/result", attempt_id=attempt.pk)
    # no exam in progress now: the book's and the banks' practice are asked again
    yield page("GET", "practice")
    yield page("GET", "wrong-book")
    yield page("POST", "practice-start", data={"source": "wrong"}, follow=True)
    yield call("POST", "/api/v1/practice/", {"wrong_book": True})
    for bank_id in banks:
        yield call("POST", "/api/v1/practice/", {"bank": bank_id})
        yield page("POST", "practice-start", data={"bank": bank_id}, follow=True)
    yield call("GET", "/api/v1/practice/wrong-book")
    # a practice a surface may have started: its page and its saves
    for started in Attempt.objects.filter(paper__practice_for=w["practice"].person).exclude(
        pk=practice.pk
    ):
        yield page("GET", "attempt", started.pk)
        yield call("GET", "/api/v1/attempts/{attempt_id}", attempt_id=started.pk)


def test_no_exam_surface_shows_a_withheld_answer(client_worker, api, withheld_world):
    seen: set[str] = set()
    stems = [q.stem for q in withheld_world["questions"]]
    leaks = []
    for url, response in _visit_every_surface(client_worker, api, withheld_world, seen):
        assert response.status_code < 500, url
        body = response.content.decode()
        found = SHOWN_ON_A_PAGE.findall(body)
        if response.get("Content-Type", "").startswith("application/json"):
            found += _json_leaks(response.json())
        if "wrong-book" in url:  # an entry alone says "you got this one wrong"
            found += [stem for stem in stems if stem in body]
        if found:
            leaks.append((url, response.status_code, found))
    assert leaks == []

    # every page and API operation of the exam engine was asked
    pages = {f"exams:{p.name}" for p in exam_urlpatterns if isinstance(p, URLPattern)}
    operations = {
        f"{method.upper()} {path}"
        for path, methods in portal_api.get_openapi_schema()["paths"].items()
        if path.startswith(API_PREFIXES)
        for method in methods
    }
    assert (pages | operations) - seen == set(), "a new exam route needs a case in the sweep"
