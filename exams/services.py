"""The exam engine: eligibility, start/resume, autosave, grading, submit (idempotent), sweeper,
practice, wrong-answer book, results and item statistics. HTML views and the API call these."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Q, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.disclosure import SHOW_NOTHING, Disclosure, disclose, review_level, withheld_questions
from exams.errors import ExamError, ExamErrorCode
from exams.models import (
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    Paper,
    Question,
    QuestionBank,
    WrongAnswer,
    knowledge_point_q,
    split_knowledge_points,
)
from exams.question_types import InvalidResponse, kind_of
from portal import registry, roles
from portal.models import Person


def start_refusal(paper: Paper, now: datetime) -> str | None:
    """Why a new attempt on `paper` cannot start now, or None: its own opening times, then every
    start check other apps registered (portal.registry.start_checks). The one rule for the
    start service and the paper page's button."""
    if not paper.is_open(now):
        return _("考试不在开放时间内。")
    for check in registry.start_checks.values():
        message = check(paper, now)
        if message:
            return message
    return None


def _capped_deadline(paper: Paper, now: datetime) -> datetime:
    deadline = now + timedelta(minutes=paper.duration_minutes)
    if paper.closes_at and deadline > paper.closes_at:
        deadline = paper.closes_at
    for cap in registry.deadline_caps.values():
        latest = cap(paper, now)
        if latest is not None and deadline > latest:
            deadline = latest
    return deadline


@dataclass(frozen=True)
class Client:
    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> Client:
        from portal.auth import client_ip

        return cls(
            ip=client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
        )


def save_grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "EXAM_SAVE_GRACE_SECONDS", 30))


# ---------------------------------------------------------------- scoping (administrators)


def admin_owner_q(user, prefix: str = "") -> Q:
    """Banks/papers the user administers: superuser all; supervisors and examiners with a region
    their region's subtree (region-owned and enterprise-owned); managers their enterprise's own."""
    p = f"{prefix}__" if prefix else ""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    region = _admin_region(user)
    if region is not None:
        return Q(**{f"{p}region__path__startswith": region.path}) | Q(
            **{f"{p}enterprise__street__path__startswith": region.path}
        )
    if roles.is_manager(user):
        return Q(**{f"{p}enterprise_id": user.enterprise_id})
    return Q(pk__in=[])


def can_administer(user, owned) -> bool:
    """`admin_owner_q` for one bank or paper, in memory (select its region and its enterprise's
    street with it): whether the user may change it."""
    from portal.ownership import owns
    from portal.scoping import Scope

    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    region = _admin_region(user)
    if region is not None:
        return owns(Scope.of_region(region), owned)
    if roles.is_manager(user):
        return owns(Scope.of_enterprise(user.enterprise_id), owned)
    return False


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
    from portal.models import Enterprise

    if user.is_superuser:
        return Enterprise.objects.all()
    region = _admin_region(user)
    if region is not None:
        return Enterprise.objects.filter(street__path__startswith=region.path)
    if roles.is_manager(user):
        return Enterprise.objects.filter(pk=user.enterprise_id)
    return Enterprise.objects.none()


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
    if scope.kind == "all":
        return linkable
    if scope.is_staff_scope:
        return linkable.filter(reach_q(scope))
    if roles.has_role(user, roles.EDITOR) or roles.has_role(user, roles.REVIEWER):
        return linkable.filter(region__isnull=False)
    return linkable.none()


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


# ---------------------------------------------------------------- eligibility


def owner_covers_q(person: Person, prefix: str = "") -> Q:
    p = f"{prefix}__" if prefix else ""
    street_path = person.enterprise.street.path
    prefixes = [street_path[: i + 1] for i, ch in enumerate(street_path) if ch == "/"]
    return Q(**{f"{p}enterprise_id": person.enterprise_id}) | Q(
        **{f"{p}region__path__in": prefixes}
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


# ---------------------------------------------------------------- drawing and arranging


def draw_questions(*, paper: Paper, seed: int) -> list[tuple[Question, Decimal]]:
    """The questions of an attempt with their points, reproducible from the seed."""
    rng = random.Random(seed)  # nosec B311 # replays an attempt from its seed (drawn by SystemRandom)
    if paper.selection == Paper.Selection.FIXED:
        rows = [
            (pq.question, pq.points)
            for pq in paper.paper_questions.select_related("question__image")
        ]
        if not rows:
            raise ExamError(ExamErrorCode.PAPER_EMPTY, _("试卷还没有试题。"))
        return rows
    chosen: list[tuple[int, Decimal]] = []
    taken: set[int] = set()
    rules = list(paper.draw_rules.select_related("bank"))
    # every rule's candidates in one query (UNION ALL), each row tagged with its rule's index
    candidates: list[set[int]] = [set() for _rule in rules]
    if rules:
        parts = [
            rule.candidates()
            .order_by()
            .annotate(draw_rule_index=Value(index))
            .values_list("draw_rule_index", "pk")
            for index, rule in enumerate(rules)
        ]
        for index, pk in parts[0].union(*parts[1:], all=True):
            candidates[index].add(pk)
    for rule, found in zip(rules, candidates, strict=True):
        ids = sorted(found - taken)
        if len(ids) < rule.count:
            raise ExamError(
                ExamErrorCode.NOT_ENOUGH_QUESTIONS,
                _("题库“%(bank)s”中符合抽题规则的%(type)s只有%(have)s道，需要%(need)s道。")
                % {
                    "bank": rule.bank.name,
                    "type": rule.get_type_display(),
                    "have": len(ids),
                    "need": rule.count,
                },
            )
        picked = rng.sample(ids, rule.count)
        taken.update(picked)
        chosen.extend((pk, rule.points) for pk in picked)
    if not chosen:
        raise ExamError(ExamErrorCode.PAPER_EMPTY, _("试卷还没有试题。"))
    questions = Question.objects.select_related("image").in_bulk([pk for pk, _p in chosen])
    return [(questions[pk], points) for pk, points in chosen]


def arrange(*, paper: Paper, seed: int, questions: list[tuple[Question, Decimal]]):
    """Order of questions and of each question's options for this seed."""
    rng = random.Random(seed * 7919 + 1)  # nosec B311 # as above: reproducible from the seed
    order = list(range(len(questions)))
    if paper.shuffle_questions:
        rng.shuffle(order)
    arranged = []
    for idx in order:
        question, points = questions[idx]
        letters = kind_of(question.type).option_order(question.options, rng, paper.shuffle_options)
        arranged.append((question, points, letters))
    return arranged


# ---------------------------------------------------------------- start / resume


def _log(attempt_id: int, kind: str, client: Client | None, detail: str = "", at=None) -> None:
    client = client or Client()
    kwargs = {"at": at} if at is not None else {}
    AttemptEvent.objects.create(
        attempt_id=attempt_id,
        kind=kind,
        ip=client.ip,
        user_agent=client.user_agent,
        detail=detail[:255],
        **kwargs,
    )


def start_or_resume(
    *, paper: Paper, person: Person, now: datetime, client: Client | None = None
) -> tuple[Attempt, bool]:
    """Returns (attempt, created). Resumes the in-progress attempt if there is one (from any device)."""
    if not is_eligible(paper=paper, person=person):
        raise ExamError(ExamErrorCode.NOT_FOUND, _("未找到该考试。"))
    mine = list(Attempt.objects.filter(paper=paper, person=person).order_by("pk"))
    current = next((a for a in mine if a.state == Attempt.State.IN_PROGRESS), None)
    if current is not None:
        if current.deadline is None or now <= current.deadline + save_grace():
            _log(current.pk, AttemptEvent.Kind.RESUME, client, at=now)
            return current, False
        finish_attempt(attempt=current, now=now, reason=Attempt.FinishReason.TIMEOUT)
    refusal = start_refusal(paper, now)
    if refusal:
        raise ExamError(ExamErrorCode.NOT_OPEN, refusal)
    finished = len(mine)  # every earlier attempt, the one just timed out too
    if not paper.is_practice and paper.attempts_allowed and finished >= paper.attempts_allowed:
        raise ExamError(ExamErrorCode.NO_ATTEMPTS_LEFT, _("您的考试次数已用完。"))
    seed = random.SystemRandom().randrange(1, 2**31)
    arranged = arrange(paper=paper, seed=seed, questions=draw_questions(paper=paper, seed=seed))
    deadline = None if paper.is_practice else _capped_deadline(paper, now)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                paper=paper,
                person=person,
                number=finished + 1,
                seed=seed,
                started_at=now,
                deadline=deadline,
                total=sum((p for _q, p, _l in arranged), Decimal(0)),
            )
            AttemptQuestion.objects.bulk_create(
                [
                    AttemptQuestion(
                        attempt=attempt,
                        question=q,
                        position=i,
                        points=points,
                        snapshot=q.snapshot(),
                        option_order=letters,
                    )
                    for i, (q, points, letters) in enumerate(arranged, start=1)
                ]
            )
            _log(attempt.pk, AttemptEvent.Kind.START, client, at=now)
    except IntegrityError:
        # A second tab or device started at the same moment: theirs is the attempt.
        current = Attempt.objects.filter(paper=paper, person=person).in_progress().first()
        if current is None:
            raise
        return current, False
    return attempt, True


# ---------------------------------------------------------------- attempt data (no answers)


def public_items(attempt: Attempt, items: list[AttemptQuestion], *, now: datetime) -> list[dict]:
    """What the exam page and the API show: never the answer or the explanation while in progress.
    Practice shows, for questions already answered, what `disclose` lets it show; a question it
    withholds is marked `withheld` (practice does not take an answer to it)."""
    shown: dict[int, Disclosure] = {}
    if attempt.paper.is_practice:
        shown = disclose(
            person_id=attempt.person_id,
            question_ids=[i.question_id for i in items],
            now=now,
            via=attempt,
        )
    rows = []
    for item in items:
        snap = item.snapshot
        kind = kind_of(snap["type"])
        row = {
            "id": item.question_id,
            "position": item.position,
            "type": snap["type"],
            "type_label": kind.label,
            "handler": kind.js_handler,
            "stem": snap["stem"],
            "image": snap.get("image", ""),
            "points": float(item.points),
            "seq": item.seq,
            "flagged": item.flagged,
            **kind.public(snap, item.option_order, item.response),
        }
        if attempt.paper.is_practice:
            row["withheld"] = not shown[item.question_id].correctness
            if item.response:
                row["feedback"] = _feedback(item, shown[item.question_id])
        rows.append(row)
    return rows


def _feedback(item: AttemptQuestion, shown: Disclosure) -> dict | None:
    """Practice feedback on an answered item: as much as `shown` allows, None when nothing."""
    if not shown.correctness:
        return None
    kind = kind_of(item.snapshot["type"])
    feedback: dict = {"correct": bool(item.is_correct)}
    if shown.answer:
        feedback["answer"] = kind.feedback_answer(item.snapshot, item.option_order)
        feedback["answer_text"] = kind.answer_text(item.snapshot, item.option_order)
    if shown.explanation:
        feedback["explanation"] = item.snapshot.get("explanation", "")
    return feedback


def load_items(attempt: Attempt) -> list[AttemptQuestion]:
    return list(AttemptQuestion.objects.filter(attempt=attempt).order_by("position"))


# ---------------------------------------------------------------- grading


@dataclass
class SaveResult:
    accepted: bool
    seq: int
    saved_at: datetime | None
    response: list[str]
    feedback: dict | None = None


def _clean_response(item: AttemptQuestion, response: list[str]) -> str:
    """The submitted answer as stored, by the question's type class."""
    try:
        return kind_of(item.snapshot["type"]).clean_response(item.snapshot, response)
    except InvalidResponse as exc:
        raise ExamError(ExamErrorCode.INVALID_RESPONSE, str(exc)) from exc


FINISHED_MESSAGE = gettext_lazy("本次考试已交卷，不能再修改答案。")


def _check_open_for_saves(attempt: Attempt, now: datetime) -> None:
    if attempt.state != Attempt.State.IN_PROGRESS:
        raise ExamError(ExamErrorCode.ATTEMPT_FINISHED, str(FINISHED_MESSAGE))
    if attempt.deadline is not None and now > attempt.deadline + save_grace():
        raise ExamError(ExamErrorCode.DEADLINE_PASSED, _("考试时间已到，答案不能再保存。"))


def save_answer(
    *,
    attempt: Attempt,
    question_id: int,
    response: list[str],
    seq: int,
    now: datetime,
    flagged: bool | None = None,
    client: Client | None = None,
    item: AttemptQuestion | None = None,
) -> SaveResult:
    """Keeps the save with the highest seq; an older or repeated seq is ignored (and answered with
    what the server holds). `item`: the attempt's item of `question_id` when the caller has it
    (`answer_item`). Queries: the item (unless given); for a higher seq one statement that updates
    it if it still is higher and the attempt still in progress, and writes its event (PostgreSQL;
    two elsewhere); practice adds disclosure and the wrong-answer book. A lost race (a newer save
    or a submit in between) reads the attempt and the item again."""
    _check_open_for_saves(attempt, now)
    if item is None:
        item = AttemptQuestion.objects.filter(attempt=attempt, question_id=question_id).first()
    if item is None:
        raise ExamError(ExamErrorCode.NOT_FOUND, _("本次考试中没有这道题。"))
    letters = _clean_response(item, response)
    practice = attempt.paper.is_practice
    shown = SHOW_NOTHING
    if practice:
        shown = disclose(
            person_id=attempt.person_id, question_ids=[question_id], now=now, via=attempt
        )[question_id]
        if not shown.correctness:
            # its feedback, or the practice score, would give away what an exam withholds
            raise ExamError(ExamErrorCode.QUESTION_WITHHELD, str(WITHHELD_MESSAGE))
    if practice and item.response:
        # practice: the first answer is graded at once and kept
        return SaveResult(
            False, item.seq, item.saved_at, _response_list(item), _feedback(item, shown)
        )
    if seq <= item.seq:
        # older or repeated (seqs only grow, so the item as read already says so): nothing to write
        return _not_written(item, practice, shown)
    updates = {"response": letters, "seq": seq, "saved_at": now}
    if flagged is not None:
        updates["flagged"] = flagged
    if practice:
        correct, score = kind_of(item.snapshot["type"]).grade(
            answer=item.snapshot["answer"],
            stored=letters,
            points=item.points,
            multi=attempt.paper.multi_scoring,
        )
        updates.update(is_correct=correct, score=score)
    changed = _update_and_log(
        item.pk,
        seq,
        updates,
        AttemptEvent(
            attempt_id=attempt.pk,
            kind=AttemptEvent.Kind.SAVE,
            at=now,
            detail=f"Q{question_id} seq={seq} {letters}"[:255],
            ip=(client or Client()).ip,
            user_agent=(client or Client()).user_agent,
        ),
    )
    if not changed:
        # a newer save got there first, or the attempt was finished after the check above (the
        # write refused it: never acknowledged, so never left ungraded)
        state = Attempt.objects.filter(pk=attempt.pk).values_list("state", flat=True).first()
        if state != Attempt.State.IN_PROGRESS:
            raise ExamError(ExamErrorCode.ATTEMPT_FINISHED, str(FINISHED_MESSAGE))
        item.refresh_from_db(fields=["seq", "saved_at", "response", "is_correct"])
        return _not_written(item, practice, shown)
    feedback = None
    if practice:
        item.response, item.is_correct = letters, updates["is_correct"]
        feedback = _feedback(item, shown)
        _update_wrong_book(
            person_id=attempt.person_id,
            results=[(item.question_id, bool(item.is_correct), letters)] if letters else [],
            now=now,
        )
    return SaveResult(
        True, seq, now, kind_of(item.snapshot["type"]).load_response(letters), feedback
    )


def _not_written(item: AttemptQuestion, practice: bool, shown) -> SaveResult:
    """The answer to a save that wrote nothing: what the server holds."""
    return SaveResult(
        False,
        item.seq,
        item.saved_at,
        _response_list(item),
        _feedback(item, shown) if practice and item.response else None,
    )


def _response_list(item: AttemptQuestion) -> list[str]:
    return kind_of(item.snapshot["type"]).load_response(item.response)


def answer_item(*, attempt_id: int, question_id: int, user) -> AttemptQuestion | None:
    """The item of `question_id` in `user`'s own attempt, with its attempt and paper, in one query
    (the autosave's read); None when the attempt is not theirs or has no such question."""
    rows = (
        AttemptQuestion.objects.select_related("attempt__paper")
        .filter(attempt_id=attempt_id, question_id=question_id, attempt__person__user_id=user.pk)
        .order_by()[:1]  # unique (attempt, question): no ORDER BY to build
    )
    return next(iter(rows), None)


def _update_and_log(item_pk: int, seq: int, updates: dict, event: AttemptEvent) -> bool:
    """Applies `updates` to the item if `seq` is higher than the one it holds and its attempt is
    still in progress and, if it did, writes `event`: on PostgreSQL one statement (an UPDATE …
    RETURNING feeding the event's INSERT in a CTE: one round trip, both or neither), elsewhere an
    UPDATE and an INSERT in a transaction. True when the item was updated.

    No acknowledged answer goes ungraded: on PostgreSQL the statement holds a share lock on the
    attempt row, which finish_attempt's claim (an UPDATE of that row) waits for, so a save either
    commits before the claim (and the grading reads it) or runs after it and finds the attempt
    finished; SQLite's IMMEDIATE transactions run one at a time, and the state is read inside."""
    connection = connections[router.db_for_write(AttemptQuestion)]
    open_attempt = Attempt.State.IN_PROGRESS
    if connection.vendor != "postgresql":
        with transaction.atomic(using=connection.alias):
            changed = AttemptQuestion.objects.filter(
                pk=item_pk, seq__lt=seq, attempt__state=open_attempt
            ).update(**updates)
            if changed:
                event.save(using=connection.alias)
        return bool(changed)
    item_meta, event_meta = AttemptQuestion._meta, AttemptEvent._meta
    qn = connection.ops.quote_name
    sets, params = [], []
    for name, value in updates.items():
        field = item_meta.get_field(name)
        sets.append(f"{qn(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    columns = ["attempt_id", "kind", "at", "ip", "user_agent", "detail"]
    fields = [event_meta.get_field(name) for name in columns]
    attempt_meta = Attempt._meta
    sql = (
        f"WITH open AS (SELECT 1 FROM {qn(attempt_meta.db_table)} WHERE {qn('id')} = %s "  # nosec B608
        f"AND {qn(attempt_meta.get_field('state').column)} = %s FOR SHARE), "
        f"changed AS (UPDATE {qn(item_meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {qn('id')} = %s AND {qn(item_meta.get_field('seq').column)} < %s "
        f"AND EXISTS (SELECT 1 FROM open) RETURNING 1) "
        f"INSERT INTO {qn(event_meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT {', '.join(['%s'] * len(fields))} FROM changed RETURNING {qn('id')}"
    )  # names from the models' _meta, values as parameters (nosec B608 on the first line)
    params = [event.attempt_id, str(open_attempt), *params, item_pk, seq]
    params += [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def set_flag(*, attempt: Attempt, question_id: int, flagged: bool, now: datetime) -> None:
    _check_open_for_saves(attempt, now)
    AttemptQuestion.objects.filter(attempt=attempt, question_id=question_id).update(flagged=flagged)


def _update_wrong_book(*, person_id: int, results: list[tuple[int, bool, str]], now) -> None:
    """Wrong → in the book (streak reset); right → streak + 1 (leaves the book at 2). Records every
    graded answer, those of a paper whose review hides them too: what the book shows is decided
    when it is read (`open_wrong_answers`, exams.disclosure rule 2)."""
    if not results:
        return
    existing = {
        w.question_id: w
        for w in WrongAnswer.objects.filter(
            person_id=person_id, question_id__in=[q for q, _c, _r in results]
        )
    }
    new, changed = [], []
    for question_id, correct, response in results:
        row = existing.get(question_id)
        if row is None:
            if not correct:
                new.append(
                    WrongAnswer(
                        person_id=person_id,
                        question_id=question_id,
                        last_wrong_at=now,
                        last_response=response,
                    )
                )
            continue
        if correct:
            row.right_streak = min(row.right_streak + 1, 2)
        else:
            row.right_streak = 0
            row.wrong_count += 1
            row.last_wrong_at = now
            row.last_response = response
        changed.append(row)
    if new:
        WrongAnswer.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        WrongAnswer.objects.bulk_update(
            changed, ["right_streak", "wrong_count", "last_wrong_at", "last_response"]
        )


def finish_attempt(
    *,
    attempt: Attempt,
    now: datetime,
    reason: str = Attempt.FinishReason.SUBMITTED,
    client: Client | None = None,
) -> Attempt:
    """Finishes and grades the attempt exactly once. A conditional UPDATE on state claims it, so two
    submits, or a submit racing the sweeper, give one graded result. A timed-out attempt's finish
    time is its deadline."""
    finish_at = now
    if attempt.deadline is not None and (
        reason == Attempt.FinishReason.TIMEOUT or now > attempt.deadline
    ):
        finish_at = min(now, attempt.deadline)
    with transaction.atomic():
        claimed = Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.IN_PROGRESS).update(
            state=Attempt.State.FINISHED, finished_at=finish_at, finish_reason=reason
        )
        if not claimed:
            attempt.refresh_from_db()
            return attempt
        paper = attempt.paper
        items = load_items(attempt)
        total_score = Decimal(0)
        results = []
        for item in items:
            correct, score = kind_of(item.snapshot["type"]).grade(
                answer=item.snapshot["answer"],
                stored=item.response,
                points=item.points,
                multi=paper.multi_scoring,
            )
            item.is_correct, item.score = correct, score
            total_score += score
            if item.response and not paper.is_practice:
                results.append((item.question_id, correct, item.response))
            elif not item.response and not paper.is_practice:
                results.append((item.question_id, False, ""))
        if items:
            AttemptQuestion.objects.bulk_update(items, ["is_correct", "score"], batch_size=500)
        passed = total_score >= paper.pass_score
        Attempt.objects.filter(pk=attempt.pk).update(score=total_score, passed=passed)
        kind = (
            AttemptEvent.Kind.SUBMIT
            if reason == Attempt.FinishReason.SUBMITTED
            else AttemptEvent.Kind.AUTO_SUBMIT
        )
        _log(attempt.pk, kind, client, Attempt.FinishReason(reason).label, at=now)
        _update_wrong_book(person_id=attempt.person_id, results=results, now=now)
        attempt.refresh_from_db()
        if passed and paper.mode == Paper.Mode.EXAM and paper.certificate_template_id:
            _issue_certificate(attempt)
    return attempt


def _issue_certificate(attempt: Attempt) -> None:
    from certificates.services import issue_certificate

    paper = attempt.paper
    issue_certificate(
        person=attempt.person,
        source=attempt,
        template=paper.certificate_template,
        title=paper.certificate_template.title,
        details={"subject": paper.title, "score": f"{attempt.score:g}"},
        reason=_("考试合格：%(title)s") % {"title": paper.title},
    )


def submit_attempt(*, attempt: Attempt, now: datetime, client: Client | None = None) -> Attempt:
    return finish_attempt(
        attempt=attempt, now=now, reason=Attempt.FinishReason.SUBMITTED, client=client
    )


def record_blur(*, attempt: Attempt, now: datetime, client: Client | None = None) -> Attempt:
    """Counts a blur / tab switch; reaching the paper's limit submits the attempt."""
    if attempt.state != Attempt.State.IN_PROGRESS:
        return attempt
    Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.IN_PROGRESS).update(
        blur_count=F("blur_count") + 1
    )
    attempt.refresh_from_db(fields=["blur_count", "state"])
    _log(attempt.pk, AttemptEvent.Kind.BLUR, client, f"#{attempt.blur_count}", at=now)
    limit = attempt.paper.blur_limit
    if limit and attempt.blur_count >= limit:
        return finish_attempt(
            attempt=attempt, now=now, reason=Attempt.FinishReason.BLUR, client=client
        )
    return attempt


def sweep_expired(*, now: datetime) -> int:
    """Finishes every attempt whose deadline (+ grace) has passed; finish time = its deadline."""
    done = 0
    for attempt in Attempt.objects.expired(now, save_grace()).select_related(
        "paper__certificate_template", "person"
    ):
        before = attempt.state
        finished = finish_attempt(attempt=attempt, now=now, reason=Attempt.FinishReason.TIMEOUT)
        if before != finished.state:
            done += 1
    return done


# ---------------------------------------------------------------- review


@dataclass
class Review:
    """What the person sees of their finished attempt now: `level` ("nothing" | "score" | "full"),
    and at "full" the items. `withheld` when the paper would show the items but some question is
    withheld from the person (exams.disclosure, rule 1): then only the score is shown, since the
    score and the other items would give away the withheld ones."""

    level: str
    items: list[dict] = field(default_factory=list)
    withheld: bool = False


def attempt_review(*, attempt: Attempt, now: datetime) -> Review:
    """The review behind the result page and the API result. Queries: none before the review
    opens; else the items and `disclose`'s (2–3)."""
    level = review_level(attempt, now)
    if level != Paper.Review.FULL:
        return Review(level=level)
    items = load_items(attempt)
    shown = disclose(
        person_id=attempt.person_id,
        question_ids=[i.question_id for i in items],
        now=now,
        via=attempt,
    )
    if not all(d.correctness for d in shown.values()):
        return Review(level=Paper.Review.SCORE, withheld=True)
    return Review(level=level, items=review_items(items, shown))


def review_items(items: list[AttemptQuestion], shown: dict[int, Disclosure]) -> list[dict]:
    """The rows of a review, each with what `shown` (from `disclose`) lets it carry."""
    rows = []
    for item in items:
        snap, can = item.snapshot, shown[item.question_id]
        kind = kind_of(snap["type"])
        row = {
            "id": item.question_id,
            "position": item.position,
            "type": snap["type"],
            "type_label": kind.label,
            "stem": snap["stem"],
            "image": snap.get("image", ""),
            "points": float(item.points),
            **kind.review(snap, item.option_order, item.response, answer=can.answer),
        }
        if can.correctness:
            row.update(is_correct=item.is_correct, score=float(item.score or 0))
        if can.explanation:
            row["explanation"] = snap.get("explanation", "")
        rows.append(row)
    return rows


# ---------------------------------------------------------------- practice and the 错题本

# Practice refuses an answer to a question `disclose` withholds from it.
WITHHELD_MESSAGE = gettext_lazy(
    "这道题暂不能在练习中作答：它出现在您正在参加或尚未公布答案的考试中，或只用于考试。"
)


def _open_exam_banks(person: Person) -> dict[int, str]:
    """Banks the person's non-practice attempts in progress draw from → the paper's title. One
    query."""
    rows = (
        AttemptQuestion.objects.filter(
            attempt__person=person, attempt__state=Attempt.State.IN_PROGRESS
        )
        .exclude(attempt__paper__mode=Paper.Mode.PRACTICE)
        .values_list("question__bank_id", "attempt__paper__title")
        .distinct()
    )
    return dict(rows)


@dataclass
class PracticeBank:
    bank: QuestionBank
    knowledge_points: list[str]
    busy_with: str | None = None  # the title of an exam in progress that draws from it


@dataclass
class PracticeOptions:
    banks: list[PracticeBank]
    wrong_count: int
    wrong_busy_with: str | None = None  # an exam in progress: no practice from the 错题本


def practice_banks(person: Person):
    """Banks the person may practise: within their owners, not exam-only."""
    return QuestionBank.objects.filter(owner_covers_q(person), exam_only=False).order_by("name")


def practice_options(*, person: Person, now: datetime) -> PracticeOptions:
    """The practice page and GET /api/v1/practice/. Queries: banks, knowledge points, exams in
    progress, and the 错题本's count (2–3)."""
    banks = list(practice_banks(person))
    points: dict[int, list[str]] = {}
    for bank_id, text in (
        Question.objects.active()
        .filter(bank__in=[b.pk for b in banks])
        .values_list("bank_id", "knowledge_points")
        .distinct()
    ):
        for point in split_knowledge_points(text):
            if point not in points.setdefault(bank_id, []):
                points[bank_id].append(point)
    busy = _open_exam_banks(person)
    return PracticeOptions(
        banks=[
            PracticeBank(
                bank=b, knowledge_points=sorted(points.get(b.pk, [])), busy_with=busy.get(b.pk)
            )
            for b in banks
        ],
        wrong_count=open_wrong_answers(person, now=now).count(),
        wrong_busy_with=next(iter(busy.values()), None),
    )


def start_practice(
    *,
    person: Person,
    now: datetime,
    bank_id: int | None = None,
    knowledge_point: str = "",
    wrong_book: bool = False,
    count: int = 10,
    client: Client | None = None,
) -> Attempt:
    """A personal 练习 paper: from a bank (optionally one knowledge point), or from the 错题本.
    Never a question `disclose` withholds from practice; refused while an exam in progress draws
    from the bank (or, for the 错题本, while any exam is in progress: the book spans every bank)."""
    busy = _open_exam_banks(person)
    if wrong_book:
        if busy:
            raise ExamError(
                ExamErrorCode.EXAM_IN_PROGRESS,
                _("您正在参加考试“%(paper)s”，交卷后才能练习错题。")
                % {"paper": next(iter(busy.values()))},
            )
        ids = list(
            open_wrong_answers(person, now=now)
            .filter(question__status=Question.Status.ACTIVE, question__bank__exam_only=False)
            .values_list("question_id", flat=True)[:count]
        )
        if not ids:
            raise ExamError(ExamErrorCode.NOTHING_TO_PRACTISE, _("错题本中没有可以练习的题。"))
        title = _("错题练习")
    else:
        bank = QuestionBank.objects.filter(owner_covers_q(person), pk=bank_id or 0).first()
        if bank is None:
            raise ExamError(ExamErrorCode.NOT_FOUND, _("未找到该题库。"))
        if bank.exam_only:
            raise ExamError(
                ExamErrorCode.EXAM_ONLY,
                _("题库“%(bank)s”仅用于考试，不能练习。") % {"bank": bank.name},
            )
        if bank.pk in busy:
            raise ExamError(
                ExamErrorCode.EXAM_IN_PROGRESS,
                _("您正在参加的考试“%(paper)s”使用了题库“%(bank)s”的试题，交卷后才能练习这个题库。")
                % {"paper": busy[bank.pk], "bank": bank.name},
            )
        qs = bank.questions.active().exclude(
            pk__in=withheld_questions(person_id=person.pk, now=now)
        )
        if knowledge_point:
            qs = qs.filter(knowledge_point_q(knowledge_point))
        all_ids = list(qs.values_list("pk", flat=True))
        if not all_ids:
            raise ExamError(ExamErrorCode.NOTHING_TO_PRACTISE, _("没有符合条件的试题。"))
        ids = random.Random().sample(all_ids, min(count, len(all_ids)))  # nosec B311 # practice, no stakes
        title = _("练习：%(bank)s") % {"bank": bank.name}
        if knowledge_point:
            title += f" · {knowledge_point}"
    with transaction.atomic():
        paper = Paper.objects.create(
            title=title,
            mode=Paper.Mode.PRACTICE,
            selection=Paper.Selection.FIXED,
            enterprise_id=person.enterprise_id,
            practice_for=person,
            published=True,
            attempts_allowed=0,
            shuffle_questions=False,
            shuffle_options=True,
            review_policy=Paper.Review.FULL,
            pass_score=0,
        )
        from exams.models import PaperQuestion

        PaperQuestion.objects.bulk_create(
            [
                PaperQuestion(paper=paper, question_id=q, points=1, sort_order=i)
                for i, q in enumerate(ids)
            ]
        )
        attempt, _created = start_or_resume(paper=paper, person=person, now=now, client=client)
    return attempt


@dataclass
class WrongBook:
    entries: list[WrongAnswer]
    busy_with: str | None = None  # an exam in progress: no practice from the book until it ends


def wrong_book(*, person: Person, now: datetime, limit: int = 200) -> WrongBook:
    """The 错题本 page and GET /api/v1/practice/wrong-book: the latest `limit` entries. Each entry
    carries `review`: the question as the page shows it (options in their own order A–H, the last
    wrong answer marked) with the correct answer and the explanation where `disclose` allows them
    (an entry is only there once the paper's review shows answers, so in practice always; the
    disclosure is asked all the same, as on every surface that shows an answer)."""
    busy = _open_exam_banks(person)
    entries = list(open_wrong_answers(person, now=now)[:limit])
    shown = disclose(person_id=person.pk, question_ids={w.question_id for w in entries}, now=now)
    for entry in entries:
        entry.review = wrong_answer_review(entry, shown[entry.question_id])
    return WrongBook(entries=entries, busy_with=next(iter(busy.values()), None))


def wrong_answer_review(entry: WrongAnswer, shown: Disclosure) -> dict:
    """One 错题本 entry as a review row (the result page's partials): the question as stored now,
    its options unshuffled, the last wrong response marked, answer and explanation per `shown`."""
    question = entry.question
    kind = question.kind
    snapshot = {
        "type": question.type,
        "stem": question.stem,
        "options": list(question.options),
        "answer": question.answer,
    }
    order = kind.option_order(snapshot["options"], None, False)
    row = {
        "type": question.type,
        **kind.review(snapshot, order, entry.last_response, answer=shown.answer),
    }
    if shown.explanation and question.explanation:
        row["explanation"] = question.explanation
    return row


def open_wrong_answers(person: Person, *, now: datetime):
    """The 错题本 as the person may see it now: entries with fewer than two right answers in a row,
    without the questions `disclose` withholds (an entry says "wrong"). Every graded answer is
    recorded (`_update_wrong_book`); what the book shows follows the papers' review policies.
    Queries: one, plus the one of the returned queryset (the withheld questions are a subquery)."""
    return (
        WrongAnswer.objects.filter(person=person, right_streak__lt=2)
        .exclude(question_id__in=withheld_questions(person_id=person.pk, now=now))
        .select_related("question__bank")
        .order_by("-last_wrong_at")
    )


# ---------------------------------------------------------------- statistics


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
            flags.append(_("过易"))
        if facility is not None and facility < 0.2:
            flags.append(_("过难"))
        if discrimination is not None and discrimination < 0.2:
            flags.append(_("区分度低"))
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
    gettext_lazy("姓名"),
    gettext_lazy("企业"),
    gettext_lazy("人员类别"),
    gettext_lazy("第几次"),
    gettext_lazy("状态"),
    gettext_lazy("开始时间"),
    gettext_lazy("交卷时间"),
    gettext_lazy("交卷方式"),
    gettext_lazy("得分"),
    gettext_lazy("总分"),
    gettext_lazy("是否及格"),
    gettext_lazy("切屏次数"),
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
            (_("是") if a.passed else _("否")) if a.passed is not None else "",
            a.blur_count,
        ]
        for a in attempts
    ]
