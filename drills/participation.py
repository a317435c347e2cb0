"""Who takes part in a drill: adding people (a roster, external people), roles, removal, and
attendance (the QR check-in and the manual one)."""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from drills.access import can_change_participation, my_participation
from drills.models import Drill, DrillStatus, ParticipantRole, Participation
from portal.models import Person
from portal.scoping import visible_people


def add_participants(*, drill: Drill, people, role: str = ParticipantRole.PLAYER) -> int:
    """Adds roster people (already scoped by the caller); people already in the drill are skipped.
    Returns how many rows were created."""
    existing = set(
        drill.participations.filter(person__isnull=False).values_list("person_id", flat=True)
    )
    rows = [
        Participation(drill=drill, person_id=pk, role=role)
        for pk in people.values_list("pk", flat=True)
        if pk not in existing
    ]
    Participation.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def add_external_participant(*, drill: Drill, name: str, unit: str, role: str) -> Participation:
    """Someone on no roster (an expert, a neighbouring unit's people) takes part by name."""
    return Participation.objects.create(
        drill=drill, external_name=name, external_unit=unit, role=role
    )


def remove_participant(*, participation: Participation) -> None:
    participation.delete()


def _valid_role(role: str) -> str:
    if role not in ParticipantRole.values:
        raise ValidationError(_("未知的角色。"))
    return role


def change_role(*, participation: Participation, role: str) -> Participation:
    """One participant's role (the caller checked `access.can_change_participation`)."""
    participation.role = _valid_role(role)
    participation.save(update_fields=["role"])
    return participation


@transaction.atomic
def change_roles(*, user, drill: Drill, participation_ids, role: str) -> int:
    """Gives many participants of a drill one role in one step, all or nothing. Refused
    (PermissionError) when the user may not change one of them (a participating enterprise's
    manager changes their own people only); an unknown role, no participant chosen or one not of
    this drill is a ValidationError and nothing changes. Returns how many were changed."""
    role = _valid_role(role)
    try:
        ids = {int(pk) for pk in participation_ids}
    except (TypeError, ValueError):
        raise ValidationError(_("所选参演人员无效。")) from None
    if not ids:
        raise ValidationError(_("请先勾选要更改角色的参演人员。"))
    parts = list(drill.participations.filter(pk__in=ids).select_related("person"))
    if len(parts) != len(ids):
        raise ValidationError(_("所选参演人员不属于本次演练。"))
    for part in parts:
        part.drill = drill
        if not can_change_participation(user, part):
            raise PermissionError(_("无权更改所选参演人员的角色。"))
    return Participation.objects.filter(pk__in=ids).update(role=role)


def addable_people(user, drill: Drill) -> QuerySet[Person]:
    """Roster people the user may add: their visible people, limited to the organising and
    participating enterprises of the drill."""
    enterprise_ids = set(drill.participating_enterprises.values_list("pk", flat=True))
    if drill.enterprise_id:
        enterprise_ids.add(drill.enterprise_id)
    return visible_people(user).active().filter(enterprise_id__in=enterprise_ids)


CHECKIN_SALT = "drills.checkin"


CHECKIN_PERIOD = 60  # seconds: the code changes every minute


def _minute(now: datetime) -> int:
    return int(now.timestamp()) // CHECKIN_PERIOD


def checkin_code(*, drill: Drill, now: datetime) -> str:
    return signing.Signer(salt=CHECKIN_SALT).sign(f"{drill.uid.hex}.{_minute(now)}")


def checkin_url(*, drill: Drill, now: datetime) -> str:
    return reverse("drills:checkin-scan", args=[checkin_code(drill=drill, now=now)])


class CheckInError(Exception):
    pass


def read_checkin_code(*, code: str, now: datetime) -> Drill:
    """The drill a code belongs to; accepts this minute's and the previous minute's code."""
    try:
        value = signing.Signer(salt=CHECKIN_SALT).unsign(code)
        uid_hex, minute = value.rsplit(".", 1)
        minute = int(minute)
    except (signing.BadSignature, ValueError) as exc:
        raise CheckInError(_("签到二维码无效，请扫描现场屏幕上的二维码。")) from exc
    if minute not in (_minute(now), _minute(now) - 1):
        raise CheckInError(_("签到二维码已过期，请重新扫描现场屏幕上的最新二维码。"))
    drill = Drill.objects.filter(uid=uid_hex).first()
    if drill is None:
        raise CheckInError(_("签到二维码无效，请扫描现场屏幕上的二维码。"))
    return drill


def check_in(*, drill: Drill, user, now: datetime) -> Participation:
    if drill.status not in (DrillStatus.PREPARING, DrillStatus.EXECUTING):
        raise CheckInError(_("该演练当前不在签到时段。"))
    participation = my_participation(user, drill)
    if participation is None:
        raise CheckInError(_("您不在本次演练的参演人员名单中，请联系组织人员。"))
    if participation.checked_in_at is None:
        participation.checked_in_at = now
        participation.check_in_method = Participation.CheckIn.QR
        participation.save(update_fields=["checked_in_at", "check_in_method"])
    return participation


def set_manual_check_in(*, participation: Participation, present: bool, now: datetime) -> None:
    if present and participation.checked_in_at is None:
        participation.checked_in_at = now
        participation.check_in_method = Participation.CheckIn.MANUAL
    elif not present:
        participation.checked_in_at = None
        participation.check_in_method = ""
    participation.save(update_fields=["checked_in_at", "check_in_method"])
