"""Journey 1: a worker on a phone studies an assigned course, takes an exam that loses the network
half-way, submits, and downloads the certificate the exam earns."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect
from wagtail.documents.models import Document

from certificates.models import Certificate
from cms.models import HomePage
from courses import learning
from courses.models import CourseIndexPage, CoursePage, Enrolment, LessonPage, LessonProgress
from exams.models import Attempt, AttemptQuestion, Paper
from tests.browser_support import download, pdf_text, record_video, sign_in
from tests.certificates.factories import CertificateTemplateFactory
from tests.exams.factories import make_paper, make_questions

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = 30_000  # the machine is shared and slow: generous waits, never sleeps


def _publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def video_course(browser, manager, worker):
    """A published course with one lesson whose video is a real clip; the manager assigned it to
    the worker."""
    ext, data = record_video(browser)
    video = Document(title="灭火器使用演示")
    video.file.save(f"extinguisher.{ext}", ContentFile(data), save=False)
    video.save()
    index = _publish(
        HomePage.objects.get().add_child(
            instance=CourseIndexPage(title="在线课程", slug="courses-journey")
        )
    )
    course = CoursePage(
        title="灭火器的使用",
        slug="extinguisher",
        credit_hours=Decimal("2"),
        training_kind="topic",
    )
    index.add_child(instance=course)
    _publish(course)
    lesson = LessonPage(
        title="第1课 灭火器的种类与使用",
        slug="extinguisher-1",
        estimated_minutes=20,
        video=video,
        video_seconds=1,  # the clip is ~1.5 s: played through, it covers the whole second
        body=[{"type": "paragraph", "value": "<p>提、拔、握、压：看完演示视频即算学完。</p>"}],
    )
    course.add_child(instance=lesson)
    _publish(lesson)
    learning.assign_course(
        user=manager,
        course=course,
        people=worker.person.__class__.objects.filter(pk=worker.person.pk),
        due_on=None,
    )
    return course


@pytest.fixture
def exam_paper(district, bank_with_questions):
    template = CertificateTemplateFactory(name="消防考试证书", title="消防安全考试合格证书")
    return make_paper(
        owner_region=district,
        questions=bank_with_questions,
        title="消防安全知识考试",
        pass_score=Decimal(4),
        certificate_template=template,
    )


@pytest.fixture
def bank_with_questions(district):
    from exams.models import QuestionBank

    bank = QuestionBank.objects.create(name="消防题库", region=district)
    return make_questions(bank, 5, "single")  # every answer is B


def test_a_worker_studies_takes_an_exam_through_a_network_loss_and_downloads_the_certificate(
    phone, worker, video_course, exam_paper, screenshot, run_tasks_inline
):
    page = phone
    sign_in(page, worker.username)
    assert page.url.endswith("/accounts/me/")

    # --- the assigned course -------------------------------------------------------------------
    page.goto("/courses/mine/")
    expect(page.locator("main")).to_contain_text("（单位指派）")
    screenshot(page, "01-my-courses")
    page.get_by_role("link", name="灭火器的使用").click()
    expect(page.locator("h1")).to_have_text("灭火器的使用")
    page.get_by_role("link", name="第1课 灭火器的种类与使用").click()
    expect(page.locator("h1")).to_have_text("第1课 灭火器的种类与使用")
    expect(page.locator("#lesson-progress .status")).to_contain_text("学习中")
    screenshot(page, "02-lesson")

    # the learner plays the video to its end; the page reports it and the lesson is studied
    video = page.locator("#lesson-video")
    video.scroll_into_view_if_needed()
    page.evaluate("document.getElementById('lesson-video').muted = true")
    video.click()  # a tap on the player starts it
    page.wait_for_function(
        "() => { const v = document.getElementById('lesson-video'); return !v.paused || v.ended; }",
        timeout=SLOW,
    )
    expect(page.locator("#lesson-progress .status")).to_have_text(
        "恭喜，本课程已全部学完，学时已记入培训档案。", timeout=SLOW
    )
    screenshot(page, "03-lesson-done")
    progress = LessonProgress.objects.get(enrolment__person=worker.person)
    assert progress.video_finished
    assert progress.completed_at is not None
    assert Enrolment.objects.get(person=worker.person).status == Enrolment.Status.COMPLETED

    # --- the exam -----------------------------------------------------------------------------
    page.goto("/exams/")
    page.get_by_role("link", name="消防安全知识考试").first.click()
    expect(page.locator("h1")).to_have_text("消防安全知识考试")
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/$"))
    questions = page.locator("fieldset[data-question]")
    expect(questions).to_have_count(5)
    qids = [questions.nth(i).get_attribute("data-question") for i in range(5)]
    screenshot(page, "04-exam")

    def answer(qid: str) -> None:
        page.locator(f"#q{qid} input[value='B']").check()

    def saved(qid: str):
        return page.locator(f"[data-saved-for='{qid}']")

    for qid in qids[:2]:
        answer(qid)
        expect(saved(qid)).to_contain_text("已保存", timeout=SLOW)

    # the network drops: answers stay on the phone and the page says so
    page.context.set_offline(True)
    for qid in qids[2:]:
        answer(qid)
    expect(page.locator("#exam-offline")).to_be_visible(timeout=SLOW)
    expect(page.locator("#exam-status")).to_have_text("未联网，待补传", timeout=SLOW)
    for qid in qids[2:]:
        expect(saved(qid)).to_have_text("")
    queued = page.evaluate(
        "(key) => Object.keys(JSON.parse(localStorage.getItem(key) || '{}')).sort()",
        f"exam-queue-{Attempt.objects.get().pk}",
    )
    assert queued == sorted(qids[2:])
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "05-offline", full_page=False)

    # back online: every queued answer is sent and acknowledged by the server
    page.context.set_offline(False)
    for qid in qids:
        expect(saved(qid)).to_contain_text("已保存", timeout=SLOW)
    expect(page.locator("#exam-offline")).to_be_hidden()
    screenshot(page, "06-back-online")
    attempt = Attempt.objects.get(person=worker.person, paper=exam_paper)
    stored = AttemptQuestion.objects.filter(attempt=attempt)
    assert stored.count() == 5
    assert all(item.response == "B" and item.saved_at for item in stored)

    # submit, with the confirmation dialog
    page.get_by_role("button", name="交卷", exact=True).click()
    dialog = page.locator("#exam-confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("所有题目均已作答。")
    screenshot(page, "07-confirm")
    dialog.get_by_role("button", name="确认交卷").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/result/$"))
    expect(page.locator(".exam-score")).to_contain_text("合格")
    screenshot(page, "08-result")
    attempt.refresh_from_db()
    assert attempt.passed
    assert attempt.score == Decimal(5)
    assert exam_paper.mode == Paper.Mode.EXAM

    # --- the certificate ----------------------------------------------------------------------
    page.get_by_role("link", name="证书已发放，查看我的证书").click()
    certificate = Certificate.objects.get(person=worker.person, title="消防安全考试合格证书")
    item = page.locator(".cert-item", has_text="消防安全考试合格证书")
    expect(item).to_contain_text(certificate.serial)
    screenshot(page, "09-certificates")
    data = download(page, item.get_by_role("link", name="下载PDF"))
    text = pdf_text(data)
    assert certificate.serial in text
    assert worker.person.name in text.replace(" ", "")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
