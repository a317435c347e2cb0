"""Emergency skills competitions (应急技能大赛): teams from enterprises, a theory stage that is an
exams paper, practical items scored by judges, a weighted total, ranking and awards.

How scores combine is in competitions/services.py (module docstring)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from portal.models import Enterprise, Person, Region


class Combination(models.TextChoices):
    MEAN = "mean", _("平均分")
    TRIMMED = "trimmed", _("去掉一个最高分和一个最低分后取平均（不足3名裁判时取平均）")


class TieBreak(models.TextChoices):
    PRACTICAL = "practical", _("总分相同时实操成绩高者在前，再比理论成绩")
    THEORY = "theory", _("总分相同时理论成绩高者在前，再比实操成绩")
    THEORY_TIME = (
        "theory_time",
        _("总分相同时理论考试先完成者在前（以队中最后一名队员首次交卷时间计）"),
    )


class CompetitionStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("比赛中")
    CLOSED = "closed", _("已结束")
    PUBLISHED = "published", _("已公布")


PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Competition(ClusterableModel):
    name = models.CharField(_("竞赛名称"), max_length=200)
    year = models.PositiveIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("主办区域"),
        on_delete=models.PROTECT,
        related_name="competitions",
        help_text=_("主办的区或街道；该区域内的企业可以报名参赛。"),
    )
    theory_paper = models.ForeignKey(
        "exams.Paper",
        verbose_name=_("理论考试试卷"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="competitions",
        help_text=_("每名队员在该试卷上交卷的最高分计入；未参加理论考试的队员按0分计。"),
    )
    theory_weight = models.DecimalField(
        _("理论成绩权重（%）"), max_digits=5, decimal_places=2, default=40, validators=PERCENT
    )
    practical_weight = models.DecimalField(
        _("实操成绩权重（%）"), max_digits=5, decimal_places=2, default=60, validators=PERCENT
    )
    combination = models.CharField(
        _("裁判评分合成方式"),
        max_length=10,
        choices=Combination.choices,
        default=Combination.TRIMMED,
    )
    tie_break = models.CharField(
        _("同分排名规则"), max_length=12, choices=TieBreak.choices, default=TieBreak.PRACTICAL
    )
    advancing_count = models.PositiveIntegerField(
        _("晋级队伍数"), default=0, help_text=_("排名前N的队伍标记为晋级；名次并列时一并晋级。")
    )
    award_count = models.PositiveIntegerField(
        _("获奖队伍数"), default=3, help_text=_("排名前N的队伍队员可获颁证书。")
    )
    leaderboard_public = models.BooleanField(
        _("公开排行榜"), default=False, help_text=_("公开时未登录的访客也能查看实时排行榜。")
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=CompetitionStatus.choices,
        default=CompetitionStatus.DRAFT,
        db_index=True,
    )
    certificate_template = models.ForeignKey(
        "certificates.CertificateTemplate",
        verbose_name=_("获奖证书模板"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(
        _("结束时间"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("状态改为已结束或已公布的时间；此后交卷的理论考试不再计入成绩。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("技能竞赛")
        verbose_name_plural = _("技能竞赛")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.theory_weight is not None and self.practical_weight is not None:
            if self.theory_weight + self.practical_weight != Decimal(100):
                raise ValidationError(
                    {"practical_weight": _("理论成绩权重与实操成绩权重之和须为100%。")}
                )

    def save(self, *args, **kwargs):
        # The theory window closes when the competition leaves the running state (see
        # competitions.services); reopening it opens the window again.
        finished = self.status in (CompetitionStatus.CLOSED, CompetitionStatus.PUBLISHED)
        if finished and self.closed_at is None:
            self.closed_at = timezone.now()
        elif not finished:
            self.closed_at = None
        fields = kwargs.get("update_fields")
        if fields is not None and "status" in fields:
            kwargs["update_fields"] = {*fields, "closed_at"}
        super().save(*args, **kwargs)

    def theory_window(self, paper_opens_at=None) -> tuple:
        """(from, until) of the theory attempts that count: from the start of the competition's
        year (and not before the paper opened, so a paper reused from an earlier competition
        brings none of its old attempts) until the competition was closed (None: still open)."""
        start = datetime(self.year, 1, 1, tzinfo=timezone.get_current_timezone())
        if paper_opens_at is not None and paper_opens_at > start:
            start = paper_opens_at
        return start, self.closed_at

    @property
    def is_scoring_open(self) -> bool:
        return self.status == CompetitionStatus.OPEN

    def covers(self, enterprise: Enterprise) -> bool:
        return enterprise.street.path.startswith(self.region.path)


class PracticalItem(models.Model):
    competition = ParentalKey(Competition, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("实操项目"), max_length=100)
    max_score = models.DecimalField(
        _("满分"),
        max_digits=6,
        decimal_places=2,
        default=100,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    sort_order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("实操项目")
        verbose_name_plural = _("实操项目")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.pk and self.max_score is not None:
            highest = self.scores.aggregate(highest=models.Max("value"))["highest"]
            if highest is not None and self.max_score < highest:
                raise ValidationError(
                    {
                        "max_score": _("已有裁判评分%(score)s分，满分不能低于该分值。")
                        % {"score": f"{highest.normalize():f}"}
                    }
                )


class Judge(models.Model):
    """A user who may score this competition's practical items."""

    competition = ParentalKey(Competition, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("裁判账号"),
        on_delete=models.CASCADE,
        related_name="competition_judgings",
    )

    class Meta:
        verbose_name = _("裁判")
        verbose_name_plural = _("裁判")
        constraints = [
            models.UniqueConstraint(fields=["competition", "user"], name="competitions_one_judge")
        ]

    def __str__(self) -> str:
        return self.user.display_name if self.user_id else ""


class Team(models.Model):
    competition = models.ForeignKey(
        Competition, verbose_name=_("竞赛"), on_delete=models.CASCADE, related_name="teams"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="competition_teams",
    )
    name = models.CharField(_("队名"), max_length=100)
    members = models.ManyToManyField(
        Person, verbose_name=_("队员"), related_name="competition_teams", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("参赛队伍")
        verbose_name_plural = _("参赛队伍")
        ordering = ["competition", "name"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "name"], name="competitions_team_name")
        ]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    team = models.ForeignKey(
        Team, verbose_name=_("队伍"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(
        PracticalItem, verbose_name=_("实操项目"), on_delete=models.CASCADE, related_name="scores"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("裁判"),
        on_delete=models.PROTECT,
        related_name="competition_scores",
    )
    value = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    updated_at = models.DateTimeField(_("评分时间"), default=timezone.now)

    class Meta:
        verbose_name = _("裁判评分")
        verbose_name_plural = _("裁判评分")
        constraints = [
            models.UniqueConstraint(fields=["team", "item", "judge"], name="competitions_one_score")
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.item} · {self.value}"

    def clean(self) -> None:
        if self.value is not None and self.item_id is not None:
            if self.value < 0 or self.value > self.item.max_score:
                raise ValidationError(
                    {"value": _("分值须在0到%(max)s之间。") % {"max": self.item.max_score}}
                )


class Award(models.Model):
    """One member of a top team awarded for the competition: the source of their certificate."""

    competition = models.ForeignKey(
        Competition, verbose_name=_("竞赛"), on_delete=models.CASCADE, related_name="awards"
    )
    # RESTRICT: a team with awards cannot be deleted on its own (the certificates point at the
    # awards), but deleting the whole competition still removes its teams and awards together.
    team = models.ForeignKey(
        Team, verbose_name=_("队伍"), on_delete=models.RESTRICT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("队员"), on_delete=models.PROTECT, related_name="competition_awards"
    )
    rank = models.PositiveIntegerField(_("名次"))
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("竞赛获奖")
        verbose_name_plural = _("竞赛获奖")
        constraints = [
            models.UniqueConstraint(fields=["competition", "person"], name="competitions_one_award")
        ]

    def __str__(self) -> str:
        return f"{self.competition} · {self.person} · {self.rank}"
