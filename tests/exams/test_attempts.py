"""The exam contract: draw rules, reproducible shuffling, scoring, deadline + grace, sweeper,
idempotent save and submit, resume, one attempt in progress, eligibility and attempts allowed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from exams import access, engine, practice
from exams.engine import arrange, draw_questions, start_or_resume
from exams.errors import ExamError, ExamErrorCode
from exams.models import Attempt, AttemptEvent, Paper, Question, WrongAnswer
from exams.question_types import kind_of
from tests.exams.factories import make_paper, make_questions
from tests.factories import PersonFactory

NOW = timezone.now()


def answer_all(attempt, right=True, now=None):
    for seq, item in enumerate(engine.load_items(attempt), start=1):
        response = (
            list(item.snapshot["answer"])
            if right
            else [
                "D"
                if "D" not in item.snapshot["answer"] and len(item.snapshot["options"]) > 3
                else ("A" if "A" not in item.snapshot["answer"] else "B")
            ]
        )
        engine.save_answer(
            attempt=attempt,
            question_id=item.question_id,
            response=response,
            seq=seq,
            now=now or NOW,
        )


def test_draw_rules_pick_the_right_number_of_each_type_without_repeats(draw_paper):
    drawn = draw_questions(paper=draw_paper, seed=42)
    types = [q.type for q, _p in drawn]
    assert types.count("single") == 5
    assert types.count("judge") == 2
    assert len({q.pk for q, _p in drawn}) == 7
    assert sum(p for _q, p in drawn) == Decimal(12)


def test_draw_rules_respect_difficulty_and_knowledge_point(district, bank):
    make_questions(bank, 10, "single")  # difficulty 1..5, 消防 on odd i
    paper = make_paper(owner_region=district, selection=Paper.Selection.DRAW)
    paper.draw_rules.create(
        bank=bank,
        type="single",
        difficulty_min=2,
        difficulty_max=4,
        knowledge_point="消防",
        count=3,
    )
    for seed in range(5):
        for q, _p in draw_questions(paper=paper, seed=seed):
            assert 2 <= q.difficulty <= 4
            assert "消防" in q.knowledge_points


def test_a_rule_that_asks_for_more_than_the_bank_has_is_a_clear_error(district, bank):
    make_questions(bank, 2, "single")
    paper = make_paper(owner_region=district, selection=Paper.Selection.DRAW)
    paper.draw_rules.create(bank=bank, type="single", count=3)
    with pytest.raises(ExamError) as exc:
        draw_questions(paper=paper, seed=1)
    assert exc.value.code == "not_enough_questions"
    assert "只有2道" in exc.value.message


def test_shuffling_is_reproducible_from_the_seed_stored_on_the_attempt(draw_paper, person):
    draw_paper.shuffle_questions = draw_paper.shuffle_options = True
    draw_paper.save()
    attempt, _ = start_or_resume(paper=draw_paper, person=person, now=NOW)
    items = engine.load_items(attempt)
    again = arrange(
        paper=draw_paper,
        seed=attempt.seed,
        questions=draw_questions(paper=draw_paper, seed=attempt.seed),
    )
    assert [i.question_id for i in items] == [q.pk for q, _p, _l in again]
    assert [i.option_order for i in items] == [letters for _q, _p, letters in again]
    orders = {
        tuple(
            q.pk
            for q, _p, _l in arrange(
                paper=draw_paper, seed=s, questions=draw_questions(paper=draw_paper, seed=s)
            )
        )
        for s in range(6)
    }
    assert len(orders) > 1  # different seeds, different papers


@pytest.mark.parametrize(
    ("qtype", "answer", "response", "multi", "expected"),
    [
        ("single", "B", "B", "all", (True, Decimal(2))),
        ("single", "B", "C", "all", (False, Decimal(0))),
        ("multiple", "ACD", "ACD", "all", (True, Decimal(2))),
        ("multiple", "ACD", "AC", "all", (False, Decimal(0))),
        ("multiple", "ACD", "AC", "partial", (False, Decimal("1.3"))),
        ("multiple", "ACD", "ABC", "partial", (False, Decimal(0))),
        ("multiple", "ACD", "", "partial", (False, Decimal(0))),
        ("judge", "A", "A", "all", (True, Decimal(2))),
    ],
)
def test_scoring_modes(qtype, answer, response, multi, expected):
    got = kind_of(qtype).grade(answer=answer, stored=response, points=Decimal(2), multi=multi)
    assert got == expected


def test_the_deadline_is_fixed_at_start_and_capped_by_the_close_time(paper, person):
    paper.closes_at = NOW + timedelta(minutes=10)
    paper.save()
    attempt, created = start_or_resume(paper=paper, person=person, now=NOW)
    assert created
    assert attempt.deadline == NOW + timedelta(minutes=10)
    assert attempt.events.filter(kind=AttemptEvent.Kind.START).exists()


def test_saves_are_accepted_during_the_grace_and_refused_after_it(paper, person, settings):
    settings.EXAM_SAVE_GRACE_SECONDS = 30
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    q = engine.load_items(attempt)[0].question_id
    in_grace = attempt.deadline + timedelta(seconds=20)
    assert engine.save_answer(
        attempt=attempt, question_id=q, response=["B"], seq=1, now=in_grace
    ).accepted
    with pytest.raises(ExamError) as exc:
        engine.save_answer(
            attempt=attempt,
            question_id=q,
            response=["C"],
            seq=2,
            now=attempt.deadline + timedelta(seconds=31),
        )
    assert exc.value.code == ExamErrorCode.DEADLINE_PASSED
    assert engine.load_items(attempt)[0].response == "B"


def test_the_latest_seq_wins_and_older_or_repeated_saves_are_ignored(paper, person):
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    q = engine.load_items(attempt)[0].question_id
    assert engine.save_answer(
        attempt=attempt, question_id=q, response=["C"], seq=5, now=NOW
    ).accepted
    older = engine.save_answer(attempt=attempt, question_id=q, response=["A"], seq=3, now=NOW)
    repeated = engine.save_answer(attempt=attempt, question_id=q, response=["D"], seq=5, now=NOW)
    assert not older.accepted
    assert older.response == ["C"]
    assert older.seq == 5
    assert not repeated.accepted
    assert repeated.response == ["C"]
    assert engine.save_answer(
        attempt=attempt, question_id=q, response=["B"], seq=6, now=NOW
    ).accepted
    assert engine.load_items(attempt)[0].response == "B"
    assert attempt.events.filter(kind=AttemptEvent.Kind.SAVE).count() == 2


def test_a_save_with_an_option_that_does_not_exist_is_refused(paper, person):
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    q = engine.load_items(attempt)[0].question_id
    with pytest.raises(ExamError) as exc:
        engine.save_answer(attempt=attempt, question_id=q, response=["Z"], seq=1, now=NOW)
    assert exc.value.code == "invalid_response"
    with pytest.raises(ExamError):
        engine.save_answer(attempt=attempt, question_id=q, response=["A", "B"], seq=1, now=NOW)


def test_submit_is_idempotent_and_grades_once(paper, person):
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    answer_all(attempt)
    first = engine.submit_attempt(attempt=attempt, now=NOW + timedelta(minutes=5))
    second = engine.submit_attempt(
        attempt=Attempt.objects.get(pk=attempt.pk), now=NOW + timedelta(minutes=6)
    )
    assert first.score == second.score == Decimal(7)
    assert first.passed
    assert second.finished_at == NOW + timedelta(minutes=5)
    assert attempt.events.filter(kind__in=["submit", "auto_submit"]).count() == 1


def test_a_submit_racing_the_sweeper_gives_one_result(paper, person):
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    stale_copy = Attempt.objects.get(pk=attempt.pk)
    later = attempt.deadline + timedelta(minutes=5)
    assert engine.sweep_expired(now=later) == 1
    result = engine.submit_attempt(attempt=stale_copy, now=later)
    assert result.finish_reason == Attempt.FinishReason.TIMEOUT
    assert result.events.filter(kind__in=["submit", "auto_submit"]).count() == 1


def test_the_sweeper_finishes_expired_attempts_at_their_deadline(paper, person, other_worker):
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    fresh, _ = start_or_resume(
        paper=paper, person=other_worker.person, now=NOW + timedelta(minutes=29)
    )
    paper.enterprise = None
    answer_all(attempt)
    later = attempt.deadline + timedelta(minutes=1)
    assert engine.sweep_expired(now=later) == 1
    attempt.refresh_from_db()
    assert attempt.is_finished
    assert attempt.finished_at == attempt.deadline
    assert attempt.finish_reason == "timeout"
    assert attempt.score == Decimal(7)
    fresh.refresh_from_db()
    assert not fresh.is_finished
    assert engine.sweep_expired(now=later) == 0


def test_the_sweeper_task_runs_the_service(paper, person):
    from exams.tasks import sweep_expired_attempts

    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW - timedelta(hours=2))
    assert sweep_expired_attempts() == 1
    attempt.refresh_from_db()
    assert attempt.is_finished


def test_starting_again_resumes_the_attempt_in_progress(paper, person):
    first, created = start_or_resume(paper=paper, person=person, now=NOW)
    again, created_again = start_or_resume(
        paper=paper, person=person, now=NOW + timedelta(minutes=3)
    )
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert again.deadline == first.deadline
    assert again.events.filter(kind=AttemptEvent.Kind.RESUME).exists()


def test_the_database_allows_one_attempt_in_progress_per_person_and_paper(paper, person):
    start_or_resume(paper=paper, person=person, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(paper=paper, person=person, number=2)


def test_attempts_allowed_are_enforced(paper, person):
    for _i in range(2):
        attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
        engine.submit_attempt(attempt=attempt, now=NOW)
    with pytest.raises(ExamError) as exc:
        start_or_resume(paper=paper, person=person, now=NOW)
    assert exc.value.code == "no_attempts_left"


def test_a_closed_paper_cannot_be_started(paper, person):
    paper.opens_at = NOW + timedelta(days=1)
    paper.save()
    with pytest.raises(ExamError) as exc:
        start_or_resume(paper=paper, person=person, now=NOW)
    assert exc.value.code == "not_open"


def test_the_audience_limits_who_may_take_the_paper(paper, person, enterprise, other_worker):
    paper.open_to_all = False
    paper.save()
    assert not access.is_eligible(paper=paper, person=person)
    paper.audience_enterprises.add(enterprise)
    assert access.is_eligible(paper=paper, person=person)
    assert not access.is_eligible(paper=paper, person=other_worker.person)
    paper.audience_categories = [other_worker.person.category]
    paper.save()
    assert access.is_eligible(paper=paper, person=other_worker.person)


def test_an_enterprise_paper_is_not_offered_to_another_enterprise(
    enterprise, questions, person, other_worker
):
    paper = make_paper(owner_enterprise=enterprise, questions=questions)
    assert [r.paper for r in access.my_exams(person=person)] == [paper]
    assert access.my_exams(person=other_worker.person) == []
    with pytest.raises(ExamError):
        start_or_resume(paper=paper, person=other_worker.person, now=NOW)


def test_editing_a_question_never_changes_a_past_attempt(paper, person):
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    answer_all(attempt)
    engine.submit_attempt(attempt=attempt, now=NOW)
    q = Question.objects.get(pk=engine.load_items(attempt)[0].question_id)
    old_stem = q.stem
    q.stem, q.answer = "改过的题干", "C"
    q.save()
    assert q.version == 2
    item = engine.load_items(attempt)[0]
    assert item.snapshot["stem"] == old_stem
    assert item.is_correct
    attempt.refresh_from_db()
    assert attempt.score == Decimal(7)


def test_blurs_are_counted_and_the_limit_submits(paper, person):
    paper.blur_limit = 2
    paper.save()
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    attempt = engine.record_blur(attempt=attempt, now=NOW)
    assert attempt.blur_count == 1
    assert not attempt.is_finished
    attempt = engine.record_blur(attempt=attempt, now=NOW)
    assert attempt.is_finished
    assert attempt.finish_reason == "blur"
    kinds = list(attempt.events.values_list("kind", flat=True))
    assert kinds.count("blur") == 2
    assert "auto_submit" in kinds


def test_wrong_answers_stay_in_the_book_until_answered_right_twice(paper, person, settings):
    paper.attempts_allowed = 0
    paper.save()
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    answer_all(attempt, right=False)
    engine.submit_attempt(attempt=attempt, now=NOW)
    assert practice.open_wrong_answers(person, now=NOW).count() == 7
    for round_ in range(2):
        attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
        answer_all(attempt, right=True)
        engine.submit_attempt(attempt=attempt, now=NOW)
        assert practice.open_wrong_answers(person, now=NOW).count() == (7 if round_ == 0 else 0)
    assert WrongAnswer.objects.filter(person=person, right_streak=2).count() == 7


def test_practice_gives_feedback_at_once_and_feeds_the_wrong_book(bank, questions, person):
    attempt = practice.start_practice(person=person, now=NOW, bank_id=bank.pk, count=3)
    assert attempt.deadline is None
    assert attempt.paper.mode == Paper.Mode.PRACTICE
    item = engine.load_items(attempt)[0]
    wrong = [
        c for c in "ABCD"[: len(item.snapshot["options"])] if c not in item.snapshot["answer"]
    ][0]
    result = engine.save_answer(
        attempt=attempt, question_id=item.question_id, response=[wrong], seq=1, now=NOW
    )
    assert result.feedback["correct"] is False
    assert result.feedback["explanation"]
    assert practice.open_wrong_answers(person, now=NOW).count() == 1
    locked = engine.save_answer(
        attempt=attempt,
        question_id=item.question_id,
        response=list(item.snapshot["answer"]),
        seq=2,
        now=NOW,
    )
    assert not locked.accepted  # the first answer counts in practice
    wrong_book = practice.start_practice(person=person, now=NOW, wrong_book=True)
    assert [i.question_id for i in engine.load_items(wrong_book)] == [item.question_id]


def test_practice_by_knowledge_point_only_draws_that_point(bank, questions, person):
    attempt = practice.start_practice(
        person=person, now=NOW, bank_id=bank.pk, knowledge_point="消防", count=10
    )
    items = engine.load_items(attempt)
    assert items
    assert all("消防" in i.snapshot["knowledge_points"] for i in items)


def test_practice_from_another_enterprises_bank_is_refused(other_bank, person):
    make_questions(other_bank, 2)
    with pytest.raises(ExamError):
        practice.start_practice(person=person, now=NOW, bank_id=other_bank.pk)


def test_passing_an_exam_with_a_certificate_template_issues_one_certificate(paper, person):
    from certificates.models import Certificate, CertificateTemplate

    template = CertificateTemplate.objects.create(
        name="考试合格证", title="合格证明", issuer="测试区应急管理局"
    )
    paper.certificate_template = template
    paper.save()
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    answer_all(attempt)
    engine.submit_attempt(attempt=attempt, now=NOW)
    engine.submit_attempt(attempt=attempt, now=NOW)
    assert Certificate.objects.filter(person=person).count() == 1
    other = PersonFactory(enterprise=person.enterprise)
    failed, _ = start_or_resume(paper=paper, person=other, now=NOW)
    engine.submit_attempt(attempt=failed, now=NOW)
    assert not Certificate.objects.filter(person=other).exists()


def test_a_save_racing_the_submit_is_refused_not_acknowledged_and_left_ungraded(paper, person):
    """The save read the attempt while it was in progress; the submit claimed and graded it
    before the save's write. The write must find the attempt finished: refused with a code the
    page shows, the item untouched, no save event, so nothing acknowledged goes ungraded."""
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    q = engine.load_items(attempt)[0].question_id
    read_before_the_submit = Attempt.objects.get(pk=attempt.pk)
    engine.finish_attempt(attempt=attempt, now=NOW + timedelta(minutes=1))
    saves = AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SAVE).count()

    with pytest.raises(ExamError) as exc:
        engine.save_answer(
            attempt=read_before_the_submit,
            question_id=q,
            response=["B"],
            seq=1,
            now=NOW + timedelta(minutes=1),
        )

    assert exc.value.code == ExamErrorCode.ATTEMPT_FINISHED
    item = attempt.items.get(question_id=q)
    assert (item.seq, item.response) == (0, "")
    assert (
        AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SAVE).count() == saves
    )


def test_a_save_overtaken_by_a_newer_one_answers_with_what_the_server_holds(paper, person):
    attempt, _ = start_or_resume(paper=paper, person=person, now=NOW)
    read_first = engine.load_items(attempt)[0]  # seq 0, as this request read it
    q = read_first.question_id
    assert engine.save_answer(
        attempt=attempt, question_id=q, response=["C"], seq=5, now=NOW
    ).accepted

    late = engine.save_answer(
        attempt=attempt, question_id=q, response=["B"], seq=3, now=NOW, item=read_first
    )

    assert (late.accepted, late.seq, late.response) == (False, 5, ["C"])
    assert attempt.items.get(question_id=q).response == "C"
