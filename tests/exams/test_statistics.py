"""Item statistics on a known data set: facility, discrimination (27% groups), option distribution
and review flags."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from exams import engine, statistics
from exams.models import Question
from tests.exams.factories import make_paper
from tests.factories import PersonFactory


def test_item_statistics_on_a_known_data_set(district, bank, enterprise):
    easy = Question.objects.create(
        bank=bank, type="single", stem="人人会", options=["a", "b"], answer="A"
    )
    good = Question.objects.create(
        bank=bank, type="single", stem="区分好", options=["a", "b", "c"], answer="A"
    )
    bad = Question.objects.create(
        bank=bank, type="single", stem="反区分", options=["a", "b"], answer="A"
    )
    paper = make_paper(owner_region=district, questions=[easy, good, bad], attempts_allowed=1)
    now = timezone.now()
    # ten people: the top four answer `good` right and `bad` wrong; the rest the other way round
    for i in range(10):
        person = PersonFactory(enterprise=enterprise)
        attempt, _ = engine.start_or_resume(paper=paper, person=person, now=now)
        top = i < 4
        picks = {easy.pk: "A", good.pk: "A" if top else "B", bad.pk: "B" if top else "A"}
        for item in engine.load_items(attempt):
            engine.save_answer(
                attempt=attempt,
                question_id=item.question_id,
                response=[picks[item.question_id]],
                seq=1,
                now=now,
            )
        engine.submit_attempt(attempt=attempt, now=now)
    stats = statistics.item_statistics(paper=paper)
    rows = {r["question_id"]: r for r in stats["rows"]}
    assert stats["attempts"] == 10
    assert stats["group_size"] == 3
    assert rows[easy.pk]["facility"] == 1.0
    assert "过易" in rows[easy.pk]["flags"]
    assert rows[good.pk]["facility"] == 0.4
    assert {o["letter"]: o["count"] for o in rows[good.pk]["option_rows"]} == {
        "a".upper(): 4,
        "B": 6,
        "C": 0,
    }
    assert rows[bad.pk]["facility"] == 0.6


def test_discrimination_compares_the_top_and_bottom_27_percent(district, bank, enterprise):
    q1 = Question.objects.create(
        bank=bank, type="single", stem="区分题", options=["a", "b"], answer="A"
    )
    q2 = Question.objects.create(
        bank=bank, type="single", stem="无区分", options=["a", "b"], answer="A"
    )
    fillers = [
        Question.objects.create(
            bank=bank, type="single", stem=f"分数{i}", options=["a", "b"], answer="A"
        )
        for i in range(10)
    ]
    paper = make_paper(owner_region=district, questions=[q1, q2, *fillers])
    now = timezone.now()
    # person i answers the first i fillers right; q1 right iff i >= 6; q2 right only for i = 0 and 10.
    # Scores: i + (i >= 6) + (i in {0, 10}) → bottom 3 = persons 0, 1, 2; top 3 = persons 8, 9, 10.
    right = {}
    for i in range(11):
        right[i] = {f.pk for f in fillers[:i]}
        if i >= 6:
            right[i].add(q1.pk)
        if i in (0, 10):
            right[i].add(q2.pk)
    for i in range(11):
        attempt, _ = engine.start_or_resume(
            paper=paper, person=PersonFactory(enterprise=enterprise), now=now
        )
        for item in engine.load_items(attempt):
            response = ["A"] if item.question_id in right[i] else ["B"]
            engine.save_answer(
                attempt=attempt, question_id=item.question_id, response=response, seq=1, now=now
            )
        engine.submit_attempt(attempt=attempt, now=now)
    stats = statistics.item_statistics(paper=paper)
    rows = {r["question_id"]: r for r in stats["rows"]}
    assert stats["group_size"] == 3
    assert rows[q1.pk]["discrimination"] == 1.0
    assert "区分度低" not in rows[q1.pk]["flags"]
    assert rows[q2.pk]["discrimination"] == 0.0
    assert "区分度低" in rows[q2.pk]["flags"]
    assert "过难" in rows[q2.pk]["flags"]  # 2 of 11 right: facility 0.18 < 0.2
    assert round(rows[q2.pk]["facility"], 2) == Decimal("0.18").__float__()


def test_statistics_run_two_queries_whatever_the_number_of_attempts(
    district, bank, enterprise, django_assert_num_queries
):
    q = Question.objects.create(
        bank=bank, type="single", stem="统计", options=["a", "b"], answer="A"
    )
    paper = make_paper(owner_region=district, questions=[q], attempts_allowed=0)
    now = timezone.now()
    for batch in (2, 8):
        for _i in range(batch):
            attempt, _ = engine.start_or_resume(
                paper=paper, person=PersonFactory(enterprise=enterprise), now=now
            )
            engine.submit_attempt(attempt=attempt, now=now)
        # finished attempts, then their items
        with django_assert_num_queries(2):
            statistics.item_statistics(paper=paper)
