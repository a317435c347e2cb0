from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from induction import services
from induction.models import Induction, Level, Reason

CONTENT = "安全生产法律法规\n本企业危险源"


def induction(
    person,
    *,
    starts_on: date,
    reason: str = Reason.NEW_HIRE,
    hours=(8, 8, 8),
    days_before=(10, 7, 4),
    instructor=None,
    ready: int = 3,
) -> Induction:
    """An induction with `ready` levels filled in (held `days_before` the start, or for a start
    still ahead on the last days, so that they can be signed), none signed."""
    induction = services.start_induction(person=person, reason=reason, starts_on=starts_on)
    today = timezone.localdate()
    for level in induction.levels.all():
        if level.level > ready:
            continue
        services.save_level(
            level=level,
            held_on=min(
                starts_on - timedelta(days=days_before[level.level - 1]),
                today - timedelta(days=4 - level.level),
            ),
            hours=Decimal(str(hours[level.level - 1])),
            content=CONTENT,
            instructor=instructor,
        )
    return induction


def sign_all(induction: Induction, *, trainee, instructor, levels=(1, 2, 3)) -> None:
    now = timezone.now()
    for level in induction.levels.filter(level__in=levels):
        services.sign(level=level, side=services.Side.TRAINEE, user=trainee, now=now)
        services.sign(level=level, side=services.Side.INSTRUCTOR, user=instructor, now=now)


def level_of(induction: Induction, value: int):
    return induction.levels.get(level=value)


__all__ = ["Level", "induction", "level_of", "sign_all"]
