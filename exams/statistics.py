"""The exam figures: 参考人次, 及格人次, 及格率 of formal exams. Takes a `Scope` and a `Period`.

exam_figures(scope, period) -> dict            1 query

And one paper's figures for its examiners (the results page and its .xlsx):

item_statistics(paper=) -> dict                2 queries (facility, discrimination, options)
result_rows(attempts) -> list[list]            the rows of the results export (no query of its own)
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exams.models import Attempt, AttemptQuestion, Paper
from exams.question_types import kind_of
from portal.figures import Figure, computes, percentage
from portal.periods import Period
from portal.scoping import Scope, scope_enterprise_q

STAFF = _("监管人员（本辖区）、企业安全管理员（本企业）")
SURFACES = ("/dashboard/", _("年度报告 PDF / xlsx / JSON"))
_SOURCE = _("考试作答（正式考试，不含模拟考试和练习）")


TAKEN = Figure(
    key="exams.taken",
    label=_("参考人次"),
    unit=_("人次"),
    definition=_("交卷时间在统计期间内的正式考试作答次数（一人考一次记一人次）。"),
    source=_SOURCE,
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["taken"],
)
PASSED = Figure(
    key="exams.passed",
    label=_("及格人次"),
    unit=_("人次"),
    definition=_("上述作答中成绩及格的次数。"),
    source=_SOURCE,
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["passed"],
)
RATE = Figure(
    key="exams.pass_rate",
    label=_("考试及格率"),
    unit="%",
    definition=_("及格人次 ÷ 参考人次，保留一位小数；无人参考时不计算。"),
    source=_SOURCE,
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["rate"],
)


@computes(TAKEN, PASSED, RATE)
def exam_figures(scope: Scope, period: Period) -> dict:
    """Finished attempts at formal exams (正式考试, not mock or practice) in the period, by the
    scope's people: taken, passed, people, rate (%). One aggregate query."""
    lo, hi = period.bounds
    totals = Attempt.objects.filter(
        scope_enterprise_q(scope, "person__enterprise"),
        state=Attempt.State.FINISHED,
        finished_at__gte=lo,
        finished_at__lt=hi,
        paper__mode="exam",
    ).aggregate(
        taken=Count("pk"),
        passed=Count("pk", filter=Q(passed=True)),
        people=Count("person", distinct=True),
    )
    return {**totals, "rate": percentage(totals["passed"], totals["taken"])}


def item_statistics(*, paper: Paper) -> dict:
    """Per question over finished attempts: facility (correct rate), discrimination (correct rate of
    the top 27% minus the bottom 27% by total score), option distribution; flags questions with
    discrimination < 0.2 or facility > 0.95 or < 0.2. Two queries whatever the size."""
    attempts = list(paper.attempts.finished().values_list("pk", "score"))
    n = len(attempts)
    ranked = sorted(attempts, key=lambda a: a[1] or 0)
    k = max(1, round(n * 0.27)) if n >= 2 else 0
    lower = {pk for pk, _s in ranked[:k]}
    upper = {pk for pk, _s in ranked[n - k :]} if k else set()
    per_q: dict[int, dict] = {}
    for item in AttemptQuestion.objects.filter(attempt_id__in=[a[0] for a in attempts]).order_by(
        "question_id"
    ):
        kind = kind_of(item.snapshot["type"])
        row = per_q.setdefault(
            item.question_id,
            {
                "question_id": item.question_id,
                "stem": item.snapshot["stem"],
                "type_label": kind.label,
                "answer": item.snapshot["answer"],
                "answer_text": kind.answer_text(item.snapshot, []),
                "snapshot": item.snapshot,
                "n": 0,
                "correct": 0,
                "upper_n": 0,
                "upper_correct": 0,
                "lower_n": 0,
                "lower_correct": 0,
                "options": kind.stats_start(item.snapshot),
                "blank": 0,
            },
        )
        row["n"] += 1
        row["correct"] += 1 if item.is_correct else 0
        if item.attempt_id in upper:
            row["upper_n"] += 1
            row["upper_correct"] += 1 if item.is_correct else 0
        if item.attempt_id in lower:
            row["lower_n"] += 1
            row["lower_correct"] += 1 if item.is_correct else 0
        if not item.response:
            row["blank"] += 1
        kind.stats_add(row["options"], item.response, row["snapshot"])
    rows = []
    for row in per_q.values():
        facility = row["correct"] / row["n"] if row["n"] else None
        discrimination = None
        if row["upper_n"] and row["lower_n"]:
            discrimination = (
                row["upper_correct"] / row["upper_n"] - row["lower_correct"] / row["lower_n"]
            )
        flags = []
        if facility is not None and facility > 0.95:
            flags.append(gettext("过易"))
        if facility is not None and facility < 0.2:
            flags.append(gettext("过难"))
        if discrimination is not None and discrimination < 0.2:
            flags.append(gettext("区分度低"))
        row.update(
            facility=facility,
            discrimination=discrimination,
            flags=flags,
            option_rows=kind_of(row["snapshot"]["type"]).stats_rows(
                row["options"], row["snapshot"]
            ),
        )
        del row["snapshot"]
        rows.append(row)
    return {"attempts": n, "group_size": k, "rows": rows}


RESULT_COLUMNS = [
    _("姓名"),
    _("企业"),
    _("人员类别"),
    _("第几次"),
    _("状态"),
    _("开始时间"),
    _("交卷时间"),
    _("交卷方式"),
    _("得分"),
    _("总分"),
    _("是否及格"),
    _("切屏次数"),
]


def result_rows(attempts) -> list[list]:
    from django.utils import timezone

    def fmt(dt):
        return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S") if dt else ""

    return [
        [
            a.person.name,
            a.person.enterprise.name,
            a.person.get_category_display(),
            a.number,
            a.get_state_display(),
            fmt(a.started_at),
            fmt(a.finished_at),
            a.get_finish_reason_display() if a.finish_reason else "",
            float(a.score) if a.score is not None else "",
            float(a.total),
            (gettext("是") if a.passed else gettext("否")) if a.passed is not None else "",
            a.blur_count,
        ]
        for a in attempts
    ]
