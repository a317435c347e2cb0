"""Query budgets of the exam traffic (bench/exam_load.py measures its throughput): an accepted
API save is one statement writing the answer and its event on PostgreSQL (the response checked
against the item's shape the process remembers: exams.engine.quick_save), elsewhere the item with
its attempt and paper and an UPDATE and an INSERT in a transaction, the token's row coming from the
cache; a start reads the draw rules with their banks' pool stamps and draws from the cached pool
(one query for all the rules' candidates when it builds it), writing the attempt, its items and
its start event in one statement on PostgreSQL. Both with a token and with the
exam page's session."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import connection

from exams import engine
from exams.models import (
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    DrawRule,
    Paper,
    Question,
    QuestionBank,
)

POSTGRES = connection.vendor == "postgresql"
# the UPDATE … RETURNING + INSERT in one statement (PostgreSQL) | the item; SAVEPOINT, UPDATE,
# INSERT, RELEASE
SAVE_QUERIES = 1 if POSTGRES else 5
# an older or repeated seq: the statement writes nothing, then the item as read says why | the item
STALE_QUERIES = 2 if POSTGRES else 1
# a save in a process that did not start the attempt (another node, a restart): first the shapes of
# all the attempt's items, once (PostgreSQL)
SHAPES_QUERIES = 1 if POSTGRES else 0
# a wrong practice save (graded at once, so always the full path): the item, its attempt with its
# paper, the exam-only check of the feedback, the write with its event, the wrong-answer book read
# and written — and no look for shapes first, on the process that started the attempt or, after one
# look, on any other | the write as SAVEPOINT, UPDATE, INSERT, RELEASE
PRACTICE_SAVE_QUERIES = 6 if POSTGRES else 9
# exact on PostgreSQL (the engine the budget is for), at most elsewhere


@pytest.fixture
def budget(django_assert_num_queries, django_assert_max_num_queries):
    return django_assert_num_queries if POSTGRES else django_assert_max_num_queries


# person (+ enterprise, street); paper; my attempts; the campaign quiz's pages (cms, read once for
# its start check and deadline cap); the rules with their banks' pool stamps; SAVEPOINT, the
# attempt + items + start event in one statement, RELEASE (the savepoint only because the test
# runs in a transaction); the draw pool from the cache; the answer built from the items just
# written (no read-back). Elsewhere: at most that plus the items' and the event's INSERTs.
START_QUERIES = 8 if POSTGRES else 10
# a start that builds the draw pool (the first after an edit of the bank's questions): + every
# rule's candidates (UNION ALL) and the candidates (+ their images' renditions when they have any)
POOL_QUERIES = 2
# the exam page's session: its user, and the session itself unless it is cached (Redis)
SESSION_QUERIES = 1 if settings.REDIS_URL else 2


@pytest.fixture
def drawn_paper(district):
    """A paper drawing 20 questions by three rules from a bank of 24."""
    bank = QuestionBank.objects.create(name="计数题库", region=district)
    kinds = {"single": (["甲", "乙", "丙", "丁"], "B"), "judge": (["对", "错"], "A")}
    kinds["multiple"] = (["甲", "乙", "丙", "丁"], "AC")
    Question.objects.bulk_create(
        Question(bank=bank, type=kind, stem=f"{kind}计数{i}", options=options, answer=answer)
        for kind, (options, answer) in kinds.items()
        for i in range(8)
    )
    paper = Paper.objects.create(
        title="计数考试",
        region=district,
        selection=Paper.Selection.DRAW,
        duration_minutes=30,
        attempts_allowed=2,
        published=True,
    )
    for order, (qtype, count) in enumerate([("single", 8), ("judge", 6), ("multiple", 6)]):
        DrawRule.objects.create(
            paper=paper, bank=bank, type=qtype, count=count, points=2, sort_order=order
        )
    return paper


def _put(client, attempt_id, question_id, seq, **headers):
    return client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{question_id}",
        json.dumps({"response": ["A"], "seq": seq}),
        content_type="application/json",
        **headers,
    )


def test_an_api_save_costs_one_statement_with_a_cached_token(client, drawn_paper, token, budget):
    started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token).json()
    question = started["questions"][0]["id"]
    assert _put(client, started["id"], question, 1, **token).status_code == 200
    with budget(SAVE_QUERIES):
        saved = _put(client, started["id"], question, 2, **token)
    assert saved.json()["accepted"] is True
    with budget(STALE_QUERIES):  # an older seq: nothing written, the item as read says so
        stale = _put(client, started["id"], question, 1, **token)
    assert stale.json()["accepted"] is False
    item = AttemptQuestion.objects.get(attempt_id=started["id"], question_id=question)
    assert (item.seq, item.response) == (2, "A")
    events = AttemptEvent.objects.filter(attempt_id=started["id"], kind=AttemptEvent.Kind.SAVE)
    assert [e.detail for e in events.order_by("pk")] == [
        f"Q{question} seq=1 A",
        f"Q{question} seq=2 A",
    ]


def test_a_save_elsewhere_than_the_start_reads_the_shapes_once(client, drawn_paper, token, budget):
    started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token).json()
    first, second = (q["id"] for q in started["questions"][:2])
    engine.SAVE_SHAPES.clear()  # as a node that did not start it
    with budget(SHAPES_QUERIES + SAVE_QUERIES):
        assert _put(client, started["id"], first, 1, **token).json()["accepted"] is True
    with budget(SAVE_QUERIES):  # another question: its shape was read with the first
        assert _put(client, started["id"], second, 2, **token).json()["accepted"] is True


def test_a_practice_save_does_not_look_for_shapes(client, drawn_paper, token, budget):
    Paper.objects.filter(pk=drawn_paper.pk).update(mode=Paper.Mode.PRACTICE)
    started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token).json()
    wrong = {"single": ["A"], "judge": ["B"], "multiple": ["A"]}  # the answers are B, A, AC

    def put_wrong(question, seq):
        body = json.dumps({"response": wrong[question["type"]], "seq": seq})
        url = f"/api/v1/attempts/{started['id']}/answers/{question['id']}"
        saved = client.put(url, body, content_type="application/json", **token)
        assert saved.json()["feedback"]["correct"] is False

    first, second, third = started["questions"][:3]
    with budget(PRACTICE_SAVE_QUERIES):
        put_wrong(first, 1)
    engine.SAVE_SHAPES.clear()  # as a node that did not start it: one look, then never again
    with budget(SHAPES_QUERIES + PRACTICE_SAVE_QUERIES):
        put_wrong(second, 2)
    with budget(PRACTICE_SAVE_QUERIES):
        put_wrong(third, 3)


def test_the_exam_pages_save_through_the_api_with_its_session(client, worker, drawn_paper, budget):
    client.force_login(worker)
    started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts").json()
    question = started["questions"][0]["id"]
    with budget(SAVE_QUERIES + SESSION_QUERIES):
        assert _put(client, started["id"], question, 1).json()["accepted"] is True


def test_a_start_draws_with_one_query_for_all_rules(client, drawn_paper, token, budget):
    client.get("/api/v1/exams/", **token)  # the token's row is cached
    with budget(START_QUERIES + POOL_QUERIES):
        started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token)
    assert started.status_code == 201
    assert len(started.json()["questions"]) == 20


def test_a_start_with_the_pool_cached(client, drawn_paper, token, other_worker, budget):
    other = client.post(
        "/api/v1/auth/token",
        {"username": other_worker.username, "password": "secret-pass-1"},
        content_type="application/json",
    ).json()["token"]
    first = client.post(
        f"/api/v1/exams/{drawn_paper.pk}/attempts", HTTP_AUTHORIZATION=f"Bearer {other}"
    )
    assert first.status_code == 201  # built the pool
    client.get("/api/v1/exams/", **token)
    with budget(START_QUERIES):
        started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token)
    assert started.status_code == 201
    assert len(started.json()["questions"]) == 20
    assert AttemptEvent.objects.filter(
        attempt_id=started.json()["id"], kind=AttemptEvent.Kind.START
    ).exists()


def test_a_start_answers_with_what_a_read_of_the_attempt_shows(client, drawn_paper, token):
    """The start builds its answer from the items it has just written; a later read of the
    attempt (from the database) shows the same questions, options and points, in the same order."""
    started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token)
    assert started.status_code == 201
    read = client.get(f"/api/v1/attempts/{started.json()['id']}", **token)
    ignore = {"server_time"}
    assert {k: v for k, v in started.json().items() if k not in ignore} == {
        k: v for k, v in read.json().items() if k not in ignore
    }


def test_the_items_are_stored_as_their_questions_snapshots(client, drawn_paper, token):
    """The items' one INSERT (JSON rows on PostgreSQL) stores what the ORM would: the snapshot,
    the option order, the points, an empty answer."""
    started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token).json()
    items = engine.load_items(Attempt.objects.get(pk=started["id"]))
    assert [i.position for i in items] == list(range(1, 21))
    assert [i.question_id for i in items] == [q["id"] for q in started["questions"]]
    questions = Question.objects.in_bulk([i.question_id for i in items])
    for item in items:
        assert item.snapshot == questions[item.question_id].snapshot()
        assert sorted(item.option_order) == list("ABCD"[: len(item.snapshot["options"])])
        assert (item.points, item.score, item.is_correct) == (2, None, None)
        assert (item.response, item.seq, item.saved_at, item.flagged) == ("", 0, None, False)


def test_the_saves_read_gives_the_objects_the_orm_gives(client, drawn_paper, token, worker):
    started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token).json()
    question = started["questions"][3]["id"]
    assert _put(client, started["id"], question, 5, **token).status_code == 200
    item = engine.answer_item(attempt_id=started["id"], question_id=question, user=worker)
    orm = AttemptQuestion.objects.select_related("attempt__paper").get(
        attempt_id=started["id"], question_id=question
    )
    for mine, theirs in (
        (item, orm),
        (item.attempt, orm.attempt),
        (item.attempt.paper, orm.attempt.paper),
    ):
        fields = type(theirs)._meta.concrete_fields
        assert {f.attname: getattr(mine, f.attname) for f in fields} == {
            f.attname: getattr(theirs, f.attname) for f in fields
        }
    assert item.get_deferred_fields() == set()
    missing = max(q["id"] for q in started["questions"]) + 1000
    assert engine.answer_item(attempt_id=started["id"], question_id=missing, user=worker) is None


def test_someone_elses_item_is_not_read(client, drawn_paper, token, other_worker):
    started = client.post(f"/api/v1/exams/{drawn_paper.pk}/attempts", **token).json()
    question = started["questions"][0]["id"]
    assert (
        engine.answer_item(attempt_id=started["id"], question_id=question, user=other_worker)
        is None
    )
