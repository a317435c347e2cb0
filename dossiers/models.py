"""A generated training file (一人一档 PDF or 一企一档 .zip): who asked for it, of whom, where its
bytes are (private storage, no URL) and until when they are kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, Person
from portal.storage import private_storage


class DossierQuerySet(models.QuerySet):
    def pending(self) -> DossierQuerySet:
        return self.filter(status__in=Dossier.PENDING)

    def expired(self, now) -> DossierQuerySet:
        return self.filter(expires_at__isnull=False, expires_at__lt=now).exclude(
            status=Dossier.Status.EXPIRED
        )


def _upload_to(instance, filename: str) -> str:
    return f"dossiers/{instance.pk}/{filename}"


class Dossier(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("一人一档")
        ENTERPRISE = "enterprise", _("一企一档")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("可下载")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    PENDING = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dossiers",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="dossiers",
    )
    # "person:12" / "enterprise:3": one file in the making per requester and subject
    subject = models.CharField(max_length=40, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="dossiers",
    )
    on = models.DateField(_("截至日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress_id = models.UUIDField(null=True, blank=True, editable=False)
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=_upload_to, blank=True, max_length=255
    )
    filename = models.CharField(_("文件名"), max_length=150, blank=True)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    people = models.PositiveIntegerField(_("人数"), default=0)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    # times the job was queued again after its task was lost (dossiers.services.requeue_stalled)
    requeues = models.PositiveSmallIntegerField(_("重新排队次数"), default=0, editable=False)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("保留至"), null=True, blank=True, db_index=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训档案")
        verbose_name_plural = _("培训档案")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "subject"],
                condition=Q(status__in=["queued", "running"]),
                name="dossier_one_pending_per_requester",
            ),
            models.CheckConstraint(
                condition=Q(kind="enterprise") | Q(person__isnull=False),
                name="dossier_person_file_has_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject_name}"

    @property
    def subject_name(self) -> str:
        if self.kind == self.Kind.PERSON and self.person_id:
            return self.person.name
        return self.enterprise.name

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @staticmethod
    def subject_of(*, person: Person | None = None, enterprise: Enterprise | None = None) -> str:
        return f"person:{person.pk}" if person is not None else f"enterprise:{enterprise.pk}"
