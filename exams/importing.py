"""Question import/export in the .xlsx format users exchange (题型, 题干, 选项A…H, 答案, 解析, 难度,
知识点). Every bad row is reported with its row number; nothing is saved when any row is bad."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from exams.models import Question, QuestionBank
from exams.question_types import LETTERS, SHEET_NAMES, QuestionType, kind_of
from portal.columns import CellError, Column, clean_row, register_column, text
from portal.importing import record_created
from portal.xlsx import (
    ImportReport,
    RowError,
    SpreadsheetError,
    build_workbook,
    cell_text,
    read_rows,
)

OPTION_COLUMNS = [f"选项{c}" for c in LETTERS]
COLUMNS = ["题型", "题干", *OPTION_COLUMNS, "答案", "解析", "难度", "知识点"]
# the header must have these (选项A/B too: the template's, though a 填空 row leaves them empty)
REQUIRED = ["题型", "题干", "选项A", "选项B", "答案"]
# the cells every row fills, whatever its type (portal.columns' "X不能为空"); options and the
# answer are the type's to check (exams.question_types: a 填空 has no options)
ROW_REQUIRED = ["题型", "题干"]
DEFAULT_DIFFICULTY = 3
STEM_MAX_LENGTH = EXPLANATION_MAX_LENGTH = 2000
KNOWLEDGE_POINTS_MAX_LENGTH = 200  # Question.knowledge_points


def difficulty(value: object) -> int:
    """The 难度 cell: an integer from 1 to 5 ("3.0" as Excel may write it is 3)."""
    given = cell_text(value)
    try:
        level = int(float(given))
    except ValueError:
        level = 0
    if not 1 <= level <= 5:
        raise CellError(_("难度“%(d)s”应为1到5的整数") % {"d": given})
    return level


def register_columns() -> None:
    """The question columns of portal.columns' vocabulary (exams' AppConfig.ready())."""
    for column in (
        Column("题干", text("题干", max_length=STEM_MAX_LENGTH)),
        Column("解析", text("解析", max_length=EXPLANATION_MAX_LENGTH)),
        Column("难度", difficulty, empty=DEFAULT_DIFFICULTY),
        Column("知识点", text("知识点", max_length=KNOWLEDGE_POINTS_MAX_LENGTH)),
    ):
        register_column(column)


# what the 题型 column may say (each type class lists its names) and what an export writes
TYPE_NAMES = SHEET_NAMES


def type_names_help() -> str:
    return "、".join(str(t.label) for t in QuestionType)


KP_SPLIT = re.compile(r"[、,;，；]+")


def normalize_stem(stem: str) -> str:
    return re.sub(r"\s+", "", stem or "")


@dataclass
class ParsedQuestion:
    row: int
    type: str
    stem: str
    options: list[str]
    answer: str
    explanation: str
    difficulty: int
    knowledge_points: str


def parse_rows(upload) -> tuple[list[ParsedQuestion], list[RowError]]:
    parsed: list[ParsedQuestion] = []
    errors: list[RowError] = []
    for row in read_rows(upload, COLUMNS, required=REQUIRED):
        # the generic cells (题型/题干 filled, 题干/解析/知识点 lengths, 难度) by portal.columns
        values, problems = clean_row(row, COLUMNS, required=ROW_REQUIRED)
        type_text = values["题型"]
        qtype = TYPE_NAMES.get(type_text)
        if qtype is None and type_text:
            problems.append(
                _("未知题型“%(t)s”，应为 %(types)s") % {"t": type_text, "types": type_names_help()}
            )
        stem = row.text("题干")  # as given: a too long one is refused above, once
        # options: contiguous from A; a gap (B empty but C filled) is an error
        raw_options = [values[c] for c in OPTION_COLUMNS]
        while raw_options and not raw_options[-1]:
            raw_options.pop()
        if any(not o for o in raw_options):
            problems.append(_("选项中间有空缺（选项须从A起连续填写）"))
        options = [o for o in raw_options if o]
        answer = ""
        if qtype is not None:
            options, answer, row_problems = kind_of(qtype).parse_row(
                stem=stem, options=options, answer=values["答案"]
            )
            # the stem's own problem is listed once
            problems.extend(p for p in row_problems if p not in problems)
        kps = [k.strip() for k in KP_SPLIT.split(values["知识点"]) if k.strip()]
        if problems:
            errors.extend(RowError(row.number, p) for p in problems)
            continue
        parsed.append(
            ParsedQuestion(
                row=row.number,
                type=qtype,
                stem=stem,
                options=options,
                answer=answer,
                explanation=values["解析"],
                difficulty=values["难度"],
                knowledge_points="、".join(dict.fromkeys(kps)),
            )
        )
    return parsed, errors


def import_questions(*, bank: QuestionBank, upload, dry_run: bool = False) -> ImportReport:
    """Imports the questions of an .xlsx into `bank`. Bad rows → nothing saved, every one listed.
    A stem already in the bank (or twice in the file) is reported and skipped, never duplicated."""
    report = ImportReport(dry_run=dry_run)
    try:
        parsed, errors = parse_rows(upload)
    except SpreadsheetError as exc:
        report.errors.append(RowError(1, str(exc)))
        return report
    report.errors = errors
    if errors:
        return report
    existing = {normalize_stem(s) for s in bank.questions.values_list("stem", flat=True)}
    seen: dict[str, int] = {}
    new = []
    for q in parsed:
        key = normalize_stem(q.stem)
        if key in existing:
            report.skipped += 1
            report.notes.append(_("第%(row)s行：题干已在题库中，未重复导入") % {"row": q.row})
            continue
        if key in seen:
            report.skipped += 1
            report.notes.append(
                _("第%(row)s行：题干与第%(first)s行重复，未重复导入")
                % {"row": q.row, "first": seen[key]}
            )
            continue
        seen[key] = q.row
        new.append(
            Question(
                bank=bank,
                type=q.type,
                stem=q.stem,
                options=q.options,
                answer=q.answer,
                explanation=q.explanation,
                difficulty=q.difficulty,
                knowledge_points=q.knowledge_points,
            )
        )
    report.created = len(new)
    if not dry_run and new:
        with transaction.atomic():
            record_created(Question.objects.bulk_create(new))
    return report


def export_rows(questions) -> list[list]:
    rows = []
    for q in questions:
        options = list(q.options) + [""] * (8 - len(q.options))
        kind = kind_of(q.type)
        answer = kind.export_answer(q.answer)
        rows.append(
            [
                kind.sheet_names[0],
                q.stem,
                *options,
                answer,
                q.explanation,
                q.difficulty,
                q.knowledge_points,
            ]
        )
    return rows


def export_workbook(questions) -> bytes:
    return build_workbook(COLUMNS, export_rows(questions), title="试题")


def template_workbook() -> bytes:
    examples = [
        [
            "单选",
            "生产经营单位的主要负责人对本单位安全生产工作负有什么责任？",
            "全面责任",
            "部分责任",
            "领导责任",
            "监督责任",
            "",
            "",
            "",
            "",
            "A",
            "《安全生产法》第五条。",
            1,
            "法规",
        ],
        [
            "多选",
            "有限空间作业应当遵循哪些原则？",
            "先通风",
            "再检测",
            "后作业",
            "边作业边检测",
            "",
            "",
            "",
            "",
            "A、B、C",
            "先通风、再检测、后作业。",
            2,
            "有限空间",
        ],
        [
            "判断",
            "发现电气设备着火，应先切断电源再灭火。",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "对",
            "",
            1,
            "用电、消防",
        ],
        [
            "填空",
            "火灾报警电话是___，急救电话是___。",
            *[""] * 8,
            "119；120",
            "每个空用三个以上下划线或“（　）”标出；答案每空一组，用“；”分隔，同一空的多个答案用“|”分隔。",
            1,
            "消防",
        ],
    ]
    return build_workbook(COLUMNS, examples, title="试题")


def questions_importer(batch, user):
    """The question import's runner (portal.registry.ImportRunner): a bank the user may see, and
    the right to add questions."""
    from django.core.exceptions import PermissionDenied

    from exams.access import visible_banks

    bank = visible_banks(user).filter(pk=int(batch.params.get("bank") or 0)).first()
    if bank is None or not user.has_perm("exams.add_question"):
        raise PermissionDenied
    return partial(import_questions, bank=bank)
