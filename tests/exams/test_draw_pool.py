"""The draw pool a draw-rule paper's starts share (exams.engine: its rules' candidates and their
snapshots, cached under the rules' filters and their banks' `pool_stamp`): every kind of edit is
seen by the next start — a question's text, its options and answer, its image (another one, a new
file, deleted), retired, added, moved to another bank, bulk updates, a draw rule, the paper — and
the draw stays reproducible from the seed."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from exams import engine
from exams.models import AttemptQuestion, DrawRule, Paper, Question, QuestionBank
from tests.exams.factories import make_paper, make_questions

NOW = timezone.now()


@pytest.fixture
def pool_paper(district, bank):
    """Three single-choice questions, all drawn by one rule: every start shows each of them."""
    make_questions(bank, 3, "single", difficulty=3, knowledge_points="消防")
    paper = make_paper(owner_region=district, selection=Paper.Selection.DRAW, attempts_allowed=0)
    DrawRule.objects.create(paper=paper, bank=bank, type="single", count=3, points=2)
    return paper


_minutes = iter(range(1, 10_000))


def _start(paper, person) -> dict[int, AttemptQuestion]:
    """A start (then finished, so that the next one starts anew): its items by question id."""
    now = NOW + timedelta(minutes=next(_minutes))
    attempt, created = engine.start_or_resume(paper=paper, person=person, now=now)
    assert created
    engine.finish_attempt(attempt=attempt, now=now)
    return {i.question_id: i for i in engine.load_items(attempt)}


def _png(color) -> ImageFile:
    out = BytesIO()
    PILImage.new("RGB", (40, 30), color).save(out, "PNG")
    return ImageFile(out, name="题图.png")


def test_a_second_start_reads_the_pool_from_the_cache(
    pool_paper, person, django_assert_max_num_queries
):
    first = _start(pool_paper, person)
    assert len(first) == 3
    rules = engine._rules(pool_paper)
    assert engine._pool_key(rules) in engine._POOL_MEMO
    with django_assert_max_num_queries(2):  # the rules with their banks; the cached pool: none
        drawn = engine.draw(paper=pool_paper, seed=5)
    assert sorted(d.pk for d, _p in drawn) == sorted(first)


def test_the_cached_draw_equals_the_draw_from_the_database(draw_paper):
    for seed in range(8):
        cached = engine.draw(paper=draw_paper, seed=seed)
        engine._POOL_MEMO.clear()
        from django.core.cache import cache

        cache.clear()
        fresh = engine.draw(paper=draw_paper, seed=seed)
        assert [(d.pk, p, d.snapshot()) for d, p in cached] == [
            (d.pk, p, d.snapshot()) for d, p in fresh
        ]
        questions = engine.draw_questions(paper=draw_paper, seed=seed)
        assert [(q.pk, q.snapshot()) for q, _p in questions] == [
            (d.pk, d.snapshot()) for d, _p in fresh
        ]


def test_an_edited_stem_is_seen_by_the_next_start(pool_paper, person, bank):
    _start(pool_paper, person)
    question = bank.questions.first()
    question.stem = "改过的题干"
    question.save()
    items = _start(pool_paper, person)
    assert items[question.pk].snapshot["stem"] == "改过的题干"
    assert items[question.pk].snapshot["version"] == question.version


def test_edited_options_and_answer_are_seen_by_the_next_start(pool_paper, person, bank):
    _start(pool_paper, person)
    question = bank.questions.first()
    question.options = ["一", "二", "三"]
    question.answer = "C"
    question.save()
    items = _start(pool_paper, person)
    assert items[question.pk].snapshot["options"] == ["一", "二", "三"]
    assert items[question.pk].snapshot["answer"] == "C"
    assert sorted(items[question.pk].option_order) == ["A", "B", "C"]


def test_an_image_added_replaced_and_deleted_is_seen_by_the_next_start(pool_paper, person, bank):
    _start(pool_paper, person)
    image = get_image_model().objects.create(title="题图", file=_png("red"))
    question = bank.questions.first()
    question.image = image
    question.save()
    shown = _start(pool_paper, person)[question.pk].snapshot["image"]
    assert shown == image.get_rendition("max-800x600").url
    # a new file for the same image (as the image's edit page does): new renditions
    image.renditions.all().delete()
    image.file = _png("blue")
    image.save()
    replaced = _start(pool_paper, person)[question.pk].snapshot["image"]
    assert replaced == image.get_rendition("max-800x600").url
    assert replaced != shown
    image.delete()  # SET_NULL on the question, no save of it
    assert _start(pool_paper, person)[question.pk].snapshot["image"] == ""


def test_a_retired_question_leaves_the_next_start(pool_paper, person, bank):
    _start(pool_paper, person)
    make_questions(bank, 1, "single", difficulty=3)  # a fourth, so three can still be drawn
    retired = bank.questions.first()
    retired.status = Question.Status.RETIRED
    retired.save()
    for _round in range(3):
        assert retired.pk not in _start(pool_paper, person)


def test_a_bulk_retire_and_a_move_to_another_bank_are_seen(pool_paper, person, bank, district):
    _start(pool_paper, person)
    extra = make_questions(bank, 2, "single", difficulty=3)
    first, second = list(bank.questions.order_by("pk")[:2])
    Question.objects.filter(pk=first.pk).update(status=Question.Status.RETIRED)
    assert first.pk not in _start(pool_paper, person)
    elsewhere = QuestionBank.objects.create(name="别的题库", region=district)
    second.bank = elsewhere
    second.save()
    assert set(_start(pool_paper, person)) == {q.pk for q in bank.questions.active()}
    assert {q.pk for q in extra} <= set(_start(pool_paper, person))


def test_a_new_question_can_be_drawn_by_the_next_start(pool_paper, person, bank):
    _start(pool_paper, person)
    Question.objects.filter(bank=bank).update(status=Question.Status.RETIRED)
    fresh = make_questions(bank, 3, "single", difficulty=3)
    assert set(_start(pool_paper, person)) == {q.pk for q in fresh}


def test_an_edited_draw_rule_is_seen_by_the_next_start(pool_paper, person, bank):
    make_questions(bank, 2, "judge", difficulty=3)
    _start(pool_paper, person)
    rule = DrawRule.objects.get(paper=pool_paper)
    rule.type = "judge"
    rule.count = 2
    rule.points = 5
    rule.save()
    items = _start(pool_paper, person).values()
    assert [i.snapshot["type"] for i in items] == ["judge", "judge"]
    assert [i.points for i in items] == [5, 5]
    rule.difficulty_min = 4  # none of the judge questions is that hard
    rule.save()
    with pytest.raises(engine.ExamError) as refused:
        _start(pool_paper, person)
    assert "只有0道" in refused.value.message


def test_a_changed_paper_is_seen_by_the_next_start(pool_paper, person, bank, questions):
    _start(pool_paper, person)
    DrawRule.objects.create(paper=pool_paper, bank=bank, type="judge", count=2, points=1)
    items = _start(pool_paper, person).values()
    assert sorted(i.snapshot["type"] for i in items) == ["judge", "judge"] + ["single"] * 3
    pool_paper.selection = Paper.Selection.FIXED
    pool_paper.save()
    pool_paper.paper_questions.create(question=questions[0], points=4)
    pool_paper.save()
    items = _start(pool_paper, person)
    assert list(items) == [questions[0].pk]
    assert items[questions[0].pk].points == 4
