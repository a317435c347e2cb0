"""The one column vocabulary of the spreadsheet imports.

Every column an import reads (姓名, 身份证号, 手机号, 人员类别, dates, 学时, 培训类型 …) is a `Column`
here, validated by one function, so the same fault gets the same Chinese message in every import.
An importer lists its columns and which are required (`clean_row`): a required column is refused
when empty with the same message everywhere ("姓名不能为空"); an optional one may stay empty.
Apps add their own columns (`register_column`, in AppConfig.ready()), e.g. courses' 培训类型.

People are matched by 身份证号 with `match_person`: a name given beside the number must be the
person's (an importer whose template marks 姓名 required refuses an empty one through clean_row).

tests/test_import_columns.py runs each column through every importer having it (the importers are
`portal.registry.spreadsheet_imports` entries that name their columns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import progress
from portal.validators import normalize_id_number, validate_id_number, validate_mobile
from portal.xlsx import Row, cell_text, parse_date


class CellError(ValueError):
    """A cell's value is wrong; the message (Chinese) says why, naming the column."""


@dataclass(frozen=True)
class Column:
    header: str
    # value of the cell (not empty) -> the cleaned value; raises CellError
    clean: Callable[[object], object]
    empty: object = ""


vocabulary: dict[str, Column] = {}


def register_column(column: Column) -> None:
    vocabulary[column.header] = column


def required_message(header: str) -> str:
    return _("%(column)s不能为空") % {"column": header}


# ---- the cleaners (each one message per fault)


def text(header: str, *, max_length: int) -> Callable[[object], str]:
    def clean(value: object) -> str:
        value = cell_text(value)
        if len(value) > max_length:
            raise CellError(
                _("%(column)s过长（最多%(n)s字）") % {"column": header, "n": max_length}
            )
        return value

    return clean


def id_number(value: object) -> str:
    number = normalize_id_number(cell_text(value))
    try:
        validate_id_number(number)
    except ValidationError as exc:
        raise CellError(exc.messages[0].rstrip("。")) from None
    return number


def mobile(value: object) -> str:
    number = cell_text(value)
    try:
        validate_mobile(number)
    except ValidationError as exc:
        raise CellError(exc.messages[0].rstrip("。")) from None
    return number


def a_date(header: str, *, not_after_today: bool = False) -> Callable[[object], date]:
    def clean(value: object) -> date:
        try:
            on = parse_date(value)
        except ValueError:
            on = None
        if on is None:
            raise CellError(
                _("%(column)s“%(value)s”无法识别，应为如 2024-03-01")
                % {"column": header, "value": cell_text(value)}
            )
        if not_after_today and on > timezone.localdate():
            raise CellError(_("%(column)s不能晚于今天") % {"column": header})
        return on

    return clean


def hours(value: object) -> Decimal:
    try:
        amount = Decimal(cell_text(value))
    except InvalidOperation:
        raise CellError(_("学时“%(value)s”不是数字") % {"value": cell_text(value)}) from None
    if not amount.is_finite() or amount <= 0 or amount > 1000:
        raise CellError(_("学时须为大于0且不超过1000的数字"))
    return amount


def choice(
    header: str, choices: Callable[[], Iterable[tuple[str, str]]], aliases: Mapping[str, str] = {}
) -> Callable[[object], str]:
    """A value from a list, given by its label (人员类别 “其他从业人员”) or its code. `choices` is
    called at each import (labels are translated, the list may come from the database)."""

    def clean(value: object) -> str:
        given = cell_text(value)
        pairs = list(choices())
        for code, label in pairs:
            if given in (str(label), code):
                return code
        if given in aliases:
            return aliases[given]
        raise CellError(
            _("%(column)s“%(value)s”无效，应为：%(choices)s")
            % {
                "column": header,
                "value": given,
                "choices": "、".join(str(label) for _code, label in pairs),
            }
        )

    return clean


def _person_categories():
    from portal.models import PersonCategory

    return PersonCategory.choices


for _column in (
    Column("姓名", text("姓名", max_length=50)),
    Column("身份证号", id_number),
    Column("手机号", mobile),
    Column("人员类别", choice("人员类别", _person_categories)),
    Column("岗位", text("岗位", max_length=50)),
    Column("入职日期", a_date("入职日期"), empty=None),
    Column("特种作业类别", text("特种作业类别", max_length=100)),
    Column("操作项目", text("操作项目", max_length=100)),
    Column("培训名称", text("培训名称", max_length=200)),
    Column("培训日期", a_date("培训日期", not_after_today=True), empty=None),
    Column("学时", hours, empty=None),
):
    register_column(_column)


# ---- rows


def clean_row(
    row: Row, columns: Sequence[str], *, required: Sequence[str]
) -> tuple[dict[str, object], list[str]]:
    """The row's values by column, cleaned by the vocabulary (a column not in it: its text), and
    the problems found (Chinese, one per bad cell, in the columns' order)."""
    progress.row_checked()
    values: dict[str, object] = {}
    problems: list[str] = []
    for header in columns:
        column = vocabulary.get(header)
        raw = row.values.get(header)
        if cell_text(raw) == "":
            if header in required:
                problems.append(required_message(header))
            values[header] = column.empty if column else ""
            continue
        if column is None:
            values[header] = cell_text(raw)
            continue
        try:
            values[header] = column.clean(raw)
        except CellError as exc:
            problems.append(str(exc))
            values[header] = column.empty
    return values, problems


def not_found_message(number: str) -> str:
    return _("找不到身份证号为 %(n)s 的人员（或无权查看）") % {"n": number or "—"}


def match_person(values: Mapping[str, object], people: Mapping[str, object]) -> tuple[object, str]:
    """The person of the row's 身份证号 among `people` (id number -> Person, those the importer
    may reach), and the problem: none found, or a 姓名 beside it that is not theirs. A row whose
    身份证号 was already refused by clean_row (empty) gives (None, "")."""
    number = values.get("身份证号") or ""
    if not number:
        return None, ""
    person = people.get(number)
    if person is None:
        return None, not_found_message(number)
    name = values.get("姓名") or ""
    if name and name != person.name:
        return None, _("姓名“%(given)s”与系统中的“%(real)s”不一致") % {
            "given": name,
            "real": person.name,
        }
    return person, ""
