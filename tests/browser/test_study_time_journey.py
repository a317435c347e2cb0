"""Journey: on a 375 px phone a worker opens a short video lesson, answers a presence check (防挂机),
watches the video to its end and sees the countdown reach zero and the lesson and course done."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect
from wagtail.documents.models import Document

from cms.models import HomePage
from courses import learning
from courses.models import (
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    PresenceCheck,
    TrainingRecord,
)
from tests import browser_support
from tests.browser_support import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = 30_000


def _publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def short_video_lesson(browser, worker):
    ext, data = browser_support.record_video(browser, seconds=5)
    video = Document(title="疏散演示")
    video.file.save(f"evacuate.{ext}", ContentFile(data), save=False)
    video.save()
    index = _publish(
        HomePage.objects.get().add_child(instance=CourseIndexPage(title="在线课程", slug="c-st"))
    )
    course = CoursePage(
        title="疏散演练要点", slug="evacuate", credit_hours=Decimal("1"), training_kind="topic"
    )
    index.add_child(instance=course)
    _publish(course)
    lesson = LessonPage(
        title="第1课 疏散路线",
        slug="evacuate-1",
        estimated_minutes=1,
        video=video,
        video_seconds=4,  # the clip is ~5 s: played through it covers all four
        body=[{"type": "paragraph", "value": "<p>看完视频，沿疏散指示标志撤离。</p>"}],
    )
    course.add_child(instance=lesson)
    _publish(lesson)
    learning.enrol(person=worker.person, course=course)
    return lesson


def test_a_worker_answers_a_presence_check_and_watches_a_short_video_to_the_end(
    phone, worker, short_video_lesson, settings, screenshot
):
    settings.STUDY_BEAT_SECONDS = 2
    settings.STUDY_PRESENCE_CHECKS_MIN = 1
    settings.STUDY_PRESENCE_CHECKS_MAX = 1
    settings.STUDY_PRESENCE_PERIOD_SECONDS = 3  # the first check three seconds in
    page = phone
    sign_in(page, worker.username)
    page.goto(short_video_lesson.url)
    box = page.locator("#lesson-progress")
    expect(box.locator(".blockers")).to_contain_text("视频尚未看完")
    expect(box.locator(".lesson-left")).to_have_text("00:04")

    # the presence check appears; the learner taps 继续学习
    dialog = box.locator(".presence-check")
    expect(dialog).to_be_visible(timeout=SLOW)
    expect(box.locator(".status")).to_contain_text("继续学习")
    screenshot(page, "01-presence-check", full_page=False)
    settings.STUDY_PRESENCE_CHECKS_MAX = 0  # no further checks in this short journey
    dialog.get_by_role("button", name="继续学习").click()
    expect(dialog).to_be_hidden(timeout=SLOW)
    assert PresenceCheck.objects.get().status == "passed"

    # the countdown reaches zero while the page is open; the video still blocks completion
    expect(box.locator(".lesson-left")).to_have_text("00:00", timeout=SLOW)
    expect(box.locator(".blockers")).to_contain_text("视频尚未看完")

    # the learner plays the video to its end
    page.evaluate(
        "() => { const v = document.getElementById('lesson-video'); v.muted = true; v.play(); }"
    )
    expect(box.locator(".status")).to_have_text(
        "恭喜，本课程已全部学完，学时已记入培训档案。", timeout=SLOW
    )
    expect(box.locator(".blockers li")).to_have_count(0)
    expect(box.locator(".course-left")).to_have_text("00:00")
    screenshot(page, "02-lesson-done", full_page=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the lesson page scrolls sideways on a phone ({width} px)"

    # stop the page's requests (beats, video ranges) before the database is emptied: beats are chained (the next one is
    # sent after the previous answer), so once an aborted one is seen none is left in flight
    page.evaluate(
        "() => { const v = document.getElementById('lesson-video');"
        " v.pause(); v.removeAttribute('src'); v.load(); }"
    )
    page.route("**/*", lambda route: route.abort())
    with page.expect_request("**/beat/", timeout=SLOW):
        pass
    page.goto("about:blank")

    progress = LessonProgress.objects.get(enrolment__person=worker.person)
    assert progress.video_finished
    assert progress.seconds >= 4
    assert Enrolment.objects.get(person=worker.person).status == Enrolment.Status.COMPLETED
    assert TrainingRecord.objects.get(person=worker.person).hours <= Decimal("1")
