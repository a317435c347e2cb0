"""The participants page (add from the roster or by name, change roles one by one or many at
once, remove) and the check-in (the QR screen, its status, a phone's scan)."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from drills.access import (
    can_add_participants,
    can_change_participation,
    can_manage,
    can_see_participants,
    participation_q,
)
from drills.forms import AddPeopleForm, ExternalParticipantForm
from drills.models import DrillStatus, ParticipantRole, Participation
from drills.participation import (
    CheckInError,
    add_external_participant,
    add_participants,
    addable_people,
    change_role,
    change_roles,
    check_in,
    checkin_url,
    read_checkin_code,
    remove_participant,
    set_manual_check_in,
)
from drills.views.common import drill_for_user, managed_drill
from portal.scoping import visible_enterprises


@login_required
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    drill = drill_for_user(request, pk)
    if not can_see_participants(request.user, drill):
        raise PermissionDenied
    can_add = can_add_participants(request.user, drill)
    people_qs = addable_people(request.user, drill)
    enterprise_ids = people_qs.values("enterprise_id")
    add_form = AddPeopleForm(
        request.POST if request.POST.get("action") == "add" else None,
        people_qs=people_qs,
        enterprises_qs=visible_enterprises(request.user).filter(pk__in=enterprise_ids),
    )
    external_form = ExternalParticipantForm(
        request.POST if request.POST.get("action") == "external" else None
    )
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if request.POST.get("action") == "add" and add_form.is_valid():
            n = add_participants(
                drill=drill, people=add_form.selected_people(), role=add_form.cleaned_data["role"]
            )
            messages.success(request, _("已添加 %(n)d 人。") % {"n": n})
            return redirect("drills:participants", drill.pk)
        if request.POST.get("action") == "external" and external_form.is_valid():
            add_external_participant(
                drill=drill,
                name=external_form.cleaned_data["name"],
                unit=external_form.cleaned_data["unit"],
                role=external_form.cleaned_data["role"],
            )
            messages.success(request, _("已添加外部人员。"))
            return redirect("drills:participants", drill.pk)
        if request.POST.get("action") == "roles":
            try:
                n = change_roles(
                    user=request.user,
                    drill=drill,
                    participation_ids=request.POST.getlist("parts"),
                    role=request.POST.get("role", ""),
                )
            except PermissionError as exc:
                raise PermissionDenied from exc
            except ValidationError as exc:
                for m in exc.messages:
                    messages.error(request, m)
            else:
                messages.success(request, _("已更改 %(n)d 人的角色。") % {"n": n})
            return redirect("drills:participants", drill.pk)
    # A participating enterprise's manager sees their own people only (the admin asks the same).
    rows = drill.participations.filter(participation_q(request.user)).select_related(
        "person__enterprise"
    )
    return render(
        request,
        "drills/participants.html",
        {
            "drill": drill,
            "rows": rows,
            "add_form": add_form,
            "external_form": external_form,
            "can_add": can_add,
            "can_manage": can_manage(request.user, drill),
            "roles": ParticipantRole.choices,
        },
    )


@login_required
@require_POST
def participant_update(request: HttpRequest, pk: int, part_pk: int) -> HttpResponse:
    drill = drill_for_user(request, pk)
    part = get_object_or_404(
        Participation.objects.select_related("person"), pk=part_pk, drill=drill
    )
    part.drill = drill
    if not can_change_participation(request.user, part):
        raise PermissionDenied
    action = request.POST.get("action")
    if action == "remove":
        remove_participant(participation=part)
        messages.success(request, _("已移除。"))
    elif action == "role":
        try:
            change_role(participation=part, role=request.POST.get("role", ""))
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
    elif action in ("present", "absent"):
        set_manual_check_in(participation=part, present=action == "present", now=timezone.now())
    if request.POST.get("next") == "checkin":
        return redirect("drills:checkin", drill.pk)
    return redirect("drills:participants", drill.pk)


@login_required
def checkin_screen(request: HttpRequest, pk: int) -> HttpResponse:
    drill = managed_drill(request, pk)
    rows = drill.participations.select_related("person__enterprise").order_by(
        "checked_in_at", "role", "id"
    )
    return render(
        request,
        "drills/checkin_screen.html",
        {
            "drill": drill,
            "rows": rows,
            "present": sum(1 for r in rows if r.checked_in_at),
            "open": drill.status in (DrillStatus.PREPARING, DrillStatus.EXECUTING),
        },
    )


@login_required
@never_cache
def checkin_qr(request: HttpRequest, pk: int) -> HttpResponse:
    drill = managed_drill(request, pk)
    url = request.build_absolute_uri(checkin_url(drill=drill, now=timezone.now()))
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


@login_required
@never_cache
def checkin_status(request: HttpRequest, pk: int) -> JsonResponse:
    drill = managed_drill(request, pk)
    counts = drill.participations.aggregate(
        total=Count("pk"), present=Count("pk", filter=Q(checked_in_at__isnull=False))
    )
    latest = [
        {"name": p.name, "at": f"{timezone.localtime(p.checked_in_at):%H:%M:%S}"}
        for p in drill.participations.filter(checked_in_at__isnull=False)
        .select_related("person")
        .order_by("-checked_in_at")[:8]
    ]
    return JsonResponse({**counts, "latest": latest})


@login_required
@never_cache
def checkin_scan(request: HttpRequest, code: str) -> HttpResponse:
    """A participant's phone opens the QR code's URL; a valid current code checks them in."""
    try:
        drill = read_checkin_code(code=code, now=timezone.now())
        part = check_in(drill=drill, user=request.user, now=timezone.now())
    except CheckInError as exc:
        return render(request, "drills/checkin_result.html", {"error": str(exc)}, status=400)
    return render(request, "drills/checkin_result.html", {"drill": drill, "part": part})
