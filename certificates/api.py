"""GET /api/v1/certificates/ (mine) and GET /api/v1/certificates/{serial}/pdf."""

from __future__ import annotations

from datetime import date

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from certificates.models import Certificate
from certificates.views import visible_certificates
from portal.api import ApiError, ErrorOut

router = Router(tags=["certificates"])


class CertificateOut(Schema):
    serial: str
    title: str
    subject: str
    issuer: str
    issued_on: date
    valid_until: date | None
    status: str
    status_reason: str
    verify_url: str
    pdf_ready: bool
    pdf_url: str | None


@router.get("/", response=list[CertificateOut])
def my_certificates(request):
    person = getattr(request.user, "person", None)
    if person is None:
        return []
    today = timezone.localdate()
    rows = (
        Certificate.objects.filter(person=person)
        .live()
        .select_related("template")
        .order_by("-issued_on", "-pk")
    )
    return [
        {
            "serial": c.serial,
            "title": c.title,
            "subject": str((c.details or {}).get("subject") or c.title),
            "issuer": c.template.issuer,
            "issued_on": c.issued_on,
            "valid_until": c.valid_until,
            "status": c.public_status(today),
            "status_reason": c.status_reason,
            "verify_url": c.verify_url,
            "pdf_ready": bool(c.pdf),
            "pdf_url": f"/api/v1/certificates/{c.serial}/pdf" if c.pdf else None,
        }
        for c in rows
    ]


@router.get("/{serial}/pdf", response={200: None, 404: ErrorOut, 409: ErrorOut})
def certificate_pdf(request, serial: str):
    certificate = visible_certificates(request.user).filter(serial=serial).first()
    if certificate is None:
        raise ApiError(404, "not_found", _("未找到该证书。"))
    if not certificate.pdf:
        raise ApiError(409, "pdf_not_ready", _("证书文件正在生成，请稍后再试。"))
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.serial}.pdf",
        content_type="application/pdf",
    )
