"""Training records (one record = one 人次), courses, classes, programmes and requirements."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, Person, PersonCategory


class TrainingKind(models.TextChoices):
    INITIAL = "initial", _("初训")
    REFRESHER = "refresher", _("再培训")
    LEVEL_PLANT = "level_plant", _("三级安全教育（厂级）")
    LEVEL_WORKSHOP = "level_workshop", _("三级安全教育（车间级）")
    LEVEL_TEAM = "level_team", _("三级安全教育（班组级）")
    TOPIC = "topic", _("专题培训")
    SPECIAL_REVIEW = "special_review", _("特种作业复审")
    DRILL = "drill", _("应急演练")
    OTHER = "other", _("其他")


class SourceKind(models.TextChoices):
    COURSE = "course", _("线上课程")
    CLASS = "class", _("培训班")
    DRILL = "drill", _("应急演练")
    EXTERNAL = "external", _("外部导入")


class TrainingRecordQuerySet(models.QuerySet):
    def in_year(self, year: int) -> TrainingRecordQuerySet:
        return self.filter(date__year=year)


class TrainingRecord(models.Model):
    """One person trained once (一人次). Written by record_training only."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="training_records"
    )
    date = models.DateField(_("培训日期"), db_index=True)
    hours = models.DecimalField(
        _("学时"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
    )
    kind = models.CharField(
        _("培训类型"), max_length=20, choices=TrainingKind.choices, default=TrainingKind.OTHER
    )
    source_kind = models.CharField(
        _("来源"), max_length=12, choices=SourceKind.choices, db_index=True
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("培训名称"), max_length=200)
    category = models.CharField(_("当时人员类别"), max_length=20, choices=PersonCategory.choices)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("当时所在企业"),
        on_delete=models.PROTECT,
        related_name="training_records",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "person"],
                condition=models.Q(content_type__isnull=False, object_id__isnull=False),
                name="unique_training_record_per_source_person",
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "date"]),
            models.Index(fields=["person", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.title} · {self.date}"
