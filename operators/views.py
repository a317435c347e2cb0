"""Front-site pages of the register for the holder: 我的操作证 (a block of the 工作台 and a page,
made for a phone) and the scanned copy, which only the holder, their enterprise's manager and the
supervisors above it may open."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from operators.models import CertificateStatus, OperatorCertificate
from operators.services import rules_by_scheme
from portal.scoping import visible_people

TONES = {
    CertificateStatus.VALID: "ok",
    CertificateStatus.REVIEW_DUE: "warn",
    CertificateStatus.REVIEW_OVERDUE: "bad",
    CertificateStatus.EXPIRED: "bad",
    CertificateStatus.NOT_YET: "",
}


def my_certificates_context(request: HttpRequest) -> dict:
    """The holder's operator certificates, current ones first, each with its status today and the
    next date it needs something (review or renewal). Queries: the certificates, and the rules
    when there are any."""
    person = getattr(request.user, "person", None)
    rows = []
    if person is not None:
        today = timezone.localdate()
        certificates = list(
            OperatorCertificate.objects.filter(person=person)
            .select_related("kind")
            .order_by("-is_current", "expires_on", "pk")
        )
        rules = rules_by_scheme() if certificates else {}
        for cert in certificates:
            rule = rules.get(cert.kind.scheme)
            status = CertificateStatus(cert.status_on(today, rule))
            due = cert.next_due(rule, today) if cert.is_current else None
            rows.append({"c": cert, "status": status, "tone": TONES[status], "due": due})
    return {"certificates": rows, "has_person": person is not None}


def me_section_context(request: HttpRequest) -> dict | None:
    """The 我的操作证 block of the 工作台: only for a holder of at least one certificate."""
    if getattr(request.user, "person", None) is None:
        return None
    context = my_certificates_context(request)
    return context if context["certificates"] else None


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "operators/mine.html", {"section": my_certificates_context(request)})


@login_required
def scan(request: HttpRequest, pk: int) -> HttpResponse:
    """The scanned copy to the holder, their enterprise's manager or a supervisor above it; 404
    for anyone else (no hint the certificate exists)."""
    cert = get_object_or_404(
        OperatorCertificate.objects.filter(person__in=visible_people(request.user).values("pk")),
        pk=pk,
    )
    if not cert.scan:
        raise Http404
    name = cert.scan.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(cert.scan.open("rb"), content_type=content_type, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
