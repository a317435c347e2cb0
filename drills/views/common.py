"""What every drills view asks first: the drill or plan the user may see (404 otherwise), the
drill the user manages (403 otherwise), staff only. The rules behind them are drills.access."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from drills.access import can_manage, visible_drills
from drills.models import Drill, EmergencyPlan
from portal.scoping import scope_for, visible_enterprises


def drill_for_user(request: HttpRequest, pk: int) -> Drill:
    drill = (
        visible_drills(request.user)
        .select_related("enterprise__street", "organiser_region", "plan", "created_by")
        .filter(pk=pk)
        .first()
    )
    if drill is None:
        raise Http404
    return drill


def managed_drill(request: HttpRequest, pk: int) -> Drill:
    drill = drill_for_user(request, pk)
    if not can_manage(request.user, drill):
        raise PermissionDenied
    return drill


def plan_for_user(request: HttpRequest, pk: int) -> EmergencyPlan:
    plan = EmergencyPlan.objects.filter(
        pk=pk, enterprise__in=visible_enterprises(request.user)
    ).first()
    if plan is None:
        raise Http404
    return plan


def staff_only(request: HttpRequest) -> None:
    if not scope_for(request.user).is_staff_scope:
        raise PermissionDenied


def drill_url(drill: Drill, name: str) -> str:
    from django.urls import reverse

    return reverse(f"drills:{name}", args=[drill.pk])
