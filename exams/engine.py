"""The exam engine: start checks and deadline caps (portal.registry), drawing and arranging the
questions, start/resume, the attempt's public data (no answers), autosave (one write per answer,
ordered by seq), grading through the question types, submit (idempotent), the sweeper of expired
attempts and the review. The HTML views and the API call these; engine errors are ExamError codes
(exams.errors), mapped to HTTP statuses in the API layer."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Prefetch, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.access import is_eligible, own_attempts
from exams.disclosure import SHOW_NOTHING, Disclosure, disclose, review_level
from exams.errors import ExamError, ExamErrorCode
from exams.models import (
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    DrawRule,
    Paper,
    Question,
    WrongAnswer,
)
from exams.question_types import InvalidResponse, kind_of
from exams.reads import Select
from portal import registry
from portal.db import rows as db_rows
from portal.db.prepared import prepared_cursor
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


# ---------------------------------------------------------------- the draw

# What a draw-rule paper draws from, per set of rules: each rule's candidates and every
# candidate's snapshot. Cached under a key made of the rules' filters and their banks'
# `pool_stamp` (read with the rules at every start; exams.models.bump_pool_stamps gives a
# bank a new one on every change to one of its questions, their images included), so an edit is
# seen by the next start on every node: a process-local memo in front of the shared cache.
# POOL_FORMAT changes with what a pool holds (Question.snapshot()'s shape).
POOL_FORMAT = 1
POOL_CACHE_SECONDS = 24 * 3600
_POOL_MEMO: dict[str, DrawPool] = {}
_POOL_MEMO_SIZE = 64


@dataclass(frozen=True)
class DrawPool:
    candidates: tuple[tuple[int, ...], ...]  # per rule, in the rules' order, sorted ids
    snapshots: dict[int, dict]  # every candidate's Question.snapshot()


@dataclass(frozen=True)
class Drawn:
    """A drawn question as the attempt stores it: its id and snapshot (shared with the cached
    pool: read it, never change it)."""

    pk: int
    snap: dict

    @property
    def type(self) -> str:
        return self.snap["type"]

    @property
    def options(self) -> list:
        return self.snap["options"]

    def snapshot(self) -> dict:
        return self.snap


_RULES = Select(
    DrawRule,
    related=["bank"],
    where=lambda col: f"{col('paper')} = %s",
    order_by=["sort_order", "id"],
)


def _rules(paper: Paper) -> list[DrawRule]:
    """The paper's draw rules with their banks (their pool stamps), in order (one query); the
    rules held in memory by the paper (modelcluster: not yet saved with it) when it has any."""
    if "draw_rules" in getattr(paper, "_cluster_related_objects", {}):
        return list(paper.draw_rules.select_related("bank"))
    return _RULES.all([paper.pk])


def _pool_key(rules: list[DrawRule]) -> str:
    filters = [
        (r.bank_id, r.bank.pool_stamp, r.type, r.difficulty_min, r.difficulty_max)
        + (r.knowledge_point,)
        for r in rules
    ]
    digest = hashlib.sha256(repr((POOL_FORMAT, filters)).encode()).hexdigest()[:32]
    return f"exams:drawpool:{digest}"


def _build_pool(rules: list[DrawRule]) -> DrawPool:
    """Every rule's candidates in one query (UNION ALL, each row tagged with its rule's index),
    then the candidates with their images and renditions (three queries)."""
    from wagtail.images import get_image_model

    candidates: list[set[int]] = [set() for _rule in rules]
    parts = [
        rule.candidates()
        .order_by()
        .annotate(draw_rule_index=Value(index))
        .values_list("draw_rule_index", "pk")
        for index, rule in enumerate(rules)
    ]
    for index, pk in parts[0].union(*parts[1:], all=True):
        candidates[index].add(pk)
    ids = set().union(*candidates)
    images = get_image_model().objects.prefetch_renditions("max-800x600")
    questions = Question.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("image", queryset=images)
    )
    return DrawPool(
        candidates=tuple(tuple(sorted(found)) for found in candidates),
        snapshots={q.pk: q.snapshot() for q in questions} if ids else {},
    )


def _pool(rules: list[DrawRule]) -> DrawPool:
    key = _pool_key(rules)
    pool = _POOL_MEMO.get(key)
    if pool is None:
        pool = cache.get(key)
        if pool is None:
            pool = _build_pool(rules)
            cache.set(key, pool, POOL_CACHE_SECONDS)
        if len(_POOL_MEMO) >= _POOL_MEMO_SIZE:
            _POOL_MEMO.clear()
        _POOL_MEMO[key] = pool
    return pool


def _pick(rules: list[DrawRule], pool: DrawPool, seed: int) -> list[tuple[int, Decimal]]:
    """The drawn ids with their points, reproducible from the seed: each rule samples its
    candidates not taken by an earlier rule."""
    rng = random.Random(seed)  # nosec B311 # replays an attempt from its seed (drawn by SystemRandom)
    chosen: list[tuple[int, Decimal]] = []
    taken: set[int] = set()
    for rule, found in zip(rules, pool.candidates, strict=True):
        ids = [pk for pk in found if pk not in taken]
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
    return chosen


def _fixed(paper: Paper) -> list[tuple[Question, Decimal]]:
    rows = [
        (pq.question, pq.points) for pq in paper.paper_questions.select_related("question__image")
    ]
    if not rows:
        raise ExamError(ExamErrorCode.PAPER_EMPTY, _("试卷还没有试题。"))
    return rows


def draw(*, paper: Paper, seed: int) -> list[tuple[Drawn, Decimal]]:
    """The questions of an attempt (id and snapshot) with their points, reproducible from the
    seed. A draw-rule paper: the rules (one query) and their pool, cached (`_pool`)."""
    if paper.selection == Paper.Selection.FIXED:
        return [(Drawn(q.pk, q.snapshot()), points) for q, points in _fixed(paper)]
    rules = _rules(paper)
    if not rules:
        raise ExamError(ExamErrorCode.PAPER_EMPTY, _("试卷还没有试题。"))
    pool = _pool(rules)
    return [(Drawn(pk, pool.snapshots[pk]), points) for pk, points in _pick(rules, pool, seed)]


def draw_questions(*, paper: Paper, seed: int) -> list[tuple[Question, Decimal]]:
    """`draw`'s questions as Question objects (as they are now in the database)."""
    if paper.selection == Paper.Selection.FIXED:
        return _fixed(paper)
    drawn = draw(paper=paper, seed=seed)
    questions = Question.objects.select_related("image").in_bulk([d.pk for d, _p in drawn])
    return [(questions[d.pk], points) for d, points in drawn]


def arrange(*, paper: Paper, seed: int, questions: list[tuple[Question | Drawn, Decimal]]):
    """Order of questions and of each question's options for this seed (of `draw`'s Drawn or
    of Question objects alike)."""
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


_MY_ATTEMPTS = Select(
    Attempt,
    where=lambda col: f"{col('paper')} = %s AND {col('person')} = %s",
    order_by=["id"],
)


def start_or_resume(
    *, paper: Paper, person: Person, now: datetime, client: Client | None = None
) -> tuple[Attempt, bool]:
    """Returns (attempt, created). Resumes the in-progress attempt if there is one (from any device)."""
    if not is_eligible(paper=paper, person=person):
        raise ExamError(ExamErrorCode.NOT_FOUND, _("未找到该考试。"))
    mine = _MY_ATTEMPTS.all([paper.pk, person.pk])
    current = next((a for a in mine if a.state == Attempt.State.IN_PROGRESS), None)
    if current is not None:
        if current.deadline is None or now <= current.deadline + save_grace():
            _log(current.pk, AttemptEvent.Kind.RESUME, client, at=now)
            return current, False
        finish_attempt(attempt=current, now=now, reason=Attempt.FinishReason.TIMEOUT)
    with registry.one_start():  # the campaign pages, read once for the check and the cap
        refusal = start_refusal(paper, now)
        if refusal:
            raise ExamError(ExamErrorCode.NOT_OPEN, refusal)
        finished = len(mine)  # every earlier attempt, the one just timed out too
        if not paper.is_practice and paper.attempts_allowed and finished >= paper.attempts_allowed:
            raise ExamError(ExamErrorCode.NO_ATTEMPTS_LEFT, _("您的考试次数已用完。"))
        seed = random.SystemRandom().randrange(1, 2**31)
        arranged = arrange(paper=paper, seed=seed, questions=draw(paper=paper, seed=seed))
        deadline = None if paper.is_practice else _capped_deadline(paper, now)
    attempt = Attempt(
        paper=paper,
        person=person,
        number=finished + 1,
        seed=seed,
        started_at=now,
        deadline=deadline,
        total=sum((p for _q, p, _l in arranged), Decimal(0)),
    )
    items = [
        NewItem(q.pk, i, points, q.snapshot(), letters)
        for i, (q, points, letters) in enumerate(arranged, start=1)
    ]
    event = AttemptEvent(kind=AttemptEvent.Kind.START, at=now, **_client_fields(client))
    try:
        _insert_attempt(attempt, items, event)
    except IntegrityError:
        # A second tab or device started at the same moment: theirs is the attempt.
        current = Attempt.objects.filter(paper=paper, person=person).in_progress().first()
        if current is None:
            raise
        return current, False
    # the items as written (seq 0, no response): the start answers with them, no read-back
    attempt.created_items = items
    if paper.is_practice:
        SAVE_SHAPES.remember_full_path(attempt.pk)
    else:
        SAVE_SHAPES.remember(
            attempt.pk,
            now,
            (
                (
                    i.question_id,
                    i.snapshot["type"],
                    len(i.snapshot["options"]),
                    i.snapshot["answer"],
                )
                for i in items
            ),
        )
    return attempt, True


@dataclass(slots=True)
class NewItem:
    """An item as a start writes it and answers with it: every field of AttemptQuestion, with
    its defaults (a plain object: building 50 model instances was ≈ 10 % of a start)."""

    question_id: int
    position: int
    points: Decimal
    snapshot: dict
    option_order: list[str]
    attempt_id: int | None = None
    response: str = ""
    seq: int = 0
    saved_at: datetime | None = None
    flagged: bool = False
    is_correct: bool | None = None
    score: Decimal | None = None


def _client_fields(client: Client | None) -> dict:
    client = client or Client()
    return {"ip": client.ip, "user_agent": client.user_agent}


def _insert_attempt(attempt: Attempt, items: list[NewItem], event: AttemptEvent) -> None:
    """Writes a new attempt, its items and its start event: on PostgreSQL in one statement (the
    attempt's INSERT … RETURNING feeding the items' and the event's INSERTs in CTEs: one round
    trip, all or nothing, inside a savepoint only when a transaction is already open);
    elsewhere three INSERTs in a transaction. Sets the attempt's pk and the items'
    attempt_id."""
    connection = connections[router.db_for_write(Attempt)]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=connection.alias):
            attempt.save(force_insert=True, using=connection.alias)
            for item in items:
                item.attempt_id = attempt.pk
            fields = [f.attname for f in AttemptQuestion._meta.concrete_fields if not f.primary_key]
            AttemptQuestion.objects.bulk_create(
                AttemptQuestion(**{name: getattr(item, name) for name in fields}) for item in items
            )
            event.attempt = attempt
            event.save(force_insert=True, using=connection.alias)
        return
    sql, attempt_fields, item_fields, event_fields = _insert_attempt_sql(connection)
    rows = [{f.column: getattr(item, f.attname) for f in item_fields} for item in items]
    params = [f.get_db_prep_save(getattr(attempt, f.attname), connection) for f in attempt_fields]
    params.append(json.dumps(rows, default=_json_scalar, ensure_ascii=False))
    params += [f.get_db_prep_save(getattr(event, f.attname), connection) for f in event_fields]
    if connection.in_atomic_block:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(sql, params)
            pk = cursor.fetchone()[0]
    else:  # one statement: atomic on its own, no BEGIN/COMMIT round trips
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            pk = cursor.fetchone()[0]
    attempt.pk = pk
    attempt._state.adding = False
    attempt._state.db = connection.alias
    for item in items:
        item.attempt_id = pk
    event.attempt_id = pk


_INSERT_ATTEMPT_SQL: dict[str, tuple] = {}


def _insert_attempt_sql(connection) -> tuple:
    cached = _INSERT_ATTEMPT_SQL.get(connection.alias)
    if cached is not None:
        return cached
    qn = connection.ops.quote_name

    def fields_of(model, *skip):
        return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip]

    attempt_fields = fields_of(Attempt)
    item_fields = fields_of(AttemptQuestion, "attempt")
    event_fields = fields_of(AttemptEvent, "attempt")
    item_columns = ", ".join(qn(f.column) for f in item_fields)
    record = ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in item_fields)
    attempt_id = db_rows.column(connection, AttemptQuestion, "attempt")
    event_attempt_id = db_rows.column(connection, AttemptEvent, "attempt")
    sql = (
        f"WITH a AS (INSERT INTO {qn(Attempt._meta.db_table)} "  # nosec B608
        f"({', '.join(qn(f.column) for f in attempt_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(attempt_fields))}) RETURNING {qn('id')}), "
        f"i AS (INSERT INTO {qn(AttemptQuestion._meta.db_table)} ({attempt_id}, {item_columns}) "
        f"SELECT a.{qn('id')}, {item_columns} FROM a, "
        f"jsonb_to_recordset(%s::jsonb) AS r({record})) "
        f"INSERT INTO {qn(AttemptEvent._meta.db_table)} "
        f"({event_attempt_id}, "
        f"{', '.join(qn(f.column) for f in event_fields)}) "
        f"SELECT a.{qn('id')}, {', '.join(['%s'] * len(event_fields))} FROM a "
        f"RETURNING {event_attempt_id}"
    )  # names and types from the models' _meta, values as parameters
    cached = _INSERT_ATTEMPT_SQL[connection.alias] = (
        sql,
        attempt_fields,
        item_fields,
        event_fields,
    )
    return cached


def _json_scalar(value):
    """Decimals (points, score) and datetimes as the text PostgreSQL reads them from (the items
    travel as one JSON parameter read by `jsonb_to_recordset`: Django 5.2's bulk_create sends
    one array per column whose elements psycopg quotes in Python, and a multi-row VALUES has 600
    parameters for psycopg to split and escape one by one; one JSON text, the C encoder, costs a
    fraction of either; BENCHMARKS.md)."""
    if isinstance(value, Decimal | datetime):
        return str(value)
    raise TypeError(f"{type(value).__name__} in an attempt item")


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
    labels: dict[str, str] = {}  # a type's label once per call, not once per question (gettext)
    for item in items:
        snap = item.snapshot
        kind = kind_of(snap["type"])
        label = labels.get(kind.value)
        if label is None:
            label = labels[kind.value] = kind.label
        row = {
            "id": item.question_id,
            "position": item.position,
            "type": snap["type"],
            "type_label": label,
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
WITHHELD_MESSAGE = gettext_lazy(
    "这道题暂不能在练习中作答：它出现在您正在参加或尚未公布答案的考试中，或只用于考试。"
)


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
        item.pk, seq, updates, _save_event(attempt.pk, question_id, seq, letters, now, client)
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


def autosave(
    *,
    user,
    attempt_id: int,
    question_id: int,
    response: list[str],
    seq: int,
    now: datetime,
    client: Client | None = None,
) -> SaveResult:
    """A save of `user`'s answer as the exam page and the apps send it: an accepted exam save in
    one statement (`quick_save`); anything else — a practice, a refusal, a repeated or older
    seq, another engine — by the full path (`answer_item`, `save_answer`), which says why
    (ExamError; NOT_FOUND when the attempt is not `user`'s)."""
    result = quick_save(
        attempt_id=attempt_id,
        question_id=question_id,
        user=user,
        response=response,
        seq=seq,
        now=now,
        client=client,
    )
    if result is not None:
        return result
    item = answer_item(attempt_id=attempt_id, question_id=question_id, user=user)
    attempt = item.attempt if item is not None else my_attempt(attempt_id, user)
    return save_answer(
        item=item,
        attempt=attempt,
        question_id=question_id,
        response=response,
        seq=seq,
        now=now,
        client=client,
    )


def my_attempt(attempt_id: int, user) -> Attempt:
    """`user`'s own attempt (`access.own_attempts`); ExamError NOT_FOUND for any other id."""
    attempt = own_attempts(user).filter(pk=attempt_id).first()
    if attempt is None:
        raise ExamError(ExamErrorCode.NOT_FOUND, _("未找到该答卷。"))
    return attempt


def _save_event(
    attempt_id: int, question_id: int, seq: int, letters: str, now: datetime, client
) -> AttemptEvent:
    return AttemptEvent(
        attempt_id=attempt_id,
        kind=AttemptEvent.Kind.SAVE,
        at=now,
        detail=f"Q{question_id} seq={seq} {letters}"[:255],
        **_client_fields(client),
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
    (the autosave's read); None when the attempt is not theirs or has no such question.

    The SQL is written once per database from the models' _meta (`_ANSWER_ITEM_SQL`) and its rows
    converted with the fields' own converters: the ORM's compilation of the three-table
    select_related was most of a save's Python time (BENCHMARKS.md)."""
    connection = connections[router.db_for_read(AttemptQuestion)]
    sql, models_fields = _answer_item_sql(connection)
    # prepared where the engine can (portal.db.postgresql): parsed and planned once per connection
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [attempt_id, question_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    instances = db_rows.instances(connection, row, models_fields)
    item, attempt, paper = instances
    attempt.paper = paper
    item.attempt = attempt
    return item


_ANSWER_ITEM_SQL: dict[str, tuple] = {}


def _answer_item_sql(connection) -> tuple:
    """(SQL, [(model, field names, [(index, column, converters)])]) of `answer_item` for this
    database (only the columns that have converters listed): every
    concrete field of the item, its attempt and its paper (nothing deferred), the attempt's person
    joined for the owner check."""
    cached = _ANSWER_ITEM_SQL.get(connection.alias)
    if cached is not None:
        return cached
    qn = connection.ops.quote_name
    col = partial(db_rows.column, connection)
    columns, parts = db_rows.columns(
        connection, [("i", AttemptQuestion), ("a", Attempt), ("p", Paper)]
    )
    item_meta, attempt_meta = AttemptQuestion._meta, Attempt._meta
    sql = (
        f"SELECT {', '.join(columns)} FROM {qn(item_meta.db_table)} i "  # nosec B608
        f"JOIN {qn(attempt_meta.db_table)} a ON a.{qn('id')} = i.{col(AttemptQuestion, 'attempt')} "
        f"JOIN {qn(Paper._meta.db_table)} p ON p.{qn('id')} = a.{col(Attempt, 'paper')} "
        f"JOIN {qn(Person._meta.db_table)} pe ON pe.{qn('id')} = a.{col(Attempt, 'person')} "
        f"WHERE i.{col(AttemptQuestion, 'attempt')} = %s "
        f"AND i.{col(AttemptQuestion, 'question')} = %s AND pe.{col(Person, 'user')} = %s"
    )  # names from the models' _meta, values as parameters (nosec B608 on the first line)
    _ANSWER_ITEM_SQL[connection.alias] = (sql, parts)
    return sql, parts


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
    sql, fields = _update_and_log_sql(connection, tuple(updates))
    item_meta = AttemptQuestion._meta
    params = [event.attempt_id, str(open_attempt)]
    params += [item_meta.get_field(n).get_db_prep_save(v, connection) for n, v in updates.items()]
    params += [item_pk, seq]
    params += [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    # prepared (portal.db.postgresql): PostgreSQL neither parses nor plans it again on this
    # connection; another engine (psycopg 2, a plain backend) runs it as it is
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


_UPDATE_AND_LOG_SQL: dict[tuple, tuple] = {}
_EVENT_COLUMNS = ("attempt_id", "kind", "at", "ip", "user_agent", "detail")


def _update_and_log_sql(connection, names: tuple[str, ...]) -> tuple[str, list]:
    """`_update_and_log`'s statement on PostgreSQL for the updated fields `names`, written once per
    database and set of fields, and the event's fields in the order of its parameters
    (`_event_insert`)."""
    key = (connection.alias, names)
    cached = _UPDATE_AND_LOG_SQL.get(key)
    if cached is not None:
        return cached
    item_meta, attempt_meta = AttemptQuestion._meta, Attempt._meta
    qn = connection.ops.quote_name
    col = partial(db_rows.column, connection)
    sets = [f"{col(AttemptQuestion, name)} = %s" for name in names]
    insert, fields = _event_insert(connection)
    sql = (
        f"WITH open AS (SELECT 1 FROM {qn(attempt_meta.db_table)} WHERE {qn('id')} = %s "  # nosec B608
        f"AND {col(Attempt, 'state')} = %s FOR SHARE), "
        f"changed AS (UPDATE {qn(item_meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {qn('id')} = %s AND {col(AttemptQuestion, 'seq')} < %s "
        f"AND EXISTS (SELECT 1 FROM open) RETURNING 1) {insert}"
    )  # names from the models' _meta, values as parameters (nosec B608 on the first line)
    _UPDATE_AND_LOG_SQL[key] = (sql, fields)
    return sql, fields


def _event_insert(connection) -> tuple[str, list]:
    """The INSERT of a save's event from the CTE `changed` (a row when the item was updated),
    and the event's fields in the order of its parameters. The values are cast to their
    columns' types but for texts (a cast to varchar(n) would cut a long text where the INSERT
    refuses it): bound server-side, a parameter in a SELECT list has no type of its own."""
    qn = connection.ops.quote_name
    event_meta = AttemptEvent._meta
    fields = [event_meta.get_field(name) for name in _EVENT_COLUMNS]
    values = [
        "%s"
        if f.get_internal_type() in ("CharField", "TextField")
        else f"CAST(%s AS {f.rel_db_type(connection) if f.is_relation else f.db_type(connection)})"
        for f in fields
    ]
    sql = (
        f"INSERT INTO {qn(event_meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # nosec B608
        f"SELECT {', '.join(values)} FROM changed RETURNING {qn('id')}"
    )  # names from the models' _meta, values as parameters
    return sql, fields


# ---------------------------------------------------------------- the autosave in one round trip


class SaveShapes:
    """Per process: of the attempts whose saves it has seen (or that it started), the start time
    and each item's question type and shape (`QuestionKind.slots`) — all a save needs to check
    a response without reading its item. They never change once the attempt has started (the
    items hold their questions' snapshots), so nothing invalidates them; the statement that
    writes the save checks the start time with everything else that can change (owner, state,
    deadline, mode, seq). Bounded (EXAM_SAVE_SHAPES_ATTEMPTS): the least recently used attempt
    is forgotten first (an attempt of 100 items is a few KB).

    A practice attempt is remembered as `FULL_PATH` (its saves give feedback, which only the full
    path does), so its saves do not look for shapes first. That only ever sends a save the long
    way round, which checks everything itself: a paper turned from practice to exam later still
    saves correctly, one round trip slower."""

    def __init__(self, size: int):
        self.size = size
        self._attempts: OrderedDict[int, tuple[datetime, dict[int, tuple[str, int]]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(
        self, attempt_id: int
    ) -> tuple[datetime, dict[int, tuple[str, int]]] | tuple[str] | None:
        """The attempt's (start time, shapes), `FULL_PATH` (a practice: take the full path), or
        None when it is not remembered."""
        with self._lock:
            found = self._attempts.get(attempt_id)
            if found is not None:
                self._attempts.move_to_end(attempt_id)
            return found

    def remember(self, attempt_id: int, started_at: datetime, items) -> tuple:
        """`items`: of every item of the attempt, its question id and of its snapshot the type,
        the number of options and the answer (`QuestionKind.count_slots`)."""
        shapes = {}
        for question_id, type_, options, answer in items:
            kind = kind_of(type_)
            shape = (kind.value, kind.count_slots(options, answer))
            shapes[question_id] = _SHAPES.setdefault(shape, shape)  # one tuple per shape
        found = (started_at, shapes)
        self._put(attempt_id, found)
        return found

    def remember_full_path(self, attempt_id: int) -> None:
        self._put(attempt_id, FULL_PATH)

    def _put(self, attempt_id: int, found) -> None:
        with self._lock:
            self._attempts[attempt_id] = found
            self._attempts.move_to_end(attempt_id)
            while len(self._attempts) > self.size:
                self._attempts.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._attempts.clear()


FULL_PATH = ("full path",)  # SaveShapes' mark of an attempt whose saves take the full path
_SHAPES: dict[tuple[str, int], tuple[str, int]] = {}
SAVE_SHAPES = SaveShapes(getattr(settings, "EXAM_SAVE_SHAPES_ATTEMPTS", 2000))


def quick_save(
    *,
    attempt_id: int,
    question_id: int,
    user,
    response: list[str],
    seq: int,
    now: datetime,
    client: Client | None = None,
) -> SaveResult | None:
    """An exam's autosave in one statement (PostgreSQL): the response checked against the
    item's shape this process holds (`SAVE_SHAPES`: remembered by the start, or read once for
    the whole attempt), then written with its event if — checked by the statement itself, with
    a share lock on the attempt as `_update_and_log` takes — the attempt is `user`'s, still the
    one that started then, in progress, before its deadline and its grace, not a practice, and
    `seq` higher than the item's. The SaveResult of an accepted save, or None for everything
    else — a response the check refuses, a statement that wrote nothing (a repeated or older
    seq, a submit, someone else's attempt …), another engine: the caller then takes the full
    path (`answer_item`, `save_answer`), which says why. The same guarantees as that path:
    seqs only grow, no save after the deadline's grace or the submit, one event per written
    save, both or neither (tests/exams/test_quick_save.py runs the same saves through both)."""
    connection = connections[router.db_for_write(AttemptQuestion)]
    if connection.vendor != "postgresql":
        return None
    found = SAVE_SHAPES.get(attempt_id) or _read_shapes(connection, attempt_id, user)
    if found is None or found is FULL_PATH:
        return None
    started_at, shapes = found
    shape = shapes.get(question_id)
    if shape is None:
        return None
    kind = kind_of(shape[0])
    try:
        letters = kind.clean_slots(shape[1], response)
    except InvalidResponse:
        return None
    sql, fields = _quick_save_sql(connection)
    event = _save_event(attempt_id, question_id, seq, letters, now, client)
    item_meta = AttemptQuestion._meta
    params = [
        attempt_id,
        Attempt._meta.get_field("started_at").get_db_prep_save(started_at, connection),
        str(Attempt.State.IN_PROGRESS),
        Attempt._meta.get_field("deadline").get_db_prep_save(now - save_grace(), connection),
        user.pk,
        str(Paper.Mode.PRACTICE),
        letters,
        seq,
        item_meta.get_field("saved_at").get_db_prep_save(now, connection),
        attempt_id,
        question_id,
        seq,
    ]
    params += [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        if cursor.fetchone() is None:
            return None
    return SaveResult(True, seq, now, kind.load_response(letters), None)


def _read_shapes(connection, attempt_id: int, user):
    """The shapes of every item of `user`'s attempt in progress, remembered; None when there is
    no such attempt, or when it is a practice (remembered as FULL_PATH: its saves take the full
    path without asking again). One query, which reads of each item's snapshot only what
    `QuestionKind.count_slots` takes."""
    sql = _SHAPES_SQL.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name
        item, attempt = AttemptQuestion._meta, Attempt._meta
        col = partial(db_rows.column, connection)
        snapshot = f"i.{col(AttemptQuestion, 'snapshot')}"
        sql = _SHAPES_SQL[connection.alias] = (
            f"SELECT p.{col(Paper, 'mode')} = %s, a.{col(Attempt, 'started_at')}, "  # nosec B608
            f"i.{col(AttemptQuestion, 'question')}, "
            f"{snapshot} ->> 'type', "
            f"jsonb_array_length(COALESCE({snapshot} -> 'options', '[]'::jsonb)), "
            f"COALESCE({snapshot} ->> 'answer', '') "
            f"FROM {qn(item.db_table)} i "
            f"JOIN {qn(attempt.db_table)} a ON a.{qn('id')} = i.{col(AttemptQuestion, 'attempt')} "
            f"JOIN {qn(Person._meta.db_table)} pe ON pe.{qn('id')} = a.{col(Attempt, 'person')} "
            f"JOIN {qn(Paper._meta.db_table)} p ON p.{qn('id')} = a.{col(Attempt, 'paper')} "
            f"WHERE i.{col(AttemptQuestion, 'attempt')} = %s AND pe.{col(Person, 'user')} = %s "
            f"AND a.{col(Attempt, 'state')} = %s"
        )  # names from the models' _meta, values as parameters (nosec B608 on the first line)
    params = [str(Paper.Mode.PRACTICE), attempt_id, user.pk, str(Attempt.State.IN_PROGRESS)]
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    if rows[0][0]:
        SAVE_SHAPES.remember_full_path(attempt_id)
        return None
    return SAVE_SHAPES.remember(attempt_id, rows[0][1], (row[2:] for row in rows))


_SHAPES_SQL: dict[str, str] = {}
_QUICK_SAVE_SQL: dict[str, tuple] = {}


def _quick_save_sql(connection) -> tuple[str, list]:
    """`quick_save`'s statement, written once per database, and its event's fields."""
    cached = _QUICK_SAVE_SQL.get(connection.alias)
    if cached is not None:
        return cached
    item, attempt = AttemptQuestion._meta, Attempt._meta
    qn = connection.ops.quote_name
    col = partial(db_rows.column, connection)
    insert, fields = _event_insert(connection)
    sql = (
        f"WITH open AS (SELECT 1 FROM {qn(attempt.db_table)} a "  # nosec B608
        f"JOIN {qn(Person._meta.db_table)} pe ON pe.{qn('id')} = a.{col(Attempt, 'person')} "
        f"JOIN {qn(Paper._meta.db_table)} p ON p.{qn('id')} = a.{col(Attempt, 'paper')} "
        f"WHERE a.{qn('id')} = %s AND a.{col(Attempt, 'started_at')} = %s "
        f"AND a.{col(Attempt, 'state')} = %s "
        f"AND (a.{col(Attempt, 'deadline')} IS NULL OR a.{col(Attempt, 'deadline')} >= %s) "
        f"AND pe.{col(Person, 'user')} = %s AND p.{col(Paper, 'mode')} <> %s "
        f"FOR SHARE OF a), "
        f"changed AS (UPDATE {qn(item.db_table)} SET {col(AttemptQuestion, 'response')} = %s, "
        f"{col(AttemptQuestion, 'seq')} = %s, {col(AttemptQuestion, 'saved_at')} = %s "
        f"WHERE {col(AttemptQuestion, 'attempt')} = %s AND {col(AttemptQuestion, 'question')} = %s "
        f"AND {col(AttemptQuestion, 'seq')} < %s AND EXISTS (SELECT 1 FROM open) RETURNING 1) {insert}"
    )  # names from the models' _meta, values as parameters (nosec B608 on the first line)
    _QUICK_SAVE_SQL[connection.alias] = (sql, fields)
    return sql, fields


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


# Practice refuses an answer to a question `disclose` withholds from it.
