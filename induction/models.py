"""三级安全教育 (生产经营单位安全培训规定 第十三条): one induction per new hire, job change (转岗) or
return after a year or more away (复岗), with its three levels — 公司（厂）级, 车间（部门）级, 班组级 —
each dated, with hours, content items and an instructor, signed off by the trainee and the
instructor. An induction is complete when the three levels are signed by both, each held before
the start of work, and their hours reach the minimum of the training-hour rule table
(courses.TrainingRequirement, 其他从业人员: 24 h, 72 h in the training high-risk industries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.models import Person

# A person hired this many days before the day of the figure, with no induction registered at
# all, counts as working without one (older hires predate the register: their paper cards).
NEW_HIRE_WINDOW_DAYS = 365


class Reason(models.TextChoices):
    NEW_HIRE = "new_hire", _("新入职")
    TRANSFER = "transfer", _("转岗")
    RETURN = "return", _("复岗")


class Level(models.IntegerChoices):
    COMPANY = 1, _("公司（厂）级")
    WORKSHOP = 2, _("车间（部门）级")
    TEAM = 3, _("班组级")


class Induction(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("受教育人员"), on_delete=models.CASCADE, related_name="inductions"
    )
    reason = models.CharField(
        _("类型"), max_length=12, choices=Reason.choices, default=Reason.NEW_HIRE
    )
    starts_on = models.DateField(
        _("上岗日期"), help_text=_("三级教育的每一级都须在此日期之前完成。")
    )
    position = models.CharField(_("上岗岗位"), max_length=50, blank=True)
    workshop = models.CharField(_("车间（部门）"), max_length=50, blank=True)
    team = models.CharField(_("班组"), max_length=50, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("三级安全教育")
        verbose_name_plural = _("三级安全教育")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "reason", "starts_on"], name="unique_induction_per_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_reason_display()} · {self.starts_on:%Y-%m-%d}"

    def ordered_levels(self) -> list[InductionLevel]:
        """The three levels in order (from the prefetch cache when there is one)."""
        return sorted(self.levels.all(), key=lambda lv: lv.level)

    def assess(self, required: Decimal | None) -> Assessment:
        return assess(self, self.ordered_levels(), required)


class InductionLevel(models.Model):
    induction = models.ForeignKey(
        Induction, verbose_name=_("三级安全教育"), on_delete=models.CASCADE, related_name="levels"
    )
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    held_on = models.DateField(_("教育日期"), null=True, blank=True)
    hours = models.DecimalField(
        _("学时"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("99.9"))],
    )
    content = models.TextField(_("教育内容"), blank=True, help_text=_("每行一项。"))
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授课人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("本企业的账号（如班组长）或企业安全管理员；由其在手机上确认签字。"),
    )
    trainee_signed_at = models.DateTimeField(_("学员签字时间"), null=True, blank=True)
    trainee_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    instructor_signed_at = models.DateTimeField(_("授课人签字时间"), null=True, blank=True)
    instructor_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("三级安全教育级别")
        verbose_name_plural = _("三级安全教育级别")
        ordering = ["induction", "level"]
        constraints = [
            models.UniqueConstraint(fields=["induction", "level"], name="unique_induction_level")
        ]

    def __str__(self) -> str:
        return f"{self.induction.person} · {self.get_level_display()}"

    @property
    def content_items(self) -> list[str]:
        return [line.strip() for line in self.content.splitlines() if line.strip()]

    @property
    def is_ready(self) -> bool:
        """Filled in enough to be signed: date, hours, content and instructor."""
        return bool(self.held_on and self.hours and self.content_items and self.instructor_id)

    @property
    def is_signed(self) -> bool:
        return self.trainee_signed_at is not None and self.instructor_signed_at is not None

    @property
    def is_partly_signed(self) -> bool:
        return (self.trainee_signed_at is None) != (self.instructor_signed_at is None)


# ---------------------------------------------------------------------------- the rule


class Status(models.TextChoices):
    COMPLETE = "complete", _("已完成")
    IN_TRAINING = "in_training", _("教育中（未上岗）")
    OVERDUE = "overdue", _("未完成已上岗")


@dataclass
class Assessment:
    complete: bool
    total_hours: Decimal
    required: Decimal | None
    problems: list[str] = field(default_factory=list)

    def status(self, starts_on: date, on: date) -> Status:
        if self.complete:
            return Status.COMPLETE
        return Status.OVERDUE if starts_on <= on else Status.IN_TRAINING


def assess(induction: Induction, levels: list[InductionLevel], required: Decimal | None):
    """Whether the induction is complete, and if not why (in Chinese, one line a reason).
    The same rule as statistics.person_states computes in SQL (a test keeps them equal)."""
    problems: list[str] = []
    by_level = {lv.level: lv for lv in levels}
    total = sum((lv.hours or Decimal(0) for lv in levels), Decimal(0))
    for value, label in Level.choices:
        lv = by_level.get(value)
        if lv is None or not lv.is_ready:
            problems.append(
                gettext("%(level)s未填写完整（日期、学时、内容、授课人）。") % {"level": label}
            )
            continue
        if lv.held_on >= induction.starts_on:
            problems.append(
                gettext("%(level)s的教育日期 %(d)s 不早于上岗日期 %(s)s。")
                % {
                    "level": label,
                    "d": f"{lv.held_on:%Y-%m-%d}",
                    "s": f"{induction.starts_on:%Y-%m-%d}",
                }
            )
        if lv.trainee_signed_at is None:
            problems.append(gettext("%(level)s学员未签字。") % {"level": label})
        if lv.instructor_signed_at is None:
            problems.append(gettext("%(level)s授课人未签字。") % {"level": label})
    if required is not None and total < required:
        problems.append(
            gettext("三级教育合计 %(total)s 学时，不足规定的 %(required)s 学时。")
            % {"total": _hours(total), "required": _hours(required)}
        )
    return Assessment(
        complete=not problems, total_hours=total, required=required, problems=problems
    )


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"
