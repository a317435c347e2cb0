"""Enterprise statistical returns (统计填报): the forms a district asks for, each enterprise's filing
and every change made to it.

    ReturnForm      a return asked by a district: period, due date, target enterprises, items
    Filing          one enterprise's return for one form: additional figures, note, status
    FilingChange    who changed what, when (old → new), for every save, submit and review
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, Industry, Region
from portal.periods import Period
from returns.items import ITEMS


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    HALF = "half", _("半年")
    YEAR = "year", _("年度")


class HighRisk(models.TextChoices):
    ANY = "", _("不限")
    TRAINING = "training", _("培训高危企业")
    DRILL = "drill", _("演练高危企业（应急条例第八条）")


NUMBER_LIMITS = {"month": 12, "quarter": 4, "half": 2, "year": 1}


def form_period(kind: str, year: int, number: int) -> Period:
    """The statistics period of a return: a month, quarter, half-year or year."""
    if kind == PeriodKind.YEAR:
        return Period.of_year(year)
    months = {"month": 1, "quarter": 3, "half": 6}[kind]
    first = (number - 1) * months + 1
    last = first + months - 1
    start = date(year, first, 1)
    end = date(year, last, calendar.monthrange(year, last)[1])
    if kind == PeriodKind.MONTH:
        label = _g("%(y)s年%(m)s月") % {"y": year, "m": number}
        return Period("month", start, end, label)
    if kind == PeriodKind.QUARTER:
        label = _g("%(y)s年第%(q)s季度") % {"y": year, "q": number}
        return Period("quarter", start, end, label)
    label = (_g("%(y)s年上半年") if number == 1 else _g("%(y)s年下半年")) % {"y": year}
    return Period("custom", start, end, label)


class ReturnForm(models.Model):
    name = models.CharField(_("报表名称"), max_length=100, unique=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("发布区域"),
        on_delete=models.PROTECT,
        related_name="return_forms",
        limit_choices_to={"level": Region.Level.DISTRICT},
        null=True,
        blank=True,
        help_text=_("留空则为所有区（标准表）。"),
    )
    period_kind = models.CharField(
        _("统计周期"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.YEAR
    )
    year = models.PositiveIntegerField(_("年份"))
    number = models.PositiveSmallIntegerField(
        _("期数"),
        default=1,
        help_text=_("月度填 1–12，季度填 1–4，半年填 1（上半年）或 2（下半年），年度填 1。"),
    )
    due_on = models.DateField(_("截止日期"))
    streets = models.ManyToManyField(
        Region,
        verbose_name=_("填报街道"),
        blank=True,
        related_name="+",
        limit_choices_to={"level": Region.Level.STREET},
        help_text=_("不选则为全区企业。"),
    )
    industries = models.JSONField(_("填报行业"), default=list, blank=True)
    high_risk = models.CharField(
        _("高危企业范围"), max_length=10, choices=HighRisk.choices, default="", blank=True
    )
    items = models.JSONField(_("填报项目"), default=list)
    is_open = models.BooleanField(
        _("已发布"), default=False, help_text=_("发布后目标企业在工作台看到填报任务。")
    )
    counts_in_figures = models.BooleanField(
        _("计入汇总"),
        default=True,
        help_text=_(
            "采纳后的补报数计入驾驶舱和年度报告。统计期间重叠的两张报表不能同时计入汇总，避免重复统计。"
        ),
    )
    note = models.TextField(_("填报说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("统计报表")
        verbose_name_plural = _("统计报表")
        ordering = ["-year", "due_on", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def period(self) -> Period:
        return form_period(self.period_kind, self.year, self.number)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        limit = NUMBER_LIMITS.get(self.period_kind, 1)
        if not 1 <= (self.number or 0) <= limit:
            errors["number"] = _("期数须为 1 至 %(n)s。") % {"n": limit}
        if self.year and not 2000 <= self.year <= 2100:
            errors["year"] = _("年份须为 2000 至 2100 之间的整数。")
        unknown = [k for k in self.items or [] if k not in ITEMS]
        if not self.items:
            errors["items"] = _("请至少选择一个填报项目。")
        elif unknown:
            errors["items"] = _("未知的填报项目：%(k)s") % {"k": "、".join(unknown)}
        bad_industries = set(self.industries or []) - set(Industry.values)
        if bad_industries:
            errors["industries"] = _("未知的行业：%(k)s") % {"k": "、".join(sorted(bad_industries))}
        if errors:
            raise ValidationError(errors)
        if self.counts_in_figures and self.year:
            period = self.period
            for other in ReturnForm.objects.filter(counts_in_figures=True).exclude(pk=self.pk):
                theirs = other.period
                if theirs.start <= period.end and period.start <= theirs.end:
                    raise ValidationError(
                        {
                            "counts_in_figures": _(
                                "与报表“%(name)s”（%(period)s）的统计期间重叠，两者不能同时计入汇总。"
                            )
                            % {"name": other.name, "period": theirs.label}
                        }
                    )

    def targets_q(self, prefix: str = "") -> Q:
        """Enterprises (or rows through `prefix`, e.g. "enterprise") this form asks."""
        p = f"{prefix}__" if prefix else ""
        q = Q(**{f"{p}street__path__startswith": self.region.path}) if self.region_id else Q()
        street_ids = [s.pk for s in self.streets.all()]
        if street_ids:
            q &= Q(**{f"{p}street_id__in": street_ids})
        if self.industries:
            q &= Q(**{f"{p}industry__in": list(self.industries)})
        if self.high_risk == HighRisk.TRAINING:
            q &= Q(**{f"{p}is_training_high_risk": True})
        elif self.high_risk == HighRisk.DRILL:
            q &= Q(**{f"{p}is_drill_high_risk": True})
        return q

    def targets(self) -> QuerySet[Enterprise]:
        return Enterprise.objects.filter(self.targets_q())

    def asks(self, enterprise: Enterprise) -> bool:
        return self.targets().filter(pk=enterprise.pk).exists()


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交，待街道审核")
    PASSED = "passed", _("街道已审核，待区采纳")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已采纳")


EDITABLE = (FilingStatus.DRAFT, FilingStatus.RETURNED)
PENDING = (FilingStatus.SUBMITTED, FilingStatus.PASSED)


def parse_value(text) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


class Filing(models.Model):
    form = models.ForeignKey(
        ReturnForm, verbose_name=_("统计报表"), on_delete=models.PROTECT, related_name="filings"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="return_filings"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=FilingStatus.choices, default=FilingStatus.DRAFT
    )
    # The additional activity not recorded individually: item key → decimal text.
    additional = models.JSONField(_("补报数"), default=dict, blank=True)
    # What the portal had recorded when the return was submitted (the pre-fill), item key → text.
    recorded = models.JSONField(_("系统记录数"), default=dict, blank=True)
    note = models.TextField(_("补报说明"), blank=True)
    reason = models.TextField(_("退回原因"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("采纳时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("企业填报")
        verbose_name_plural = _("企业填报")
        ordering = ["form", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(fields=["form", "enterprise"], name="returns_one_filing")
        ]

    def __str__(self) -> str:
        return f"{self.form} · {self.enterprise}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    def value(self, key: str) -> Decimal:
        return parse_value(self.additional.get(key)) or Decimal(0)


class FilingChange(models.Model):
    class Action(models.TextChoices):
        SAVE = "save", _("保存")
        SUBMIT = "submit", _("提交")
        PASS = "pass", _("街道审核通过")
        RETURN = "return", _("退回")
        ACCEPT = "accept", _("区采纳")
        IMPORT = "import", _("批量导入")
        UNDO = "undo", _("撤销导入")

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    field = models.CharField(_("项目"), max_length=80, blank=True)
    old = models.TextField(_("原值"), blank=True)
    new = models.TextField(_("新值"), blank=True)

    class Meta:
        verbose_name = _("填报变更记录")
        verbose_name_plural = _("填报变更记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.field}: {self.old} → {self.new}"
