"""Issuing, reissuing, revoking and rendering certificates.

Other apps call `issue_certificate(...)` with their own source object (an attempt, an enrolment, a
class attendance, a drill participation, a competition result). It is idempotent per source and safe
when two workers race: the partial unique constraint on (source type, source id) among live
certificates decides, and the loser reads the winner's row.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.metrics import RENDERS
from certificates.models import (
    BulkIssue,
    Certificate,
    CertificateEvent,
    CertificateTemplate,
    ExpiryReminder,
    ManualIssue,
    SerialCounter,
)
from portal import notices, progress
from portal.models import Progress
from portal.validators import mask_name

logger = logging.getLogger(__name__)

RENDER_TASK = "certificates.tasks.render_certificate_pdf"


def queue_render(func: str, *args) -> None:
    """Queues a PDF render on the render cluster (settings.Q_RENDER_CLUSTER, a low-priority
    cluster of its own so renders never starve requests), or on the main one when that is empty."""
    from django_q.tasks import async_task

    cluster = settings.Q_RENDER_CLUSTER
    async_task(func, *args, **({"cluster": cluster} if cluster else {}))


def _enqueue_render(certificate_id: int) -> None:
    transaction.on_commit(lambda: queue_render(RENDER_TASK, certificate_id))


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
        Certificate.objects.select_related("person", "template", "template__background")
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
    RENDERS.inc()
    return True


def stalled_render_age() -> timedelta:
    """How long an issued certificate may wait for its PDF before it is queued again: the task
    timeout plus the broker's retry delay and a margin (see requeue_stalled_renders)."""
    return timedelta(seconds=settings.Q_TIMEOUT + 120)


def requeue_stalled_renders(*, now: datetime, limit: int = 200) -> int:
    """Queues the render again for live certificates still without a PDF well after they were
    issued. The ORM broker redelivers a task whose worker died, but the Redis broker loses it (a
    `kill -9` mid-render leaves the certificate without a file for ever): this schedule is the
    safety net. Rendering is idempotent (an existing PDF is kept), so a render that was merely slow
    costs one no-op task. Returns how many were queued."""
    ids = list(
        Certificate.objects.filter(
            status=Certificate.Status.VALID, pdf="", created_at__lt=now - stalled_render_age()
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for certificate_id in ids:
        queue_render(RENDER_TASK, certificate_id)
    if ids:
        logger.warning("Re-queued %d certificate render(s) that never finished", len(ids))
    return len(ids)


# --- verification --------------------------------------------------------------------------------


STATUS_LABELS = {
    "valid": gettext_lazy("有效"),
    "expired": gettext_lazy("已过期"),
    "revoked": gettext_lazy("已撤销"),
    "replaced": gettext_lazy("已换发"),
}


def verification_info(*, code: str, today: date) -> dict | None:
    """What the public may know about the certificate with this verification code, or None."""
    certificate = (
        Certificate.objects.select_related("person", "template", "replaced_by")
        .filter(code=code)
        .first()
    )
    if certificate is None:
        return None
    status = certificate.public_status(today)
    info = {
        "serial": certificate.serial,
        "title": certificate.title,
        "subject": certificate.subject,
        "holder": mask_name(certificate.person.name),
        "issuer": certificate.template.issuer,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "status": status,
        "status_label": str(STATUS_LABELS[status]),
        "reason": certificate.status_reason if status in ("revoked", "replaced") else "",
        "replaced_by_serial": certificate.replaced_by.serial
        if status == "replaced" and certificate.replaced_by_id
        else None,
    }
    return info


# --- manual and bulk issuing ----------------------------------------------------------------------


def manual_issue(
    *, user, person, template: CertificateTemplate, subject: str, score: str = "", reason: str
) -> Certificate:
    """An administrator issues a certificate by hand; the ManualIssue row is its source."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写发证原因。"))
    with transaction.atomic():
        source = ManualIssue.objects.create(
            person=person,
            template=template,
            subject=subject,
            score=score,
            reason=reason,
            created_by=user,
        )
        return issue_certificate(
            person=person,
            source=source,
            template=template,
            title=template.title,
            details={"subject": subject, "score": score},
            issued_by=user,
            reason=reason,
        )


BULK_TASK = "certificates.tasks.run_bulk_issue"


def bulk_progress_key(bulk: BulkIssue) -> str:
    return f"certificates.bulkissue:{bulk.pk}"


def start_bulk_progress(*, bulk: BulkIssue, user) -> Progress:
    """Queues the bulk issue with a progress record of `user` (portal.progress): the page the
    user is sent to shows how many certificates are issued."""
    return progress.start(
        owner=user,
        kind="certificates.bulk_issue",
        title=_("批量发证：%(subject)s") % {"subject": bulk.subject},
        total=bulk.total,
        task=BULK_TASK,
        args=(bulk.pk,),
        key=bulk_progress_key(bulk),
        message=_("已提交，等待后台处理。"),
    )


def create_bulk_issue(
    *, user, template: CertificateTemplate, subject: str, reason: str, people: list
) -> BulkIssue:
    """Records a bulk issue (one ManualIssue per person) and queues it for the task cluster with
    a progress record of `user` (progress.latest_for_key(bulk_progress_key(bulk)))."""
    with transaction.atomic():
        bulk = BulkIssue.objects.create(
            template=template, subject=subject, reason=reason, total=len(people), created_by=user
        )
        ManualIssue.objects.bulk_create(
            [
                ManualIssue(
                    person=p,
                    template=template,
                    subject=subject,
                    reason=reason,
                    batch=bulk,
                    created_by=user,
                )
                for p in people
            ]
        )
        start_bulk_progress(bulk=bulk, user=user)
    return bulk


def run_bulk_issue(*, bulk_id: int, progress_id: str | None = None) -> int:
    """Issues every item of the bulk issue that has no certificate yet; safe to run again (each
    item is a source, so a rerun finds the certificates already issued). Re-queues the PDF render
    of any certificate still without a file. Moves the progress record `progress_id` (if any)
    one item at a time. Returns how many certificates it issued."""
    bulk = BulkIssue.objects.select_related("template", "created_by").filter(pk=bulk_id).first()
    if bulk is None:
        progress.fail(progress_id, message=_("该批量发证已不存在。"))
        return 0
    BulkIssue.objects.filter(pk=bulk.pk).update(status=BulkIssue.Status.RUNNING, error="")
    content_type = ContentType.objects.get_for_model(ManualIssue)
    items = list(bulk.items.select_related("person").order_by("pk"))
    done = dict(
        Certificate.objects.live()
        .filter(source_content_type=content_type, source_object_id__in=[i.pk for i in items])
        .values_list("source_object_id", "pdf")
    )
    issued = 0
    errors = []
    progress.running(progress_id, total=len(items), message=_("正在发证……"))
    for position, item in enumerate(items):
        progress.step(progress_id, done=position)  # the items before this one are through
        if item.pk in done:
            if not done[item.pk]:
                certificate = Certificate.objects.live().for_source(item).first()
                queue_render(RENDER_TASK, certificate.pk)
            continue
        try:
            issue_certificate(
                person=item.person,
                source=item,
                template=bulk.template,
                title=bulk.template.title,
                details={"subject": item.subject, "score": item.score},
                issued_by=bulk.created_by,
                reason=item.reason,
            )
            issued += 1
        except Exception as exc:  # noqa: BLE001 - one bad row must not stop the batch
            logger.exception("bulk issue %s: item %s failed", bulk.pk, item.pk)
            errors.append(f"{item.person.name}: {exc}")
    BulkIssue.objects.filter(pk=bulk.pk).update(
        status=BulkIssue.Status.FAILED if errors else BulkIssue.Status.DONE,
        error="\n".join(errors)[:5000],
        finished_at=timezone.now(),
    )
    result_url = reverse("certificates_admin:bulk-detail", args=[bulk.pk])
    if errors:
        progress.fail(
            progress_id,
            message=_("%(n)s人发证失败：\n%(errors)s")
            % {"n": len(errors), "errors": "\n".join(errors)[:2000]},
            result_url=result_url,
        )
    else:
        progress.finish(
            progress_id,
            message=_("已发证 %(n)s 张，PDF 正在后台生成。") % {"n": len(items)},
            result_url=result_url,
        )
    return issued


def bulk_progress(bulk: BulkIssue) -> dict:
    """Issued and rendered counts of a bulk issue (two queries)."""
    content_type = ContentType.objects.get_for_model(ManualIssue)
    counts = (
        Certificate.objects.live()
        .filter(
            source_content_type=content_type,
            source_object_id__in=bulk.items.values("pk"),
        )
        .aggregate(
            issued=models.Count("pk"),
            rendered=models.Count("pk", filter=~models.Q(pdf="")),
        )
    )
    total = bulk.total or 0
    return {
        "total": total,
        "issued": counts["issued"],
        "rendered": counts["rendered"],
        "percent": int(100 * counts["rendered"] / total) if total else 100,
        "finished": total == counts["rendered"],
    }


# --- expiry reminders -----------------------------------------------------------------------------

REMINDER_DAYS = (60, 30)


def expiry_notice_key(certificate_id: int, days_before: int) -> str:
    """The portal notice key of one expiry reminder (unique per recipient)."""
    return f"certificates:expiry:{certificate_id}:{days_before}"


def expiry_notice_text(
    *, name: str, title: str, serial: str, valid_until: date, days_before: int
) -> tuple[str, str]:
    """Title and body of the in-site notice of an expiry reminder."""
    return (
        _("证书即将到期：%(name)s的%(title)s") % {"name": name, "title": title},
        _(
            "%(name)s的证书“%(title)s”（编号 %(serial)s）将于 %(date)s 到期（%(days)s天提醒），"
            "请及时安排复训或复审。"
        )
        % {
            "name": name,
            "title": title,
            "serial": serial,
            "date": valid_until.isoformat(),
            "days": days_before,
        },
    )


def send_expiry_reminders(*, today: date) -> int:
    """Creates the 60- and 30-day reminders due today (one row per certificate, threshold and
    recipient: the holder's login and the enterprise's safety managers) with a portal notice each
    (portal.notices; the holder's links to 我的证书, a manager's to the certificate in the admin),
    then emails every reminder not yet emailed. The unique row (and the notice key) makes each
    reminder once only, even if two runs overlap. Returns how many reminder rows this run
    delivered. A constant number of queries."""
    from datetime import timedelta

    from django.core.mail import EmailMessage, get_connection

    from portal import roles
    from portal.models import User

    horizon = today + timedelta(days=max(REMINDER_DAYS))
    due = list(
        Certificate.objects.filter(
            status=Certificate.Status.VALID, valid_until__gt=today, valid_until__lte=horizon
        ).select_related("person")
    )
    enterprise_ids = {c.person.enterprise_id for c in due}
    managers: dict[int, list[int]] = {}
    for user_id, enterprise_id in User.objects.filter(
        enterprise_id__in=enterprise_ids, groups__name=roles.MANAGER, is_active=True
    ).values_list("pk", "enterprise_id"):
        managers.setdefault(enterprise_id, []).append(user_id)
    rows = []
    notice_specs = []
    mine_url = reverse("certificates:mine")
    for certificate in due:
        days_left = (certificate.valid_until - today).days
        threshold = min(d for d in REMINDER_DAYS if days_left <= d)
        recipients = set(managers.get(certificate.person.enterprise_id, []))
        holder = certificate.person.user_id
        if holder:
            recipients.add(holder)
        rows += [
            ExpiryReminder(certificate=certificate, days_before=threshold, recipient_id=r)
            for r in sorted(recipients)
        ]
        title, body = expiry_notice_text(
            name=certificate.person.name,
            title=certificate.title,
            serial=certificate.serial,
            valid_until=certificate.valid_until,
            days_before=threshold,
        )
        admin_url = reverse("certificates_certificates:inspect", args=[certificate.pk])
        notice_specs += [
            notices.NoticeSpec(
                user_id=r,
                title=title,
                body=body,
                url=mine_url if r == holder else admin_url,
                key=expiry_notice_key(certificate.pk, threshold),
                kind=notices.KIND_CERTIFICATES,
            )
            for r in sorted(recipients)
        ]
    ExpiryReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    notices.notify_many(notice_specs)

    with transaction.atomic():
        pending = list(
            ExpiryReminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed=False)
            .select_related("certificate__person", "recipient")
        )
        messages = []
        for reminder in pending:
            if not reminder.recipient.email:
                continue
            certificate = reminder.certificate
            subject = _("证书即将到期提醒：%(title)s") % {"title": certificate.title}
            body = _(
                "%(name)s的证书“%(title)s”（编号 %(serial)s）将于 %(date)s 到期，"
                "请及时安排复训或复审。\n查看：%(url)s"
            ) % {
                "name": certificate.person.name,
                "title": certificate.title,
                "serial": certificate.serial,
                "date": certificate.valid_until.isoformat(),
                "url": certificate.verify_url,
            }
            messages.append(EmailMessage(subject, body, to=[reminder.recipient.email]))
        if messages:
            get_connection(fail_silently=False).send_messages(messages)
        ExpiryReminder.objects.filter(pk__in=[r.pk for r in pending]).update(emailed=True)
    return len(pending)


# --- template preview -----------------------------------------------------------------------------


def preview_version(template: CertificateTemplate) -> str:
    """Changes whenever the template is saved, so an edited template gets a fresh preview."""
    return f"{template.pk}-{int(template.updated_at.timestamp() * 1_000_000)}"


def preview_path(template: CertificateTemplate) -> str:
    return f"certificates/previews/template-{preview_version(template)}.pdf"


def render_template_preview(*, template_id: int, version: str) -> bool:
    """Renders the editor's preview (sample data) of the template version; idempotent."""
    from django.core.files.storage import default_storage

    from certificates.pdf import render_template_preview as render

    template = CertificateTemplate.objects.filter(pk=template_id).first()
    if template is None or preview_version(template) != version:
        return False
    path = preview_path(template)
    if default_storage.exists(path):
        return False
    data = render(template, timezone.localdate())
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    return True


def request_template_preview(*, template: CertificateTemplate) -> bool:
    """Queues the preview render unless the file exists; True when it is ready now."""
    from django.core.cache import cache
    from django.core.files.storage import default_storage

    if default_storage.exists(preview_path(template)):
        return True
    version = preview_version(template)
    if cache.add(f"certificates:preview:{version}", 1, 60):
        queue_render("certificates.tasks.render_template_preview", template.pk, version)
    return False
