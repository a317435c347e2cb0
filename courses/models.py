"""Training records (one record = one 人次), courses, classes, programmes and requirements."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import BodyBlock
from portal.models import Enterprise, Industry, Person, PersonCategory, Region
from portal.search import CJK_SEARCH_FIELDS, SearchableBodyMixin
from portal.slugs import ReadableSlugMixin


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
    INDUCTION = "induction", _("三级安全教育")


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
            # 三级安全教育人次 (statistics.three_level_education): a few kinds of a period.
            models.Index(fields=["kind", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.title} · {self.date}"


class TrainingRequirement(models.Model):
    """Hours a person of a category must have: the initial figure in the year they are hired, the
    annual refresher figure in later years, and for 特种作业人员 the figure per certificate review
    cycle, due before each review (seeded from training_hours.csv, edited by supervisors).
    `high_risk` means the training rule's set (portal.HighRiskIndustry.training_high_risk)."""

    category = models.CharField(_("人员类别"), max_length=20, choices=PersonCategory.choices)
    high_risk = models.BooleanField(_("高危行业"), default=False)
    initial_hours = models.DecimalField(
        _("初次培训学时"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    annual_hours = models.DecimalField(
        _("每年再培训学时"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    review_cycle_hours = models.DecimalField(
        _("每个复审周期学时"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_(
            "特种作业人员：每次操作证复审前须完成的安全培训学时（按本人操作证日期推算复审周期），"
            "不是每年。"
        ),
    )
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("培训学时要求")
        verbose_name_plural = _("培训学时要求")
        ordering = ["category", "high_risk"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "high_risk"], name="unique_requirement_per_category_risk"
            )
        ]

    def __str__(self) -> str:
        risk = _("高危") if self.high_risk else _("一般")
        return f"{self.get_category_display()}（{risk}）"

    def hours_for(self, *, hired_this_year: bool) -> Decimal | None:
        """The figure that applies; an initial figure missing falls back to the annual one."""
        if hired_this_year and self.initial_hours is not None:
            return self.initial_hours
        return self.annual_hours


# ---------------------------------------------------------------------------------------------
# Online courses (Wagtail pages)


class CourseIndexPage(ReadableSlugMixin, Page):
    intro = RichTextField(_("简介"), blank=True)

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("课程目录")
        verbose_name_plural = _("课程目录")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        courses = (
            CoursePage.objects.live().child_of(self).select_related("cover_image").order_by("path")
        )
        context["courses"] = courses
        return context


class CoursePageForm(WagtailAdminPageForm):
    audience = forms.MultipleChoiceField(
        label=_("适用人员类别"),
        choices=PersonCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("不选表示所有人员类别。"),
    )
    industries = forms.MultipleChoiceField(
        label=_("适用行业"),
        choices=Industry.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("不选表示所有行业。"),
    )


class CoursePage(ReadableSlugMixin, SearchableBodyMixin, Page):
    intro = RichTextField(_("课程介绍"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("课程说明"), blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    audience = models.JSONField(
        _("适用人员类别"),
        default=list,
        blank=True,
        help_text=_("留空表示所有人员类别。"),
    )
    industries = models.JSONField(
        _("适用行业"), default=list, blank=True, help_text=_("留空表示所有行业。")
    )
    training_kind = models.CharField(
        _("培训类型"), max_length=20, choices=TrainingKind.choices, default=TrainingKind.TOPIC
    )
    credit_hours = models.DecimalField(
        _("学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    open_enrolment = models.BooleanField(
        _("开放报名"), default=True, help_text=_("开放后从业人员可自行报名；否则只能由企业指派。")
    )
    final_exam = models.ForeignKey(
        "exams.Paper",
        verbose_name=_("结业考试"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("设置后，学完全部课时并通过该试卷才算完成课程。"),
    )
    certificate_template = models.ForeignKey(
        "certificates.CertificateTemplate",
        verbose_name=_("结业证书模板"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]
    base_form_class = CoursePageForm

    # Title, introduction and body also as CJK unigrams + bigrams so that the site search finds
    # Chinese words inside longer text (portal.search, docs/search.md).
    search_fields = [*Page.search_fields, index.SearchField("intro"), *CJK_SEARCH_FIELDS]

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [
                FieldPanel("training_kind"),
                FieldPanel("credit_hours"),
                FieldPanel("audience"),
                FieldPanel("industries"),
                FieldPanel("open_enrolment"),
                FieldPanel("final_exam"),
                FieldPanel("certificate_template"),
            ],
            heading=_("培训设置"),
        ),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")

    def clean(self) -> None:
        super().clean()
        bad = [c for c in self.audience or [] if c not in PersonCategory.values]
        if bad:
            raise ValidationError({"audience": _("未知的人员类别：%(v)s") % {"v": "、".join(bad)}})
        bad = [c for c in self.industries or [] if c not in Industry.values]
        if bad:
            raise ValidationError({"industries": _("未知的行业：%(v)s") % {"v": "、".join(bad)}})

    @property
    def summary(self) -> str:
        """The introduction as plain text (search results show it; the CJK index includes it)."""
        return strip_tags(self.intro or "").strip()

    @property
    def audience_labels(self) -> list[str]:
        labels = dict(PersonCategory.choices)
        return [str(labels[c]) for c in self.audience or [] if c in labels]

    def lessons(self):
        return LessonPage.objects.live().child_of(self).order_by("path")

    def get_context(self, request, *args, **kwargs):
        from courses import learning

        context = super().get_context(request, *args, **kwargs)
        context.update(learning.course_page_context(course=self, user=request.user))
        return context


class LessonPage(ReadableSlugMixin, SearchableBodyMixin, Page):
    body = StreamField(BodyBlock(), verbose_name=_("课时内容"))
    estimated_minutes = models.PositiveIntegerField(
        _("预计学习时长（分钟）"), default=10, validators=[MinValueValidator(1)]
    )
    video = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("课时视频（MP4）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("有视频时，须看完视频（累计观看不少于时长的95%）才算学完本课时。"),
    )
    video_seconds = models.PositiveIntegerField(
        _("视频时长（秒）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("有视频时必填：观看进度和所需学习时长按它计算。"),
    )

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    search_fields = [*Page.search_fields, *CJK_SEARCH_FIELDS]

    content_panels = [
        *Page.content_panels,
        FieldPanel("estimated_minutes"),
        FieldPanel("video"),
        FieldPanel("video_seconds"),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")

    def clean(self) -> None:
        super().clean()
        if self.video_id and not self.video_seconds:
            raise ValidationError({"video_seconds": _("有视频时请填写视频时长（秒）。")})

    @property
    def required_seconds(self) -> int:
        """Study time the lesson needs: a video lesson its video's length, any other its
        estimated minutes."""
        if self.video_id and self.video_seconds:
            return self.video_seconds
        return self.estimated_minutes * 60

    def serve(self, request, *args, **kwargs):
        from django.contrib.auth.views import redirect_to_login

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from courses import learning

        context = super().get_context(request, *args, **kwargs)
        context.update(learning.lesson_page_context(lesson=self, user=request.user))
        return context


class Enrolment(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("学习中")
        COMPLETED = "completed", _("已完成")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        CoursePage, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enrolled_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("课程报名")
        verbose_name_plural = _("课程报名")
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "course"], name="unique_enrolment")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.course}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != self.Status.COMPLETED
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )


class LessonProgress(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="progress", verbose_name=_("报名")
    )
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("课时")
    )
    seconds = models.PositiveIntegerField(_("已学习秒数"), default=0)
    last_beat_at = models.DateTimeField(null=True, blank=True)
    video_finished = models.BooleanField(_("视频已看完"), default=False)
    video_ranges = models.JSONField(
        _("已观看片段（秒）"), default=list, blank=True, help_text=_("[[起, 止], …]，已合并")
    )
    video_position = models.FloatField(_("观看位置（秒）"), default=0)
    video_position_at = models.DateTimeField(_("观看位置上报时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("学完时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("课时进度")
        verbose_name_plural = _("课时进度")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="unique_lesson_progress")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} · {self.lesson_id}"


class StudySession(models.Model):
    """One stretch of study of one lesson in one browser tab or device (courses/study.py). A
    person has at most one open session: a beat from another tab, device or lesson ends it (a
    takeover, which the old tab is told about). The study log of a person is these rows."""

    class EndReason(models.TextChoices):
        TAKEN_OVER = "taken_over", _("在其他页面或设备继续学习")

    class Paused(models.TextChoices):
        NO = "", _("计时中")
        HIDDEN = "hidden", _("页面不在前台")
        PRESENCE_MISSED = "presence_missed", _("未通过在岗确认")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="study_sessions"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("报名"), on_delete=models.CASCADE, related_name="study_sessions"
    )
    lesson = models.ForeignKey(
        LessonPage, verbose_name=_("课时"), on_delete=models.CASCADE, related_name="+"
    )
    tab = models.CharField(_("页面标识"), max_length=64)
    device = models.CharField(_("设备"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    last_beat_at = models.DateTimeField(_("最后计时"))
    counting = models.BooleanField(default=False)
    paused = models.CharField(
        _("暂停原因"), max_length=20, choices=Paused.choices, default=Paused.NO, blank=True
    )
    beats = models.PositiveIntegerField(_("心跳次数"), default=0)
    credited_seconds = models.PositiveIntegerField(_("计入秒数"), default=0)
    pending_seconds = models.PositiveIntegerField(
        _("待确认秒数"), default=0, help_text=_("在岗确认等待回答期间的时长，回答后才计入。")
    )
    next_check_at = models.DateTimeField(_("下次在岗确认"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(
        _("结束原因"), max_length=20, choices=EndReason.choices, blank=True
    )
    taken_over_by = models.ForeignKey(
        "self",
        verbose_name=_("接续的学习"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_study_session_per_person",
            )
        ]
        indexes = [models.Index(fields=["person", "started_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.lesson_id} · {self.started_at:%Y-%m-%d %H:%M}"


class PresenceCheck(models.Model):
    """A 防挂机 check: the page asked the learner to tap 继续学习 before `deadline`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("等待回答")
        PASSED = "passed", _("已确认")
        MISSED = "missed", _("未按时确认")

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("学习记录"),
        on_delete=models.CASCADE,
        related_name="presence_checks",
    )
    issued_at = models.DateTimeField(_("发出时间"))
    deadline = models.DateTimeField(_("截止时间"))
    answered_at = models.DateTimeField(_("回答时间"), null=True, blank=True)
    status = models.CharField(
        _("结果"), max_length=10, choices=Status.choices, default=Status.PENDING
    )

    class Meta:
        verbose_name = _("在岗确认")
        verbose_name_plural = _("在岗确认")
        ordering = ["issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.issued_at:%H:%M:%S} · {self.status}"


# ---------------------------------------------------------------------------------------------
# Offline classes and programmes


class Programme(models.Model):
    """A multi-year training programme, e.g. 双百双千 (100 enterprises, 1,000 backbones)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    target_enterprises = models.PositiveIntegerField(_("目标企业数"), default=0)
    target_people = models.PositiveIntegerField(_("目标培训人数"), default=0)
    region = models.ForeignKey(
        Region,
        verbose_name=_("组织区域"),
        on_delete=models.PROTECT,
        related_name="training_programmes",
    )
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = _("培训项目")
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class Cohort(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("培训项目"), on_delete=models.CASCADE, related_name="cohorts"
    )
    name = models.CharField(_("期次"), max_length=100)
    target_people = models.PositiveIntegerField(_("本期目标人数"), default=0)

    class Meta:
        verbose_name = _("期次")
        verbose_name_plural = _("期次")
        ordering = ["programme", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="unique_cohort_name")
        ]

    def __str__(self) -> str:
        return f"{self.programme.name} · {self.name}"


class TrainingClassQuerySet(models.QuerySet):
    def visible_to(self, user) -> TrainingClassQuerySet:
        """Classes a user may see: a district/street class (no enterprise) to everyone in that
        region or above; an enterprise class to that enterprise's people and overseers."""
        from portal.ownership import reach_q
        from portal.scoping import scope_for

        return self.filter(reach_q(scope_for(user)))

    def managed_by(self, user) -> TrainingClassQuerySet:
        """Classes a user organises: supervisors their region's, managers their enterprise's."""
        from portal.ownership import owned_q
        from portal.scoping import scope_for

        return self.filter(owned_q(scope_for(user)))


class TrainingClass(models.Model):
    """An offline class (培训班)."""

    title = models.CharField(_("班级名称"), max_length=200)
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("所属培训项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="classes",
    )
    cohort = models.ForeignKey(
        Cohort,
        verbose_name=_("期次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="classes",
    )
    agenda = models.TextField(_("课程安排"), help_text=_("每行一项，例如：09:00 开班仪式"))
    kind = models.CharField(
        _("培训类型"), max_length=20, choices=TrainingKind.choices, default=TrainingKind.TOPIC
    )
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结束日期"))
    place = models.CharField(_("培训地点"), max_length=200)
    trainer = models.CharField(_("授课教师"), max_length=100)
    hours = models.DecimalField(
        _("学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    capacity = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    region = models.ForeignKey(
        Region,
        verbose_name=_("组织区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_classes",
        help_text=_("区或街道组织的培训班填写；企业内部培训班填写企业。"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("组织企业"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="training_classes",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region__isnull=True) ^ models.Q(enterprise__isnull=True),
                name="class_organised_by_region_xor_enterprise",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开班日期。")})
        if bool(self.region_id) == bool(self.enterprise_id):
            raise ValidationError(_("请在“组织区域”和“组织企业”中选择且只选择一项。"))
        if self.cohort_id and self.programme_id and self.cohort.programme_id != self.programme_id:
            raise ValidationError({"cohort": _("期次不属于所选培训项目。")})
        if self.cohort_id and not self.programme_id:
            self.programme_id = self.cohort.programme_id

    @property
    def organiser_name(self) -> str:
        if self.region_id:
            return self.region.name
        return self.enterprise.name if self.enterprise_id else ""

    organiser_name.fget.short_description = _("组织单位")  # its column and inspect label

    @property
    def agenda_lines(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]


class ClassRegistration(models.Model):
    class Method(models.TextChoices):
        QR = "qr", _("扫码签到")
        MANUAL = "manual", _("组织者勾选")
        IMPORT = "import", _("表格导入")

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("培训班"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="class_registrations"
    )
    registered_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    attended_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    attendance_method = models.CharField(
        _("签到方式"), max_length=10, choices=Method.choices, blank=True
    )

    class Meta:
        verbose_name = _("培训班报名")
        verbose_name_plural = _("培训班报名")
        ordering = ["training_class", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "person"], name="unique_class_registration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.training_class}"


# --------------------------------------------------------------------------- training rollups


class TrainingRollupState(models.Model):
    """The one row saying how far the training rollups go (courses.rollups): they hold every
    record with pk ≤ `watermark` as of `refreshed_at`; records above it are added live. `stale`
    is set when a record at or below the watermark is edited or deleted: the figures are then
    computed live until the next refresh."""

    watermark = models.BigIntegerField(default=0)
    # When the refresh began: people saved since (Person.updated_at) are evaluated live.
    refreshed_at = models.DateTimeField(null=True, blank=True)
    stale = models.BooleanField(default=True)
    # The years PersonYearCompliance holds (both included); None when it holds none.
    compliance_first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    compliance_last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # The data version (portal.db.changes) the refresh read, plus its own touch: while the version
    # is still this, nothing was written since and the scheduled refresh is skipped.
    data_version = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("培训统计汇总状态")
        verbose_name_plural = _("培训统计汇总状态")

    def __str__(self) -> str:
        return f"rollups ≤ {self.watermark}{' (stale)' if self.stale else ''}"


class EnterpriseYearTraining(models.Model):
    """培训人次 and 学时 of the records of one enterprise (as recorded), category and year."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()
    hours = models.DecimalField(max_digits=14, decimal_places=1)

    class Meta:
        indexes = [models.Index(fields=["year", "enterprise"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.category} {self.year}: {self.count}"


class EnterpriseMonthTraining(models.Model):
    """培训人次 and 学时 of the records of one enterprise (as recorded) and month (its first day)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    month = models.DateField()
    count = models.PositiveIntegerField()
    hours = models.DecimalField(max_digits=14, decimal_places=1)

    class Meta:
        indexes = [models.Index(fields=["month", "enterprise"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.month:%Y-%m}: {self.count}"


class PersonYearTraining(models.Model):
    """培训人次 and 学时 of one person's records of one year at one enterprise (as recorded)."""

    person = models.ForeignKey(
        Person, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()
    hours = models.DecimalField(max_digits=12, decimal_places=1)
    # The person has records of the year at another enterprise too (counted apart in 参训人数).
    multi = models.BooleanField(default=False, db_default=False)

    class Meta:
        indexes = [
            models.Index(fields=["person", "year"]),
            models.Index(fields=["year", "enterprise", "person"]),
            models.Index(
                fields=["year", "enterprise", "person"],
                condition=models.Q(multi=True),
                name="courses_pyt_multi_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}: {self.count}"


class PersonYearCompliance(models.Model):
    """学时达标 of one active person for one year as `courses.statistics.requirement_people`
    judged it at the last refresh: whether a requirement applies and whether it was met, at the
    person's enterprise of that moment. Summed per enterprise / street for compliance_summary;
    the people saved or with records written since the refresh are judged live instead."""

    person = models.ForeignKey(
        Person, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    required = models.BooleanField()
    compliant = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["year", "enterprise", "person"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}: {self.required}/{self.compliant}"


class EnterpriseYearCompliance(models.Model):
    """PersonYearCompliance summed per enterprise (as of the refresh) and year: the people with a
    requirement, of whom compliant, and with none."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    required = models.PositiveIntegerField()
    compliant = models.PositiveIntegerField()
    no_requirement = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["year", "enterprise"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}: {self.compliant}/{self.required}"


class EnterpriseYearPeople(models.Model):
    """参训人数 of one enterprise and year counting only the people with records of that year at
    no other enterprise (PersonYearTraining.multi false): summed over a scope's enterprises, with
    the multi people counted distinct, it is the scope's 参训人数."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    people = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["year", "enterprise"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}: {self.people}"
