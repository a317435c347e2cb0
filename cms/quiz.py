"""The campaign quiz (安全生产月知识竞赛): an exams.Paper chosen on a CampaignPage.

Definitions (the figures on the ranking page, the export and the live figures, which are the
ranking's total row):
- participant: an active person (Person.is_active) with at least one finished (submitted,
  timed-out or auto-submitted) attempt on the quiz paper, counted once, in the enterprise they
  belong to now (people who have left count neither on the roster nor as participants, so the
  rate never exceeds 100 %);
- roster: the active people (Person.is_active) of the enterprise;
- participation rate: participants / roster (None when the roster is empty);
- average score: the mean of each participant's best score.

Enterprises ranked are those the paper's owner covers (a district paper: every enterprise of the
district). Figures are computed in a fixed number of queries whatever the number of enterprises and
attempts: one for the enterprises with their roster sizes, one for participants and the sum of
their best scores grouped by enterprise; streets are summed from the enterprise rows.

Quiz window: each bound is the paper's own (opens_at / closes_at) when it has one, else the
campaign's (start_date 00:00 – the day after end_date 00:00, local time). exams.engine calls
`start_check` before every new attempt, so the engine refuses a start outside the campaign even
through /exams/ or the API; a paper chosen on a campaign page that is not live (a draft, or
unpublished) takes no new attempts at all. `deadline_cap` ends an attempt when the window closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from portal import registry
from portal.db import rows as db_rows
from portal.figures import Figure, computes

ONE_PLACE = Decimal("0.1")


@dataclass
class Row:
    """Figures of one enterprise or one street."""

    key: int
    name: str
    participants: int = 0
    roster: int = 0
    score_sum: Decimal = Decimal(0)
    street_name: str = ""
    street_id: int | None = None
    rank: int | None = None
    enterprises: int = 0

    @property
    def rate(self) -> Decimal | None:
        """Participation in %, one decimal; None when nobody is on the roster."""
        if not self.roster:
            return None
        return (Decimal(self.participants) * 100 / self.roster).quantize(ONE_PLACE, ROUND_HALF_UP)

    @property
    def average(self) -> Decimal | None:
        if not self.participants:
            return None
        return (self.score_sum / self.participants).quantize(ONE_PLACE, ROUND_HALF_UP)

    def sort_key(self):
        # Rate (highest first; no roster last), then average score (highest first; none last),
        # then name.
        rate = self.rate
        average = self.average
        return (
            rate is None,
            -(rate or 0),
            average is None,
            -(average or 0),
            self.name,
        )


@dataclass
class Figures:
    enterprises: list[Row] = field(default_factory=list)  # ranked
    streets: list[Row] = field(default_factory=list)  # ranked the same way
    total: Row = field(default_factory=lambda: Row(key=0, name=""))


def _finished(paper_id: int):
    from exams.models import Attempt

    return Attempt.objects.filter(
        paper_id=paper_id, state=Attempt.State.FINISHED, score__isnull=False
    )


def _participants(paper_id: int):
    """Active people with a finished attempt on the paper (each once)."""
    from portal.models import Person

    return Person.objects.filter(
        Exists(_finished(paper_id).filter(person=OuterRef("pk"))), is_active=True
    )


def _best_score(paper_id: int) -> Subquery:
    """The person's (OuterRef) best score on the paper."""
    return Subquery(
        _finished(paper_id)
        .filter(person=OuterRef("pk"))
        .values("person")
        .annotate(best=Max("score"))
        .values("best")
    )


def covered_enterprises(paper):
    """The enterprises whose people the paper's owner covers."""
    from portal.models import Enterprise

    if paper.enterprise_id:
        return Enterprise.objects.filter(pk=paper.enterprise_id)
    if paper.region_id:
        return Enterprise.objects.filter(street__path__startswith=paper.region.path)
    return Enterprise.objects.none()


def quiz_figures(paper, *, enterprises=None) -> Figures:
    """Ranked figures by enterprise and by street. Two queries (plus one for paper.region when it
    is not loaded yet). `enterprises` narrows the rows (e.g. to a supervisor's scope); the ranks
    are then those within the rows given."""
    qs = covered_enterprises(paper) if enterprises is None else enterprises
    rows: dict[int, Row] = {}
    for e in qs.annotate(
        roster=Count("people", filter=Q(people__is_active=True), distinct=True)
    ).values("pk", "name", "roster", "street_id", "street__name"):
        rows[e["pk"]] = Row(
            key=e["pk"],
            name=e["name"],
            roster=e["roster"],
            street_id=e["street_id"],
            street_name=e["street__name"],
        )
    if rows:
        grouped = (
            _participants(paper.pk)
            .filter(enterprise__in=qs.values("pk"))
            .annotate(best=_best_score(paper.pk))
            .values("enterprise_id")
            .annotate(n=Count("pk"), total=Sum("best"))
            .order_by()
        )
        for g in grouped:
            row = rows.get(g["enterprise_id"])
            if row is not None:
                row.participants = g["n"]
                row.score_sum = Decimal(g["total"] or 0)
    enterprise_rows = sorted(rows.values(), key=Row.sort_key)
    _rank(enterprise_rows)

    streets: dict[int, Row] = {}
    total = Row(key=0, name=_("合计"))
    for row in enterprise_rows:
        street = streets.setdefault(row.street_id, Row(key=row.street_id, name=row.street_name))
        for agg in (street, total):
            agg.participants += row.participants
            agg.roster += row.roster
            agg.score_sum += row.score_sum
            agg.enterprises += 1
    street_rows = sorted(streets.values(), key=Row.sort_key)
    _rank(street_rows)
    return Figures(enterprises=enterprise_rows, streets=street_rows, total=total)


def _rank(rows: list[Row]) -> None:
    """Competition ranking (1, 2, 2, 4): equal rate and average share a rank."""
    previous = None
    for position, row in enumerate(rows, start=1):
        key = row.sort_key()[:4]
        if key != previous:
            row.rank = position
            previous = key
        else:
            row.rank = rows[position - 2].rank


def _covered_participants(paper):
    """Participants in the enterprises the paper's owner covers: those the ranking counts."""
    return _participants(paper.pk).filter(enterprise__in=covered_enterprises(paper).values("pk"))


_QUIZ_SURFACES = (_l("宣传活动页“实时数据”块"), _l("知识竞赛排名页"))


@computes(
    Figure(
        key="campaign.quiz_participants",
        label=_l("知识竞赛参与人数"),
        unit=_l("人"),
        definition=_l("活动知识竞赛试卷覆盖区域内、已交卷的不同人员数（排名合计行）。"),
        source=_l("考试作答（活动知识竞赛试卷）"),
        audience=_l("所有访客"),
        surfaces=_QUIZ_SURFACES,
    )
)
def participant_count(paper) -> int:
    """Participants counted by the ranking (its total row), one query once paper.region is
    loaded."""
    return _covered_participants(paper).count()


@computes(
    Figure(
        key="campaign.quiz_average",
        label=_l("知识竞赛平均成绩"),
        unit=_l("分"),
        definition=_l("上述参与人员各自最高成绩的平均值，保留一位小数（四舍五入）。"),
        source=_l("考试作答（活动知识竞赛试卷）"),
        audience=_l("所有访客"),
        surfaces=_QUIZ_SURFACES,
    )
)
def average_best_score(paper) -> Decimal | None:
    """Mean of each counted participant's best score, one decimal (the ranking's total average;
    one query once paper.region is loaded)."""

    row = (
        _covered_participants(paper)
        .annotate(best=_best_score(paper.pk))
        .aggregate(n=Count("pk"), total=Coalesce(Sum("best"), Decimal(0)))
    )
    if not row["n"]:
        return None
    return (Decimal(row["total"]) / row["n"]).quantize(ONE_PLACE, ROUND_HALF_UP)


def people_rows(paper, enterprise) -> list[dict]:
    """The active roster of one enterprise with each person's quiz result (two queries):
    [{"person", "best", "attempts", "passed"}], participants first (best score first)."""
    from portal.models import Person

    people = list(
        Person.objects.filter(enterprise=enterprise, is_active=True).order_by("name", "pk")
    )
    results = {
        r["person_id"]: r
        for r in _finished(paper.pk)
        .filter(person__enterprise=enterprise)
        .values("person_id")
        .annotate(
            best=Max("score"),
            attempts=Count("pk"),
            passed=Count("pk", filter=Q(passed=True)),
        )
        .order_by()
    }
    rows = []
    for person in people:
        r = results.get(person.pk)
        rows.append(
            {
                "person": person,
                "best": r["best"] if r else None,
                "attempts": r["attempts"] if r else 0,
                "passed": bool(r and r["passed"]),
            }
        )
    rows.sort(key=lambda r: (r["best"] is None, -(r["best"] or 0), r["person"].name))
    return rows


# ---------------------------------------------------------------- the quiz window


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def quiz_window(page, paper=None) -> tuple[datetime, datetime]:
    paper = paper or page.quiz_paper
    opens = paper.opens_at or _local_midnight(page.start_date)
    closes = paper.closes_at or _local_midnight(page.end_date + timedelta(days=1))
    return opens, closes


def quiz_state(page, now=None) -> str:
    """ "upcoming" | "open" | "closed" | "" (no quiz)."""
    if page.quiz_paper_id is None or page.quiz_paper is None:
        return ""
    now = now or timezone.now()
    opens, closes = quiz_window(page)
    if now < opens:
        return "upcoming"
    if now >= closes:
        return "closed"
    return "open"


@dataclass(frozen=True)
class _QuizDates:
    """What the start check and the deadline cap read of a campaign page using the paper."""

    live: bool
    start_date: date
    end_date: date


_CAMPAIGN_PAGES_SQL: dict[str, tuple] = {}


def _campaign_pages(paper) -> list[_QuizDates]:
    """Every campaign page (live or not) using the paper as its quiz: one query, once for both
    the start check and the deadline cap of a start (portal.registry.start_memo), with SQL written
    once per database (the ORM's compilation of this read was ≈ 5 % of a start)."""
    return registry.start_memo(("cms.campaign_pages", paper.pk), lambda: _read_pages(paper.pk))


def _read_pages(paper_id: int) -> list[_QuizDates]:
    from django.db import connections, router
    from wagtail.models import Page

    from cms.models import CampaignPage

    connection = connections[router.db_for_read(CampaignPage)]
    compiled = _CAMPAIGN_PAGES_SQL.get(connection.alias)
    if compiled is None:
        qn = connection.ops.quote_name
        col = partial(db_rows.column, connection)
        meta = CampaignPage._meta
        fields = [Page._meta.get_field("live"), meta.get_field("start_date")]
        fields.append(meta.get_field("end_date"))
        converters = [
            db_rows.converters_of(connection, f, alias)
            for f, alias in zip(fields, ("p", "c", "c"), strict=True)
        ]
        link = meta.get_ancestor_link(Page).column
        sql = (
            f"SELECT p.{col(Page, 'live')}, c.{col(CampaignPage, 'start_date')}, "  # nosec B608
            f"c.{col(CampaignPage, 'end_date')} "
            f"FROM {qn(meta.db_table)} c JOIN {qn(Page._meta.db_table)} p "
            f"ON p.{qn(Page._meta.pk.column)} = c.{qn(link)} "
            f"WHERE c.{col(CampaignPage, 'quiz_paper')} = %s"
        )  # names from the models' _meta, the paper's id as a parameter
        compiled = _CAMPAIGN_PAGES_SQL[connection.alias] = (sql, converters)
    sql, converters = compiled
    with connection.cursor() as cursor:
        cursor.execute(sql, [paper_id])
        found = cursor.fetchall()
    return [
        _QuizDates(
            *(
                db_rows.convert(connection, value, col, chain)
                for value, (col, chain) in zip(row, converters, strict=True)
            )
        )
        for row in found
    ]


def _open_windows(paper, pages, now) -> list[tuple[datetime, datetime]]:
    """The quiz windows of the live pages that are open at `now`."""
    windows = [quiz_window(page, paper) for page in pages if page.live]
    return [(opens, closes) for opens, closes in windows if opens <= now < closes]


def start_check(paper, now) -> str | None:
    """portal.registry start check: a paper chosen as the quiz of any campaign page (live,
    draft or unpublished) takes new attempts only inside the quiz window of a live campaign using
    it; while no page using it is live, starts are refused (one query)."""
    pages = _campaign_pages(paper)
    if not pages:
        return None
    if not any(page.live for page in pages):
        return _("知识竞赛所在的活动尚未发布，暂不能参加。")
    if _open_windows(paper, pages, now):
        return None
    return _("知识竞赛不在活动时间内。")


def deadline_cap(paper, now) -> datetime | None:
    """portal.registry deadline cap: an attempt on a campaign quiz ends when the quiz window
    it started in closes (an attempt started at 23:59 on the campaign's last day does not run its
    full duration); None for a paper that is no campaign's quiz (one query)."""
    windows = _open_windows(paper, _campaign_pages(paper), now)
    if not windows:
        return None
    return max(closes for _opens, closes in windows)
