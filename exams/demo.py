"""Demo data (seeder order 30): a 62-question bank, a 特种作业理论模拟考试 (100 points, 80 to pass,
120 minutes, drawn by rules), a short practice paper, the 安全生产月 campaign quiz, and finished
attempts by demo people so results and statistics have something to show."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exams.demo_questions import QUESTIONS
from exams.models import DrawRule, Paper, PaperQuestion, Question, QuestionBank
from exams.question_types import LETTERS, kind_of

BANK = "安全生产综合题库"
# The campaign quiz's title ends so (its year in front); cms.demo finds it by "安全生产月".
QUIZ_TITLE_END = "“安全生产月”知识竞答"


def _local_day(moment) -> str:
    day = timezone.localtime(moment)
    return f"{day.month}月{day.day}日"


def _rotate(qtype: str, options: list[str], answer: str, shift: int) -> tuple[list[str], str]:
    """Spread the right answers over A–D (the source list puts them first)."""
    if qtype == "judge" or not kind_of(qtype).uses_options:
        return options, answer
    n = len(options)
    shift %= n
    rotated = options[-shift:] + options[:-shift] if shift else options
    letters = "".join(sorted(LETTERS[(LETTERS.index(c) + shift) % n] for c in answer))
    return rotated, letters


def seed(ctx) -> None:
    """Everything at once (the tests); seed_demo runs seed_papers and queues seed_attempts."""
    seed_papers(ctx)
    seed_attempts(ctx)


def seed_papers(ctx) -> None:
    """The bank and the papers (seeder order 30)."""
    bank, _created = QuestionBank.objects.get_or_create(
        name=BANK,
        defaults={
            "region": ctx.district,
            "description": "涵盖法规、危化品、消防、有限空间、用电和特种作业的综合题库，供考试抽题和日常练习。",
        },
    )
    existing = set(bank.questions.values_list("stem", flat=True))
    for i, (qtype, stem, options, answer, explanation, difficulty, kps) in enumerate(QUESTIONS):
        if stem in existing:
            continue
        options, answer = _rotate(qtype, list(options), answer, i)
        Question.objects.create(
            bank=bank,
            type=qtype,
            stem=stem,
            options=options,
            answer=answer,
            explanation=explanation,
            difficulty=difficulty,
            knowledge_points=kps,
        )

    now = timezone.now()
    mock, created = Paper.objects.get_or_create(
        title="特种作业理论模拟考试",
        defaults={
            "region": ctx.district,
            "mode": Paper.Mode.MOCK,
            "selection": Paper.Selection.DRAW,
            "instructions": "本模拟考试按特种作业安全技术理论考试规则组卷：单选30题、判断10题、多选10题，每题2分，满分100分，80分及格，时长120分钟。可反复练习。",
            "pass_score": Decimal(80),
            "duration_minutes": 120,
            "attempts_allowed": 0,
            "review_policy": Paper.Review.FULL,
            "published": True,
        },
    )
    if created:
        for order, (qtype, count) in enumerate([("single", 30), ("judge", 10), ("multiple", 10)]):
            DrawRule.objects.create(
                paper=mock, bank=bank, type=qtype, count=count, points=Decimal(2), sort_order=order
            )

    practice, created = Paper.objects.get_or_create(
        title="消防安全每日一练",
        defaults={
            "region": ctx.district,
            "mode": Paper.Mode.PRACTICE,
            "instructions": "不计时、不限次数，答完一题立即显示对错和解析。",
            "pass_score": Decimal(0),
            "attempts_allowed": 0,
            "review_policy": Paper.Review.FULL,
            "published": True,
        },
    )
    if created:
        for order, q in enumerate(bank.questions.filter(knowledge_points__contains="消防")[:6]):
            PaperQuestion.objects.create(paper=practice, question=q, points=1, sort_order=order)

    template = None
    try:
        from certificates.models import CertificateTemplate

        template = CertificateTemplate.objects.filter(name="安全培训合格证书（默认）").first()
    except Exception:  # noqa: BLE001 - certificates not migrated: quiz works without a certificate
        template = None
    opens, closes = now - timedelta(days=7), now + timedelta(days=23)
    quiz, created = Paper.objects.get_or_create(
        title=f"{timezone.localtime(opens).year}年{QUIZ_TITLE_END}",
        defaults={
            "region": ctx.district,
            "mode": Paper.Mode.EXAM,
            "selection": Paper.Selection.FIXED,
            # the dates in the text are the paper's own (opens_at, closes_at)
            "instructions": (
                f"全区从业人员安全生产月知识竞答，{_local_day(opens)}至{_local_day(closes)}开放："
                "10道题，每题10分，60分合格，限时20分钟，可作答2次，合格者获得电子证书。"
            ),
            "pass_score": Decimal(60),
            "duration_minutes": 20,
            "opens_at": opens,
            "closes_at": closes,
            "attempts_allowed": 2,
            "multi_scoring": Paper.MultiScoring.PARTIAL,
            "review_policy": Paper.Review.FULL,
            "blur_limit": 5,
            "certificate_template": template,
            "published": True,
        },
    )
    if created:
        picks = list(bank.questions.filter(difficulty__lte=2).order_by("pk")[:10])
        for order, q in enumerate(picks):
            PaperQuestion.objects.create(paper=quiz, question=q, points=10, sort_order=order)


def seed_attempts(ctx) -> None:
    """Finished attempts of the first people of every enterprise at the quiz and the mock exam:
    through the exam services, so slow (run by the task cluster after seed_demo)."""
    from exams import engine

    quiz = (
        Paper.objects.filter(region=ctx.district, title__endswith=QUIZ_TITLE_END)
        .order_by("pk")
        .first()
    )
    mock = Paper.objects.filter(title="特种作业理论模拟考试").first()
    if quiz is None or mock is None or quiz.attempts.exists():
        return
    now = timezone.now()
    rng = ctx.rng
    people = []
    for enterprise in ctx.enterprises:
        people += list(enterprise.people.filter(is_active=True).order_by("pk")[:4])
    demo_worker = ctx.users.get("demo_worker")
    for paper, skill in ((quiz, 0.8), (mock, 0.75)):
        for person in people:
            if demo_worker is not None and person.user_id == demo_worker.pk and paper == mock:
                continue  # leave the demo worker a fresh mock exam to try
            started = now - timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600))
            attempt, _new = engine.start_or_resume(paper=paper, person=person, now=started)
            answer_like_a_person(attempt, rng=rng, skill=skill, started=started, pace_seconds=20)
            if rng.random() < 0.2:
                attempt.blur_count = rng.randint(1, 3)
                attempt.save(update_fields=["blur_count"])
            engine.submit_attempt(
                attempt=attempt, now=started + timedelta(minutes=rng.randint(8, 18))
            )


def answer_like_a_person(attempt, *, rng, skill: float, started, pace_seconds: int) -> None:
    """Demo data: answers every question of `attempt` through the exam services, right with a
    personal probability drawn around `skill`, one answer every `pace_seconds` from `started`."""
    from exams import engine

    personal_skill = min(0.98, max(0.3, rng.gauss(skill, 0.15)))
    for seq, item in enumerate(engine.load_items(attempt), start=1):
        response = kind_of(item.snapshot["type"]).example_response(
            item.snapshot, right=rng.random() < personal_skill, rng=rng
        )
        engine.save_answer(
            attempt=attempt,
            question_id=item.question_id,
            response=response,
            seq=seq,
            now=started + timedelta(seconds=pace_seconds * seq),
        )
