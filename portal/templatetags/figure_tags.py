"""`{{ value|thousands }}`: a figure with thousands separators (12,345; 1,234.5), "—" for None.

The one number format of figures on pages (the dashboard, the compliance pages); the .xlsx exports
use portal.xlsx's number formats, the annual report `portal.figures`' same rules."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


def thousands_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        try:
            number = Decimal(value.replace(",", ""))  # "1500.00" (money and hours in JSON)
        except ArithmeticError:
            return value
        if not number.is_finite():
            return value
        value = number
        places = max(0, -value.as_tuple().exponent)
        return f"{value:,.{places}f}"
    if isinstance(value, float | Decimal):
        number = Decimal(str(value)).normalize()
        if number == number.to_integral():
            return f"{int(number):,}"
        places = max(0, -number.as_tuple().exponent)
        return f"{number:,.{places}f}"
    return str(value)


@register.filter
def thousands(value) -> str:
    return thousands_text(value)


def money_text(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)):,.2f}"


@register.filter
def money(value) -> str:
    """元 with two places and thousands separators: 12,345.00."""
    return money_text(value)
