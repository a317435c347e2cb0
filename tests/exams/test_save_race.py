"""Saves racing a submit (issue 21, third pass: the autosave's statement is prepared on
PostgreSQL): every acknowledged save is in the graded result, no save is acknowledged after the
grading read the items, and every acknowledged save has its event row. Real threads on
PostgreSQL; SQLite serialises writers (covered sequentially in test_attempts.py)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from exams import engine
from exams.errors import ExamError
from exams.models import Attempt, AttemptEvent, AttemptQuestion
from exams.question_types import kind_of


def _save(via, attempt_id, person, question_id, response, seq):
    """A save as the API makes it (`quick`: exams.engine.autosave, the one-statement save first)
    or by the full path alone."""
    if via == "quick":
        return engine.autosave(
            user=person.user,
            attempt_id=attempt_id,
            question_id=question_id,
            response=response,
            seq=seq,
            now=timezone.now(),
        )
    return engine.save_answer(
        attempt=Attempt.objects.select_related("paper").get(pk=attempt_id),
        question_id=question_id,
        response=response,
        seq=seq,
        now=timezone.now(),
    )


@pytest.mark.parametrize("via", ["full", "quick"])
@pytest.mark.django_db(transaction=True)
def test_saves_racing_a_submit_are_graded_or_refused(paper, person, via):
    if connection.vendor == "sqlite":
        pytest.skip("needs a database with row locks (run the suite on PostgreSQL)")
    attempt, _ = engine.start_or_resume(
        paper=paper, person=person, now=timezone.now() - timedelta(minutes=1)
    )
    items = list(AttemptQuestion.objects.filter(attempt=attempt).order_by("position"))
    acknowledged: dict[int, tuple[int, list[str]]] = {}
    refused, errors = [], []
    lock = threading.Lock()
    go = threading.Event()

    def saver(item):
        answers = [["A"], ["B"]] if item.snapshot["type"] != "multiple" else [["A", "B"], ["C"]]
        try:
            go.wait()
            for seq in range(1, 5000):  # until the submit refuses it
                response = answers[seq % 2]
                try:
                    result = _save(via, attempt.pk, person, item.question_id, response, seq)
                except ExamError as exc:
                    with lock:
                        refused.append(exc)
                    return
                assert result.accepted
                with lock:
                    acknowledged[item.question_id] = (seq, response)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    def submit():
        try:
            go.wait()
            time.sleep(0.3)
            engine.submit_attempt(attempt=Attempt.objects.get(pk=attempt.pk), now=timezone.now())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=saver, args=(item,)) for item in items]
    threads.append(threading.Thread(target=submit))
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    assert errors == []
    assert len(refused) == len(items)  # every saver ended on the finished attempt
    attempt.refresh_from_db()
    assert attempt.is_finished
    saves = AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SAVE)
    assert saves.count() == sum(seq for seq, _response in acknowledged.values())
    total = 0
    for item in AttemptQuestion.objects.filter(attempt=attempt):
        seq, response = acknowledged.get(item.question_id, (0, []))
        assert item.seq == seq  # the last acknowledged save, and nothing after it
        kind = kind_of(item.snapshot["type"])
        assert kind.load_response(item.response) == response
        correct, score = kind.grade(
            answer=item.snapshot["answer"],
            stored=item.response,
            points=item.points,
            multi=paper.multi_scoring,
        )
        assert (item.is_correct, item.score) == (correct, score)  # graded with that answer
        total += score
    assert attempt.score == total


@pytest.mark.django_db
def test_the_save_statement_is_prepared_once_per_connection(paper, person):
    """PostgreSQL: the autosave's statement is bound server-side and prepared on the connection
    (portal.db.postgresql); an event keeps its address, device and detail."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL only")
    now = timezone.now()
    attempt, _ = engine.start_or_resume(paper=paper, person=person, now=now)
    item = AttemptQuestion.objects.filter(attempt=attempt).first()
    client = engine.Client(ip="10.1.2.3", user_agent="x" * 255)
    for seq in (1, 2, 3):
        result = engine.save_answer(
            attempt=attempt,
            question_id=item.question_id,
            response=["A"] if item.snapshot["type"] != "multiple" else ["A", "C"],
            seq=seq,
            now=now,
            client=client,
        )
        assert result.accepted
    prepared = connection.connection._prepared._names
    assert sum(b"INSERT INTO" in query for query, _types in prepared) == 1
    event = AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SAVE).last()
    assert (event.ip, event.user_agent) == ("10.1.2.3", "x" * 255)
    assert event.detail.startswith(f"Q{item.question_id} seq=3")
