"""三级安全教育 services: the minimum hours (from the training-hour rule table), who may sign which
side of a level, signing (which writes the level's training record once), saving the manager's
edits (a signed level is locked; a change to a half-signed one voids its signature).

    required_hours(enterprise, table=None) -> Decimal | None
    start_induction(*, person, reason, starts_on, user, **fields) -> Induction
    save_level(*, level, held_on, hours, content, instructor) -> bool      (True if changed)
    instructor_candidates(enterprise) -> QuerySet[User]
    may_sign(user, level) -> set[Side]
    sign(*, level, side, user, now) -> InductionLevel                       (raises SignError)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import SourceKind, TrainingKind, TrainingRequirement
from courses.records import record_training
from induction.models import Induction, InductionLevel, Level, Reason
from portal.models import Enterprise, Person, PersonCategory
from portal.roles import MANAGER

User = get_user_model()

# The rule table's row for 新上岗 三级安全教育 (training_hours.csv: 其他从业人员, 第十三条).
RULE_CATEGORY = PersonCategory.OTHER

RECORD_KIND = {
    Level.COMPANY: TrainingKind.LEVEL_PLANT,
    Level.WORKSHOP: TrainingKind.LEVEL_WORKSHOP,
    Level.TEAM: TrainingKind.LEVEL_TEAM,
}


def required_table() -> dict[bool, Decimal | None]:
    """{high_risk: initial hours} of the rule table's 三级教育 rows. One query."""
    return {
        r.high_risk: r.initial_hours
        for r in TrainingRequirement.objects.filter(category=RULE_CATEGORY)
    }


def required_hours(enterprise: Enterprise, table: dict | None = None) -> Decimal | None:
    """The minimum total of the three levels for a person of `enterprise`: 72 h where the
    enterprise is in the training high-risk set (Enterprise.is_training_high_risk, from
    portal.HighRiskIndustry.training_high_risk), 24 h otherwise, as the rule table says today."""
    if table is None:
        table = required_table()
    return table.get(bool(enterprise.is_training_high_risk))


# ---------------------------------------------------------------------------- editing


@transaction.atomic
def start_induction(*, person: Person, reason: str, starts_on, user=None, **fields) -> Induction:
    induction = Induction.objects.create(
        person=person, reason=reason, starts_on=starts_on, created_by=user, **fields
    )
    InductionLevel.objects.bulk_create(
        [InductionLevel(induction=induction, level=value) for value in Level.values]
    )
    return induction


SUBSTANCE = ("held_on", "hours", "content", "instructor_id")


def save_level(*, level: InductionLevel, held_on, hours, content: str, instructor) -> bool:
    """The manager's edit of one level. A level signed by both is locked (nothing changes); a
    change to a level signed by one side voids that signature (the content signed is gone)."""
    if level.is_signed:
        return False
    new = {
        "held_on": held_on,
        "hours": hours,
        "content": content.strip(),
        "instructor_id": instructor.pk if instructor else None,
    }
    if all(getattr(level, k) == v for k, v in new.items()):
        return False
    for k, v in new.items():
        setattr(level, k, v)
    level.trainee_signed_at = level.trainee_signed_by = None
    level.instructor_signed_at = level.instructor_signed_by = None
    level.save()
    return True


def instructor_candidates(enterprise: Enterprise) -> QuerySet:
    """Who may be named instructor: the enterprise's people with a login (e.g. 班组长) and its
    managers."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(person__enterprise=enterprise) | Q(enterprise=enterprise, groups__name=MANAGER))
        .distinct()
        .order_by("first_name", "username")
    )


# ---------------------------------------------------------------------------- signing


class Side(StrEnum):
    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"


class SignError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _manages(user, enterprise_id: int) -> bool:
    from portal.roles import is_manager

    return is_manager(user) and user.enterprise_id == enterprise_id


def may_sign(user, level: InductionLevel) -> set[Side]:
    """The sides `user` may sign: the trainee their own; the instructor named on the level, or the
    enterprise's manager, the instructor's — never the trainee both (needs level.induction.person)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    person = level.induction.person
    sides = set()
    if person.user_id == user.pk:
        sides.add(Side.TRAINEE)
    elif level.instructor_id == user.pk or _manages(user, person.enterprise_id):
        sides.add(Side.INSTRUCTOR)
    return sides


def may_see(user, level: InductionLevel) -> bool:
    return bool(may_sign(user, level))


@transaction.atomic
def sign(*, level: InductionLevel, side: Side, user, now: datetime) -> InductionLevel:
    """Sign one side of a level (a second signature of the same side changes nothing). When both
    sides have signed, the level's training record is written (once: courses.records is idempotent
    per level)."""
    level = (
        InductionLevel.objects.select_for_update()
        .select_related("induction__person__enterprise")
        .get(pk=level.pk)
    )
    if side not in may_sign(user, level):
        raise SignError(_("您不能代表该方签字。"))
    if not level.is_ready:
        raise SignError(_("该级教育尚未填写完整（日期、学时、内容、授课人），暂不能签字。"))
    if level.held_on > timezone.localtime(now).date():
        raise SignError(
            _("该级教育定于 %(d)s 进行，教育结束后才能签字。") % {"d": f"{level.held_on:%Y-%m-%d}"}
        )
    if side == Side.TRAINEE and level.trainee_signed_at is None:
        level.trainee_signed_at, level.trainee_signed_by = now, user
        level.save(update_fields=["trainee_signed_at", "trainee_signed_by"])
    elif side == Side.INSTRUCTOR and level.instructor_signed_at is None:
        level.instructor_signed_at, level.instructor_signed_by = now, user
        level.save(update_fields=["instructor_signed_at", "instructor_signed_by"])
    if level.is_signed:
        write_record(level)
    return level


def record_title(level: InductionLevel) -> str:
    return _("三级安全教育·%(level)s（%(reason)s）") % {
        "level": level.get_level_display(),
        "reason": Reason(level.induction.reason).label,
    }


def write_record(level: InductionLevel):
    """The level's training record (so its hours count in the person's hours and the annual
    report); idempotent per level."""
    return record_training(
        person=level.induction.person,
        on=level.held_on,
        hours=level.hours,
        kind=RECORD_KIND[Level(level.level)],
        source=level,
        title=record_title(level),
        source_kind=SourceKind.INDUCTION,
    )


# ---------------------------------------------------------------------------- deleting


class DeleteRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def delete_refusal(induction: Induction) -> str:
    """Why `induction` may not be deleted ("" when it may): once a level is signed by both sides
    its training record counts in the person's hours and the annual report, and the signatures are
    the evidence an inspector asks for, so such an induction is kept (a wrong one is corrected by
    registering a new one; the latest counts)."""
    signed = [lv for lv in induction.levels.all() if lv.is_signed]
    if not signed:
        return ""
    return _(
        "该三级安全教育的%(levels)s已由学员和授课人签字，并已计入培训记录，不能删除。"
        "如登记有误，请重新登记一次三级安全教育（以最近一次为准）。"
    ) % {"levels": "、".join(str(lv.get_level_display()) for lv in signed)}


@transaction.atomic
def delete_induction(induction: Induction) -> None:
    """Deletes an induction none of whose levels is signed by both (its levels and half
    signatures go with it; no training record exists for it). Raises DeleteRefused otherwise."""
    locked = Induction.objects.select_for_update().filter(pk=induction.pk).first()
    if locked is None:
        return
    refusal = delete_refusal(locked)
    if refusal:
        raise DeleteRefused(refusal)
    locked.delete()
