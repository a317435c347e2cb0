"""The progress page of a long job (portal.progress): a bar that polls the JSON below."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from portal import progress
from portal.models import Progress


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
