import pytest
from django.utils import timezone

from courses import classes, learning
from courses.models import Enrolment, LessonProgress, TrainingRecord
from exams.models import Attempt, Paper

pytestmark = pytest.mark.django_db


def _study_all(enrolment, course):
    for lesson in course.lessons():
        LessonProgress.objects.create(
            enrolment=enrolment, lesson=lesson, seconds=60, completed_at=timezone.now()
        )


def test_a_course_with_a_final_exam_completes_only_after_a_passed_attempt(
    client, worker, course, district
):
    paper = Paper.objects.create(title="消防结业考试", region=district)
    course.final_exam = paper
    course.save_revision().publish()
    enrolment = learning.enrol(person=worker.person, course=course)
    _study_all(enrolment, course)
    assert learning.maybe_complete(enrolment=enrolment, now=timezone.now()) is False
    client.force_login(worker)
    assert "参加结业考试" in client.get(course.url).content.decode()
    Attempt.objects.create(
        paper=paper, person=worker.person, number=1, state="finished", passed=False
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.IN_PROGRESS
    Attempt.objects.create(
        paper=paper,
        person=worker.person,
        number=2,
        state="finished",
        passed=True,
        finished_at=timezone.now(),
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert TrainingRecord.objects.filter(person=worker.person).count() == 1


def test_exam_papers_can_target_a_class_cohort_or_course(worker, other_worker, course, district):
    from courses.models import Cohort, Programme
    from portal.registry import cohort_resolvers
    from tests.courses.factories import TrainingClassFactory

    programme = Programme.objects.create(name="双百双千", region=district)
    cohort = Cohort.objects.create(programme=programme, name="第一期")
    training_class = TrainingClassFactory(region=district, programme=programme, cohort=cohort)
    classes.register_for_class(person=worker.person, training_class=training_class)
    learning.enrol(person=worker.person, course=course)
    for key, pk in (
        ("courses.TrainingClass", training_class.pk),
        ("courses.Cohort", cohort.pk),
        ("courses.CoursePage", course.pk),
    ):
        assert cohort_resolvers[key](str(pk), worker.person)
        assert not cohort_resolvers[key](str(pk), other_worker.person)
