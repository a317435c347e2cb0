"""Demo data for seed_demo (order 60): the district's skills competition with 4 teams from the demo
enterprises, 7 practical items, 3 judges (demo_judge1..3) and partial scores, so the live
leaderboard shows something. Idempotent: rows are found by natural keys and scores are
deterministic."""

from __future__ import annotations

import random
from decimal import Decimal

from django.utils import timezone

from competitions.models import (
    Combination,
    Competition,
    CompetitionStatus,
    Judge,
    PracticalItem,
    Score,
    Team,
    TieBreak,
)

NAME = "应急救援技能大赛"
ITEMS = [
    ("灭火器实操灭火", 10),
    ("消防水带连接与出水", 10),
    ("正压式空气呼吸器佩戴", 15),
    ("心肺复苏（CPR）", 15),
    ("危化品泄漏堵漏", 20),
    ("有限空间气体检测与救援", 20),
    ("伤员包扎与搬运", 10),
]
# (enterprise index in the demo context, team name)
TEAMS = [(0, "甬江化工应急队"), (4, "西塘船舶救援队"), (8, "南港石化突击队"), (1, "东湖精密先锋队")]
JUDGES = [("demo_judge1", "裁判 陈工"), ("demo_judge2", "裁判 林工"), ("demo_judge3", "裁判 黄工")]


def seed(ctx) -> None:
    from portal.demo import _user

    year = timezone.localdate().year
    template = None
    try:
        from certificates.models import CertificateTemplate

        template = CertificateTemplate.objects.order_by("pk").first()
    except Exception:  # noqa: BLE001 - certificates not migrated: awards need a template later
        template = None
    paper = None
    from exams.models import Paper

    paper = Paper.objects.filter(title="特种作业理论模拟考试").first()
    competition, _created = Competition.objects.get_or_create(
        name=NAME,
        year=year,
        defaults={
            "region": ctx.district,
            "theory_paper": paper,
            "theory_weight": Decimal(40),
            "practical_weight": Decimal(60),
            "combination": Combination.TRIMMED,
            "tie_break": TieBreak.PRACTICAL,
            "advancing_count": 2,
            "award_count": 3,
            "leaderboard_public": True,
            "status": CompetitionStatus.OPEN,
            "certificate_template": template,
        },
    )
    items = []
    for order, (name, max_score) in enumerate(ITEMS):
        item, _c = PracticalItem.objects.get_or_create(
            competition=competition,
            name=name,
            defaults={"max_score": Decimal(max_score), "sort_order": order},
        )
        items.append(item)
    judges = []
    for username, full_name in JUDGES:
        user = _user(ctx, username, full_name=full_name)
        Judge.objects.get_or_create(competition=competition, user=user)
        judges.append(user)
    teams = []
    for index, team_name in TEAMS:
        enterprise = ctx.enterprises[index]
        team, _c = Team.objects.get_or_create(
            competition=competition, name=team_name, defaults={"enterprise": enterprise}
        )
        # the first people by pk: the exams seeder gave them mock-exam attempts
        team.members.set(enterprise.people.filter(is_active=True).order_by("pk")[:3])
        teams.append(team)
    rng = random.Random(8)  # nosec B311 # reproducible demo scores, no secret
    # partial judging: every judge has scored the first 4 items of the first 3 teams, the last
    # team only items 1-2 (the leaderboard shows a competition in progress)
    for t, team in enumerate(teams):
        skill = [0.92, 0.85, 0.88, 0.8][t]
        for i, item in enumerate(items):
            if i >= (4 if t < 3 else 2):
                continue
            for judge in judges:
                value = item.max_score * Decimal(str(min(1.0, max(0.4, rng.gauss(skill, 0.06)))))
                Score.objects.get_or_create(
                    team=team,
                    item=item,
                    judge=judge,
                    defaults={"value": value.quantize(Decimal("0.1"))},
                )
