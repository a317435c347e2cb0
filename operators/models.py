"""The operator certificate register (持证上岗): 特种作业操作证 and 特种设备作业人员证.

- `OperatorKind`: what a certificate is for. 特种作业 kinds stand for the seeded 30号令 catalogue
  (`portal.SpecialOperation`, one kind each, kept in step by a signal); 特种设备作业 kinds are their
  own catalogue (叉车司机 N1, 起重机司机 Q2 …), seeded and editable.
- `ValidityRule`: one per scheme, seed data citing its articles (validity, review interval, the
  longer interval after years of compliant work, hours of training before a review, reminders).
- `OperatorCertificate`: one certificate of a person; its dates decide whether it is valid on a
  day (`status_on`). Renewals and reviews change the dates and leave a `CertificateEvent`.
- `Position`: an enterprise's 岗位 (matched by name with `Person.position`) and the kinds it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, Person, SpecialOperation
from portal.storage import private_storage


class Scheme(models.TextChoices):
    SPECIAL_OPERATION = "special_operation", _("特种作业")
    SPECIAL_EQUIPMENT = "special_equipment", _("特种设备作业")


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class ValidityRule(models.Model):
    scheme = models.CharField(_("证书类别"), max_length=20, choices=Scheme.choices, unique=True)
    validity_years = models.PositiveSmallIntegerField(_("有效期（年）"))
    review_years = models.PositiveSmallIntegerField(
        _("复审间隔（年）"), null=True, blank=True, help_text=_("空：有效期内不复审，期满换证。")
    )
    long_service_review_years = models.PositiveSmallIntegerField(
        _("延长后的复审间隔（年）"), null=True, blank=True
    )
    long_service_years = models.PositiveSmallIntegerField(
        _("延长复审所需连续从事本工种年限"),
        null=True,
        blank=True,
        help_text=_("连续从事本工种满此年限且无违章的，复审间隔按延长后的间隔计。"),
    )
    refresher_hours = models.DecimalField(
        _("复审前安全培训学时"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    remind_days = models.CharField(
        _("提前提醒天数"),
        max_length=50,
        default="90,30",
        help_text=_("复审或到期前多少天提醒持证人和企业安全管理员，用逗号分隔，每个各提醒一次。"),
    )
    source = models.TextField(_("依据"))

    class Meta:
        verbose_name = _("持证有效期规则")
        verbose_name_plural = _("持证有效期规则")
        ordering = ["scheme"]

    def __str__(self) -> str:
        return str(self.get_scheme_display())

    def clean(self) -> None:
        try:
            self.reminder_days()
        except ValueError:
            raise ValidationError(
                {"remind_days": _("提前提醒天数应为用逗号分隔的正整数，如 90,30。")}
            ) from None
        if self.long_service_review_years and not self.long_service_years:
            raise ValidationError(
                {"long_service_years": _("填写了延长后的复审间隔，须同时填写所需年限。")}
            )

    def reminder_days(self) -> tuple[int, ...]:
        days = [d.strip() for d in self.remind_days.replace("，", ",").split(",") if d.strip()]
        values = tuple(sorted({int(d) for d in days}, reverse=True))
        if any(v <= 0 for v in values):
            raise ValueError(self.remind_days)
        return values


class OperatorKindQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class OperatorKind(models.Model):
    scheme = models.CharField(_("证书类别"), max_length=20, choices=Scheme.choices)
    category = models.CharField(_("作业类别"), max_length=50)
    code = models.CharField(_("项目代号"), max_length=10, blank=True)
    name = models.CharField(_("作业项目"), max_length=80)
    special_operation = models.OneToOneField(
        SpecialOperation,
        verbose_name=_("特种作业操作项目"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="operator_kind",
        help_text=_("特种作业证对应的30号令目录项目（由目录自动维护）。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = OperatorKindQuerySet.as_manager()

    class Meta:
        verbose_name = _("持证作业项目")
        verbose_name_plural = _("持证作业项目")
        ordering = ["scheme", "sort_order", "category", "code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "category", "name"], name="unique_operator_kind"
            )
        ]

    def __str__(self) -> str:
        label = f"{self.name}（{self.code}）" if self.code else self.name
        return f"{self.get_scheme_display()} / {self.category} / {label}"

    def clean(self) -> None:
        if self.scheme == Scheme.SPECIAL_EQUIPMENT and self.special_operation_id:
            raise ValidationError({"special_operation": _("特种设备作业项目不对应特种作业目录。")})


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVIEW_DUE = "review_due", _("即将复审/到期")
    REVIEW_OVERDUE = "review_overdue", _("逾期未复审")
    EXPIRED = "expired", _("已过期")
    NOT_YET = "not_yet", _("未生效")


@dataclass(frozen=True)
class Due:
    """The next date the certificate needs something: a review, or renewal at expiry."""

    on: date
    is_review: bool


class OperatorCertificateQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class OperatorCertificate(models.Model):
    person = models.ForeignKey(
        Person,
        verbose_name=_("持证人"),
        on_delete=models.CASCADE,
        related_name="operator_certificates",
    )
    kind = models.ForeignKey(
        OperatorKind,
        verbose_name=_("作业项目"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    number = models.CharField(_("证书编号"), max_length=40, blank=True)
    authority = models.CharField(_("发证机关"), max_length=100, blank=True)
    first_issued_on = models.DateField(_("初次领证日期"))
    last_reviewed_on = models.DateField(_("最近复审日期"), null=True, blank=True)
    expires_on = models.DateField(
        _("有效期至"), blank=True, help_text=_("留空则按有效期规则从初次领证日期推算。")
    )
    in_trade_since = models.DateField(
        _("连续从事本工种起始日期"),
        null=True,
        blank=True,
        help_text=_("连续从事本工种满规定年限且无违章的，复审间隔延长（见持证有效期规则）。"),
    )
    no_violations = models.BooleanField(_("严格遵守安全生产法律法规、无违章"), default=True)
    scan = models.FileField(
        _("证书扫描件"),
        storage=private_storage,
        upload_to="operator-certificates/%Y/",
        blank=True,
        help_text=_("图片或 PDF，仅持证人本人、本企业安全管理员和监管人员可查看。"),
    )
    is_current = models.BooleanField(
        _("在用"), default=True, help_text=_("注销或被新证替代的证书不再计入持证。")
    )
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OperatorCertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("持证记录")
        verbose_name_plural = _("特种作业/特种设备作业人员证")
        ordering = ["person__enterprise__name", "person__name", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=~models.Q(number=""),
                name="unique_operator_certificate_number",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("first_issued_on")),
                name="operator_certificate_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.kind.name} · {self.number or '—'}"

    # ---- the rule

    def rule(self, rules: dict | None = None) -> ValidityRule | None:
        if rules is not None:
            return rules.get(self.kind.scheme)
        return ValidityRule.objects.filter(scheme=self.kind.scheme).first()

    def default_expiry(self, rule: ValidityRule | None) -> date | None:
        if rule is None or self.first_issued_on is None:
            return None
        return add_years(self.first_issued_on, rule.validity_years)

    def long_service(self, rule: ValidityRule | None, on: date) -> bool:
        """Whether the longer review interval applies on `on`: in the trade continuously for at
        least the rule's years, without violations."""
        if rule is None or not rule.long_service_years or not rule.long_service_review_years:
            return False
        if self.in_trade_since is None or not self.no_violations:
            return False
        return add_years(self.in_trade_since, rule.long_service_years) <= on

    def review_interval(self, rule: ValidityRule | None, on: date) -> int | None:
        if rule is None or not rule.review_years:
            return None
        if self.long_service(rule, on):
            return rule.long_service_review_years
        return rule.review_years

    def next_due(self, rule: ValidityRule | None, on: date) -> Due:
        """The next review (last review, or first issue, + the interval) when it falls before
        the expiry; else the expiry (renewal)."""
        interval = self.review_interval(rule, on)
        if interval:
            review = add_years(self.last_reviewed_on or self.first_issued_on, interval)
            if review < self.expires_on:
                return Due(review, True)
        return Due(self.expires_on, False)

    def status_on(self, on: date, rule: ValidityRule | None = None, *, soon_days: int = 90):
        """CertificateStatus on the day `on`. Valid on the review or expiry day itself, no longer
        the day after."""
        if not self.is_current:
            return CertificateStatus.EXPIRED
        if on < self.first_issued_on:
            return CertificateStatus.NOT_YET
        if on > self.expires_on:
            return CertificateStatus.EXPIRED
        due = self.next_due(rule, on)
        if due.is_review and on > due.on:
            return CertificateStatus.REVIEW_OVERDUE
        if on + timedelta(days=soon_days) >= due.on:
            return CertificateStatus.REVIEW_DUE
        return CertificateStatus.VALID

    def is_valid_on(self, on: date, rule: ValidityRule | None = None) -> bool:
        return self.status_on(on, rule) in (CertificateStatus.VALID, CertificateStatus.REVIEW_DUE)

    def clean(self) -> None:
        errors = {}
        if not self.expires_on and self.kind_id and self.first_issued_on:
            self.expires_on = self.default_expiry(self.rule())
        if self.expires_on and self.first_issued_on and self.expires_on <= self.first_issued_on:
            errors["expires_on"] = _("有效期至不能早于或等于初次领证日期。")
        if self.last_reviewed_on and self.first_issued_on:
            if self.last_reviewed_on < self.first_issued_on:
                errors["last_reviewed_on"] = _("最近复审日期不能早于初次领证日期。")
        if self.kind_id and self.number:
            clash = OperatorCertificate.objects.filter(kind_id=self.kind_id, number=self.number)
            if self.pk:
                clash = clash.exclude(pk=self.pk)
            if clash.exists():
                errors["number"] = _("该作业项目下已有相同编号的证书。")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        if not self.expires_on and self.first_issued_on:
            self.expires_on = self.default_expiry(self.rule())
        super().save(*args, **kwargs)


class CertificateEvent(models.Model):
    """A review or renewal: the dates before and after (the register keeps its history)."""

    class Action(models.TextChoices):
        REVIEW = "review", _("复审")
        RENEWAL = "renewal", _("换证")

    certificate = models.ForeignKey(
        OperatorCertificate,
        verbose_name=_("证书"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("事项"), max_length=10, choices=Action.choices)
    on = models.DateField(_("日期"))
    previous_number = models.CharField(_("原证书编号"), max_length=40, blank=True)
    previous_reviewed_on = models.DateField(_("原最近复审日期"), null=True, blank=True)
    previous_expires_on = models.DateField(_("原有效期至"))
    new_expires_on = models.DateField(_("新有效期至"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("复审/换证记录")
        verbose_name_plural = _("复审/换证记录")
        ordering = ["certificate", "-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.on:%Y-%m-%d}"


class Position(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="positions"
    )
    name = models.CharField(
        _("岗位名称"),
        max_length=50,
        help_text=_("与人员名册中的“岗位”一致的人员按本岗位要求核查。"),
    )
    required_kinds = models.ManyToManyField(
        OperatorKind, verbose_name=_("须持证的作业项目"), related_name="positions", blank=True
    )

    class Meta:
        verbose_name = _("岗位持证要求")
        verbose_name_plural = _("岗位持证要求")
        ordering = ["enterprise__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="unique_position_name")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.name} · {self.name}"
