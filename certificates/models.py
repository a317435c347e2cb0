"""Certificate templates, issued certificates, serial counters, manual/bulk issues, reminders, audit.

A certificate belongs to one person and comes from one *source* (an exam attempt, a course enrolment,
a class attendance, a drill participation, a competition result or a ManualIssue row), referenced
generically. At most one *live* (not replaced) certificate exists per source: a partial unique
constraint enforces it, so issuing twice or two workers racing still give one certificate.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.storage import PrivateImageField

# Placeholders a template body may use, with their labels (shown to editors as help).
PLACEHOLDERS: dict[str, str] = {
    "holder_name": _("持证人姓名"),
    "id_number": _("身份证号（部分隐藏）"),
    "subject": _("课程或考试名称"),
    "score": _("成绩"),
    "hours": _("学时"),
    "issued_on": _("发证日期"),
    "valid_until": _("有效期至"),
    "issuer": _("发证机构"),
    "serial": _("证书编号"),
}

DEFAULT_SERIAL_FORMAT = "AQ-{year}-{seq:06d}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _placeholder_help() -> str:
    return "、".join(f"{{{key}}}" for key in PLACEHOLDERS)


def validate_body(value: str) -> None:
    """A body may only use the known placeholders, and braces must balance."""
    import string

    try:
        fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        raise ValidationError(_("正文中的花括号不成对：%(error)s") % {"error": exc}) from exc
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("未知的占位符：%(names)s。可用：%(known)s")
            % {"names": "、".join(unknown), "known": _placeholder_help()}
        )


def validate_serial_format(value: str) -> None:
    try:
        sample = value.format(year=2026, seq=123, prefix="AQ")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(
            _("编号格式不正确，只能使用 {year}、{seq}（如 {seq:06d}）。")
        ) from exc
    if "{seq" not in value:
        raise ValidationError(_("编号格式必须包含 {seq}，否则编号会重复。"))
    if len(sample) > 40:
        raise ValidationError(_("编号过长（最多40个字符）。"))


class CertificateTemplate(models.Model):
    """A certificate design, edited as a Wagtail snippet."""

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("横向")
        PORTRAIT = "portrait", _("纵向")

    name = models.CharField(_("模板名称"), max_length=100, unique=True)
    title = models.CharField(
        _("证书标题"), max_length=100, help_text=_("印在证书上的大标题，如“安全培训合格证书”。")
    )
    body = models.TextField(
        _("正文"),
        validators=[validate_body],
        help_text=_(
            "可用占位符：{holder_name}、{id_number}、{subject}、{score}、{hours}、{issued_on}、"
            "{valid_until}、{issuer}、{serial}"
        ),
    )
    issuer = models.CharField(_("发证机构"), max_length=100)
    # Private (issue 13 finding 14): whoever holds the seal or the signature can forge a
    # certificate, so they live in the private storage, have no URL and are only read by the PDF
    # renderer. Not Wagtail images: those get public renditions under /media/images/.
    seal = PrivateImageField(
        _("公章图片"),
        upload_to="certificates/seals/",
        blank=True,
        help_text=_("PNG 或 JPEG，透明背景最佳。仅用于生成证书，不对外提供访问地址。"),
    )
    signature = PrivateImageField(
        _("签名图片"),
        upload_to="certificates/signatures/",
        blank=True,
        help_text=_("仅用于生成证书，不对外提供访问地址。"),
    )
    signatory = models.CharField(_("签发人"), max_length=50, blank=True)
    background = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("背景图片（可选）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    orientation = models.CharField(
        _("方向"), max_length=10, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )
    validity_months = models.PositiveSmallIntegerField(
        _("有效期（月）"), default=0, help_text=_("0 表示长期有效。")
    )
    serial_format = models.CharField(
        _("编号格式"),
        max_length=40,
        default=DEFAULT_SERIAL_FORMAT,
        validators=[validate_serial_format],
        help_text=_("{year} 为发证年份，{seq} 为顺序号，如 AQ-{year}-{seq:06d} → AQ-2026-000123。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("证书模板")
        verbose_name_plural = _("证书模板")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def valid_until_for(self, issued_on: date) -> date | None:
        if not self.validity_months:
            return None
        return add_months(issued_on, self.validity_months)

    def serial_key(self, year: int) -> str:
        """The counter a serial is drawn from: the format with the year filled in."""
        return self.serial_format.replace("{year}", str(year))


class SerialCounter(models.Model):
    """One row per serial key (format with its year): the last number handed out."""

    key = models.CharField(max_length=60, unique=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("证书编号计数器")
        verbose_name_plural = _("证书编号计数器")

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


def pdf_upload_to(instance: Certificate, filename: str) -> str:
    """An unguessable folder, so a PDF can never be fetched by guessing its serial even where
    media files are served directly; downloads go through the scoped view anyway."""
    return f"certificates/{timezone.localdate():%Y}/{secrets.token_hex(12)}/{filename}"


def new_verification_code() -> str:
    return secrets.token_urlsafe(18)


class CertificateQuerySet(models.QuerySet):
    def live(self) -> CertificateQuerySet:
        return self.exclude(status=Certificate.Status.REPLACED)

    def valid_on(self, day: date) -> CertificateQuerySet:
        return self.filter(status=Certificate.Status.VALID).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )

    def expiring_between(self, start: date, end: date) -> CertificateQuerySet:
        return self.filter(
            status=Certificate.Status.VALID, valid_until__gte=start, valid_until__lte=end
        )

    def for_source(self, source: models.Model) -> CertificateQuerySet:
        ct = ContentType.objects.get_for_model(source, for_concrete_model=False)
        return self.filter(source_content_type=ct, source_object_id=source.pk)


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")
        REPLACED = "replaced", _("已换发")

    person = models.ForeignKey(
        "portal.Person",
        verbose_name=_("持证人"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    template = models.ForeignKey(
        CertificateTemplate,
        verbose_name=_("证书模板"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    source_content_type = models.ForeignKey(
        ContentType, verbose_name=_("来源类型"), on_delete=models.PROTECT, related_name="+"
    )
    source_object_id = models.PositiveBigIntegerField(_("来源编号"))
    source = GenericForeignKey("source_content_type", "source_object_id")
    serial = models.CharField(_("证书编号"), max_length=40, unique=True)
    code = models.CharField(
        _("验证码"), max_length=40, unique=True, default=new_verification_code, editable=False
    )
    title = models.CharField(_("证书名称"), max_length=200)
    details = models.JSONField(_("证书内容"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.VALID, db_index=True
    )
    status_reason = models.CharField(_("状态说明"), max_length=255, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    issue_reason = models.CharField(_("发证原因"), max_length=255, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发证人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("换发后的证书"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    pdf = models.FileField(_("PDF文件"), upload_to=pdf_upload_to, blank=True)
    rendered_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_content_type", "source_object_id"],
                condition=~Q(status="replaced"),
                name="certificates_one_live_per_source",
            )
        ]
        indexes = [models.Index(fields=["person", "status"])]
        permissions = [
            ("issue_certificate", _("可手工发证")),
            ("revoke_certificate", _("可撤销证书")),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.title}"

    def get_verify_url(self) -> str:
        return reverse("certificates:verify", args=[self.code])

    @property
    def verify_url(self) -> str:
        """The absolute URL printed as the QR code."""
        return f"{settings.SITE_URL}{self.get_verify_url()}"

    def public_status(self, today: date | None = None) -> str:
        """valid / expired / revoked / replaced as the public sees it."""
        if self.status != self.Status.VALID:
            return self.status
        today = today or timezone.localdate()
        if self.valid_until is not None and self.valid_until < today:
            return "expired"
        return "valid"

    def _status_display(self) -> str:
        from certificates.services import STATUS_LABELS

        return str(STATUS_LABELS[self.public_status()])

    _status_display.short_description = _("状态")
    status_display = property(_status_display)

    def _subject(self) -> str:
        return str((self.details or {}).get("subject") or self.title)

    _subject.short_description = _("课程或考试")
    subject = property(_subject)

    def _replaced_by_serial(self) -> str:
        return self.replaced_by.serial if self.replaced_by_id else "—"

    _replaced_by_serial.short_description = _("换发后的证书编号")
    replaced_by_serial = property(_replaced_by_serial)

    def _audit_trail(self) -> str:
        """The certificate's log: who issued, revoked or replaced it, when and why."""
        return "；".join(
            f"{e.at.astimezone(timezone.get_current_timezone()):%Y-%m-%d %H:%M} "
            f"{e.get_action_display()} {e.user or ''} {e.reason}".strip()
            for e in self.events.select_related("user").order_by("at", "pk")
        )

    _audit_trail.short_description = _("操作记录")
    audit_trail = property(_audit_trail)


class ManualIssue(models.Model):
    """An administrator's decision to issue a certificate by hand; the source of that certificate.
    Rows with a `batch` come from a bulk issue."""

    person = models.ForeignKey(
        "portal.Person", verbose_name=_("持证人"), on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(
        CertificateTemplate, verbose_name=_("证书模板"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("课程或考试名称"), max_length=200)
    score = models.CharField(_("成绩"), max_length=20, blank=True)
    reason = models.CharField(_("发证原因"), max_length=255)
    batch = models.ForeignKey(
        "BulkIssue",
        verbose_name=_("批量发证"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="items",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("手工发证")
        verbose_name_plural = _("手工发证")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "person"], name="certificates_one_item_per_batch_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.subject}"


class BulkIssue(models.Model):
    """Issuing one template to many people at once, processed in the task cluster."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("发证中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("部分失败")

    template = models.ForeignKey(
        CertificateTemplate, verbose_name=_("证书模板"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("课程或考试名称"), max_length=200)
    reason = models.CharField(_("发证原因"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("总数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("批量发证")
        verbose_name_plural = _("批量发证")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.subject}（{self.total}）"


class ExpiryReminder(models.Model):
    """One reminder (60 or 30 days before expiry) to one user; the unique row makes it once only
    and records the email. The in-site notice is a portal.Notice (see portal.notices)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("提前天数"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificate_reminders"
    )
    emailed = models.BooleanField(_("已发邮件"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("到期提醒")
        verbose_name_plural = _("到期提醒")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "days_before", "recipient"],
                name="certificates_reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate.serial} −{self.days_before}d → {self.recipient}"


class CertificateEvent(models.Model):
    """Audit log: issued, revoked, replaced, reissued."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("发证")
        REVOKED = "revoked", _("撤销")
        REPLACED = "replaced", _("换发")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("证书操作记录")
        verbose_name_plural = _("证书操作记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.certificate.serial} {self.get_action_display()}"
