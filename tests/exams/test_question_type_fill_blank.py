"""填空 (exams.question_types.FillBlank): blanks in the stem, accepted answers per blank normalised
for width, spaces and case, partial credit per blank; imported from the .xlsx (bad rows listed,
nothing saved), drawn by rules, answered on the page and through the API, graded, reviewed, in item
statistics, practice and the 错题本, and edited in the admin."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exams import engine, practice, statistics
from exams.importing import export_workbook, import_questions
from exams.models import DrawRule, Paper, Question, WrongAnswer
from exams.question_types import FillBlank, count_blanks, kind_of, normalize_blank
from portal.roles import sync_role_groups
from tests.exams.factories import make_paper
from tests.exams.test_import import row, xlsx

KIND = FillBlank()
NO_OPTIONS = ()


def fill(bank, stem="持证___年，每___年复审。", answer="6|六;3|三", **extra) -> Question:
    return Question.objects.create(
        bank=bank,
        type="fill_blank",
        stem=stem,
        options=[],
        answer=answer,
        explanation="规定第二十一条。",
        difficulty=extra.get("difficulty", 2),
        knowledge_points=extra.get("knowledge_points", "特种作业"),
    )


# ---------------------------------------------------------------- the class


@pytest.mark.parametrize(
    ("stem", "n"),
    [
        ("a___b", 1),
        ("a__b", 0),
        ("a______b___c", 2),
        ("电压为（　）伏", 1),
        ("（）与（ ）", 2),
        ("(　)", 0),
    ],
)
def test_blanks_are_three_underscores_or_full_width_brackets(stem, n):
    assert count_blanks(stem) == n


def test_answers_are_compared_without_width_spaces_or_case():
    assert normalize_blank("ＡＢＣ　１２３") == normalize_blank("abc 123")
    assert normalize_blank(" Co 2 ") == "co2"


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (["6", "3"], (True, Decimal(4))),
        (["六", "三"], (True, Decimal(4))),
        (["６", " 3 "], (True, Decimal(4))),
        (["6", "4"], (False, Decimal(2))),
        (["", "三"], (False, Decimal(2))),
        (["7", "4"], (False, Decimal(0))),
        ([], (False, Decimal(0))),
    ],
)
def test_each_blank_earns_its_share(response, expected):
    stored = KIND.clean_response({"answer": "6|六;3|三"}, response)
    assert KIND.grade(answer="6|六;3|三", stored=stored, points=Decimal(4), multi="all") == expected


def test_three_blanks_share_the_points_to_a_tenth():
    stored = KIND.clean_response({"answer": "a;b;c"}, ["a", "x", "x"])
    assert KIND.grade(answer="a;b;c", stored=stored, points=Decimal(1), multi="all") == (
        False,
        Decimal("0.3"),
    )


def test_a_response_with_more_blanks_than_the_question_is_refused():
    with pytest.raises(ValueError, match="空数"):
        KIND.clean_response({"answer": "a"}, ["a", "b"])


def test_nothing_typed_is_stored_as_no_answer():
    assert KIND.clean_response({"answer": "a;b"}, ["", "  "]) == ""
    assert KIND.load_response("") == []


@pytest.mark.parametrize(
    ("stem", "answer", "problem"),
    [
        ("没有空的题干", "6", "没有空"),
        ("一个空___", "6；3", "题干有1个空，答案却有2组"),
        ("两个空___和___", "6", "题干有2个空，答案却有1组"),
        ("两个空___和___", "6;", "第2组为空"),
        ("两个空___和___", "6;|", "第2组为空"),
        ("一个空___", "", "答案为空"),
    ],
)
def test_a_bad_question_is_refused_in_chinese(stem, answer, problem):
    _options, _answer, problems = KIND.clean_question(stem=stem, options=[], answer=answer)
    assert any(problem in p for p in problems), problems


def test_the_answer_is_kept_canonical_and_exported_as_people_write_it():
    options, answer, problems = KIND.clean_question(
        stem="___与___", options=[], answer=" 6 | 六 ； 3|三 "
    )
    assert (options, answer, problems) == ([], "6|六;3|三", [])
    assert KIND.export_answer(answer) == "6|六；3|三"


# ---------------------------------------------------------------- import


def test_it_imports_fill_blank_rows(bank):
    report = import_questions(
        bank=bank,
        upload=xlsx(
            [
                row(
                    qtype="填空",
                    stem="持证___年，每___年复审。",
                    options=NO_OPTIONS,
                    answer="6|六; 3|三",
                ),
                row(
                    qtype="填空题", stem="安全电压最高为（　）伏。", options=NO_OPTIONS, answer="42"
                ),
            ]
        ),
    )
    assert not report.errors, report.errors
    assert report.created == 2
    q = Question.objects.get(stem="持证___年，每___年复审。")
    assert (q.type, q.options, q.answer) == ("fill_blank", [], "6|六;3|三")


def test_every_bad_fill_blank_row_is_listed_and_nothing_is_saved(bank):
    report = import_questions(
        bank=bank,
        upload=xlsx(
            [
                row(qtype="填空", stem="好题___", options=NO_OPTIONS, answer="好"),
                row(qtype="填空", stem="两个空___和___", options=NO_OPTIONS, answer="6"),
                row(qtype="填空", stem="没有空", options=NO_OPTIONS, answer="6"),
                row(qtype="填空", stem="空组___和___", options=NO_OPTIONS, answer="6；"),
                row(qtype="填空", stem="带选项___", options=("甲", "乙"), answer="甲"),
            ]
        ),
    )
    rows = {e.row: e.message for e in report.errors}
    assert set(rows) == {3, 4, 5, 6}
    assert "题干有2个空，答案却有1组" in rows[3]
    assert "没有空" in rows[4]
    assert "第2组为空" in rows[5]
    assert "不设选项" in rows[6]
    assert not Question.objects.filter(bank=bank).exists()


def test_the_export_reads_back_the_same_questions(bank, other_bank):
    fill(bank)
    data = export_workbook(bank.questions.all())
    report = import_questions(bank=other_bank, upload=xlsx_bytes(data))
    assert not report.errors, report.errors
    copy = other_bank.questions.get()
    assert (copy.type, copy.stem, copy.answer) == (
        "fill_blank",
        "持证___年，每___年复审。",
        "6|六;3|三",
    )


def xlsx_bytes(data: bytes):
    import io

    buf = io.BytesIO(data)
    buf.name = "export.xlsx"
    buf.size = len(data)
    return buf


# ---------------------------------------------------------------- taking it


@pytest.fixture
def fill_paper(district, bank):
    return make_paper(owner_region=district, questions=[fill(bank)], points=4)


def test_it_is_drawn_by_rules(district, bank, person):
    for i in range(3):
        fill(bank, stem=f"第{i}题___")
    paper = make_paper(owner_region=district, selection=Paper.Selection.DRAW)
    DrawRule.objects.create(paper=paper, bank=bank, type="fill_blank", count=2, points=3)
    attempt, _ = engine.start_or_resume(paper=paper, person=person, now=timezone.now())
    items = engine.load_items(attempt)
    assert len(items) == 2
    assert {i.snapshot["type"] for i in items} == {"fill_blank"}
    assert attempt.total == 6


def test_the_page_shows_an_input_per_blank_and_no_answer(client, worker, fill_paper, person):
    client.force_login(worker)
    attempt, _ = engine.start_or_resume(paper=fill_paper, person=person, now=timezone.now())
    body = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert body.count('class="exam-blank"') == 2
    assert 'data-handler="fill_blank"' in body
    assert "六" not in body  # no accepted answer on the page


def test_autosave_grade_and_review_through_the_page(client, worker, fill_paper, person):
    client.force_login(worker)
    attempt, _ = engine.start_or_resume(paper=fill_paper, person=person, now=timezone.now())
    qid = fill_paper.paper_questions.get().question_id
    saved = client.put(  # the page's autosave: the API with the session (static/js/exam.js)
        f"/api/v1/attempts/{attempt.pk}/answers/{qid}",
        data=json.dumps({"response": ["六", "4"], "seq": 1}),
        content_type="application/json",
    ).json()
    assert saved["accepted"]
    assert saved["response"] == ["六", "4"]
    again = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert 'value="六"' in again
    client.post(reverse("exams:attempt-submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.score == 2
    body = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "第1空" in body
    assert "6 / 六" in body
    assert WrongAnswer.objects.filter(person=person, question_id=qid).exists()
    stats = statistics.item_statistics(paper=fill_paper)
    (row_,) = stats["rows"]
    assert [(o["letter"], o["count"]) for o in row_["option_rows"]] == [("第1空", 1), ("第2空", 0)]


def test_the_review_follows_the_papers_policy(client, worker, district, bank, person):
    paper = make_paper(
        owner_region=district, questions=[fill(bank)], review_policy=Paper.Review.SCORE
    )
    client.force_login(worker)
    attempt, _ = engine.start_or_resume(paper=paper, person=person, now=timezone.now())
    engine.submit_attempt(attempt=attempt, now=timezone.now())
    review = engine.attempt_review(attempt=attempt, now=timezone.now())
    assert review.level == "score"
    assert review.items == []
    body = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "6 / 六" not in body


def test_the_whole_flow_through_the_api(client, fill_paper, token):
    data = client.post(f"/api/v1/exams/{fill_paper.pk}/attempts", **token).json()
    (q,) = data["questions"]
    assert (q["type"], q["blanks"], q["options"], q["response"]) == ("fill_blank", 2, [], [])
    assert "answer" not in q
    url = f"/api/v1/attempts/{data['id']}/answers/{q['id']}"
    put = client.put(
        url, {"response": ["６", "三"], "seq": 1}, content_type="application/json", **token
    )
    assert put.status_code == 200, put.content
    assert put.json()["response"] == ["６", "三"]
    too_many = client.put(
        url, {"response": ["6", "3", "9"], "seq": 2}, content_type="application/json", **token
    )
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "invalid_response"
    result = client.post(f"/api/v1/attempts/{data['id']}/submit", **token).json()
    assert result["score"] == 4
    (item,) = result["items"]
    assert item["is_correct"]
    assert item["answer"] == ["6 / 六", "3 / 三"]


def test_practice_gives_feedback_and_the_wrong_book_keeps_it(district, bank, person):
    q = fill(bank)
    now = timezone.now()
    attempt = practice.start_practice(person=person, now=now, bank_id=bank.pk)
    result = engine.save_answer(
        attempt=attempt, question_id=q.pk, response=["6", "4"], seq=1, now=now
    )
    assert result.feedback["correct"] is False
    assert result.feedback["answer_text"] == "6 / 六；3 / 三"
    entry = WrongAnswer.objects.get(person=person, question=q)
    assert json.loads(entry.last_response) == ["6", "4"]
    again = practice.start_practice(person=person, now=now, wrong_book=True)
    assert [i.question_id for i in engine.load_items(again)] == [q.pk]


# ---------------------------------------------------------------- admin


@pytest.fixture
def _roles(db):
    sync_role_groups()


@pytest.mark.usefixtures("_roles")
def test_an_examiner_creates_and_edits_a_fill_blank_question(client, examiner, bank):
    client.force_login(examiner)
    form = {
        "bank": bank.pk,
        "type": "fill_blank",
        "stem": "报警电话___，急救电话（　）。",
        "answer": "119；120",
        "explanation": "",
        "difficulty": 1,
        "knowledge_points": "消防",
        "status": "active",
    }
    response = client.post(reverse("exams_questions:add"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    q = Question.objects.get(stem=form["stem"])
    assert (q.options, q.answer) == ([], "119;120")
    edit = reverse("exams_questions:edit", args=[q.pk])
    assert "119；120" in client.get(edit).content.decode()
    bad = client.post(edit, {**form, "answer": "119"})
    assert bad.status_code == 200
    assert "题干有2个空，答案却有1组" in bad.content.decode()
    ok = client.post(edit, {**form, "answer": "119;120|一二零"})
    assert ok.status_code == 302
    q.refresh_from_db()
    assert q.answer == "119;120|一二零"
    assert q.version == 2


def test_the_type_is_known_everywhere():
    kind = kind_of("fill_blank")
    assert kind.template == "exams/question_types/fill_blank.html"
    assert kind.js_handler == "fill_blank"
    assert str(kind.label) == "填空"
