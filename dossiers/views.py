"""The 一人一档 / 一企一档 pages: a page per person and per enterprise with the button that queues
the file (then the progress page, portal.progress) and the requester's recent files; the download.

Object access: `_get_person_for_user` / `_get_enterprise_for_user` (404 for anyone who may not
see the subject), `_get_dossier_for_user` (404 unless the user asked for the file and still sees
its subject)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dossiers import services
from dossiers.models import Dossier
from portal import progress
from portal.models import Enterprise, Person


def _get_person_for_user(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(services.people_for(request.user), pk=pk)


def _get_enterprise_for_user(request: HttpRequest, pk: int) -> Enterprise:
    return get_object_or_404(services.enterprises_for(request.user), pk=pk)


def _get_dossier_for_user(request: HttpRequest, pk: int) -> Dossier:
    dossier = get_object_or_404(
        Dossier.objects.select_related("person", "enterprise"), pk=pk, requested_by=request.user
    )
    if not services.may_have(request.user, dossier):
        raise Http404
    return dossier


def _queue(request: HttpRequest, **subject) -> HttpResponse:
    try:
        dossier = services.request_file(user=request.user, **subject)
    except services.AlreadyPending as exc:
        dossier = exc.dossier
        if exc.requeued:
            messages.info(request, _("上次生成未能完成，已重新排队。"))
        else:
            messages.info(request, _("该档案正在生成，请等待完成。"))
    if dossier.progress_id:
        record = progress.visible_to(request.user).filter(pk=dossier.progress_id).first()
        if record is not None:
            return redirect(progress.page_url(record))
    return redirect(request.path)


def _page(request: HttpRequest, *, template: str, context: dict, subject: str) -> HttpResponse:
    context["files"] = services.recent_for(request.user, subject=subject)
    context["keep_hours"] = settings.DOSSIER_KEEP_HOURS
    response = render(request, template, context)
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_file(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_user(request, pk)
    if request.method == "POST":
        return _queue(request, person=person)
    return _page(
        request,
        template="dossiers/person.html",
        context={"person": person, "own": person.user_id == request.user.pk},
        subject=Dossier.subject_of(person=person),
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_file(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _get_enterprise_for_user(request, pk)
    if request.method == "POST":
        return _queue(request, enterprise=enterprise)
    return _page(
        request,
        template="dossiers/enterprise.html",
        context={
            "enterprise": enterprise,
            "people": services.enterprise_people(enterprise).count(),
        },
        subject=Dossier.subject_of(enterprise=enterprise),
    )


@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _get_dossier_for_user(request, pk)
    if dossier.status == Dossier.Status.EXPIRED:
        response = render(request, "dossiers/expired.html", {"dossier": dossier}, status=410)
        add_never_cache_headers(response)
        return response
    if not dossier.is_ready:
        raise Http404
    content_type = "application/pdf" if dossier.kind == Dossier.Kind.PERSON else "application/zip"
    response = FileResponse(
        dossier.file.open("rb"),
        as_attachment=True,
        filename=dossier.filename,
        content_type=content_type,
    )
    add_never_cache_headers(response)
    return response
