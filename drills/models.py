"""Emergency plans, drills, participation, scripts, evaluation, findings, reminders and notices."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel

from portal.models import Enterprise, Person, Region


class PlanType(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合应急预案")
    SPECIAL = "special", _("专项应急预案")
    ONSITE = "onsite", _("现场处置方案")


class AccidentType(models.TextChoices):
    FIRE = "fire", _("火灾")
    CHEMICAL_LEAK = "chemical_leak", _("危化品泄漏")
    PIPELINE_LEAK = "pipeline_leak", _("管道泄漏")
    AMMONIA = "ammonia", _("涉氨制冷")
    CONFINED_SPACE = "confined_space", _("有限空间")
    ROAD_TRANSPORT = "road_transport", _("道路运输")
    NATURAL_DISASTER = "natural_disaster", _("自然灾害")
    OTHER = "other", _("其他")


class EmergencyPlan(models.Model):
    class FilingStatus(models.TextChoices):
        NOT_FILED = "not_filed", _("未备案")
        SUBMITTED = "submitted", _("已提交备案")
        FILED = "filed", _("已备案")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="emergency_plans"
    )
    name = models.CharField(_("预案名称"), max_length=200)
    plan_type = models.CharField(_("预案类型"), max_length=20, choices=PlanType.choices)
    accident_types = models.JSONField(
        _("适用事故类型"), default=list, blank=True, help_text=_("事故类型代码列表。")
    )
    version = models.CharField(_("版本"), max_length=30, default="1.0")
    file = models.FileField(_("预案文件"), upload_to="drills/plans/%Y/", blank=True)
    filing_status = models.CharField(
        _("备案状态"), max_length=12, choices=FilingStatus.choices, default=FilingStatus.NOT_FILED
    )
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    next_review_on = models.DateField(_("下次评审日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("enterprise"),
        FieldPanel("name"),
        FieldPanel("plan_type"),
        FieldPanel("accident_types"),
        FieldPanel("version"),
        FieldPanel("file"),
        FieldPanel("filing_status"),
        FieldPanel("filed_on"),
        FieldPanel("next_review_on"),
    ]

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["enterprise__name", "plan_type", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"

    @property
    def accident_type_labels(self) -> str:
        labels = dict(AccidentType.choices)
        return "、".join(str(labels.get(code, code)) for code in self.accident_types)

    def clean(self) -> None:
        valid = set(AccidentType.values)
        bad = [code for code in self.accident_types or [] if code not in valid]
        if bad:
            raise ValidationError({"accident_types": _("未知的事故类型：%s") % "、".join(bad)})
        if self.filing_status == self.FilingStatus.FILED and not self.filed_on:
            raise ValidationError({"filed_on": _("已备案的预案须填写备案日期。")})


class FrequencyRule(models.Model):
    """A legal minimum drill frequency (seeded from drills/data/drill_frequency.csv, editable)."""

    class AppliesTo(models.TextChoices):
        ALL = "all", _("所有生产经营单位")
        HIGH_RISK = "high_risk", _("高危生产经营单位")
        GOVERNMENT = "government", _("政府及街道")

    class Counts(models.TextChoices):
        COMPREHENSIVE_SPECIAL = "comprehensive_special", _("综合或专项预案演练")
        ONSITE = "onsite", _("现场处置方案演练")
        ANY = "any", _("任一预案演练")

    who = models.CharField(_("适用对象"), max_length=200)
    drill = models.CharField(_("演练要求"), max_length=100)
    applies_to = models.CharField(_("适用范围"), max_length=12, choices=AppliesTo.choices)
    counts = models.CharField(_("计入的演练"), max_length=24, choices=Counts.choices)
    interval_months = models.PositiveIntegerField(
        _("间隔（月）"), validators=[MinValueValidator(1)]
    )
    report_to_regulator = models.BooleanField(_("须报告监管部门"), default=False)
    report_within_days = models.PositiveIntegerField(
        _("报告期限（天）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "须报告监管部门的规则：已实施的演练在计划结束后超过该天数仍未报告的，通知企业"
            "（每次演练一次）。法规未规定天数，由本区设定。"
        ),
    )
    linked_roles = models.JSONField(
        _("计入联动演练的参演角色"),
        default=list,
        blank=True,
        help_text=_(
            "企业作为参演企业参加区、街道等组织的多级联动演练，且本企业人员以这些角色到场时，"
            "该演练按其预案类型计入本企业的演练频次。留空则联动演练不计入本规则。"
        ),
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("演练频次规则")
        verbose_name_plural = _("演练频次规则")
        ordering = ["applies_to", "interval_months"]

    def __str__(self) -> str:
        return _("%(applies_to)s：%(drill)s / %(n)s个月") % {
            "applies_to": self.get_applies_to_display(),
            "drill": self.drill,
            "n": self.interval_months,
        }

    def clean(self) -> None:
        bad = [r for r in self.linked_roles or [] if r not in ParticipantRole.values]
        if bad:
            raise ValidationError({"linked_roles": _("未知的参演角色：%s") % "、".join(bad)})
        if self.report_to_regulator and not self.report_within_days:
            raise ValidationError({"report_within_days": _("须报告监管部门的规则请填写报告期限。")})

    def linked_role_labels(self) -> str:
        labels = dict(ParticipantRole.choices)
        return "、".join(str(labels.get(r, r)) for r in self.linked_roles or []) or "—"

    linked_role_labels.short_description = _("计入联动演练的参演角色")

    def plan_types(self) -> set[str] | None:
        """Plan types a drill must have to count; None means any drill counts."""
        if self.counts == self.Counts.COMPREHENSIVE_SPECIAL:
            return {PlanType.COMPREHENSIVE, PlanType.SPECIAL}
        if self.counts == self.Counts.ONSITE:
            return {PlanType.ONSITE}
        return None


class DrillStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    PREPARING = "preparing", _("准备")
    EXECUTING = "executing", _("实施")
    EVALUATING = "evaluating", _("评估总结")
    RECTIFYING = "rectifying", _("整改")
    ARCHIVED = "archived", _("归档")
    CANCELLED = "cancelled", _("已取消")


# States in which the drill has taken place (it counts for frequency compliance and statistics).
HELD_STATES = (
    DrillStatus.EXECUTING,
    DrillStatus.EVALUATING,
    DrillStatus.RECTIFYING,
    DrillStatus.ARCHIVED,
)
FINAL_STATES = (DrillStatus.ARCHIVED, DrillStatus.CANCELLED)


def person_times_expression():
    """参演人次 of the outer drill, its one definition: participations that attended (checked in,
    or marked present by the controller) plus the drill's headcount of people on no roster.
    `drills.statistics.person_times` (the catalogued figure) and `with_person_times` use it."""
    from django.db.models.functions import Coalesce

    return Coalesce(attended_subquery(), 0) + models.F("headcount")


def attended_subquery() -> models.Subquery:
    """How many roster/external participations of the outer drill attended (see
    ParticipationQuerySet.attended); for annotations."""
    return models.Subquery(
        Participation.objects.attended()
        .filter(drill=models.OuterRef("pk"))
        .order_by()
        .values("drill")
        .annotate(n=models.Count("pk"))
        .values("n"),
        output_field=models.IntegerField(),
    )


class DrillQuerySet(models.QuerySet):
    def held(self) -> DrillQuerySet:
        return self.filter(status__in=HELD_STATES)

    def active(self) -> DrillQuerySet:
        return self.exclude(status__in=FINAL_STATES)

    def with_person_times(self) -> DrillQuerySet:
        """Annotates 参演人次, the one definition: participations that attended (checked in, or
        marked present by the controller) plus the drill's headcount of people on no roster.
        Also `attended` (the participations part) and `no_shows` (on the list, never present)."""
        from django.db.models.functions import Coalesce

        absent = models.Subquery(
            Participation.objects.no_shows()
            .filter(drill=models.OuterRef("pk"))
            .order_by()
            .values("drill")
            .annotate(n=models.Count("pk"))
            .values("n"),
            output_field=models.IntegerField(),
        )
        return self.annotate(
            attended=Coalesce(attended_subquery(), 0),
            no_shows=Coalesce(absent, 0),
            person_times=person_times_expression(),
        )

    def person_times(self) -> int:
        """参演人次 of these drills in total (attendance + headcounts; one query)."""
        return sum(self.with_person_times().values_list("person_times", flat=True))


class Drill(models.Model):
    class Level(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业级")
        STREET = "street", _("街道级")
        DISTRICT = "district", _("区级")
        CITY = "city", _("市级")
        PROVINCE = "province", _("省级")

    class Form(models.TextChoices):
        TABLETOP = "tabletop", _("桌面演练")
        LIVE = "live", _("实战演练")

    class Content(models.TextChoices):
        SINGLE = "single", _("单项演练")
        COMPREHENSIVE = "comprehensive", _("综合演练")

    class Purpose(models.TextChoices):
        INSPECTION = "inspection", _("检验性")
        DEMONSTRATION = "demonstration", _("示范性")
        RESEARCH = "research", _("研究性")

    class Campaign(models.TextChoices):
        NONE = "", _("无")
        SAFETY_MONTH = "safety_month", _("安全生产月")
        FIRE_DAY = "fire_day", _("11·9消防日")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("演练编号"), max_length=30, unique=True, blank=True)
    title = models.CharField(_("演练名称"), max_length=200)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("组织企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drills",
        help_text=_("企业组织的演练填写；区域组织的演练留空并填写组织区域。"),
    )
    organiser_region = models.ForeignKey(
        Region,
        verbose_name=_("组织区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organised_drills",
    )
    level = models.CharField(
        _("演练级别"), max_length=12, choices=Level.choices, default=Level.ENTERPRISE
    )
    is_linked = models.BooleanField(_("多级联动演练"), default=False)
    participating_enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("参演企业"), blank=True, related_name="joined_drills"
    )
    participating_units = models.TextField(
        _("其他参演单位"), blank=True, help_text=_("消防、医疗、交警等单位，每行一个。")
    )
    form = models.CharField(_("演练形式"), max_length=10, choices=Form.choices)
    content = models.CharField(_("演练内容"), max_length=14, choices=Content.choices)
    purpose = models.CharField(
        _("演练目的"), max_length=14, choices=Purpose.choices, default=Purpose.INSPECTION
    )
    accident_type = models.CharField(_("事故类型"), max_length=20, choices=AccidentType.choices)
    plan = models.ForeignKey(
        EmergencyPlan,
        verbose_name=_("依据预案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drills",
    )
    plan_version = models.CharField(_("预案版本"), max_length=30, blank=True)
    plan_type = models.CharField(
        _("演练的预案类型"),
        max_length=20,
        choices=PlanType.choices,
        blank=True,
        help_text=_("未选择时取依据预案的类型；用于演练频次核查。"),
    )
    planned_start = models.DateTimeField(_("计划开始"))
    planned_end = models.DateTimeField(_("计划结束"))
    place = models.CharField(_("演练地点"), max_length=200)
    budget = models.DecimalField(
        _("预算（元）"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    spent = models.DecimalField(
        _("实际投入（元）"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    campaign = models.CharField(
        _("活动标签"), max_length=14, choices=Campaign.choices, blank=True, default=""
    )
    headcount = models.PositiveIntegerField(
        _("名册外参演人数"),
        default=0,
        help_text=_("未列入参演名单的参演人数（社区居民、访客等），计入参演人次。"),
    )
    reported_to_regulator = models.BooleanField(_("已报告监管部门"), default=False)
    reported_on = models.DateField(_("报告日期"), null=True, blank=True)
    training_hours = models.DecimalField(
        _("计入培训学时"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("签到参演人员记入培训档案的学时；0 表示不记入。"),
    )
    certificate_template = models.ForeignKey(
        "certificates.CertificateTemplate",
        verbose_name=_("参演证明模板"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("选择后，签到的参演人员在演练进入评估总结时获得一份参演证明。"),
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=DrillStatus.choices,
        default=DrillStatus.PLANNED,
        db_index=True,
    )
    sequence = models.PositiveIntegerField(_("日历版本号"), default=0, editable=False)
    summary = models.TextField(_("评估总结"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DrillQuerySet.as_manager()

    # Fields whose change is news for a calendar subscriber (raises SEQUENCE).
    CALENDAR_FIELDS = ("title", "planned_start", "planned_end", "place", "status")

    class Meta:
        verbose_name = _("应急演练")
        verbose_name_plural = _("应急演练")
        ordering = ["-planned_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(organiser_region__isnull=False),
                name="drill_has_an_organiser",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="drill_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["planned_start"]), models.Index(fields=["place"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}" if self.code else self.title

    @property
    def organiser_name(self) -> str:
        if self.enterprise_id:
            return self.enterprise.name
        return self.organiser_region.name if self.organiser_region_id else ""

    organiser_name.fget.short_description = _("组织单位")  # its column and inspect label

    def attendance(self) -> Attendance:
        """This drill's 参演人次 and its parts (2 queries): the same definition as
        DrillQuerySet.with_person_times."""
        parts = list(self.participations.select_related("person__enterprise"))
        attended = [p for p in parts if p.attended]
        return Attendance(
            attended=attended,
            no_shows=[p for p in parts if not p.attended],
            headcount=self.headcount,
        )

    @property
    def effective_plan_type(self) -> str:
        if self.plan_type:
            return self.plan_type
        return self.plan.plan_type if self.plan_id else ""

    def clean(self) -> None:
        errors = {}
        if not self.enterprise_id and not self.organiser_region_id:
            errors[NON_FIELD_ERRORS] = _("请填写组织企业或组织区域。")
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = _("计划结束时间不能早于开始时间。")
        if self.reported_to_regulator and not self.reported_on:
            errors["reported_on"] = _("已报告监管部门的，请填写报告日期。")
        if self.plan_id and self.enterprise_id and self.plan.enterprise_id != self.enterprise_id:
            errors["plan"] = _("依据预案必须是组织企业自己的预案。")
        if self.spent is not None and self.spent < 0:
            errors["spent"] = _("实际投入不能为负数。")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        if self.plan_id and not self.plan_version:
            self.plan_version = self.plan.version
        if self.plan_id and not self.plan_type:
            self.plan_type = self.plan.plan_type
        if self.pk:
            old = Drill.objects.filter(pk=self.pk).values(*self.CALENDAR_FIELDS).first()
            if old and any(old[f] != getattr(self, f) for f in self.CALENDAR_FIELDS):
                self.sequence += 1
        super().save(*args, **kwargs)
        if not self.code:
            self.code = f"YL{timezone.localtime(self.planned_start):%Y}{self.pk:05d}"
            Drill.objects.filter(pk=self.pk).update(code=self.code)


class ParticipantRole(models.TextChoices):
    COMMANDER = "commander", _("总指挥")
    DIRECTOR = "director", _("策划/导调")
    SUPPORT = "support", _("保障")
    EVALUATOR = "evaluator", _("评估")
    PLAYER = "player", _("参演")
    OBSERVER = "observer", _("观摩")


class ParticipationQuerySet(models.QuerySet):
    def attended(self) -> ParticipationQuerySet:
        """Who took part: checked in by QR, or marked present by the controller (人工签到).
        What 参演人次 counts (with the drill's headcount, see DrillQuerySet.with_person_times)."""
        return self.filter(checked_in_at__isnull=False)

    def no_shows(self) -> ParticipationQuerySet:
        """On the participant list but never present: listed apart, never counted."""
        return self.filter(checked_in_at__isnull=True)


@dataclass
class Attendance:
    attended: list
    no_shows: list
    headcount: int

    @property
    def person_times(self) -> int:
        return len(self.attended) + self.headcount


class Participation(models.Model):
    """One row per person and drill. 人次 counts the attended rows only (see .attended())."""

    class CheckIn(models.TextChoices):
        NONE = "", _("未签到")
        QR = "qr", _("扫码签到")
        MANUAL = "manual", _("人工签到")

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drill_participations",
    )
    external_name = models.CharField(_("外部人员姓名"), max_length=50, blank=True)
    external_unit = models.CharField(_("外部人员单位"), max_length=100, blank=True)
    role = models.CharField(
        _("角色"), max_length=12, choices=ParticipantRole.choices, default=ParticipantRole.PLAYER
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    check_in_method = models.CharField(
        _("签到方式"), max_length=8, choices=CheckIn.choices, blank=True, default=""
    )

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("参演人员")
        verbose_name_plural = _("参演人员")
        ordering = ["role", "id"]
        indexes = [
            # 参演人次 counts the attended participations of the drills asked for
            # (drills.statistics): read from this index alone, not from every participation row
            models.Index(
                fields=["drill"],
                condition=Q(checked_in_at__isnull=False),
                name="drills_participation_attended",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["drill", "person"],
                condition=Q(person__isnull=False),
                name="one_participation_per_person",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(external_name=""),
                name="participation_has_a_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.person.name if self.person_id else self.external_name

    name.fget.short_description = _("姓名")  # its column and inspect label

    @property
    def attended(self) -> bool:
        """In-memory twin of ParticipationQuerySet.attended."""
        return self.checked_in_at is not None

    @property
    def unit(self) -> str:
        return self.person.enterprise.name if self.person_id else self.external_unit

    unit.fget.short_description = _("单位")  # its column and inspect label


class ScriptStep(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="script_steps")
    order = models.PositiveIntegerField(_("序号"))
    planned_time = models.TimeField(_("计划时间"))
    content = models.TextField(_("情景内容"))
    expected_action = models.TextField(_("预期处置"), blank=True)
    actual_time = models.TimeField(_("实际时间"), null=True, blank=True)
    notes = models.TextField(_("记录"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("演练脚本步骤")
        verbose_name_plural = _("演练脚本")
        ordering = ["drill", "order"]
        constraints = [models.UniqueConstraint(fields=["drill", "order"], name="unique_step_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.content[:30]}"


class EvaluationTemplate(ClusterableModel):
    name = models.CharField(_("名称"), max_length=100)
    form = models.CharField(_("适用演练形式"), max_length=10, choices=Drill.Form.choices)
    is_active = models.BooleanField(_("启用"), default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("form"),
        FieldPanel("is_active"),
        InlinePanel("items", label=_("评估项")),
    ]

    class Meta:
        verbose_name = _("评估表模板")
        verbose_name_plural = _("评估表模板")
        ordering = ["form", "name"]

    def __str__(self) -> str:
        return self.name


class EvaluationItem(models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("是/否")
        POINTS = "points", _("打分")
        TIME = "time", _("计时")

    template = ParentalKey(EvaluationTemplate, on_delete=models.CASCADE, related_name="items")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    text = models.CharField(_("评估内容"), max_length=255)
    kind = models.CharField(_("评分方式"), max_length=8, choices=Kind.choices, default=Kind.YES_NO)
    max_points = models.PositiveIntegerField(
        _("分值"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("打分项的满分；是/否项答“是”得满分；计时项在目标时间内得满分。"),
    )
    target_seconds = models.PositiveIntegerField(
        _("目标用时（秒）"), null=True, blank=True, help_text=_("仅计时项填写。")
    )

    panels = [
        FieldPanel("text"),
        FieldPanel("kind"),
        FieldPanel("max_points"),
        FieldPanel("target_seconds"),
    ]

    class Meta:
        verbose_name = _("评估项")
        verbose_name_plural = _("评估项")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        if self.kind == self.Kind.TIME and not self.target_seconds:
            raise ValidationError({"target_seconds": _("计时项须填写目标用时。")})

    def score(
        self, *, yes: bool | None, points: Decimal | None, seconds: int | None
    ) -> Decimal | None:
        if self.kind == self.Kind.YES_NO:
            return None if yes is None else Decimal(self.max_points if yes else 0)
        if self.kind == self.Kind.POINTS:
            return points
        if seconds is None:
            return None
        return Decimal(self.max_points if seconds <= (self.target_seconds or 0) else 0)


class Evaluation(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="evaluations")
    template = models.ForeignKey(
        EvaluationTemplate, verbose_name=_("评估表"), on_delete=models.PROTECT
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评估人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("总体意见"), blank=True)
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(
        _("满分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("演练评估")
        verbose_name_plural = _("演练评估")
        constraints = [
            models.UniqueConstraint(
                fields=["drill", "template", "evaluator"], name="one_evaluation_per_evaluator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.drill} / {self.template}"

    @property
    def percent(self) -> Decimal | None:
        if not self.max_score:
            return None
        return (self.score or Decimal(0)) * 100 / self.max_score


class EvaluationAnswer(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(EvaluationItem, on_delete=models.CASCADE, related_name="+")
    yes = models.BooleanField(null=True, blank=True)
    points = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    seconds = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "item"], name="one_answer_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}/{self.item_id}"


class Finding(models.Model):
    class Grade(models.TextChoices):
        DEFICIENCY = "deficiency", _("不足项")
        RECTIFY = "rectify", _("整改项")
        IMPROVE = "improve", _("改进项")

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="findings")
    grade = models.CharField(_("等级"), max_length=12, choices=Grade.choices)
    description = models.TextField(_("问题描述"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评估发现")
        verbose_name_plural = _("评估发现")
        ordering = ["grade", "id"]

    def __str__(self) -> str:
        return f"[{self.get_grade_display()}] {self.description[:40]}"


class CorrectiveActionQuerySet(models.QuerySet):
    def open(self) -> CorrectiveActionQuerySet:
        return self.exclude(status=CorrectiveAction.Status.VERIFIED)

    def blocking_archive(self) -> CorrectiveActionQuerySet:
        return self.open().filter(finding__grade=Finding.Grade.DEFICIENCY, deferral_reason="")


class CorrectiveAction(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        DONE = "done", _("已整改待验证")
        VERIFIED = "verified", _("已验证关闭")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("整改措施"))
    owner = models.ForeignKey(
        Person,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_name = models.CharField(_("责任人（外部）"), max_length=50, blank=True)
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    completion_note = models.TextField(_("整改情况"), blank=True)
    verification = models.TextField(_("验证意见"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    deferral_reason = models.TextField(_("暂缓理由"), blank=True)
    deferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CorrectiveActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description[:40]

    @property
    def owner_display(self) -> str:
        return self.owner.name if self.owner_id else self.owner_name

    owner_display.fget.short_description = _("责任人")  # its column and inspect label

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PLAN = "plan", _("预案")
        SCRIPT = "script", _("脚本")
        PHOTO = "photo", _("照片")
        VIDEO = "video", _("视频")
        SIGN_IN = "sign_in", _("签到表")

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="drills/attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("演练附件")
        verbose_name_plural = _("演练附件")
        ordering = ["kind", "-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class AfterActionReport(models.Model):
    drill = models.OneToOneField(Drill, on_delete=models.CASCADE, related_name="report")
    file = models.FileField(upload_to="drills/reports/%Y/", blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("演练总结报告")
        verbose_name_plural = _("演练总结报告")

    def __str__(self) -> str:
        return str(self.drill)

    @property
    def is_current(self) -> bool:
        return (
            bool(self.file)
            and self.generated_at is not None
            and self.generated_at >= self.requested_at
        )


class ReminderLog(models.Model):
    """Each reminder (kind + object + recipient) is sent once: the unique key guards it."""

    key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")

    def __str__(self) -> str:
        return self.key


class CalendarToken(models.Model):
    """A private iCalendar feed URL: the user's drills, or (for managers) one enterprise's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drill_calendar_tokens"
    )
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise"], name="one_feed_per_user_and_enterprise"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(enterprise__isnull=True),
                name="one_personal_feed_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.enterprise_id or '-'}"
