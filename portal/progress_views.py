"""The progress page of a long job (portal.progress): a bar that polls the JSON below."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from portal import accounts, progress
from portal.models import Progress
from portal.xlsx import xlsx_response


def _get_progress_for_user(request: HttpRequest, pk) -> Progress:
    """The record when `request.user` started it (or is a superuser); a 404 for anyone else."""
    return get_object_or_404(progress.visible_to(request.user), pk=pk)


@login_required
def progress_page(request: HttpRequest, pk) -> HttpResponse:
    record = _get_progress_for_user(request, pk)
    return render(request, "portal/progress.html", {"record": record})


@login_required
def progress_json(request: HttpRequest, pk) -> JsonResponse:
    record = _get_progress_for_user(request, pk)
    response = JsonResponse(progress.as_json(record))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def first_passwords(request: HttpRequest, pk) -> HttpResponse:
    """The first-password sheet of a big roster import the task cluster ran, once, for the user who
    started it (not even a superuser may take someone else's): taken, it is deleted; expired or
    taken, the page says so."""
    record = get_object_or_404(Progress, pk=pk, owner=request.user)
    content = accounts.take_sheet(str(record.pk))
    if content is None:
        response = render(
            request,
            "portal/first_passwords_gone.html",
            {"record": record},
            status=410,
        )
    else:
        response = xlsx_response(
            content, _("初始密码-%s.xlsx") % f"{timezone.localtime():%Y%m%d-%H%M}"
        )
    add_never_cache_headers(response)
    return response
