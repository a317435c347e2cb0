"""Question import: every answer form, every bad-row kind, duplicates, template, export round-trip,
the management command and crafted files."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from exams.importing import COLUMNS, export_workbook, import_questions
from exams.models import Question
from exams.question_types import kind_of

HEADER = COLUMNS


def xlsx(rows, header=HEADER) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "questions.xlsx"
    buf.size = len(buf.getvalue())
    return buf


def row(
    qtype="单选", stem="题干", options=("甲", "乙", "丙", "丁"), answer="B", expl="", diff=2, kp=""
):
    opts = list(options) + [""] * (8 - len(options))
    return [qtype, stem, *opts, answer, expl, diff, kp]


@pytest.mark.parametrize(
    ("qtype", "raw", "expected"),
    [
        ("single", "B", "B"),
        ("single", " b ", "B"),
        ("multiple", "ACD", "ACD"),
        ("multiple", "DCA", "ACD"),
        ("multiple", "A,C,D", "ACD"),
        ("multiple", "A、C、D", "ACD"),
        ("multiple", "C，A；D", "ACD"),
        ("judge", "对", "A"),
        ("judge", "错", "B"),
        ("judge", "正确", "A"),
        ("judge", "错误", "B"),
        ("judge", "√", "A"),
        ("judge", "×", "B"),
        ("judge", "A", "A"),
        ("judge", "B", "B"),
    ],
)
def test_it_reads_every_answer_form_people_write(qtype, raw, expected):
    letters, error = kind_of(qtype).parse_answer(raw, 4 if qtype != "judge" else 2)
    assert error is None
    assert letters == expected


def test_it_imports_a_good_file_with_knowledge_points_split_on_every_separator(bank):
    upload = xlsx(
        [
            row(stem="单选一", answer="B", kp="消防、用电"),
            row("多选", "多选一", answer="A,C,D", kp="消防,用电;法规，危化品"),
            row("判断", "判断一", options=(), answer="√"),
        ]
    )
    report = import_questions(bank=bank, upload=upload)
    assert report.ok
    assert report.created == 3
    multi = Question.objects.get(stem="多选一")
    assert multi.answer == "ACD"
    assert multi.knowledge_points == "消防、用电、法规、危化品"
    judge = Question.objects.get(stem="判断一")
    assert judge.options == ["正确", "错误"]
    assert judge.answer == "A"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (row(answer="E"), "答案中的E没有对应的选项"),
        (row(answer="AB"), "单选题只能有一个答案"),
        (row(stem=""), "题干不能为空"),
        (row(qtype=""), "题型不能为空"),
        (row(qtype="问答"), "未知题型“问答”"),
        (row(qtype="判断", options=(), answer="也许"), "判断题答案“也许”无法识别"),
        (row(answer=""), "答案为空"),
        (row(qtype="多选", answer="A"), "多选题至少要有两个正确答案"),
        (row(options=("甲",)), "至少需要两个选项"),
        (row(options=("甲", "", "丙")), "选项中间有空缺"),
        (row(diff=9), "难度“9”应为1到5的整数"),
        (row(answer="A1"), "应为选项字母"),
    ],
)
def test_one_bad_row_imports_nothing_and_names_the_row_and_the_reason(bank, bad, reason):
    upload = xlsx([row(stem="好题一"), bad, row(stem="好题二")])
    report = import_questions(bank=bank, upload=upload)
    assert not report.ok
    assert [e.row for e in report.errors] == [3]
    assert reason in str(report.errors[0])
    assert "第3行" in str(report.errors[0])
    assert Question.objects.count() == 0


def test_every_bad_row_is_listed(bank):
    upload = xlsx([row(answer="Z"), row(stem="好题"), row(qtype="问答"), row(stem="")])
    report = import_questions(bank=bank, upload=upload)
    assert sorted({e.row for e in report.errors}) == [2, 4, 5]
    assert Question.objects.count() == 0


def test_a_stem_already_in_the_bank_is_reported_not_duplicated(bank):
    Question.objects.create(
        bank=bank, type="single", stem="重复 题干", options=["a", "b"], answer="A"
    )
    upload = xlsx([row(stem="重复题干"), row(stem="新题"), row(stem="新题")])
    report = import_questions(bank=bank, upload=upload)
    assert report.ok
    assert report.created == 1
    assert report.skipped == 2
    assert any("第2行" in n and "已在题库中" in n for n in report.notes)
    assert any("第4行" in n and "与第3行重复" in n for n in report.notes)
    assert Question.objects.filter(bank=bank).count() == 2


def test_a_dry_run_saves_nothing(bank):
    report = import_questions(bank=bank, upload=xlsx([row()]), dry_run=True)
    assert report.ok
    assert report.created == 1
    assert Question.objects.count() == 0


def test_export_round_trips_through_import(bank, other_bank):
    upload = xlsx(
        [
            row(stem="一", answer="C", expl="解析一", diff=4, kp="消防、用电"),
            row("多选", "二", options=("a", "b", "c", "d", "e", "f", "g", "h"), answer="HA"),
            row("判断", "三", options=(), answer="错"),
        ]
    )
    import_questions(bank=bank, upload=upload)
    exported = io.BytesIO(export_workbook(bank.questions.order_by("pk")))
    exported.name = "export.xlsx"
    report = import_questions(bank=other_bank, upload=exported)
    assert report.ok
    assert report.created == 3
    fields = ("type", "stem", "options", "answer", "explanation", "difficulty", "knowledge_points")
    original = list(bank.questions.order_by("pk").values_list(*fields))
    copied = list(other_bank.questions.order_by("pk").values_list(*fields))
    assert original == copied


def test_a_file_that_is_not_xlsx_gets_a_clear_error(bank):
    upload = io.BytesIO(b"PK\x03\x04 not really a zip")
    upload.name = "evil.xlsx"
    report = import_questions(bank=bank, upload=upload)
    assert not report.ok
    assert "无法读取该文件" in str(report.errors[0])


def test_too_many_rows_is_refused(bank, settings):
    settings.IMPORT_MAX_ROWS = 2
    report = import_questions(bank=bank, upload=xlsx([row(stem=str(i)) for i in range(5)]))
    assert not report.ok
    assert "行数超过上限" in str(report.errors[0])
    assert Question.objects.count() == 0


def test_a_missing_column_is_named(bank):
    report = import_questions(bank=bank, upload=xlsx([["单选", "题"]], header=["题型", "题干"]))
    assert "表头缺少以下列" in str(report.errors[0])
    assert "答案" in str(report.errors[0])


def test_the_command_imports_and_exits_non_zero_on_bad_rows(bank, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([row(stem="命令导入")]).getvalue())
    call_command("import_questions", str(good), "--bank", bank.name, "--dry-run")
    assert Question.objects.count() == 0
    call_command("import_questions", str(good), "--bank", bank.name)
    assert Question.objects.filter(stem="命令导入").exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row(stem="好"), row(answer="X")]).getvalue())
    with pytest.raises(CommandError, match="1处错误"):
        call_command("import_questions", str(bad), "--bank", bank.name)
    assert not Question.objects.filter(stem="好").exists()


def test_the_command_refuses_an_unknown_bank(tmp_path, db):
    f = tmp_path / "x.xlsx"
    f.write_bytes(xlsx([row()]).getvalue())
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_questions", str(f), "--bank", "没有这个题库")
