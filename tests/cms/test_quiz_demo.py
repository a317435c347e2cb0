"""The demo 安全生产月 campaign gets the exams demo's quiz, its live figures and a spread of
participation; seeding again changes nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_quiz_is_seeded_once(campaign_index):
    from cms import quiz
    from cms.demo import QUIZ_PARTICIPATION, _attach_quiz
    from exams.demo import seed as seed_exams
    from exams.models import Attempt
    from portal.demo import seed_organizations
    from tests.cms.factories import add_campaign

    ctx = seed_organizations("demo-pass-2026")
    seed_exams(ctx)
    page = add_campaign(campaign_index, "安全生产月", start_offset=-10, end_offset=-5)

    _attach_quiz(ctx, page)
    page.refresh_from_db()
    assert page.quiz_paper is not None
    assert "安全生产月" in page.quiz_paper.title
    figures = [b.value["figure"] for b in page.body if b.block_type == "live_figure"]
    assert figures == ["campaign_quiz_participants", "campaign_quiz_average"]
    attempts = Attempt.objects.filter(paper=page.quiz_paper).count()
    revisions = page.revisions.count()

    rows = {r.key: r for r in quiz.quiz_figures(page.quiz_paper).enterprises}
    for enterprise, share in zip(ctx.enterprises, QUIZ_PARTICIPATION, strict=True):
        row = rows[enterprise.pk]
        assert row.participants >= round(row.roster * share) - 1  # a demo worker is left out
    assert len({r.rate for r in rows.values()}) > 5  # a real spread for the ranking
    # The demo workers are left a quiz to take themselves.
    demo_workers = [u.pk for n, u in ctx.users.items() if n.startswith("demo_worker")]
    taken = Attempt.objects.filter(paper=page.quiz_paper, person__user_id__in=demo_workers)
    assert taken.count() < len(demo_workers)

    _attach_quiz(ctx, page)
    page.refresh_from_db()
    assert Attempt.objects.filter(paper=page.quiz_paper).count() == attempts
    assert page.revisions.count() == revisions
