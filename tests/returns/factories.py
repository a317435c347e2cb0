"""Builders for returns tests."""

from __future__ import annotations

from datetime import date

from returns.items import STANDARD_ANNUAL
from returns.models import ReturnForm


def make_form(region, *, name: str = "2026年度安全培训与应急演练统计表", **fields) -> ReturnForm:
    values = {
        "region": region,
        "period_kind": "year",
        "year": 2026,
        "number": 1,
        "due_on": date(2027, 1, 31),
        "items": list(STANDARD_ANNUAL),
        "is_open": True,
        "counts_in_figures": True,
    }
    values.update(fields)
    streets = values.pop("streets", None)
    form = ReturnForm.objects.create(name=name, **values)
    if streets:
        form.streets.set(streets)
    return form
