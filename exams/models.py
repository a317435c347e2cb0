"""Question banks, questions, papers (fixed list or draw rules), attempts with per-question
snapshots, the attempt event log and the wrong-answer book (错题本)."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from exams.question_types import LETTERS, QuestionType, kind_of
from portal.models import Enterprise, Person, PersonCategory
from portal.ownership import OwnedModel

# Banks and papers are owned by a region or an enterprise (portal.ownership).
OwnedMixin = OwnedModel


def new_pool_stamp() -> int:
    return secrets.randbits(62)


class QuestionBank(OwnedMixin):
    name = models.CharField(_("题库名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    exam_only = models.BooleanField(
        _("仅用于考试"),
        default=False,
        help_text=_("勾选后，本题库的试题只用于考试，从不出现在练习（包括错题练习）中。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # a new random value on every change to one of its questions (bump_pool_stamps): part of
    # the key of the draw pools cached by exams.engine, read with the paper's draw rules at every
    # start. Random, not a counter, so that a database reset or restored from a backup never
    # finds a pool another database cached under the same bank id and number.
    pool_stamp = models.BigIntegerField(_("抽题版本"), default=new_pool_stamp, editable=False)

    class Meta:
        verbose_name = _("题库")
        verbose_name_plural = _("题库")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# A question's knowledge points are one text field, the points separated by 、 (the import writes
# that), or by commas/semicolons when typed in by hand.
_KP_SEPARATORS = "[、,;，；]"
_KP_SPLIT = re.compile(f"{_KP_SEPARATORS}+")


def split_knowledge_points(text: str) -> list[str]:
    """The whole knowledge points of a question's list, stripped, without empties or repeats."""
    return list(dict.fromkeys(k.strip() for k in _KP_SPLIT.split(text or "") if k.strip()))


def knowledge_point_q(point: str, field: str = "knowledge_points") -> Q:
    """Questions that have `point` as one whole knowledge point of their list: `火` matches
    `火、用电` but not `防火` or `火灾`. A regular expression the database evaluates (SQLite through
    Django's REGEXP function, PostgreSQL `~`); every character of the point that is not a letter
    or a digit is backslash-escaped, which both dialects read as that literal character."""
    point = point.strip()
    if not point:
        return Q()
    literal = "".join(c if c.isalnum() else "\\" + c for c in point)
    pattern = rf"(^|{_KP_SEPARATORS})\s*{literal}\s*({_KP_SEPARATORS}|$)"
    return Q(**{f"{field}__contains": point}) & Q(**{f"{field}__regex": pattern})


def bump_pool_stamps(bank_ids) -> None:
    """A new draw-pool stamp for these banks: every start reads it with the paper's rules, so
    the next start of every paper drawing from them builds its pool again (exams.engine)."""
    bank_ids = sorted({pk for pk in bank_ids if pk is not None})
    if bank_ids:
        QuestionBank.objects.filter(pk__in=bank_ids).update(pool_stamp=new_pool_stamp())


def image_changed(sender, instance, **kwargs) -> None:
    """An image saved (a new file: new renditions) or about to be deleted: the banks of the
    questions showing it get a new draw-pool version."""
    if instance.pk is not None:
        bump_pool_stamps(
            Question.objects.filter(image_id=instance.pk).values_list("bank_id", flat=True)
        )


class QuestionQuerySet(models.QuerySet):
    """Every bulk write of questions gives their banks a new draw-pool version (as save() and
    delete() do): a cached pool never outlives a change of what it holds."""

    def active(self) -> QuestionQuerySet:
        return self.filter(status=Question.Status.ACTIVE)

    def _banks(self) -> list[int]:
        return list(self.order_by().values_list("bank_id", flat=True).distinct())

    def update(self, **kwargs) -> int:
        banks = self._banks()
        if "bank" in kwargs or "bank_id" in kwargs:
            target = kwargs.get("bank_id", kwargs.get("bank"))
            banks.append(getattr(target, "pk", target))
        changed = super().update(**kwargs)
        bump_pool_stamps(banks)
        return changed

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        bump_pool_stamps(q.bank_id for q in created)
        return created

    def bulk_update(self, objs, *args, **kwargs):
        objs = list(objs)
        banks = self.filter(pk__in=[q.pk for q in objs])._banks()
        changed = super().bulk_update(objs, *args, **kwargs)
        bump_pool_stamps([*banks, *(q.bank_id for q in objs)])
        return changed

    def delete(self):
        banks = self._banks()
        deleted = super().delete()
        bump_pool_stamps(banks)
        return deleted


class Question(models.Model):
    """A question. Attempts keep a snapshot of what they showed, so editing never changes the past;
    `version` grows on every edit."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("启用")
        RETIRED = "retired", _("停用")

    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("题库"), on_delete=models.CASCADE, related_name="questions"
    )
    type = models.CharField(_("题型"), max_length=10, choices=QuestionType.choices)
    stem = models.TextField(_("题干"))
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("题干图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    options = models.JSONField(
        _("选项"),
        default=list,
        blank=True,
        help_text=_("2–8个选项，依次为A、B、C…；填空题不设选项。"),
    )
    answer = models.CharField(
        _("答案"),
        max_length=1000,
        help_text=_(
            "选项字母，如 B 或 ACD；填空题每空一组答案，用“；”分隔，同一空的多个答案用“|”分隔。"
        ),
    )
    explanation = models.TextField(_("解析"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    knowledge_points = models.CharField(
        _("知识点"), max_length=200, blank=True, help_text=_("多个知识点用“、”分隔。")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["bank", "pk"]

    def __str__(self) -> str:
        return self.stem[:40]

    @property
    def knowledge_point_list(self) -> list[str]:
        return split_knowledge_points(self.knowledge_points)

    @property
    def kind(self):
        """The question's type class (exams.question_types)."""
        return kind_of(self.type)

    def clean(self) -> None:
        if self.type not in QuestionType.values:
            raise ValidationError({"type": _("未知题型")})
        options, answer, problems = self.kind.clean_question(
            stem=self.stem, options=self.options, answer=self.answer
        )
        if problems:
            raise ValidationError(problems)
        self.options, self.answer = options, answer

    def save(self, *args, **kwargs) -> None:
        letters = (self.answer or "").strip().upper()
        if self.kind.uses_options and letters and set(letters) <= set(LETTERS):
            # a choice answer is a set of letters, kept in order (ABCD, never DCAB) whatever
            # wrote it: the admin and the import already sort it, code that skips clean() too
            self.answer = "".join(sorted(set(letters)))
        banks = [self.bank_id]
        if self.pk:
            version, bank_id = type(self).objects.filter(pk=self.pk).values_list(
                "version", "bank_id"
            ).first() or (0, None)
            self.version = version + 1
            banks.append(bank_id)  # a question moved to another bank leaves the old one's pool
        super().save(*args, **kwargs)
        bump_pool_stamps(banks)

    def delete(self, *args, **kwargs):
        bank_id = self.bank_id
        deleted = super().delete(*args, **kwargs)
        bump_pool_stamps([bank_id])
        return deleted

    def snapshot(self) -> dict:
        return {
            "type": self.type,
            "stem": self.stem,
            "image": self.image.get_rendition("max-800x600").url if self.image_id else "",
            "options": list(self.options),
            "answer": self.answer,
            "explanation": self.explanation,
            "version": self.version,
            "knowledge_points": self.knowledge_points,
        }


class Paper(OwnedMixin, ClusterableModel):
    class Mode(models.TextChoices):
        EXAM = "exam", _("正式考试")
        MOCK = "mock", _("模拟考试")
        PRACTICE = "practice", _("练习")

    class Selection(models.TextChoices):
        FIXED = "fixed", _("固定试题")
        DRAW = "draw", _("按规则抽题")

    class Review(models.TextChoices):
        NOTHING = "nothing", _("不公布")
        SCORE = "score", _("仅公布成绩")
        FULL = "full", _("公布成绩、答案和解析")

    class MultiScoring(models.TextChoices):
        ALL = "all", _("全对才得分")
        PARTIAL = "partial", _("少选得部分分（选错不得分）")

    title = models.CharField(_("名称"), max_length=200)
    instructions = models.TextField(_("考试须知"), blank=True)
    mode = models.CharField(_("类型"), max_length=10, choices=Mode.choices, default=Mode.EXAM)
    selection = models.CharField(
        _("组卷方式"), max_length=10, choices=Selection.choices, default=Selection.FIXED
    )
    pass_score = models.DecimalField(_("及格分"), max_digits=6, decimal_places=1, default=60)
    duration_minutes = models.PositiveIntegerField(
        _("考试时长（分钟）"), default=60, help_text=_("练习不计时。")
    )
    opens_at = models.DateTimeField(_("开放时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    attempts_allowed = models.PositiveIntegerField(
        _("允许次数"), default=1, help_text=_("0 表示不限次数；练习总是不限。")
    )
    shuffle_questions = models.BooleanField(_("试题乱序"), default=True)
    shuffle_options = models.BooleanField(_("选项乱序"), default=True)
    multi_scoring = models.CharField(
        _("多选题计分"), max_length=10, choices=MultiScoring.choices, default=MultiScoring.ALL
    )
    review_policy = models.CharField(
        _("交卷后公布"), max_length=10, choices=Review.choices, default=Review.SCORE
    )
    review_from = models.DateTimeField(
        _("公布时间"), null=True, blank=True, help_text=_("留空则交卷后立即公布。")
    )
    blur_limit = models.PositiveIntegerField(
        _("切屏次数上限"), default=0, help_text=_("离开考试页面达到此次数自动交卷；0 表示不限。")
    )
    open_to_all = models.BooleanField(
        _("面向所属范围内全部人员"),
        default=True,
        help_text=_("取消勾选后，仅下面选定的企业、人员类别和人员可以参加。"),
    )
    audience_enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("参考企业"), blank=True, related_name="+"
    )
    audience_categories = models.JSONField(_("参考人员类别"), default=list, blank=True)
    audience_people = models.ManyToManyField(
        Person, verbose_name=_("参考人员"), blank=True, related_name="+"
    )
    # Hook for a class / programme cohort (owned by the courses app): a "app_label.Model:pk" key
    # that courses can resolve through portal.registry.cohort_resolvers.
    audience_cohort = models.CharField(_("参考班级/项目"), max_length=100, blank=True)
    certificate_template = models.ForeignKey(
        "certificates.CertificateTemplate",
        verbose_name=_("合格证书模板"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("正式考试及格后自动发放证书。"),
    )
    published = models.BooleanField(_("已发布"), default=False)
    practice_for = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="practice_papers",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("试卷")
        verbose_name_plural = _("试卷")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_practice(self) -> bool:
        return self.mode == self.Mode.PRACTICE

    @property
    def total_score(self):
        if self.selection == self.Selection.FIXED:
            return sum((pq.points for pq in self.paper_questions.all()), 0)
        return sum((r.count * r.points for r in self.draw_rules.all()), 0)

    def clean(self) -> None:
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("截止时间必须晚于开放时间。")})
        if self.mode != self.Mode.PRACTICE and not self.duration_minutes:
            raise ValidationError({"duration_minutes": _("考试须设置时长。")})

    def is_open(self, now) -> bool:
        return (self.opens_at is None or now >= self.opens_at) and (
            self.closes_at is None or now < self.closes_at
        )


class PaperQuestion(models.Model):
    paper = ParentalKey(Paper, on_delete=models.CASCADE, related_name="paper_questions")
    question = models.ForeignKey(
        Question, verbose_name=_("试题"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1, default=1)
    sort_order = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("固定试题")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "question"], name="exams_unique_paper_question"
            )
        ]

    def __str__(self) -> str:
        return _("%(question)s (%(points)s分)") % {"question": self.question, "points": self.points}


class DrawRule(models.Model):
    paper = ParentalKey(Paper, on_delete=models.CASCADE, related_name="draw_rules")
    bank = models.ForeignKey(QuestionBank, verbose_name=_("题库"), on_delete=models.PROTECT)
    type = models.CharField(_("题型"), max_length=10, choices=QuestionType.choices)
    difficulty_min = models.PositiveSmallIntegerField(
        _("最低难度"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    difficulty_max = models.PositiveSmallIntegerField(
        _("最高难度"), default=5, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    knowledge_point = models.CharField(_("知识点"), max_length=50, blank=True)
    count = models.PositiveIntegerField(_("抽题数量"), validators=[MinValueValidator(1)])
    points = models.DecimalField(_("每题分值"), max_digits=5, decimal_places=1, default=1)
    sort_order = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("抽题规则")
        ordering = ["sort_order", "pk"]

    def clean(self) -> None:
        if self.difficulty_min > self.difficulty_max:
            raise ValidationError({"difficulty_max": _("最高难度不能低于最低难度。")})

    def candidates(self):
        qs = Question.objects.active().filter(
            bank_id=self.bank_id,
            type=self.type,
            difficulty__gte=self.difficulty_min,
            difficulty__lte=self.difficulty_max,
        )
        if self.knowledge_point:
            qs = qs.filter(knowledge_point_q(self.knowledge_point))
        return qs

    def __str__(self) -> str:
        return f"{self.bank} · {self.get_type_display()} × {self.count}"


def new_seed() -> int:
    return secrets.randbits(31)


class AttemptQuerySet(models.QuerySet):
    def in_progress(self) -> AttemptQuerySet:
        return self.filter(state=Attempt.State.IN_PROGRESS)

    def finished(self) -> AttemptQuerySet:
        return self.filter(state=Attempt.State.FINISHED)

    def expired(self, now, grace) -> AttemptQuerySet:
        return self.in_progress().filter(deadline__isnull=False, deadline__lt=now - grace)


class Attempt(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("答题中")
        FINISHED = "finished", _("已交卷")

    class FinishReason(models.TextChoices):
        SUBMITTED = "submitted", _("本人交卷")
        TIMEOUT = "timeout", _("到时自动交卷")
        BLUR = "blur", _("切屏超限自动交卷")

    paper = models.ForeignKey(
        Paper, verbose_name=_("试卷"), on_delete=models.CASCADE, related_name="attempts"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("考生"), on_delete=models.CASCADE, related_name="exam_attempts"
    )
    number = models.PositiveIntegerField(_("第几次"), default=1)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.IN_PROGRESS, db_index=True
    )
    seed = models.BigIntegerField(default=new_seed, editable=False)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True, db_index=True)
    finished_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    finish_reason = models.CharField(
        _("交卷方式"), max_length=10, choices=FinishReason.choices, blank=True
    )
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1, default=0)
    passed = models.BooleanField(_("及格"), null=True)
    blur_count = models.PositiveIntegerField(_("切屏次数"), default=0)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "person"],
                condition=Q(state="in_progress"),
                name="exams_one_attempt_in_progress",
            ),
            models.UniqueConstraint(
                fields=["paper", "person", "number"], name="exams_attempt_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.paper} #{self.number}"

    @property
    def is_finished(self) -> bool:
        return self.state == self.State.FINISHED


class AttemptQuestion(models.Model):
    """One question as this attempt shows it (snapshot), with the person's latest saved answer."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    points = models.DecimalField(max_digits=5, decimal_places=1)
    snapshot = models.JSONField()
    option_order = models.JSONField(default=list)  # letters in the order shown
    # the stored answer (exams.question_types): sorted letters, or a 填空's JSON list of blanks
    response = models.TextField(blank=True)
    seq = models.BigIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    is_correct = models.BooleanField(null=True)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="exams_unique_attempt_q")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"


class AttemptEvent(models.Model):
    class Kind(models.TextChoices):
        START = "start", _("开始")
        RESUME = "resume", _("继续作答")
        SAVE = "save", _("保存答案")
        BLUR = "blur", _("离开页面")
        SUBMIT = "submit", _("交卷")
        AUTO_SUBMIT = "auto_submit", _("自动交卷")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=255, blank=True)
    detail = models.CharField(_("详情"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("答卷事件")
        verbose_name_plural = _("答卷事件")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M:%S}"


class WrongAnswer(models.Model):
    """错题本: a question the person got wrong; it leaves the book after two right answers in a row."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="wrong_answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    wrong_count = models.PositiveIntegerField(default=1)
    right_streak = models.PositiveSmallIntegerField(default=0)
    last_wrong_at = models.DateTimeField(default=timezone.now)
    last_response = models.TextField(blank=True)

    class Meta:
        verbose_name = _("错题")
        verbose_name_plural = _("错题本")
        constraints = [
            models.UniqueConstraint(fields=["person", "question"], name="exams_unique_wrong_answer")
        ]

    @property
    def is_open(self) -> bool:
        return self.right_streak < 2

    def __str__(self) -> str:
        return f"{self.person_id}: {self.question_id}"


__all__ = ["LETTERS", "PersonCategory", "QuestionType"]
