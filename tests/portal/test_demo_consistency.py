"""Issue 19: the demo data agree with themselves — one district name everywhere (region, site,
certificate issuer), the dates written in texts are the papers' and pages' own dates, and each
class sits in the cohort its title names."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from certificates.models import CertificateTemplate
from cms.models import NewsPage, SiteSettings
from courses.models import TrainingClass
from exams.demo import QUIZ_TITLE_END
from exams.models import Paper
from portal.demo import DISTRICT_AUTHORITY, DISTRICT_NAME
from portal.models import Region

pytestmark = pytest.mark.django_db


def _day(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日"


def test_the_demo_data_are_consistent(queued_tasks):
    call_command("seed_demo", stdout=io.StringIO())

    # one district name
    assert list(
        Region.objects.filter(level=Region.Level.DISTRICT).values_list("name", flat=True)
    ) == [DISTRICT_NAME]
    assert {s.district_name for s in SiteSettings.objects.all()} == {DISTRICT_AUTHORITY}
    assert set(CertificateTemplate.objects.values_list("issuer", flat=True)) == {DISTRICT_AUTHORITY}

    # the quiz's text states the quiz's own dates and year
    quiz = Paper.objects.get(title__endswith=QUIZ_TITLE_END)
    assert quiz.title.startswith(f"{timezone.localtime(quiz.opens_at).year}年")
    assert f"{_day(quiz.opens_at)}至{_day(quiz.closes_at)}开放" in quiz.instructions
    assert "6月" not in quiz.instructions

    # a news item that says when something happened says its own date
    dated = [p for p in NewsPage.objects.all() if re.search(r"\d+月\d+日，", p.summary)]
    assert dated
    for page in dated:
        assert page.summary.startswith(f"{page.date.month}月{page.date.day}日，")
    assert not NewsPage.objects.filter(summary__contains="{day}").exists()

    # each class in the cohort its title names
    classes = TrainingClass.objects.filter(cohort__isnull=False).select_related("cohort")
    assert classes.count() >= 2
    for training_class in classes:
        period = re.search(r"第[一二三四五六七八九十]+期", training_class.cohort.name).group(0)
        assert period in training_class.title, (training_class.title, training_class.cohort.name)
