"""Numbers and dates read from a request, bounded at the edge.

Every view that reads a number or a date from a query string, a form or a JSON body goes through
these parsers instead of `int()` / `date.fromisoformat()`, so a value that is not one, or is out of
range (a year 9999 whose next month does not exist, a `seq` past the database's integer), is the
client's error and never a 500:

    year = int_param(request.GET, "year", default=today.year, min=YEAR_MIN, max=YEAR_MAX)
    first = month_param(request.GET, default=today)      # ?y=2026&m=6 -> date(2026, 6, 1)
    day = date_param(request.GET, "d", default=today)    # ?d=2026-06-30
    seq = int_value(data.get("seq"), name="seq", min=0, max=SEQ_MAX)

They raise ParameterError (a Django BadRequest), which the site renders as a 400 page with its
Chinese message (portal.views.bad_request: JSON for the API and JSON requests); a view that shows
its own error (a form, a JSON answer) catches it. The API's schemas use the same bounds through the
annotated types at the end (`Seq`, `Day`): out of range is a 422 there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _
from ninja import Field

# Years and dates a request may ask about: wide enough for any record, narrow enough that a month
# or a week around them (calendars, periods, comparisons with last year) stays a valid date.
YEAR_MIN, YEAR_MAX = 1900, 2100
DATE_MIN, DATE_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)
# Database ids (BigAutoField) and the exam page's client sequence number (Date.now() in
# milliseconds, kept below JavaScript's largest exact integer, well inside a BigIntegerField).
ID_MAX = 2**63 - 1
SEQ_MAX = 2**53 - 1

_INTEGER = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only; more than 19 is out of any range
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ParameterError(BadRequest):
    """A parameter that is not a number / date, or is out of range. Rendered as a 400 with
    `message` (Chinese, translated)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _int_message(name: str, lo: int, hi: int) -> str:
    return _("参数“%(name)s”须为 %(min)s 至 %(max)s 之间的整数。") % {
        "name": name,
        "min": lo,
        "max": hi,
    }


def int_value(raw: Any, *, name: str, min: int, max: int, message: str | None = None) -> int:
    """`raw` (a string of ASCII digits, or an int from JSON; never a bool or a float) as an int
    in [min, max]."""
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        value = int(raw.strip())
    if value is None or not min <= value <= max:
        raise ParameterError(message or _int_message(name, min, max))
    return value


def int_param(
    params: Mapping,
    key: str,
    default: int | None = None,
    *,
    min: int,
    max: int,
    message: str | None = None,
) -> int | None:
    """The integer `params[key]` in [min, max]; `default` when it is missing or empty."""
    raw = params.get(key)
    if raw is None or not str(raw).strip():
        return default
    return int_value(raw, name=key, min=min, max=max, message=message)


def date_value(
    raw: Any,
    *,
    name: str,
    min: date = DATE_MIN,
    max: date = DATE_MAX,
    message: str | None = None,
) -> date:
    """`raw` (YYYY-MM-DD) as a date in [min, max]."""
    value: date | None = None
    if isinstance(raw, str) and _DATE.fullmatch(raw.strip()):
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError:
            value = None
    if value is None or not min <= value <= max:
        raise ParameterError(
            message
            or _("参数“%(name)s”须为 %(min)s 至 %(max)s 之间的日期（格式 2026-01-31）。")
            % {"name": name, "min": min.isoformat(), "max": max.isoformat()}
        )
    return value


def date_param(
    params: Mapping,
    key: str,
    default: date | None = None,
    *,
    min: date = DATE_MIN,
    max: date = DATE_MAX,
    message: str | None = None,
) -> date | None:
    """The date `params[key]` (YYYY-MM-DD) in [min, max]; `default` when missing or empty."""
    raw = params.get(key)
    if raw is None or not str(raw).strip():
        return default
    return date_value(raw, name=key, min=min, max=max, message=message)


def month_param(
    params: Mapping, *, default: date, year_key: str = "y", month_key: str = "m"
) -> date:
    """The first day of the month `?y=2026&m=6`; either missing takes `default`'s."""
    year = int_param(params, year_key, default.year, min=YEAR_MIN, max=YEAR_MAX)
    month = int_param(params, month_key, default.month, min=1, max=12)
    return date(year, month, 1)


# ---- the same bounds for the API's schemas (django-ninja / pydantic): out of range is a 422

Seq = Annotated[int, Field(ge=0, le=SEQ_MAX)]
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
# JSON Schema has no bounds for a date: the pattern tells clients (and schemathesis) the years.
Day = Annotated[
    date,
    Field(
        ge=DATE_MIN,
        le=DATE_MAX,
        json_schema_extra={"pattern": r"^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"},
    ),
]
