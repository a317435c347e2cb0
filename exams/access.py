"""Who may administer and who may take exams: the banks, papers, attempts and results an
administrator sees (ownership through portal.ownership), and a person's eligibility and their
exams (我的考试)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from exams.models import Attempt, Paper, QuestionBank
from portal import registry, roles
from portal.models import Person
from portal.ownership import covering_q, owned_q, owns
from portal.scoping import Scope, scope_enterprise_q


def _admin_scope(user) -> Scope:
    """The scope whose banks and papers the user administers: a superuser everything; a supervisor,
    or an examiner with a region, that region's subtree; a manager their enterprise; nothing else."""
    if not user.is_authenticated:
        return Scope(Scope.Kind.NONE)
    if user.is_superuser:
        return Scope.everything()
    region = _admin_region(user)
    if region is not None:
        return Scope.of_region(region)
    if roles.is_manager(user):
        return Scope.of_enterprise(user.enterprise_id)
    return Scope(Scope.Kind.NONE)


def admin_owner_q(user, prefix: str = "") -> Q:
    """Banks/papers the user administers: superuser all; supervisors and examiners with a region
    their region's subtree (region-owned and enterprise-owned); managers their enterprise's own."""
    return owned_q(_admin_scope(user), prefix=prefix)


def can_administer(user, owned) -> bool:
    """`admin_owner_q` for one bank or paper, in memory (select its region and its enterprise's
    street with it): whether the user may change it."""
    return owns(_admin_scope(user), owned)


def _admin_region(user):
    if roles.is_supervisor(user) or (roles.has_role(user, roles.EXAMINER) and user.region_id):
        return user.region
    return None


def admin_regions(user):
    """Regions the user may give a bank or paper to (区 and 街道, not 社区)."""
    from portal.models import Region

    qs = Region.objects.exclude(level=Region.Level.COMMUNITY)
    if user.is_superuser:
        return qs
    region = _admin_region(user)
    return qs.filter(path__startswith=region.path) if region else qs.none()


def admin_enterprises(user):
    """Enterprises the user may give a bank or paper to (those of the scope they administer)."""
    from portal.models import Enterprise

    return Enterprise.objects.filter(scope_enterprise_q(_admin_scope(user)))


def visible_banks(user):
    return QuestionBank.objects.filter(admin_owner_q(user))


def visible_papers(user):
    return Paper.objects.filter(admin_owner_q(user), practice_for__isnull=True)


def linkable_papers(user):
    """Papers a page may link (the CMS chooser): open to everyone, never a personal practice; for
    staff among the papers they may see by ownership (their own, below and above them, reach_q);
    the content team (editors, reviewers) sees the district/street ones a campaign page accepts."""
    from portal.ownership import reach_q
    from portal.scoping import scope_for

    linkable = Paper.objects.filter(open_to_all=True, practice_for__isnull=True)
    scope = scope_for(user)
    if scope.is_all:
        return linkable
    if scope.is_staff_scope:
        return linkable.filter(reach_q(scope))
    if roles.has_role(user, roles.EDITOR) or roles.has_role(user, roles.REVIEWER):
        return linkable.filter(region__isnull=False)
    return linkable.none()


def own_attempts(user):
    """The attempts `user` takes or took as a worker (their person's), with the paper and the
    person: the only attempts the exam pages and the API let anyone open, save or submit; any
    other id is answered as not found, so ids cannot be probed."""
    if not user.is_authenticated:
        return Attempt.objects.none()
    return Attempt.objects.select_related("paper", "person").filter(person__user=user)


def visible_attempts(user):
    """Attempts an administrator may read: all attempts of the papers they administer, and their
    own enterprises' people's attempts at anyone's paper (a manager reads their staff's results of a
    district exam)."""
    if not user.is_authenticated:
        return Attempt.objects.none()
    return Attempt.objects.filter(
        admin_owner_q(user, "paper") | Q(person__enterprise__in=admin_enterprises(user)),
        paper__practice_for__isnull=True,
    )


def result_papers(user):
    """Papers whose results the user may open."""
    return Paper.objects.filter(practice_for__isnull=True).filter(
        Q(admin_owner_q(user)) | Q(pk__in=visible_attempts(user).values("paper_id"))
    )


def owner_covers_q(person: Person, prefix: str = "") -> Q:
    """Banks/papers whose owner covers the person: their enterprise, or a region above it."""
    return covering_q(
        street_path=person.enterprise.street.path,
        enterprise_id=person.enterprise_id,
        prefix=prefix,
    )


def is_eligible(*, paper: Paper, person: Person) -> bool:
    """Within the paper's owner, and in its audience. Uses prefetched audience rows when present."""
    if paper.practice_for_id:
        return paper.practice_for_id == person.pk
    if not paper.published or not paper.covers(person.enterprise):
        return False
    if paper.open_to_all:
        return True
    if person.category in (paper.audience_categories or []):
        return True
    if any(e.pk == person.enterprise_id for e in paper.audience_enterprises.all()):
        return True
    if any(p.pk == person.pk for p in paper.audience_people.all()):
        return True
    if paper.audience_cohort and ":" in paper.audience_cohort:
        kind, object_id = paper.audience_cohort.split(":", 1)
        resolver = registry.cohort_resolvers.get(kind)
        if resolver is not None and resolver(object_id, person):
            return True
    return False


@dataclass
class MyExam:
    paper: Paper
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def in_progress(self) -> Attempt | None:
        return next((a for a in self.attempts if a.state == Attempt.State.IN_PROGRESS), None)

    @property
    def finished(self) -> list[Attempt]:
        return [a for a in self.attempts if a.state == Attempt.State.FINISHED]

    @property
    def passed_attempt(self) -> Attempt | None:
        """The best passed attempt of a formal exam: a pass takes the paper off 待参加 and no
        further attempt is offered (no paper allows improving a passed score)."""
        if self.paper.mode != Paper.Mode.EXAM:
            return None
        passed = [a for a in self.finished if a.passed and a.score is not None]
        return max(passed, key=lambda a: a.score) if passed else None

    @property
    def attempts_left(self) -> int | None:
        """Attempts still offered; None when unlimited or when a pass ends the exam."""
        if self.paper.is_practice or self.paper.attempts_allowed == 0 or self.passed_attempt:
            return None
        return max(0, self.paper.attempts_allowed - len(self.finished))

    @property
    def best(self) -> Attempt | None:
        scored = [a for a in self.finished if a.score is not None]
        return max(scored, key=lambda a: a.score) if scored else None


def my_exams(*, person: Person, modes: list[str] | None = None) -> list[MyExam]:
    """Published papers this person may take, with their attempts. Queries: papers, audience
    enterprises, audience people, my attempts (4, whatever the number of papers)."""
    papers = (
        Paper.objects.filter(published=True, practice_for__isnull=True)
        .filter(owner_covers_q(person))
        .select_related("region", "enterprise__street")
        .prefetch_related("audience_enterprises", "audience_people")
        .order_by("closes_at", "-created_at")
    )
    if modes:
        papers = papers.filter(mode__in=modes)
    rows = [MyExam(paper=p) for p in papers if is_eligible(paper=p, person=person)]
    by_id = {r.paper.pk: r for r in rows}
    for attempt in Attempt.objects.filter(person=person, paper_id__in=list(by_id)).order_by(
        "number"
    ):
        by_id[attempt.paper_id].attempts.append(attempt)
    return rows
