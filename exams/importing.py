"""Question import/export in the .xlsx format users exchange (题型, 题干, 选项A…H, 答案, 解析, 难度,
知识点). Every bad row is reported with its row number; nothing is saved when any row is bad."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from exams.models import LETTERS, Question, QuestionBank, QuestionType
from portal.importing import record_created
from portal.xlsx import ImportReport, RowError, SpreadsheetError, build_workbook, read_rows

OPTION_COLUMNS = [f"选项{c}" for c in LETTERS]
COLUMNS = ["题型", "题干", *OPTION_COLUMNS, "答案", "解析", "难度", "知识点"]
REQUIRED = ["题型", "题干", "选项A", "选项B", "答案"]

TYPE_NAMES = {
    "单选": QuestionType.SINGLE,
    "单选题": QuestionType.SINGLE,
    "单项选择": QuestionType.SINGLE,
    "单项选择题": QuestionType.SINGLE,
    "多选": QuestionType.MULTIPLE,
    "多选题": QuestionType.MULTIPLE,
    "多项选择": QuestionType.MULTIPLE,
    "多项选择题": QuestionType.MULTIPLE,
    "判断": QuestionType.JUDGE,
    "判断题": QuestionType.JUDGE,
}
TYPE_LABEL = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.JUDGE: "判断",
}
JUDGE_TRUE = {"对", "正确", "√", "✓", "✔", "A", "T", "TRUE", "是", "Y"}
JUDGE_FALSE = {"错", "错误", "×", "✗", "✘", "X", "B", "F", "FALSE", "否", "N"}
JUDGE_OPTIONS = ["正确", "错误"]
KP_SPLIT = re.compile(r"[、,;，；]+")
ANSWER_SEPARATORS = re.compile(r"[\s,、;，；/]+")


def normalize_stem(stem: str) -> str:
    return re.sub(r"\s+", "", stem or "")


def parse_answer(qtype: str, raw: str, option_count: int) -> tuple[str, str | None]:
    """Returns (letters, error). Letters are sorted, e.g. "ACD"; error is a Chinese message."""
    text = (raw or "").strip().upper()
    if not text:
        return "", _("答案为空")
    if qtype == QuestionType.JUDGE:
        if text in JUDGE_TRUE:
            return "A", None
        if text in JUDGE_FALSE:
            return "B", None
        return "", _("判断题答案“%(a)s”无法识别，应为 对/错、正确/错误、√/× 或 A/B") % {"a": raw}
    letters = ANSWER_SEPARATORS.sub("", text)
    if not letters or any(c not in LETTERS for c in letters):
        return "", _("答案“%(a)s”应为选项字母（A–H）") % {"a": raw}
    if len(set(letters)) != len(letters):
        return "", _("答案“%(a)s”中有重复的字母") % {"a": raw}
    missing = [c for c in letters if LETTERS.index(c) >= option_count]
    if missing:
        return "", _("答案中的%(l)s没有对应的选项") % {"l": "、".join(missing)}
    if qtype == QuestionType.SINGLE and len(letters) != 1:
        return "", _("单选题只能有一个答案，却填了“%(a)s”") % {"a": raw}
    if qtype == QuestionType.MULTIPLE and len(letters) < 2:
        return "", _("多选题至少要有两个正确答案")
    return "".join(sorted(letters)), None


def validate_question_fields(*, qtype: str, stem: str, options: list, answer: str) -> list[str]:
    """Problems of a question as the admin form or the import sees it (Chinese messages)."""
    problems = []
    if qtype not in QuestionType.values:
        problems.append(_("题型应为 单选、多选 或 判断"))
        return problems
    if not (stem or "").strip():
        problems.append(_("题干为空"))
    if not isinstance(options, list) or any(not str(o).strip() for o in options):
        problems.append(_("选项不能为空"))
        return problems
    if not 2 <= len(options) <= 8:
        problems.append(_("选项应为2到8个，实际%(n)s个") % {"n": len(options)})
    if qtype == QuestionType.JUDGE and len(options) != 2:
        problems.append(_("判断题应恰好有两个选项"))
    _letters, error = parse_answer(qtype, answer, len(options))
    if error:
        problems.append(error)
    return problems


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
        problems: list[str] = []
        type_text = row.text("题型")
        qtype = TYPE_NAMES.get(type_text)
        if qtype is None:
            problems.append(_("未知题型“%(t)s”，应为 单选、多选 或 判断") % {"t": type_text})
        stem = row.text("题干")
        if not stem:
            problems.append(_("题干为空"))
        # options: contiguous from A; a gap (B empty but C filled) is an error
        raw_options = [row.text(c) for c in OPTION_COLUMNS]
        while raw_options and not raw_options[-1]:
            raw_options.pop()
        if any(not o for o in raw_options):
            problems.append(_("选项中间有空缺（选项须从A起连续填写）"))
        options = [o for o in raw_options if o]
        if qtype == QuestionType.JUDGE and not options:
            options = list(JUDGE_OPTIONS)
        answer = ""
        if qtype is not None:
            if len(options) < 2:
                problems.append(_("至少需要两个选项"))
            elif qtype == QuestionType.JUDGE and len(options) != 2:
                problems.append(_("判断题应恰好有两个选项"))
            else:
                answer, error = parse_answer(qtype, row.text("答案"), len(options))
                if error:
                    problems.append(error)
        difficulty_text = row.text("难度") or "3"
        try:
            difficulty = int(float(difficulty_text))
            if not 1 <= difficulty <= 5:
                raise ValueError
        except ValueError:
            difficulty = 3
            problems.append(_("难度“%(d)s”应为1到5的整数") % {"d": difficulty_text})
        kps = [k.strip() for k in KP_SPLIT.split(row.text("知识点")) if k.strip()]
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
                explanation=row.text("解析"),
                difficulty=difficulty,
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
        answer = q.answer
        if q.type == QuestionType.JUDGE:
            answer = "对" if q.answer == "A" else "错"
        rows.append(
            [
                TYPE_LABEL[q.type],
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
    ]
    return build_workbook(COLUMNS, examples, title="试题")
