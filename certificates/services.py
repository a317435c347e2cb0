"""Issuing, reissuing, revoking and rendering certificates.

Other apps call `issue_certificate(...)` with their own source object (an attempt, an enrolment, a
class attendance, a drill participation, a competition result). It is idempotent per source and safe
when two workers race: the partial unique constraint on (source type, source id) among live
certificates decides, and the loser reads the winner's row.
"""

from __future__ import annotations

import logging
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateTemplate,
    SerialCounter,
)

logger = logging.getLogger(__name__)

RENDER_TASK = "certificates.tasks.render_certificate_pdf"


def _enqueue_render(certificate_id: int) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(RENDER_TASK, certificate_id))


def allocate_serial(*, template: CertificateTemplate, year: int) -> str:
    """The next serial of the template's format for `year`. Must run inside a transaction: the
    counter row is incremented with one UPDATE (a row lock until commit), so concurrent issuers get
    distinct numbers, and a rolled-back issue gives its number back."""
    key = template.serial_key(year)
    if not SerialCounter.objects.filter(key=key).exists():
        try:
            with transaction.atomic():
                SerialCounter.objects.create(key=key, last_value=0)
        except IntegrityError:
            pass  # another issuer created it first
    SerialCounter.objects.filter(key=key).update(last_value=F("last_value") + 1)
    seq = SerialCounter.objects.filter(key=key).values_list("last_value", flat=True).get()
    return template.serial_format.format(year=year, seq=seq)


def _source_ref(source: models.Model) -> tuple[ContentType, int]:
    if source.pk is None:
        raise ValueError("the certificate source must be saved first")
    return ContentType.objects.get_for_model(source, for_concrete_model=False), source.pk


def _live_certificate(content_type: ContentType, object_id: int) -> Certificate | None:
    return (
        Certificate.objects.live()
        .filter(source_content_type=content_type, source_object_id=object_id)
        .first()
    )


def issue_certificate(
    *,
    person,
    source: models.Model,
    template: CertificateTemplate,
    title: str,
    details: dict,
    issued_by=None,
    reason: str = "",
    issued_on: date | None = None,
) -> Certificate:
    """Issues the certificate for `source`, or returns the live one it already has.

    `details` is stored with the certificate and fills the template's placeholders; known keys:
    "subject" (course or exam name, defaults to `title`), "score", "hours". The PDF is rendered
    in the task cluster after the transaction commits.
    """
    content_type, object_id = _source_ref(source)
    existing = _live_certificate(content_type, object_id)
    if existing is not None:
        return existing
    issued_on = issued_on or timezone.localdate()
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                person=person,
                template=template,
                source_content_type=content_type,
                source_object_id=object_id,
                serial=allocate_serial(template=template, year=issued_on.year),
                title=title,
                details=dict(details or {}),
                issued_on=issued_on,
                valid_until=template.valid_until_for(issued_on),
                issue_reason=reason[:255],
                issued_by=issued_by,
            )
            CertificateEvent.objects.create(
                certificate=certificate,
                action=CertificateEvent.Action.ISSUED,
                reason=reason[:255],
                user=issued_by,
            )
    except IntegrityError:
        # Another worker issued it between our look and our insert: theirs is the certificate.
        existing = _live_certificate(content_type, object_id)
        if existing is None:
            raise
        return existing
    _enqueue_render(certificate.pk)
    return certificate


def revoke_certificate(*, certificate: Certificate, user, reason: str) -> Certificate:
    """Revokes a valid certificate; the reason is shown on the public verification page."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写撤销原因。"))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status != Certificate.Status.VALID:
            raise ValidationError(_("只有有效的证书可以撤销。"))
        locked.status = Certificate.Status.REVOKED
        locked.status_reason = reason[:255]
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_reason", "status_changed_at"])
        CertificateEvent.objects.create(
            certificate=locked,
            action=CertificateEvent.Action.REVOKED,
            reason=reason[:255],
            user=user,
        )
    return locked


def reissue_certificate(
    *,
    certificate: Certificate,
    user,
    reason: str,
    title: str | None = None,
    details: dict | None = None,
    template: CertificateTemplate | None = None,
) -> Certificate:
    """Corrects a certificate: a new one (new serial, new code, new PDF) for the same source and
    person; the old one is marked replaced and points at the new one. The old PDF is kept as is."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写换发原因。"))
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status == Certificate.Status.REPLACED:
            raise ValidationError(_("该证书已被换发，请在新证书上操作。"))
        template = template or old.template
        old.status = Certificate.Status.REPLACED
        old.status_reason = reason[:255]
        old.status_changed_at = timezone.now()
        old.save(update_fields=["status", "status_reason", "status_changed_at"])
        issued_on = timezone.localdate()
        new = Certificate.objects.create(
            person=old.person,
            template=template,
            source_content_type_id=old.source_content_type_id,
            source_object_id=old.source_object_id,
            serial=allocate_serial(template=template, year=issued_on.year),
            title=title or old.title,
            details=dict(old.details if details is None else details),
            issued_on=issued_on,
            valid_until=template.valid_until_for(issued_on),
            issue_reason=reason[:255],
            issued_by=user,
        )
        old.replaced_by = new
        old.save(update_fields=["replaced_by"])
        CertificateEvent.objects.create(
            certificate=old, action=CertificateEvent.Action.REPLACED, reason=reason[:255], user=user
        )
        CertificateEvent.objects.create(
            certificate=new, action=CertificateEvent.Action.ISSUED, reason=reason[:255], user=user
        )
    _enqueue_render(new.pk)
    return new


def render_certificate(*, certificate_id: int) -> bool:
    """Renders and stores the PDF once. Returns False when it already exists (a rerun of the task):
    an issued PDF never changes."""
    from certificates.pdf import render_certificate_pdf

    certificate = (
        Certificate.objects.select_related(
            "person", "template", "template__seal", "template__signature", "template__background"
        )
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None or certificate.pdf:
        return False
    data = render_certificate_pdf(certificate)
    certificate.pdf.save(f"{certificate.serial}.pdf", ContentFile(data), save=False)
    updated = Certificate.objects.filter(pk=certificate.pk, pdf="").update(
        pdf=certificate.pdf.name, rendered_at=timezone.now()
    )
    if not updated:  # another worker stored it first; keep theirs
        certificate.pdf.storage.delete(certificate.pdf.name)
        return False
    return True
