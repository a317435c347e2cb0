"""Access sweep: every front-site URL pattern and API route that takes an object id is requested by
people who must be refused: another enterprise's worker, another enterprise's manager, and an
anonymous visitor. Each must get 404/403/405 or a login redirect, never the object.

A new route with an id fails `test_every_route_with_an_id_is_in_the_sweep` until it gets a builder
in ROUTES below (or, if it is public by design, a line in PUBLIC with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# Prefixes that are not ours to sweep here: Wagtail's and Django's admin (our admin viewsets are
# covered by portal.admin_scoping tests), documents (Wagtail privacy), the Wagtail page catch-all.
SKIP_PREFIXES = ("admin/", "django-admin/", "documents/", "api/v1/docs", "i18n/")

# Routes whose id is a secret or public by design.
PUBLIC = {
    "certificates:verify": "public verification page; the code is unguessable",
    "certificates:verify-json": "public verification JSON; the code is unguessable",
    "drills:ical": "private feed; the token is the credential (random, resettable)",
    "drills:checkin-scan": "signed, time-limited check-in code; needs a login and a participation",
    "courses:enrol": "course pages are public; any worker may enrol in an open course",
    "wagtailcore_authenticate_with_password": "Wagtail's password form for a password-protected page",
}


def _routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if "<" in route and entry.name and not route.startswith(SKIP_PREFIXES):
                yield f"{namespace}{entry.name}", route


# ---- builders: name -> function(world) returning reverse() args for an object of worker A / enterprise A


def _drill(world):
    from tests.drills.factories import make_drill

    if "drill" not in world:
        world["drill"] = make_drill(enterprise=world["enterprise"], created_by=world["manager"])
    return world["drill"]


def _drill_child(kind):
    def build(world):
        from drills.models import CorrectiveAction, Finding, Participation, ScriptStep

        drill = _drill(world)
        if kind == "participation":
            obj = Participation.objects.create(drill=drill, person=world["worker"].person)
        elif kind == "step":
            obj = ScriptStep.objects.create(
                drill=drill, order=1, planned_time="09:00", content="报警"
            )
        elif kind == "action":
            finding = Finding.objects.create(drill=drill, grade="deficiency", description="问题")
            obj = CorrectiveAction.objects.create(
                finding=finding, description="措施", owner_name="甲", due_on="2030-01-01"
            )
        else:  # attachment
            from django.core.files.base import ContentFile

            from drills.models import Attachment

            obj = Attachment(
                drill=drill, kind=Attachment.Kind.PHOTO, original_name="现场.jpg", size=1
            )
            obj.file.save("a.jpg", ContentFile(b"x"), save=False)
            obj.save()
        return [drill.pk, obj.pk]

    return build


def _certificate(world):
    from tests.certificates.factories import issue_manual_certificate

    return issue_manual_certificate(world["worker"].person, details={})


def _operator_certificate(world):
    from django.core.files.base import ContentFile

    from tests.operators.factories import certificate

    cert = certificate(world["worker"].person, issued=date(2024, 1, 1), number="SWEEP-1")
    cert.scan.save("scan.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return [cert.pk]


def _notice(world):
    from portal.notices import notify

    return [notify(world["worker"], "演练提醒：测试", url="/accounts/me/").pk]


def _api_token(world):
    from datetime import timedelta

    from django.utils import timezone

    from portal.models import ApiToken

    token = ApiToken.objects.create(
        user=world["worker"], key_hash="sweep" * 8, expires_at=timezone.now() + timedelta(days=1)
    )
    return [token.pk]


def _emergency_plan(world):
    from drills.models import EmergencyPlan

    return [
        EmergencyPlan.objects.create(
            enterprise=world["enterprise"], name="综合应急预案", plan_type="comprehensive"
        ).pk
    ]


def _exam_paper(world):
    from tests.exams.factories import make_paper, make_questions

    if "exam_paper" not in world:
        from exams.models import QuestionBank

        bank = QuestionBank.objects.create(name="企业A题库", enterprise=world["enterprise"])
        world["exam_paper"] = make_paper(
            owner_enterprise=world["enterprise"], questions=make_questions(bank, 2)
        )
    return world["exam_paper"]


def _exam_attempt(world):
    from django.utils import timezone

    from exams.engine import start_or_resume

    if "exam_attempt" not in world:
        world["exam_attempt"], _created = start_or_resume(
            paper=_exam_paper(world), person=world["worker"].person, now=timezone.now()
        )
    return world["exam_attempt"]


def _portal_person(world):
    return [world["worker"].person.pk]


def _course_lesson(world):
    """A lesson of a published course that worker A is enrolled in."""
    if "lesson" not in world:
        from cms.models import HomePage
        from courses import learning
        from courses.models import CourseIndexPage
        from tests.courses.factories import make_course

        index = CourseIndexPage.objects.first()
        if index is None:
            index = CourseIndexPage(title="在线课程", slug="sweep-courses")
            HomePage.objects.get().add_child(instance=index)
            index.save_revision().publish()
        course = make_course(index, slug="sweep-course")
        learning.enrol(person=world["worker"].person, course=course)
        world["lesson"] = course.lessons().first()
    return world["lesson"]


def _training_class(world):
    """An internal class of enterprise A, with worker A registered."""
    if "training_class" not in world:
        from courses import classes
        from tests.courses.factories import TrainingClassFactory

        world["training_class"] = TrainingClassFactory(enterprise=world["enterprise"])
        classes.register_for_class(
            person=world["worker"].person, training_class=world["training_class"]
        )
    return world["training_class"]


def _programme(world):
    """A programme of enterprise A's street (the other enterprise is in another street)."""
    from courses.models import Programme

    return [
        Programme.objects.create(
            name="街道骨干培训", region=world["enterprise"].street, target_people=10
        ).pk
    ]


def _competition(world):
    """A non-public competition of enterprise A's street with A's team (worker A a member)."""
    from competitions.models import Competition, Judge, PracticalItem, Team
    from tests.factories import UserFactory

    if "competition" not in world:
        competition = Competition.objects.create(
            name="街道技能比武", year=2026, region=world["enterprise"].street, status="open"
        )
        team = Team.objects.create(
            competition=competition, enterprise=world["enterprise"], name="A队"
        )
        team.members.add(world["worker"].person)
        item = PracticalItem.objects.create(competition=competition, name="灭火", max_score=10)
        Judge.objects.create(competition=competition, user=UserFactory())
        world["competition"] = (competition, team, item)
    return world["competition"]


def _induction_level(world):
    """The 班组级 of an induction of worker A (filled in, the enterprise's manager teaching)."""
    from datetime import date

    from tests.induction.factories import induction, level_of

    ind = induction(world["worker"].person, starts_on=date(2030, 3, 1), instructor=world["manager"])
    return [level_of(ind, 3).pk]


def _progress(world):
    from portal import progress

    return [progress.start(owner=world["worker"], kind="sweep", title="批量发证", total=3).pk]


def _dossier(world):
    """Worker A's own file, built (requested by worker A)."""
    from dossiers import services, tasks

    dossier = services.request_file(user=world["worker"], person=world["worker"].person)
    tasks.build_dossier(dossier.pk)
    return [dossier.pk]


ROUTES: dict[str, Callable] = {
    "dossiers:person": lambda w: [w["worker"].person.pk],
    "dossiers:enterprise": lambda w: [w["enterprise"].pk],
    "dossiers:download": _dossier,
    "portal:notice-open": _notice,
    "portal:progress": _progress,
    "induction:sign": _induction_level,
    "portal:progress-json": _progress,
    "portal:first-passwords": _progress,
    "portal:device-revoke": _api_token,
    "portal_admin:reset-password": _portal_person,
    "drills:plan-edit": _emergency_plan,
    "drills:plan-file": _emergency_plan,
    **{
        f"drills:{name}": (lambda w: [_drill(w).pk])
        for name in (
            "detail",
            "edit",
            "transition",
            "participants",
            "checkin",
            "checkin-qr",
            "checkin-status",
            "script",
            "evaluate",
            "summary",
            "findings",
            "attachment-upload",
            "report-request",
            "report",
        )
    },
    "api:attendance": lambda w: [_drill(w).pk],
    "drills:participant-update": _drill_child("participation"),
    "drills:script-record": _drill_child("step"),
    "drills:action-update": _drill_child("action"),
    "drills:attachment": _drill_child("attachment"),
    "certificates:download": lambda w: [_certificate(w).serial],
    "operators:scan": _operator_certificate,
    "api:certificate_pdf": lambda w: [_certificate(w).serial],
    "courses:heartbeat": lambda w: [_course_lesson(w).pk],
    "courses:video-ended": lambda w: [_course_lesson(w).pk],
    "api:beat": lambda w: [_course_lesson(w).pk],
    "courses:presence": lambda w: [_course_lesson(w).pk],
    "api:presence": lambda w: [_course_lesson(w).pk],
    **{
        f"courses:{name}": (lambda w: [_training_class(w).pk])
        for name in (
            "class-detail",
            "class-register",
            "class-attendance",
            "class-import",
            "class-qr",
            "class-qr-svg",
            "class-sign-in",
            "class-sign-in-status",
        )
    },
    "courses:programme": _programme,
    "exams:paper": lambda w: [_exam_paper(w).pk],
    "exams:start": lambda w: [_exam_paper(w).pk],
    "api:start_attempt": lambda w: [_exam_paper(w).pk],
    "start_attempt-fast": lambda w: [_exam_paper(w).pk],  # its fast route (portal.api)
    **{
        f"exams:{name}": (lambda w: [_exam_attempt(w).pk])
        for name in (
            "attempt",
            "attempt-flag",
            "attempt-blur",
            "attempt-submit",
            "result",
        )
    },
    **{
        f"api:{name}": (lambda w: [_exam_attempt(w).pk])
        for name in ("get_attempt", "submit", "result")
    },
    "api:put_answer": lambda w: [_exam_attempt(w).pk, _exam_attempt(w).items.first().question_id],
    # the same URL's fast route (portal.api.fast_route), tried before ninja's operation
    "put_answer-fast": lambda w: [_exam_attempt(w).pk, _exam_attempt(w).items.first().question_id],
    "dashboard:enterprise": lambda w: [w["enterprise"].pk],
    "dashboard:region": lambda w: [w["enterprise"].street.code],
    "competitions:leaderboard": lambda w: [_competition(w)[0].pk],
    "competitions:leaderboard-json": lambda w: [_competition(w)[0].pk],
    "competitions:judge": lambda w: [_competition(w)[0].pk],
    "competitions:judge-team": lambda w: [_competition(w)[0].pk, _competition(w)[1].pk],
    "competitions:judge-score": lambda w: [
        _competition(w)[0].pk,
        _competition(w)[1].pk,
        _competition(w)[2].pk,
    ],
}


def test_every_route_with_an_id_is_in_the_sweep():
    missing = sorted(
        f"{name}  ({route})"
        for name, route in _routes()
        if name not in ROUTES and name not in PUBLIC
    )
    assert not missing, "Routes with an object id missing from the access sweep:\n" + "\n".join(
        missing
    )


@pytest.fixture
def world(enterprise, worker, manager, other_worker, other_manager):
    return {"enterprise": enterprise, "worker": worker, "manager": manager}


def _refused(response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_outsiders_are_refused_every_object_route(client, world, other_worker, other_manager, name):
    args = ROUTES[name](world)
    url = reverse(name, args=args)
    for outsider in (other_worker, other_manager, None):
        client.logout()
        if outsider is not None:
            client.force_login(outsider)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert _refused(response), (
                f"{name} {method.upper()} as {outsider}: {response.status_code}"
            )
