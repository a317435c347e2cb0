"""Question types as classes: everything that differs between 单选, 多选, 判断 and 填空 lives here,
one class per type, and every other module asks the type of a question (`kind_of(qtype)`).

A type class answers for its questions:
- the question itself: `clean_question` (admin form, model.clean, import) returns the options and
  the canonical answer, or Chinese problems; `parse_row` reads a spreadsheet row's 题干/选项/答案;
  `export_answer` writes the answer back to the sheet;
- an attempt: `option_order` (the options as shown, shuffled or not), `clean_response` (a submitted
  answer → the stored text, or `InvalidResponse` with a Chinese message), `load_response` (stored →
  the list the page and the API carry), `grade` (is_correct, score, with partial credit);
- rendering: `public` (the fields the answering page and the API add for the question),
  `review` (the fields of a finished attempt's review, as far as exams.disclosure allows),
  `answer_text` (the correct answer as shown to the person); the template partials
  `exams/question_types/<type>.html` (answering) and `<type>_review.html` (result page); the JS
  behaviour `js_handler`, a key of the handler table in static/js/exam.js;
- item statistics: `stats_start` / `stats_add` / `stats_rows` (counts per option, per blank).

Stored forms: a choice question's answer and response are sorted option letters ("ACD"); a 填空
question's answer is the groups of accepted answers ("6|六;3|三") and its response the JSON list of
what was typed in each blank (empty text when nothing was typed).

Adding a type: one class here (registered in TYPES, with a `QuestionType` choice), one template
pair under templates/exams/question_types/, one test file tests/exams/test_question_type_<x>.py.

This module imports nothing of exams.models (models imports it), so there is no import cycle.
"""

from __future__ import annotations

import json
import random
import re
import string
import unicodedata
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.columns import required_message

LETTERS = string.ascii_uppercase[:8]  # A..H


class QuestionType(models.TextChoices):
    SINGLE = "single", gettext_lazy("单选")
    MULTIPLE = "multiple", gettext_lazy("多选")
    JUDGE = "judge", gettext_lazy("判断")
    FILL_BLANK = "fill_blank", gettext_lazy("填空")


class InvalidResponse(ValueError):
    """A submitted answer this question cannot take; the message is for the person (Chinese)."""


class QuestionKind:
    """The behaviour common to every type; subclasses set `value` and override what differs."""

    value: str = ""
    sheet_names: tuple[str, ...] = ()  # what the 题型 column may say; the first is written back
    js_handler = "choice"
    uses_options = True

    @property
    def label(self) -> str:
        return str(QuestionType(self.value).label)

    @property
    def template(self) -> str:
        return f"exams/question_types/{self.value}.html"

    @property
    def review_template(self) -> str:
        return f"exams/question_types/{self.value}_review.html"

    # ------------------------------------------------------------ the question

    def clean_question(
        self, *, stem: str, options: list, answer: str
    ) -> tuple[list, str, list[str]]:
        raise NotImplementedError

    def parse_row(self, *, stem: str, options: list[str], answer: str):
        """A spreadsheet row (options already read contiguously from 选项A) → (options, answer,
        problems)."""
        return self.clean_question(stem=stem, options=options, answer=answer)

    def export_answer(self, answer: str) -> str:
        return answer

    # ------------------------------------------------------------ an attempt

    def option_order(self, options: list, rng: random.Random, shuffle: bool) -> list[str]:
        return []

    def clean_response(self, snapshot: dict, response: list) -> str:
        """The submitted answer as stored (InvalidResponse when it cannot be): the response
        checked against the question's shape (`slots`)."""
        return self.clean_slots(self.slots(snapshot), response)

    def slots(self, snapshot: dict) -> int:
        """All a response's check needs of the question (its options, or its blanks): a number,
        so the autosave can keep it per item (exams.engine.quick_save)."""
        return self.count_slots(len(snapshot.get("options") or ()), snapshot.get("answer") or "")

    def count_slots(self, options: int, answer: str) -> int:
        """`slots` from the snapshot's number of options and its answer, all it may read (the
        autosave reads only those of an attempt's items: exams.engine._read_shapes)."""
        raise NotImplementedError

    def clean_slots(self, slots: int, response: list) -> str:
        raise NotImplementedError

    def load_response(self, stored: str) -> list[str]:
        raise NotImplementedError

    def grade(self, *, answer: str, stored: str, points, multi: str) -> tuple[bool, Decimal]:
        raise NotImplementedError

    def answer_text(self, snapshot: dict, option_order: list[str]) -> str:
        raise NotImplementedError

    def response_text(self, snapshot: dict, option_order: list[str], stored: str) -> str:
        raise NotImplementedError

    def public(self, snapshot: dict, option_order: list[str], stored: str) -> dict:
        raise NotImplementedError

    def review(self, snapshot: dict, option_order: list[str], stored: str, *, answer: bool) -> dict:
        raise NotImplementedError

    def feedback_answer(self, snapshot: dict, option_order: list[str]) -> list[str]:
        raise NotImplementedError

    def example_response(self, snapshot: dict, *, right: bool, rng: random.Random) -> list[str]:
        """A response that is right (or wrong): demo data and tests."""
        raise NotImplementedError

    # ------------------------------------------------------------ item statistics

    def stats_start(self, snapshot: dict) -> dict:
        raise NotImplementedError

    def stats_add(self, counts: dict, stored: str, snapshot: dict) -> None:
        raise NotImplementedError

    def stats_rows(self, counts: dict, snapshot: dict) -> list[dict]:
        raise NotImplementedError


# ---------------------------------------------------------------- choice questions

ANSWER_SEPARATORS = re.compile(r"[\s,、;，；/]+")


class ChoiceKind(QuestionKind):
    """Options A–H; the answer and a response are sets of option letters."""

    min_options, max_options = 2, 8
    shuffles = True

    def parse_answer(self, raw: str, option_count: int) -> tuple[str, str | None]:
        """(sorted letters, None) or ("", Chinese error)."""
        text = (raw or "").strip().upper()
        if not text:
            return "", _("答案为空")
        letters = ANSWER_SEPARATORS.sub("", text)
        if not letters or any(c not in LETTERS for c in letters):
            return "", _("答案“%(a)s”应为选项字母（A–H）") % {"a": raw}
        if len(set(letters)) != len(letters):
            return "", _("答案“%(a)s”中有重复的字母") % {"a": raw}
        missing = [c for c in letters if LETTERS.index(c) >= option_count]
        if missing:
            return "", _("答案中的%(l)s没有对应的选项") % {"l": "、".join(missing)}
        return self.check_count(letters, raw)

    def check_count(self, letters: str, raw: str) -> tuple[str, str | None]:
        return "".join(sorted(letters)), None

    def default_options(self) -> list[str]:
        return []

    def clean_question(self, *, stem, options, answer):
        problems = []
        if not (stem or "").strip():
            problems.append(required_message("题干"))
        if not isinstance(options, list) or any(not str(o).strip() for o in options):
            problems.append(_("选项不能为空"))
            return options, "", problems
        if not options:
            options = self.default_options()
        if not self.min_options <= len(options) <= self.max_options:
            problems.append(self.option_count_problem(len(options)))
            return options, "", problems
        letters, error = self.parse_answer(answer, len(options))
        if error:
            problems.append(error)
        return options, letters, problems

    def option_count_problem(self, n: int) -> str:
        if n < 2:
            return _("至少需要两个选项")
        return _("选项应为2到8个，实际%(n)s个") % {"n": n}

    def option_order(self, options, rng, shuffle):
        letters = list(LETTERS[: len(options)])
        if shuffle and self.shuffles:
            rng.shuffle(letters)
        return letters

    def count_slots(self, options, answer):
        return options

    def clean_slots(self, slots, response):
        letters = sorted({str(r).strip().upper() for r in response if str(r).strip()})
        allowed = set(LETTERS[:slots])
        if any(c not in allowed for c in letters):
            raise InvalidResponse(_("答案中有不存在的选项。"))
        if self.value != QuestionType.MULTIPLE and len(letters) > 1:
            raise InvalidResponse(_("该题只能选择一个选项。"))
        return "".join(letters)

    def load_response(self, stored):
        return list(stored or "")

    def grade(self, *, answer, stored, points, multi):
        given, right = set(stored or ""), set(answer)
        if given == right:
            return True, Decimal(points)
        return False, Decimal(0)

    @staticmethod
    def _labels(option_order, snapshot=None) -> dict[str, str]:
        """Stored letter → the letter the person saw (no order: as stored)."""
        if not option_order and snapshot is not None:
            option_order = LETTERS[: len(snapshot["options"])]
        return {letter: LETTERS[i] for i, letter in enumerate(option_order)}

    def feedback_answer(self, snapshot, option_order):
        labels = self._labels(option_order, snapshot)
        return sorted(labels[c] for c in snapshot["answer"] if c in labels)  # as shown: ABCD

    def answer_text(self, snapshot, option_order):
        return "".join(self.feedback_answer(snapshot, option_order))

    def response_text(self, snapshot, option_order, stored):
        labels = self._labels(option_order)
        return "".join(sorted(labels[c] for c in stored or "" if c in labels))

    def public(self, snapshot, option_order, stored):
        return {
            "options": [
                {
                    "key": letter,
                    "label": LETTERS[i],
                    "text": snapshot["options"][LETTERS.index(letter)],
                }
                for i, letter in enumerate(option_order)
            ],
            "response": self.load_response(stored),
            "blanks": 0,
        }

    def review(self, snapshot, option_order, stored, *, answer):
        labels = self._labels(option_order)
        right = snapshot["answer"] if answer else ""
        row = {
            "options": [
                {
                    "label": LETTERS[i],
                    "text": snapshot["options"][LETTERS.index(letter)],
                    "chosen": letter in (stored or ""),
                    "right": letter in right,
                }
                for i, letter in enumerate(option_order)
            ],
            "response": sorted(labels[c] for c in stored or "" if c in labels),  # ABCD, never DCAB
            "response_text": self.response_text(snapshot, option_order, stored),
        }
        if answer:
            row["answer"] = sorted(labels[c] for c in right if c in labels)
            row["answer_text"] = "".join(row["answer"])
        return row

    def example_response(self, snapshot, *, right, rng):
        answer = snapshot["answer"]
        if right:
            return list(answer)
        wrong = [c for c in LETTERS[: len(snapshot["options"])] if c not in answer]
        return [rng.choice(wrong)] if wrong else []

    def stats_start(self, snapshot):
        return dict.fromkeys(LETTERS[: len(snapshot["options"])], 0)

    def stats_add(self, counts, stored, snapshot):
        for c in stored or "":
            if c in counts:
                counts[c] += 1

    def stats_rows(self, counts, snapshot):
        return [
            {"letter": c, "label": c, "count": v, "right": c in snapshot["answer"]}
            for c, v in counts.items()
        ]


class SingleChoice(ChoiceKind):
    value = QuestionType.SINGLE
    sheet_names = ("单选", "单选题", "单项选择", "单项选择题")

    def check_count(self, letters, raw):
        if len(letters) != 1:
            return "", _("单选题只能有一个答案，却填了“%(a)s”") % {"a": raw}
        return letters, None


class MultipleChoice(ChoiceKind):
    value = QuestionType.MULTIPLE
    sheet_names = ("多选", "多选题", "多项选择", "多项选择题")

    def check_count(self, letters, raw):
        if len(letters) < 2:
            return "", _("多选题至少要有两个正确答案")
        return "".join(sorted(letters)), None

    def grade(self, *, answer, stored, points, multi):
        """Partial (Paper.MultiScoring.PARTIAL): a correct subset with no wrong option earns
        points × k/n."""
        given, right = set(stored or ""), set(answer)
        if given == right:
            return True, Decimal(points)
        if multi == "partial" and given and given < right:
            return False, (Decimal(points) * len(given) / len(right)).quantize(Decimal("0.1"))
        return False, Decimal(0)


JUDGE_TRUE = {"对", "正确", "√", "✓", "✔", "A", "T", "TRUE", "是", "Y"}
JUDGE_FALSE = {"错", "错误", "×", "✗", "✘", "X", "B", "F", "FALSE", "否", "N"}
JUDGE_OPTIONS = ["正确", "错误"]


class TrueFalse(ChoiceKind):
    value = QuestionType.JUDGE
    sheet_names = ("判断", "判断题")
    shuffles = False  # 正确 stays A, 错误 B
    max_options = 2

    def default_options(self):
        return list(JUDGE_OPTIONS)

    def option_count_problem(self, n):
        if n < 2:
            return _("至少需要两个选项")
        return _("判断题应恰好有两个选项")

    def parse_answer(self, raw, option_count):
        text = (raw or "").strip().upper()
        if not text:
            return "", _("答案为空")
        if text in JUDGE_TRUE:
            return "A", None
        if text in JUDGE_FALSE:
            return "B", None
        return "", _("判断题答案“%(a)s”无法识别，应为 对/错、正确/错误、√/× 或 A/B") % {"a": raw}

    def export_answer(self, answer):
        return "对" if answer == "A" else "错"


# ---------------------------------------------------------------- 填空 (fill in the blanks)

# A blank in the stem: three or more underscores, or full-width brackets holding only spaces.
BLANK = re.compile(r"_{3,}|（[\s\u3000]*）")
GROUP_SEPARATORS = re.compile(r"[；;]")
MAX_BLANKS = 10
MAX_BLANK_LENGTH = 100


def normalize_blank(text: str) -> str:
    """What two blanks must share to be the same answer: full-width and half-width characters
    alike (NFKC), no spaces of any width, case folded."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).casefold()


def split_stem(stem: str) -> list[str]:
    """The stem's text around its blanks: n blanks → n + 1 pieces."""
    return BLANK.split(stem or "")


def count_blanks(stem: str) -> int:
    return len(BLANK.findall(stem or ""))


class FillBlank(QuestionKind):
    value = QuestionType.FILL_BLANK
    sheet_names = ("填空", "填空题")
    js_handler = "fill_blank"
    uses_options = False

    @staticmethod
    def groups(answer: str) -> list[list[str]]:
        """The canonical answer ("6|六;3|三") → the accepted answers of each blank."""
        return [g.split("|") for g in answer.split(";")] if answer else []

    def parse_answer(self, raw: str, blanks: int) -> tuple[str, list[str]]:
        """The 答案 text → (canonical answer, problems): one group per blank separated by ；or ;,
        alternatives within a group by |."""
        text = (raw or "").strip()
        if not text:
            return "", [_("答案为空")]
        groups = [[a.strip() for a in g.split("|")] for g in GROUP_SEPARATORS.split(text)]
        problems = []
        empty = [str(i) for i, g in enumerate(groups, start=1) if not any(g)]
        if empty:
            problems.append(_("答案的第%(n)s组为空") % {"n": "、".join(empty)})
        if blanks and len(groups) != blanks:
            problems.append(
                _("题干有%(blanks)s个空，答案却有%(groups)s组（每空一组，用“；”分隔）")
                % {"blanks": blanks, "groups": len(groups)}
            )
        too_long = any(len(a) > MAX_BLANK_LENGTH for g in groups for a in g)
        if too_long:
            problems.append(_("每个答案不能超过%(n)s个字") % {"n": MAX_BLANK_LENGTH})
        if problems:
            return "", problems
        canonical = ";".join("|".join(dict.fromkeys(a for a in g if a)) for g in groups)
        return canonical, []

    def clean_question(self, *, stem, options, answer):
        problems = []
        if not (stem or "").strip():
            problems.append(required_message("题干"))
        if isinstance(options, list) and any(str(o).strip() for o in options):
            problems.append(_("填空题不设选项，请清空选项"))
        blanks = count_blanks(stem)
        if (stem or "").strip() and not blanks:
            problems.append(_("填空题的题干中没有空（用“___”或“（　）”标出每个空）"))
        elif blanks > MAX_BLANKS:
            problems.append(_("填空题最多%(n)s个空") % {"n": MAX_BLANKS})
        canonical, answer_problems = self.parse_answer(answer, blanks)
        problems.extend(answer_problems)
        return [], canonical, problems

    def export_answer(self, answer):
        return "；".join("|".join(g) for g in self.groups(answer))

    def count_slots(self, options, answer):
        return len(self.groups(answer))

    def clean_slots(self, slots, response):
        blanks = slots
        values = ["" if r is None else str(r) for r in response]
        if len(values) > blanks:
            raise InvalidResponse(_("答案的空数与题目不符。"))
        if any(len(v) > MAX_BLANK_LENGTH for v in values):
            raise InvalidResponse(_("每空最多%(n)s个字。") % {"n": MAX_BLANK_LENGTH})
        values = [v.strip() for v in values] + [""] * (blanks - len(values))
        if not any(values):
            return ""
        return json.dumps(values, ensure_ascii=False)

    def load_response(self, stored):
        if not stored:
            return []
        try:
            values = json.loads(stored)
        except ValueError:
            return []
        return [str(v) for v in values] if isinstance(values, list) else []

    def blank_results(self, answer: str, stored: str) -> list[bool]:
        given = self.load_response(stored)
        results = []
        for i, group in enumerate(self.groups(answer)):
            typed = normalize_blank(given[i]) if i < len(given) else ""
            results.append(bool(typed) and typed in {normalize_blank(a) for a in group})
        return results

    def grade(self, *, answer, stored, points, multi):
        """Each blank right earns its share of the points; all right is correct."""
        results = self.blank_results(answer, stored)
        if results and all(results):
            return True, Decimal(points)
        right = sum(results)
        if not right:
            return False, Decimal(0)
        return False, (Decimal(points) * right / len(results)).quantize(Decimal("0.1"))

    def feedback_answer(self, snapshot, option_order):
        return [" / ".join(g) for g in self.groups(snapshot["answer"])]

    def answer_text(self, snapshot, option_order):
        return "；".join(self.feedback_answer(snapshot, option_order))

    def response_text(self, snapshot, option_order, stored):
        return "；".join(v or "—" for v in self.load_response(stored))

    def _parts(self, snapshot: dict, values: list[str]) -> list[dict]:
        pieces = split_stem(snapshot["stem"])
        parts = []
        for i, text in enumerate(pieces):
            blank = None
            if i < len(pieces) - 1:
                blank = {"number": i + 1, "value": values[i] if i < len(values) else ""}
            parts.append({"text": text, "blank": blank})
        return parts

    def public(self, snapshot, option_order, stored):
        values = self.load_response(stored)
        return {
            "options": [],
            "response": values,
            "blanks": len(self.groups(snapshot["answer"])),
            "parts": self._parts(snapshot, values),
        }

    def review(self, snapshot, option_order, stored, *, answer):
        values = self.load_response(stored)
        row = {
            "options": [],
            "response": values,
            "response_text": self.response_text(snapshot, option_order, stored),
            "parts": self._parts(snapshot, values),
        }
        if answer:
            results = self.blank_results(snapshot["answer"], stored)
            for part, ok in zip(row["parts"], results, strict=False):
                part["blank"]["right"] = ok
            for part, group in zip(row["parts"], self.groups(snapshot["answer"]), strict=False):
                part["blank"]["accepted"] = " / ".join(group)
            row["answer"] = self.feedback_answer(snapshot, option_order)
            row["answer_text"] = self.answer_text(snapshot, option_order)
        return row

    def example_response(self, snapshot, *, right, rng):
        groups = self.groups(snapshot["answer"])
        if right:
            return [rng.choice(g) for g in groups]
        return [rng.choice(g) for g in groups[:-1]] + ["?"]

    def stats_start(self, snapshot):
        return {"blanks": [0] * len(self.groups(snapshot["answer"]))}

    def stats_add(self, counts, stored, snapshot):
        for i, ok in enumerate(self.blank_results(snapshot["answer"], stored)):
            if ok and i < len(counts["blanks"]):
                counts["blanks"][i] += 1

    def stats_rows(self, counts, snapshot):
        """One row per blank: how many filled it right."""
        return [
            {
                "letter": _("第%(n)s空") % {"n": i},
                "label": _("第%(n)s空答对") % {"n": i},
                "count": v,
                "right": True,
            }
            for i, v in enumerate(counts["blanks"], start=1)
        ]


TYPES: dict[str, QuestionKind] = {
    kind.value: kind for kind in (SingleChoice(), MultipleChoice(), TrueFalse(), FillBlank())
}
# what the 题型 column of a spreadsheet may say → the type
SHEET_NAMES: dict[str, str] = {
    name: kind.value for kind in TYPES.values() for name in kind.sheet_names
}


def kind_of(qtype: str) -> QuestionKind:
    """The class of a question type (KeyError for an unknown one)."""
    return TYPES[qtype]
