"""Organizations (Region, Enterprise) and people (Person, User and roles)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from portal.validators import (
    mask_id_number,
    normalize_id_number,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: Region) -> RegionQuerySet:
        return self.filter(path__startswith=region.path)

    def streets(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.STREET)


class Region(models.Model):
    """区 → 街道/乡镇 → 社区/村. `path` (codes joined by '/') makes a subtree one indexed query."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("区")
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")

    PARENT_LEVEL = {Level.STREET: Level.DISTRICT, Level.COMMUNITY: Level.STREET}

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected = self.PARENT_LEVEL.get(self.level)
        if expected is None and self.parent_id:
            raise ValidationError({"parent": _("区不能有上级区域。")})
        if expected is not None and (self.parent is None or self.parent.level != expected):
            raise ValidationError(
                {
                    "parent": _("%(level)s的上级必须是%(parent)s。")
                    % {"level": self.get_level_display(), "parent": Region.Level(expected).label}
                }
            )

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for child in self.children.all():
                child.save()


class Industry(models.TextChoices):
    HAZARDOUS_CHEMICALS = "chemicals", _("危险化学品")
    METALLURGY = "metallurgy", _("金属冶炼")
    COAL_MINING = "coal_mining", _("煤矿")
    MINING = "mining", _("非煤矿山")
    FIREWORKS = "fireworks", _("烟花爆竹")
    MACHINERY = "machinery", _("机械制造")
    SHIPBUILDING = "shipbuilding", _("船舶修造")
    CONSTRUCTION = "construction", _("建筑施工")
    RAIL_TRANSIT = "rail_transit", _("城市轨道交通运营")
    HOTEL = "hotel", _("宾馆")
    MALL = "mall", _("商场")
    ENTERTAINMENT = "entertainment", _("娱乐场所")
    SCENIC_AREA = "scenic_area", _("旅游景区")
    WAREHOUSING = "warehousing", _("仓储物流")
    TRADE = "trade", _("商贸服务")
    OTHER = "other", _("其他")


class HighRiskIndustry(models.Model):
    """Which industries the two different "high-risk" rules name (seeded from
    portal/data/high_risk_industries.csv, editable by the district):

    - training: 生产经营单位安全培训规定第九条、第十三条 (煤矿、非煤矿山、危险化学品、烟花爆竹、金属冶炼
      …) → the 48/16 and 72/20 hour figures of courses.TrainingRequirement(high_risk=True);
    - drill: 生产安全事故应急条例第八条 (危险物品的生产经营储存运输单位、矿山、金属冶炼、城市轨道交通运营、
      建筑施工、宾馆、商场、娱乐场所、旅游景区等人员密集场所) → drills every 6 months, reported to the
      regulator (drills.FrequencyRule applies_to=high_risk).

    An industry with no row is under neither. Saving or deleting a row refreshes the enterprises'
    stored flags (Enterprise.is_training_high_risk / is_drill_high_risk)."""

    industry = models.CharField(_("行业"), max_length=20, choices=Industry.choices, unique=True)
    training_high_risk = models.BooleanField(
        _("培训高危（48/16学时）"),
        default=False,
        help_text=_("生产经营单位安全培训规定第九条、第十三条所列高危行业。"),
    )
    drill_high_risk = models.BooleanField(
        _("演练高危（每半年演练并报告）"),
        default=False,
        help_text=_("生产安全事故应急条例第八条所列单位。"),
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("高危行业认定")
        verbose_name_plural = _("高危行业认定")
        ordering = ["industry"]

    def __str__(self) -> str:
        return self.get_industry_display()

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        refresh_high_risk_flags(industries=[self.industry])

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        refresh_high_risk_flags(industries=[self.industry])
        return result


def high_risk_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(industries under the training rule, industries under the drill rule); one query."""
    training, drill = set(), set()
    for row in HighRiskIndustry.objects.values("industry", "training_high_risk", "drill_high_risk"):
        if row["training_high_risk"]:
            training.add(row["industry"])
        if row["drill_high_risk"]:
            drill.add(row["industry"])
    return frozenset(training), frozenset(drill)


def refresh_high_risk_flags(*, industries=None) -> int:
    """Recomputes the stored flags of the enterprises (of `industries`, or all) that have no
    manual override; two queries per flag. Returns how many rows were updated."""
    training, drill = high_risk_sets()
    qs = Enterprise.objects.all()
    if industries is not None:
        qs = qs.filter(industry__in=industries)
    n = 0
    for flag, override, members in (
        ("is_training_high_risk", "training_high_risk_override", training),
        ("is_drill_high_risk", "drill_high_risk_override", drill),
    ):
        auto = qs.filter(**{f"{override}__isnull": True})
        n += auto.filter(industry__in=members).exclude(**{flag: True}).update(**{flag: True})
        n += auto.exclude(industry__in=members).exclude(**{flag: False}).update(**{flag: False})
    return n


class StandardizationGrade(models.TextChoices):
    GRADE_1 = "1", _("一级")
    GRADE_2 = "2", _("二级")
    GRADE_3 = "3", _("三级")
    NONE = "none", _("未达标")


class Enterprise(models.Model):
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    street = models.ForeignKey(
        Region,
        verbose_name=_("所属街道"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": Region.Level.STREET},
    )
    industry = models.CharField(
        _("行业"), max_length=20, choices=Industry.choices, default=Industry.OTHER
    )
    training_high_risk_override = models.BooleanField(
        _("培训高危（人工认定）"),
        null=True,
        blank=True,
        help_text=_("留空则按行业和“高危行业认定”表自动判定（安全培训规定）。"),
    )
    drill_high_risk_override = models.BooleanField(
        _("演练高危（人工认定）"),
        null=True,
        blank=True,
        help_text=_("留空则按行业和“高危行业认定”表自动判定（应急条例第八条）。"),
    )
    is_training_high_risk = models.BooleanField(
        _("培训高危"), default=False, editable=False, db_index=True
    )
    is_drill_high_risk = models.BooleanField(
        _("演练高危"), default=False, editable=False, db_index=True
    )
    standardization_grade = models.CharField(
        _("安全生产标准化等级"),
        max_length=8,
        choices=StandardizationGrade.choices,
        default=StandardizationGrade.NONE,
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("电话"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
        if self.street_id and self.street.level != Region.Level.STREET:
            raise ValidationError({"street": _("所属街道必须是街道/乡镇。")})

    def save(self, *args, **kwargs) -> None:
        self.credit_code = (self.credit_code or "").strip().upper()
        row = None
        if self.training_high_risk_override is None or self.drill_high_risk_override is None:
            row = HighRiskIndustry.objects.filter(industry=self.industry).first()
        training = bool(row and row.training_high_risk)
        drill = bool(row and row.drill_high_risk)
        if self.training_high_risk_override is not None:
            training = self.training_high_risk_override
        if self.drill_high_risk_override is not None:
            drill = self.drill_high_risk_override
        self.is_training_high_risk = training
        self.is_drill_high_risk = drill
        super().save(*args, **kwargs)


class PersonCategory(models.TextChoices):
    PRINCIPAL = "principal", _("主要负责人")
    SAFETY_MANAGER = "safety_manager", _("安全生产管理人员")
    SPECIAL_OPERATOR = "special_operator", _("特种作业人员")
    TEAM_LEADER = "team_leader", _("班组长")
    OTHER = "other", _("其他从业人员")


class SpecialOperationCategory(models.Model):
    name = models.CharField(_("特种作业类别"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("特种作业类别")
        verbose_name_plural = _("特种作业类别")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class SpecialOperation(models.Model):
    category = models.ForeignKey(
        SpecialOperationCategory,
        verbose_name=_("特种作业类别"),
        on_delete=models.CASCADE,
        related_name="operations",
    )
    name = models.CharField(_("操作项目"), max_length=80)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("特种作业操作项目")
        verbose_name_plural = _("特种作业操作项目")
        ordering = ["category__sort_order", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "name"], name="unique_operation_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category.name} / {self.name}"


class User(AbstractUser):
    """A login. Workers are linked to a Person; managers carry their enterprise, supervisors
    their region. The role itself is a group (see portal.roles)."""

    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("所管理企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managers",
        help_text=_("企业安全管理员管理的企业。"),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("监管区域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervisors",
        help_text=_("监管人员负责的区或街道。"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        """People by name, not username, wherever a login is shown (admin columns, history)."""
        return self.get_full_name() or self.username

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._stored_is_active = user.__dict__.get("is_active")
        return user

    def save(self, *args, **kwargs) -> None:
        """A new password (set_password, not a hash upgrade at login) or a deactivation ends the
        login's API tokens; Django ends its sessions through the session auth hash."""
        update_fields = kwargs.get("update_fields")
        existing = not self._state.adding
        password_changed = (
            existing
            and self._password is not None
            and (update_fields is None or "password" in update_fields)
        )
        deactivated = (
            existing
            and not self.is_active
            and getattr(self, "_stored_is_active", True)
            and (update_fields is None or "is_active" in update_fields)
        )
        super().save(*args, **kwargs)
        self._stored_is_active = self.is_active
        if password_changed or deactivated:
            ApiToken.objects.filter(user=self).delete()

    @cached_property
    def group_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def display_name(self) -> str:
        person = getattr(self, "person", None)
        if person is not None:
            return person.name
        return self.get_full_name() or self.username


class PersonQuerySet(models.QuerySet):
    def active(self) -> PersonQuerySet:
        return self.filter(is_active=True)


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(
        _("身份证号"), max_length=18, unique=True, validators=[validate_id_number]
    )
    mobile = models.CharField(_("手机号"), max_length=11, blank=True, validators=[validate_mobile])
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="people"
    )
    category = models.CharField(
        _("人员类别"),
        max_length=20,
        choices=PersonCategory.choices,
        default=PersonCategory.OTHER,
        db_index=True,
    )
    special_operation = models.ForeignKey(
        SpecialOperation,
        verbose_name=_("特种作业操作项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    position = models.CharField(_("岗位"), max_length=50, blank=True)
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    # The 特种作业操作证 of a special operator, as much as the 8-hours-per-review-cycle rule needs
    # (the coming operator-certificate register grows from these fields).
    operation_certificate_no = models.CharField(_("特种作业操作证号"), max_length=30, blank=True)
    operation_certificate_issued_on = models.DateField(
        _("操作证初次领证日期"),
        null=True,
        blank=True,
        help_text=_("复审周期由此推算：每满复审间隔须复审一次，复审前须完成安全培训。"),
    )
    operation_review_years = models.PositiveSmallIntegerField(
        _("复审间隔（年）"),
        choices=[(3, _("3年")), (6, _("6年（连续从事本工种10年以上且无违章）"))],
        default=3,
    )
    user = models.OneToOneField(
        User,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_active = models.BooleanField(_("在职"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    @classmethod
    def from_db(cls, db, field_names, values):
        person = super().from_db(db, field_names, values)
        person._stored_is_active = person.__dict__.get("is_active")
        return person

    class Meta:
        verbose_name = _("从业人员")
        verbose_name_plural = _("从业人员")
        ordering = ["enterprise__name", "name"]
        # updated_at: the people saved since the training rollups' refresh (courses.rollups).
        indexes = [models.Index(fields=["mobile"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    masked_id_number.fget.short_description = _("身份证号")  # its column and inspect label

    def review_cycle(self, on) -> tuple | None:
        """The operation certificate's review cycle containing the day `on`: (start, review day),
        the review day being the first issue date + k × review interval (k ≥ 1) after `on`.
        None without a certificate date or before the certificate was issued."""
        issued = self.operation_certificate_issued_on
        if issued is None or on < issued:
            return None
        step = self.operation_review_years or 3
        start = issued
        while True:
            review = _add_years(start, step)
            if on < review:
                return start, review
            start = review

    @property
    def special_operation_category(self) -> SpecialOperationCategory | None:
        return self.special_operation.category if self.special_operation_id else None

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number)
        if self.category == PersonCategory.SPECIAL_OPERATOR and not self.special_operation_id:
            raise ValidationError(
                {"special_operation": _("特种作业人员须填写特种作业类别和操作项目。")}
            )

    def save(self, *args, **kwargs) -> None:
        self.id_number = normalize_id_number(self.id_number)
        update_fields = kwargs.get("update_fields")
        left = (
            not self.is_active
            and getattr(self, "_stored_is_active", False)
            and (update_fields is None or "is_active" in update_fields)
        )
        super().save(*args, **kwargs)
        self._stored_is_active = self.is_active
        if left and self.user_id:
            # Leaving the roster (在职 off) ends the login's API tokens: a phone must log in again.
            ApiToken.objects.filter(user_id=self.user_id).delete()


def _add_years(day, years: int):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Heartbeat(models.Model):
    """Written by a scheduled task in the worker cluster; /healthz reads it."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self, *, now=None) -> ApiTokenQuerySet:
        return self.filter(expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """A bearer token for the JSON API (one per device that logged in). Only its SHA-256 is
    stored. Deleted when its device logs out, when its owner revokes it in 我的, and for every
    token of a login whose password changes or that is deactivated (User.save, Person.save)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="portal_api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("登录时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    user_agent = models.CharField(_("设备"), max_length=255, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class Notice(models.Model):
    """One in-site notice to one user (drill reminders, certificate expiry, ...); see
    portal.notices. `key` (unique per user) makes a reminder a notice once only."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("来源"), max_length=30, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    key = models.CharField(max_length=120, null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="portal_notice_once_per_key")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="portal_notice_unread")]

    def __str__(self) -> str:
        return self.title


class Progress(models.Model):
    """The progress of one long job run by the task cluster (a bulk certificate issue, a big
    import), shown to the user who started it on a page that polls it (portal.progress). Only its
    owner and superusers may read it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    FINISHED = (Status.DONE, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="progress_records")
    kind = models.CharField(_("类型"), max_length=50)
    # What the job works on, e.g. "certificates.bulkissue:12", so a rerun finds its record.
    key = models.CharField(max_length=120, blank=True, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    message = models.TextField(_("说明"), blank=True)
    result_url = models.CharField(_("结果链接"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("任务进度")
        verbose_name_plural = _("任务进度")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="portal_progress_owner")]

    def __str__(self) -> str:
        return f"{self.title} ({self.done}/{self.total})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))


class ImportBatch(models.Model):
    """One spreadsheet import (admin page or management command): who, when, which file, what it
    did, and the rows it created or changed (ImportedRow), so that it can be undone. A batch in
    PREVIEW holds the uploaded file between the preview and the button that imports it; nothing
    else keeps the file (`content` is emptied once imported). See portal.importing."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("待确认")
        DONE = "done", _("已导入")
        UNDONE = "undone", _("已撤销")

    kind = models.CharField(_("导入类型"), max_length=60, db_index=True)
    title = models.CharField(_("导入内容"), max_length=200)
    # What the file went into ("enterprise:5", "bank:3"), so the same file is recognised per target.
    target = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    via_command = models.BooleanField(_("命令行导入"), default=False)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    checksum = models.CharField(_("文件校验和（SHA-256）"), max_length=64, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    created_at = models.DateTimeField(_("导入时间"), default=timezone.now, db_index=True)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变"), default=0)
    params = models.JSONField(default=dict, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        User,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}（{self.file_name}）"

    @property
    def importer_label(self) -> str:
        who = str(self.user) if self.user_id else ""
        if self.via_command:
            return f"{_('命令行')}（{who}）" if who else str(_("命令行"))
        return who or "—"


class ImportedRow(models.Model):
    """A row an import created or changed; `before` holds the changed fields' previous values and
    `after` what the import wrote (an undo restores `before` only while the row still holds
    `after`)."""

    class Action(models.TextChoices):
        CREATED = "created", _("新增")
        UPDATED = "updated", _("更新")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=64)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    label = models.CharField(_("记录"), max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入的记录")
        verbose_name_plural = _("导入的记录")
        ordering = ["pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="portal_imported_row")]

    def __str__(self) -> str:
        return self.label


class DataChange(models.Model):
    """The data version (portal.db.changes): a database trigger on every table a figure may read
    adds a row (PostgreSQL: one per writing statement, never updated, so writers never wait on
    each other) or adds 1 to its table's row (SQLite: one writer at a time). Their total `weight` grows with
    every committed change of those tables, whatever wrote it (the ORM, a bulk update, raw SQL,
    COPY, the admin, an import). `source` names the table written (or "portal.derived" for the
    training rollups' writers), so that the total of one table's rows is that table's own version
    (a figure part depends on the tables it reads only). The schedule sums old rows into one per
    source (`compact`)."""

    id = models.BigAutoField(primary_key=True)
    weight = models.BigIntegerField(default=1)
    # Nullable with a database default only: added by a plain ALTER TABLE ADD COLUMN (SQLite
    # would otherwise remake the table, and the triggers naming it fail the rename), and the
    # triggers of the release before, which name no source, keep working until the migrate that
    # adds it installs the new ones; their rows count under changes.EPOCH_SOURCE ("").
    source = models.CharField(max_length=100, null=True, blank=True, db_default="")

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.pk}: +{self.weight}"


class FigureSnapshot(models.Model):
    """Figures computed once (a dashboard, an annual report) kept with the data version they were
    computed at (portal.snapshots): served while that version is still current, i.e. while
    nothing a figure may read has changed since. A cache: UNLOGGED on PostgreSQL (migration
    0011), so a store never waits for a WAL flush and a crash only empties it."""

    key = models.CharField(max_length=64, primary_key=True)
    version = models.BigIntegerField()
    data = models.BinaryField()
    stored_at = models.DateTimeField(default=timezone.now)
    # A part (one statistics function's result within a snapshot's computation): the key of the
    # snapshot it was computed for, and the versions of the tables it read ({source: version}, as
    # JSON), served again while those tables have not changed (portal.snapshots.part); a part's
    # `version` is 0 (its deps alone decide whether it is served).
    # database defaults too: the release before stores snapshots while a deploy rolls
    parent = models.CharField(max_length=64, blank=True, default="", db_default="", db_index=True)
    deps = models.TextField(blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("统计快照")
        verbose_name_plural = _("统计快照")
        default_permissions = ()
        indexes = [models.Index(fields=["stored_at"], name="portal_snapshot_stored")]

    def __str__(self) -> str:
        return f"{self.key[:12]} @ {self.version}"
