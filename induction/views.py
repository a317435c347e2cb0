"""The phone pages of 三级安全教育: the sign-offs waiting for the user (as trainee or instructor)
and one level's sign-off page (a tick with name and time)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from induction import services
from induction.models import InductionLevel
from induction.services import Side


def pending_levels(user):
    """The levels waiting for `user`'s signature: their own (as trainee) and those they instruct
    or, as the enterprise's manager, may sign for the instructor. Filled-in levels only."""
    from portal.roles import is_manager

    if not user.is_authenticated:
        return InductionLevel.objects.none()
    q = Q(induction__person__user=user, trainee_signed_at__isnull=True)
    instructor = Q(instructor=user)
    if is_manager(user) and user.enterprise_id:
        instructor |= Q(induction__person__enterprise_id=user.enterprise_id)
    q |= instructor & Q(instructor_signed_at__isnull=True) & ~Q(induction__person__user=user)
    return (
        InductionLevel.objects.filter(q)
        .filter(
            held_on__isnull=False,
            hours__isnull=False,
            instructor__isnull=False,
            induction__person__is_active=True,
        )
        .exclude(content="")
        .select_related("induction__person__enterprise", "instructor")
        .order_by("induction__starts_on", "induction_id", "level")
    )


@login_required
def pending(request: HttpRequest) -> HttpResponse:
    levels = list(pending_levels(request.user)[:100])
    return TemplateResponse(
        request,
        "induction/pending.html",
        {"levels": [(lv, services.may_sign(request.user, lv)) for lv in levels]},
    )


def _level_for_user(request: HttpRequest, pk: int) -> tuple[InductionLevel, set[Side]]:
    """A level and the sides the user may sign; 404 for anyone with no side to sign."""
    level = get_object_or_404(
        InductionLevel.objects.select_related(
            "induction__person__enterprise",
            "instructor",
            "trainee_signed_by",
            "instructor_signed_by",
        ),
        pk=pk,
    )
    sides = services.may_sign(request.user, level)
    if not sides:
        raise Http404
    return level, sides


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    level, sides = _level_for_user(request, pk)
    error = ""
    if request.method == "POST":
        try:
            side = Side(request.POST.get("side", ""))
        except ValueError:
            side = None
        if side is None or side not in sides:
            error = _("您不能代表该方签字。")
        elif request.POST.get("confirm") != "1":
            error = _("请先勾选“我已接受/讲授上述教育内容”。")
        else:
            try:
                services.sign(level=level, side=side, user=request.user, now=timezone.now())
            except services.SignError as exc:
                error = exc.message
            else:
                messages.success(request, _("已签字确认。"))
                return redirect("induction:sign", level.pk)
    side = next(iter(sides))
    signed_at = level.trainee_signed_at if side == Side.TRAINEE else level.instructor_signed_at
    return TemplateResponse(
        request,
        "induction/sign.html",
        {
            "level": level,
            "induction": level.induction,
            "side": side,
            "signed_at": signed_at,
            "error": error,
        },
        status=400 if error else 200,
    )
