"""The autosave in one statement (exams.engine.quick_save, PostgreSQL): it accepts exactly the
saves the full path (answer_item + save_answer) accepts, stores and logs them the same way, and
hands everything else to the full path, which answers as it always did — whatever the process
remembers of an attempt's items (SAVE_SHAPES), stale or forgotten."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from exams import engine
from exams.errors import ExamError, ExamErrorCode
from exams.models import Attempt, AttemptEvent, AttemptQuestion, Paper, Question
from tests.exams.factories import make_paper
from tests.exams.test_fast_save import _put, _scenario, _token

POSTGRES = connection.vendor == "postgresql"
needs_postgres = pytest.mark.skipif(
    not POSTGRES, reason="the one-statement save is PostgreSQL's (elsewhere: the full path)"
)


@pytest.fixture
def quick_results(monkeypatch):
    """What every quick_save call answered (None: the full path took the save)."""
    results = []
    quick = engine.quick_save

    def recording(**kw):
        results.append(quick(**kw))
        return results[-1]

    monkeypatch.setattr(engine, "quick_save", recording)
    return results


def test_the_same_saves_answer_the_same_with_and_without_it(
    client, paper, questions, district, token, other_worker, monkeypatch, quick_results
):
    other = _token(other_worker)
    quick = _scenario(client, paper, token, other)
    accepted = sum(body.get("accepted") is True for _s, _t, body in quick[0])
    assert accepted == 3
    assert sum(r is not None for r in quick_results) == (accepted if POSTGRES else 0)
    monkeypatch.setattr(engine, "quick_save", lambda **kw: None)  # the full path alone
    full = _scenario(client, make_paper(owner_region=district, questions=questions), token, other)
    assert quick == full


def _fill_blank(bank, answer="6;3"):
    return Question.objects.create(
        bank=bank, type="fill_blank", stem="持证___年，每___年复审。", options=[], answer=answer
    )


RESPONSES = {
    "single": [["a"], ["A", "B"], ["E"], [], [" b "]],
    "multiple": [["D", "a", "A"], ["E"], [], ["B", "C"]],
    "judge": [["B"], ["A", "B"], ["C"], ["a"]],
    "fill_blank": [["6", "3"], ["6"], ["6", "3", "x"], ["", " "], ["x" * 201], [" 6 ", "三"]],
}


def _every_kind(client, paper, token):
    started = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token).json()
    seen, seq = [], 0
    for question in started["questions"]:
        for response in RESPONSES[question["type"]]:
            seq += 1
            answer = _put(
                client, started["id"], question["id"], {"response": response, "seq": seq}, **token
            )
            body = answer.json()
            body.pop("saved_at", None)
            seen.append((question["type"], answer.status_code, body))
    items = AttemptQuestion.objects.filter(attempt_id=started["id"]).order_by("position")
    stored = [(i.seq, i.response) for i in items]
    events = AttemptEvent.objects.filter(attempt_id=started["id"], kind=AttemptEvent.Kind.SAVE)
    details = [e.detail.split(" ", 1)[1] for e in events.order_by("pk")]  # without the Q id
    return seen, stored, details


def test_every_question_type_checks_a_response_as_the_full_path_does(
    client, district, bank, questions, token, monkeypatch, quick_results
):
    every = [*questions, _fill_blank(bank), _fill_blank(bank, "a|甲;b;c")]
    quick = _every_kind(client, make_paper(owner_region=district, questions=every), token)
    assert {kind for kind, _s, _b in quick[0]} == set(RESPONSES)
    assert {status for _k, status, _b in quick[0]} == {200, 422}
    if POSTGRES:  # every accepted save was the quick path's, every refused one the full path's
        assert sum(r is not None for r in quick_results) == sum(s == 200 for _k, s, _b in quick[0])
    monkeypatch.setattr(engine, "quick_save", lambda **kw: None)
    full = _every_kind(client, make_paper(owner_region=district, questions=every), token)
    assert quick == full


def _start(paper, person, now=None):
    attempt, _ = engine.start_or_resume(paper=paper, person=person, now=now or timezone.now())
    item = AttemptQuestion.objects.filter(attempt=attempt).order_by("position").first()
    return attempt, item


def _quick(attempt, item, user, seq, now, response=("A",)):
    return engine.quick_save(
        attempt_id=attempt.pk,
        question_id=item.question_id,
        user=user,
        response=list(response),
        seq=seq,
        now=now,
    )


@needs_postgres
def test_the_deadlines_grace_is_the_full_paths(paper, person, settings):
    settings.EXAM_SAVE_GRACE_SECONDS = 30
    attempt, item = _start(paper, person)
    last = attempt.deadline + timedelta(seconds=30)  # the last moment a save is kept
    assert _quick(attempt, item, person.user, 1, last).accepted
    assert _quick(attempt, item, person.user, 2, last + timedelta(microseconds=1)) is None
    with pytest.raises(ExamError) as refused:
        engine.save_answer(
            attempt=attempt,
            question_id=item.question_id,
            response=["A"],
            seq=2,
            now=last + timedelta(microseconds=1),
        )
    assert refused.value.code == ExamErrorCode.DEADLINE_PASSED
    item.refresh_from_db()
    assert item.seq == 1


@needs_postgres
def test_nothing_is_written_for_someone_else_or_after_the_submit(paper, person, other_worker):
    attempt, item = _start(paper, person)
    engine.SAVE_SHAPES.clear()
    now = timezone.now()
    assert _quick(attempt, item, other_worker, 1, now) is None
    assert engine.SAVE_SHAPES.get(attempt.pk) is None  # nothing read of another's attempt
    assert _quick(attempt, item, person.user, 1, now).accepted
    assert _quick(attempt, item, person.user, 1, now) is None  # the same seq again
    engine.submit_attempt(attempt=Attempt.objects.get(pk=attempt.pk), now=now)
    assert _quick(attempt, item, person.user, 2, now) is None
    item.refresh_from_db()
    assert item.seq == 1
    saves = AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SAVE)
    assert saves.count() == 1


@needs_postgres
def test_stale_shapes_write_nothing(paper, person):
    """Shapes remembered for another attempt under the same id (a database restored, sequences
    reset) carry its start time: the statement refuses them, and the full path checks the
    response against the item itself."""
    attempt, item = _start(paper, person)
    assert item.snapshot["type"] == "single"
    assert len(item.snapshot["options"]) == 4
    eight = (item.question_id, "multiple", 8, "A")
    engine.SAVE_SHAPES.remember(attempt.pk, attempt.started_at - timedelta(seconds=1), [eight])
    assert _quick(attempt, item, person.user, 1, timezone.now(), ["H", "G"]) is None
    item.refresh_from_db()
    assert (item.seq, item.response) == (0, "")
    assert not AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SAVE).exists()


def test_a_practice_save_takes_the_full_path(client, district, questions, token, quick_results):
    paper = make_paper(owner_region=district, questions=questions, mode=Paper.Mode.PRACTICE)
    started = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token).json()
    # a practice start remembers to take the full path, so its saves do not look for shapes
    assert engine.SAVE_SHAPES.get(started["id"]) is engine.FULL_PATH
    question = started["questions"][0]
    body = {"response": [question["options"][0]["key"]], "seq": 1}
    saved = _put(client, started["id"], question["id"], body, **token)
    assert saved.status_code == 200
    assert saved.json()["feedback"] is not None  # graded at once, as practice is
    assert quick_results == [None]
    assert engine.SAVE_SHAPES.get(started["id"]) is engine.FULL_PATH


@needs_postgres
def test_a_practice_read_elsewhere_is_remembered_as_the_full_path(
    client, district, questions, token, quick_results
):
    paper = make_paper(owner_region=district, questions=questions, mode=Paper.Mode.PRACTICE)
    started = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token).json()
    engine.SAVE_SHAPES.clear()  # as a node that did not start it
    for seq, question in enumerate(started["questions"][:2], start=1):
        body = {"response": [question["options"][0]["key"]], "seq": seq}
        assert _put(client, started["id"], question["id"], body, **token).status_code == 200
    assert quick_results == [None, None]
    assert engine.SAVE_SHAPES.get(started["id"]) is engine.FULL_PATH


@needs_postgres
def test_someone_elses_attempt_is_not_remembered(paper, person, other_worker):
    attempt, item = _start(paper, person)
    engine.SAVE_SHAPES.clear()
    assert _quick(attempt, item, other_worker, 1, timezone.now()) is None
    assert engine.SAVE_SHAPES.get(attempt.pk) is None  # the owner's saves still read the shapes


@needs_postgres
def test_a_paper_turned_practice_during_an_attempt_takes_the_full_path(paper, person):
    attempt, item = _start(paper, person)
    Paper.objects.filter(pk=paper.pk).update(mode=Paper.Mode.PRACTICE)
    assert _quick(attempt, item, person.user, 1, timezone.now()) is None


def test_the_shapes_forget_the_least_recently_used_attempt():
    shapes = engine.SaveShapes(size=2)
    now = timezone.now()
    for attempt_id in (1, 2):
        shapes.remember(attempt_id, now, [(7, "fill_blank", 0, "a;b|乙;c")])
    assert shapes.get(1) == (now, {7: ("fill_blank", 3)})  # 1 is now the most recent
    shapes.remember(3, now, [])
    assert (shapes.get(1) is not None, shapes.get(2), shapes.get(3)) == (True, None, (now, {}))


def test_a_start_remembers_its_items(client, paper, token):
    started = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token).json()
    started_at, shapes = engine.SAVE_SHAPES.get(started["id"])
    assert started_at == Attempt.objects.get(pk=started["id"]).started_at
    assert shapes == {q["id"]: (q["type"], len(q["options"])) for q in started["questions"]}


@needs_postgres
def test_the_shapes_read_are_the_shapes_the_start_remembers(
    client, district, bank, questions, token
):
    every = [*questions, _fill_blank(bank), _fill_blank(bank, "a|甲;b;c")]
    paper = make_paper(owner_region=district, questions=every)
    started = client.post(f"/api/v1/exams/{paper.pk}/attempts", **token).json()
    remembered = engine.SAVE_SHAPES.get(started["id"])
    engine.SAVE_SHAPES.clear()
    user = Attempt.objects.get(pk=started["id"]).person.user
    assert engine._read_shapes(connection, started["id"], user) == remembered
    assert {kind for kind, _n in remembered[1].values()} == set(RESPONSES)
