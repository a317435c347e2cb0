"""Scoring, ranking, scoping and awards of the skills competitions.

How a team's result is computed (`standings()`), all with Decimal and ROUND_HALF_UP to 2 places:

- Theory: each member's best *submitted* attempt on the competition's theory paper, as a percentage
  of that attempt's total (score / total × 100), handed in within the theory window
  (`Competition.theory_window`: from the start of the competition's year, and not before the
  paper's opening time, until the competition was closed — results no longer move after closing,
  and a paper reused from an earlier competition brings none of its old attempts). A member
  without such an attempt counts 0.
  The team's theory score is the mean over all its members (a team without members scores 0).
- Practical, per item: the scores of the competition's current judges (a judge removed from it
  no longer counts) for that team and item combine by the competition's rule:
  the mean, or the trimmed mean (drop one highest and one lowest score, then the mean of the rest).
  The trimmed mean needs at least 3 scores; with fewer it falls back to the plain mean. An item no
  judge has scored yet counts 0 (the live leaderboard shows partial totals while judging runs).
- Practical total: the sum of the item scores as a percentage of the sum of the items' maximums.
- Total: theory × theory weight % + practical × practical weight %.
- Ranking: higher total first; equal totals are ordered by the tie-break rule (practical then theory,
  theory then practical, or earlier theory finish — the time the team's last member first handed in
  the paper; a team with a member who never handed in comes after). Teams still equal on every key
  share the rank (1, 2, 2, 4). Teams ranked ≤ N (the advancing count) are marked advancing, so a
  tie at the boundary advances every tied team.

`standings()` runs 5 queries whatever the number of teams, members, items, judges or attempts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from competitions.models import (
    Award,
    Combination,
    Competition,
    CompetitionStatus,
    Judge,
    PracticalItem,
    Score,
    Team,
    TieBreak,
)
from portal.ownership import covering_q, owned_q, owns, scope_street
from portal.scoping import administers_enterprise, scope_for

TWO = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def combine(values: list[Decimal], rule: str) -> Decimal:
    """The item score from the judges' scores (see the module docstring)."""
    if not values:
        return ZERO
    values = sorted(values)
    if rule == Combination.TRIMMED and len(values) >= 3:
        values = values[1:-1]
    return q2(sum(values, ZERO) / len(values))


@dataclass
class Standing:
    team_id: int
    name: str
    enterprise_id: int
    enterprise: str
    members: list[int]
    theory: Decimal
    practical: Decimal
    total: Decimal
    items: dict[int, Decimal] = field(default_factory=dict)
    item_counts: dict[int, int] = field(default_factory=dict)
    theory_finished_at: datetime | None = None
    rank: int = 0
    advancing: bool = False

    def as_json(self) -> dict:
        return {
            "rank": self.rank,
            "team": self.name,
            "enterprise": self.enterprise,
            "theory": str(self.theory),
            "practical": str(self.practical),
            "total": str(self.total),
            "advancing": self.advancing,
        }


def _tie_key(s: Standing, rule: str) -> tuple:
    if rule == TieBreak.THEORY:
        return (-s.theory, -s.practical)
    if rule == TieBreak.THEORY_TIME:
        finished = s.theory_finished_at
        return (finished is None, finished.timestamp() if finished else 0)
    return (-s.practical, -s.theory)


def standings(competition: Competition) -> list[Standing]:
    """Every team's result, ranked. Five queries (teams, members, items, scores, attempts)."""
    only = Competition.objects.filter(pk=competition.pk).values("pk")
    return _standings([competition], only)[competition.pk]


def standings_many(competitions: QuerySet[Competition]) -> list[tuple[Competition, list[Standing]]]:
    """The ranked results of several competitions: six queries (the competitions, then the five
    of `standings()` for all of them at once), whatever their number — also when there is none."""
    found = list(competitions)
    by_id = _standings(found, competitions.values("pk"))
    return [(c, by_id[c.pk]) for c in found]


def _standings(competitions: list[Competition], ids: QuerySet) -> dict[int, list[Standing]]:
    teams = list(
        Team.objects.filter(competition__in=ids).select_related("enterprise").order_by("name", "pk")
    )
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, person_id in Team.members.through.objects.filter(
        team__competition__in=ids
    ).values_list("team_id", "person_id"):
        members[team_id].append(person_id)
    items: dict[int, list[dict]] = defaultdict(list)
    for row in PracticalItem.objects.filter(competition__in=ids).values(
        "pk", "competition_id", "max_score"
    ):
        items[row["competition_id"]].append(row)
    judged: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    # only the scores of the competition's current judges: a judge removed from it no longer counts
    current = Score.objects.filter(
        team__competition__in=ids,
        judge__competition_judgings__competition_id=F("team__competition_id"),
    )
    for team_id, item_id, value in current.values_list("team_id", "item_id", "value"):
        judged[(team_id, item_id)].append(value)

    from exams.models import Attempt

    paper_of = {c.pk: c.theory_paper_id for c in competitions}
    config = {c.pk: c for c in competitions}
    best: dict[tuple[int, int], Decimal] = {}
    first_done: dict[tuple[int, int], datetime] = {}
    rows = (
        Attempt.objects.finished()
        .filter(
            paper_id__in=Competition.objects.filter(pk__in=ids).values("theory_paper_id"),
            person__competition_teams__competition__in=ids,
        )
        .values_list(
            "person__competition_teams__competition_id",
            "paper_id",
            "person_id",
            "score",
            "total",
            "finished_at",
            "paper__opens_at",
        )
        .distinct()
    )
    windows: dict[int, tuple] = {}
    for competition_id, paper_id, person_id, score, total, finished_at, opens_at in rows:
        if paper_of.get(competition_id) != paper_id:
            continue  # another competition's paper
        if competition_id not in windows:
            windows[competition_id] = config[competition_id].theory_window(opens_at)
        start, until = windows[competition_id]
        if finished_at is None or finished_at < start or (until and finished_at > until):
            continue  # handed in outside the theory window
        key = (competition_id, person_id)
        percent = (score or ZERO) * HUNDRED / total if total else ZERO
        if key not in best or percent > best[key]:
            best[key] = percent
        if finished_at and (key not in first_done or finished_at < first_done[key]):
            first_done[key] = finished_at

    results: dict[int, list[Standing]] = {c.pk: [] for c in competitions}
    for team in teams:
        competition = config[team.competition_id]
        c_items = items.get(competition.pk, [])
        people = members.get(team.pk, [])
        keys = [(competition.pk, p) for p in people]
        theory = q2(sum((best.get(k, ZERO) for k in keys), ZERO) / len(keys)) if keys else ZERO
        finished = None
        if keys and all(k in first_done for k in keys):
            finished = max(first_done[k] for k in keys)
        item_scores = {
            i["pk"]: combine(judged.get((team.pk, i["pk"]), []), competition.combination)
            for i in c_items
        }
        max_sum = sum((i["max_score"] for i in c_items), ZERO)
        practical = q2(sum(item_scores.values(), ZERO) * HUNDRED / max_sum) if max_sum else ZERO
        total = q2(
            theory * competition.theory_weight / HUNDRED
            + practical * competition.practical_weight / HUNDRED
        )
        results[competition.pk].append(
            Standing(
                team_id=team.pk,
                name=team.name,
                enterprise_id=team.enterprise_id,
                enterprise=team.enterprise.name,
                members=people,
                theory=theory,
                practical=practical,
                total=total,
                items=item_scores,
                item_counts={i["pk"]: len(judged.get((team.pk, i["pk"]), [])) for i in c_items},
                theory_finished_at=finished,
            )
        )
    return {
        pk: rank(rows, config[pk].tie_break, config[pk].advancing_count)
        for pk, rows in results.items()
    }


def rank(rows: list[Standing], rule: str, advancing: int) -> list[Standing]:
    """Orders by total then the tie-break rule; equal keys share a rank; rank ≤ N advances."""
    rows = sorted(rows, key=lambda s: ((-s.total, *_tie_key(s, rule)), s.name))
    previous = None
    for position, s in enumerate(rows, start=1):
        key = (s.total, _tie_key(s, rule))
        s.rank = previous[1] if previous and previous[0] == key else position
        previous = (key, s.rank)
        s.advancing = s.rank <= advancing
    return rows


# --------------------------------------------------------------------------- who may see what


def admin_q(user) -> Q:
    """Competitions a user administers: a superuser all, a supervisor those hosted in their region's
    subtree; nobody else."""
    return owned_q(scope_for(user), enterprise=None)


def can_administer(user, competition: Competition) -> bool:
    """`admin_q` for one competition, in memory (select its region with it)."""
    return owns(scope_for(user), competition, enterprise=None)


def administered(user) -> QuerySet[Competition]:
    return Competition.objects.filter(admin_q(user))


def visible_q(user) -> Q:
    """Competitions whose (non-public) leaderboard a logged-in user may see: the ones they
    administer, judge, or in which their enterprise (a manager's, or a worker's own) has a team."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    scope = scope_for(user)
    q = admin_q(user) | Q(judges__user=user)
    if scope.is_region or scope.is_enterprise:
        q |= owned_q(scope, prefix="teams", region=None)
    elif scope.is_self:
        q |= Q(teams__members__pk=scope.person_id)
    return q


def leaderboard_competition(user, pk: int) -> Competition | None:
    """The competition if this visitor may see its leaderboard, else None (→ 404). A draft is only
    shown to those who administer or judge it."""
    public = Q(leaderboard_public=True) & ~Q(status=CompetitionStatus.DRAFT)
    q = public | visible_q(user)
    competition = Competition.objects.filter(q, pk=pk).select_related("region").distinct().first()
    if competition is None:
        return None
    if competition.status == CompetitionStatus.DRAFT and not (
        administered(user).filter(pk=pk).exists() or is_judge(user, competition)
    ):
        return None
    return competition


def listed_competitions(user) -> QuerySet[Competition]:
    public = Q(leaderboard_public=True) & ~Q(status=CompetitionStatus.DRAFT)
    return (
        (
            Competition.objects.filter(public | visible_q(user))
            .exclude(Q(status=CompetitionStatus.DRAFT) & ~admin_q(user) & ~Q(judges__user=user))
            .distinct()
            .order_by("-year", "name")
        )
        if user.is_authenticated
        else Competition.objects.filter(public).order_by("-year", "name")
    )


def is_judge(user, competition: Competition) -> bool:
    return (
        user.is_authenticated and Judge.objects.filter(competition=competition, user=user).exists()
    )


def judged_competitions(user) -> QuerySet[Competition]:
    if not user.is_authenticated:
        return Competition.objects.none()
    return Competition.objects.filter(judges__user=user).distinct().order_by("-year", "name")


def registrable_competitions(user) -> QuerySet[Competition]:
    """Competitions a team may be registered in by this user: not closed, and hosted in a region
    that covers an enterprise the user sees (a manager's own enterprise)."""
    scope = scope_for(user)
    qs = Competition.objects.filter(status__in=[CompetitionStatus.DRAFT, CompetitionStatus.OPEN])
    if scope.is_supervising:
        return qs.filter(owned_q(scope, enterprise=None))
    if scope.is_enterprise:
        street_path, _enterprise_id = scope_street(scope)
        return qs.filter(covering_q(street_path=street_path or "", enterprise_id=None))
    return Competition.objects.none()


def team_q(user) -> Q:
    """Teams a user administers: a supervisor the teams of their competitions and of their
    enterprises, a manager their own enterprise's teams."""
    return owned_q(scope_for(user), region="competition__region")


def can_change_team(user, team: Team) -> bool:
    """`team_q` for one team, in memory: the competition's administrators and whoever
    administers the team's enterprise."""
    if team.competition_id and can_administer(user, team.competition):
        return True
    return administers_enterprise(user, team.enterprise if team.enterprise_id else None)


# --------------------------------------------------------------------------- judging


def parse_score(raw: str, item: PracticalItem) -> Decimal:
    from decimal import InvalidOperation

    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("请输入分值。"))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("分值须为数字，如 8.5。")) from None
    if not value.is_finite():
        raise ValidationError(_("分值须为数字，如 8.5。"))
    # the range first: quantizing a huge value (1e30) raises InvalidOperation
    if value < 0 or value > item.max_score:
        raise ValidationError(
            _("分值须在0到%(max)s之间。") % {"max": f"{item.max_score.normalize():f}"}
        )
    if value != value.quantize(TWO):
        raise ValidationError(_("分值最多保留两位小数。"))
    return value


def save_score(
    *, competition: Competition, team: Team, item: PracticalItem, judge, raw: str
) -> Score:
    if not is_judge(judge, competition):
        raise ValidationError(_("您不是本竞赛的裁判。"))
    if competition.status != CompetitionStatus.OPEN:
        raise ValidationError(_("竞赛不在比赛中，不能评分。"))
    if team.competition_id != competition.pk or item.competition_id != competition.pk:
        raise ValidationError(_("队伍或项目不属于本竞赛。"))
    value = parse_score(raw, item)
    score, _created = Score.objects.update_or_create(
        team=team, item=item, judge=judge, defaults={"value": value, "updated_at": timezone.now()}
    )
    cache.delete(leaderboard_cache_key(competition.pk))
    return score


def leaderboard_cache_key(competition_id: int) -> str:
    """The cache key of a competition's leaderboard rows (competitions.views.leaderboard_json)."""
    return f"competitions:leaderboard:{competition_id}"


# --------------------------------------------------------------------------- awards


def award_certificates(*, competition: Competition, user) -> tuple[int, int]:
    """Issues a certificate to every member of the teams ranked within the award count. Re-runnable:
    each member has one Award row (the certificate's source) and issue_certificate is idempotent per
    source. When the ranking changed since the last run, the certificates of members no longer
    ranked within the award count are revoked and their awards deleted, and a valid certificate
    whose rank, team or total changed is reissued with the new text. Returns (certificates newly
    issued or reissued, members awarded in all)."""
    from certificates.models import Certificate
    from certificates.services import issue_certificate, reissue_certificate, revoke_certificate

    award_type = ContentType.objects.get_for_model(Award)

    if competition.certificate_template_id is None:
        raise ValidationError(_("请先为竞赛选择获奖证书模板。"))
    if competition.status not in (CompetitionStatus.CLOSED, CompetitionStatus.PUBLISHED):
        raise ValidationError(_("竞赛结束后才能颁发证书。"))
    rows = [s for s in standings(competition) if s.rank <= competition.award_count]
    awarded = {person_id for s in rows for person_id in s.members}
    template = competition.certificate_template
    new = total = 0
    with transaction.atomic():
        for old in Award.objects.filter(competition=competition).exclude(person_id__in=awarded):
            for certificate in Certificate.objects.filter(
                source_content_type=award_type,
                source_object_id=old.pk,
                status=Certificate.Status.VALID,
            ):
                revoke_certificate(
                    certificate=certificate,
                    user=user,
                    reason=_("竞赛排名变动，不再获奖"),
                )
            old.delete()
        for s in rows:
            details = {
                "subject": _("%(name)s 第%(rank)s名（%(team)s）")
                % {"name": str(competition), "rank": s.rank, "team": s.name},
                "score": str(s.total),
            }
            for person_id in s.members:
                award, _c = Award.objects.update_or_create(
                    competition=competition,
                    person_id=person_id,
                    defaults={"team_id": s.team_id, "rank": s.rank, "total": s.total},
                )
                had = (
                    Certificate.objects.live()
                    .filter(source_content_type=award_type, source_object_id=award.pk)
                    .first()
                )
                if had is None:
                    issue_certificate(
                        person=award.person,
                        source=award,
                        template=template,
                        title=template.title,
                        details=details,
                        issued_by=user,
                        reason=_("技能竞赛获奖"),
                    )
                    new += 1
                elif had.status == Certificate.Status.VALID and had.details != details:
                    reissue_certificate(
                        certificate=had,
                        user=user,
                        reason=_("竞赛排名变动，更正名次与成绩"),
                        details=details,
                    )
                    new += 1
                total += 1
    return new, total
