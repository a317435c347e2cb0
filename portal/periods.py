"""A statistics period: the dates every figure is counted over, parsed from query parameters.

    Period(kind, start, end, label)                     start/end inclusive dates
    Period.of_year(year) -> Period
    Period.bounds -> (aware datetime at start, aware datetime the day after end)
    parse_period(params: Mapping, *, today: date) -> Period          (raises PeriodError)

The statistics functions of every app (`<app>/statistics.py`) take a `portal.scoping.Scope` and a
`Period`; the dashboard parses the period from the page's query string.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from portal.params import ParameterError, date_value, int_param


class PeriodError(ValueError):
    pass


PERIOD_MIN, PERIOD_MAX = date(2000, 1, 1), date(2100, 12, 31)  # as the years below


@dataclass(frozen=True)
class Period:
    kind: str  # "year" | "quarter" | "month" | "custom"
    start: date
    end: date
    label: str

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls("year", date(year, 1, 1), date(year, 12, 31), _g("%(y)s年") % {"y": year})

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        return cls(
            "custom",
            start,
            end,
            _g("%(start)s 至 %(end)s") % {"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"},
        )

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00) as aware datetimes in the site's time zone."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, datetime.min.time(), tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=tz),
        )

    @property
    def query(self) -> dict[str, str]:
        if self.kind == "custom":
            return {
                "period": "custom",
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        data = {"period": self.kind, "year": str(self.start.year)}
        if self.kind == "quarter":
            data["quarter"] = str((self.start.month - 1) // 3 + 1)
        if self.kind == "month":
            data["month"] = str(self.start.month)
        return data


def _int(params: Mapping, key: str, default: int, lo: int, hi: int, message) -> int:
    try:
        return int_param(params, key, default, min=lo, max=hi, message=str(message))
    except ParameterError as exc:
        raise PeriodError(exc.message) from None


def parse_period(params: Mapping, *, today: date) -> Period:
    """The period from query parameters: period=year|quarter|month|custom with year, quarter,
    month or start/end (YYYY-MM-DD). Defaults to the current year."""
    kind = (params.get("period") or "year").strip()
    year = _int(params, "year", today.year, 2000, 2100, _("年份须为 2000 至 2100 之间的整数。"))
    if kind == "year":
        return Period.of_year(year)
    if kind == "quarter":
        q = _int(params, "quarter", (today.month - 1) // 3 + 1, 1, 4, _("季度须为 1 至 4。"))
        start = date(year, 3 * q - 2, 1)
        end_month = 3 * q
        end = date(year, end_month, calendar.monthrange(year, end_month)[1])
        return Period("quarter", start, end, _g("%(y)s年第%(q)s季度") % {"y": year, "q": q})
    if kind == "month":
        m = _int(params, "month", today.month, 1, 12, _("月份须为 1 至 12。"))
        end = date(year, m, calendar.monthrange(year, m)[1])
        return Period("month", date(year, m, 1), end, _g("%(y)s年%(m)s月") % {"y": year, "m": m})
    if kind == "custom":
        message = _(
            "自定义期间须填写 2000-01-01 至 2100-12-31 之间的开始和结束日期（格式 2026-01-31）。"
        )
        try:
            start, end = (
                date_value(params.get(key) or "", name=key, min=PERIOD_MIN, max=PERIOD_MAX)
                for key in ("start", "end")
            )
        except ParameterError:
            raise PeriodError(message) from None
        if end < start:
            raise PeriodError(_("结束日期不能早于开始日期。"))
        if (end - start).days > 366 * 5:
            raise PeriodError(_("自定义期间不能超过五年。"))
        return Period.between(start, end)
    raise PeriodError(_("期间类型须为年、季度、月或自定义。"))


def common_choices(today: date) -> list[tuple[str, Period]]:
    """The periods most asked for, first in the period picker: this year, last year, this
    quarter, last quarter, this month, last month."""
    q = (today.month - 1) // 3 + 1
    last_q_year, last_q = (today.year, q - 1) if q > 1 else (today.year - 1, 4)
    last_m_year, last_m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return [
        (_g("今年"), Period.of_year(today.year)),
        (_g("去年"), Period.of_year(today.year - 1)),
        (
            _g("本季度"),
            parse_period({"period": "quarter", "year": today.year, "quarter": q}, today=today),
        ),
        (
            _g("上季度"),
            parse_period(
                {"period": "quarter", "year": last_q_year, "quarter": last_q}, today=today
            ),
        ),
        (
            _g("本月"),
            parse_period(
                {"period": "month", "year": today.year, "month": today.month}, today=today
            ),
        ),
        (
            _g("上月"),
            parse_period({"period": "month", "year": last_m_year, "month": last_m}, today=today),
        ),
    ]
