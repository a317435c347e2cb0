"""schemathesis against /api/v1/openapi.json (django-ninja): no 5xx on any operation, and every
answer is documented and matches its schema (status code, content type, body).

Three parts:
- generated requests (hypothesis, bounded and derandomized; valid and invalid data) anonymously,
  with a worker's token and (the reads) with a manager's, against a world where the worker has an
  exam, an attempt, a certificate, a course and a drill;
- hand-made requests for the success paths (generated ids seldom hit a real object), each checked
  by schemathesis against the schema — and a check that every operation has one, so a new route
  cannot slip past.

The app is called in-process through its WSGI handler, inside the test's transaction. The schema
comes from the NinjaAPI object (the same document /api/v1/openapi.json serves); schemathesis'
fixture-based lazy loader does not work with pytest 9, so `schema.parametrize()` is used directly.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from werkzeug.test import Client

from portal.api import api

pytestmark = [pytest.mark.security, pytest.mark.django_db]

APP = get_wsgi_application()
# In this API a 400 is a business rule's refusal of a well-formed request (a stale check-in code, a
# lesson not yet open, an end date before the start), so it is an expected answer to valid data.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
            }
        }
    }
)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
schema.app = APP  # every request, schemathesis' own probes included, goes to the app in-process

FUZZ = settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def keep_connection():
    """As Django's test client does: a request's start and end must not close the test's DB
    connection (that would end the test transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _token(user) -> str:
    response = _call(
        "POST",
        "/api/v1/auth/token",
        body={"username": user.username, "password": "secret-pass-1"},
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


@pytest.fixture
def world(keep_connection, district, enterprise, worker, manager):
    """Something behind every route for `worker`: an open exam with an attempt in progress, a
    certificate (its PDF not rendered yet), an enrolment in a course, a drill in progress they take
    part in."""
    from cms.models import HomePage
    from courses import learning
    from courses.models import CourseIndexPage
    from drills.models import DrillStatus, ParticipantRole, Participation
    from exams import engine
    from exams.models import QuestionBank
    from tests.certificates.factories import CertificateTemplateFactory, issue_manual_certificate
    from tests.courses.factories import make_course
    from tests.drills.factories import make_drill
    from tests.exams.factories import make_paper, make_questions

    bank = QuestionBank.objects.create(name="安全题库", region=district)
    questions = make_questions(bank, 2, "single") + make_questions(bank, 1, "multiple")
    paper = make_paper(owner_region=district, questions=questions)
    practice = make_paper(owner_region=district, questions=questions, title="另一场考试")
    attempt, _created = engine.start_or_resume(
        paper=practice, person=worker.person, now=timezone.now(), client=engine.Client()
    )

    certificate = issue_manual_certificate(
        worker.person, template=CertificateTemplateFactory(name="默认培训证书")
    )

    home = HomePage.objects.get()
    index = home.add_child(instance=CourseIndexPage(title="在线课程", slug="courses-sec"))
    index.save_revision().publish()
    course = make_course(index, slug="sec")
    learning.enrol(person=worker.person, course=course)

    drill = make_drill(
        enterprise=enterprise,
        created_by=manager,
        status=DrillStatus.EXECUTING,
        start=timezone.now() - timedelta(minutes=30),
    )
    Participation.objects.create(drill=drill, person=worker.person, role=ParticipantRole.PLAYER)
    return {
        "worker_user": worker,
        "worker": {"Authorization": f"Bearer {_token(worker)}"},
        "manager": {"Authorization": f"Bearer {_token(manager)}"},
        "paper": paper,
        "attempt": attempt,
        "question": questions[0],
        "certificate": certificate,
        "lesson": course.lessons().first(),
        "drill": drill,
    }


# ---- generated requests


@schema.parametrize()
@FUZZ
def test_generated_requests_anonymously(case, keep_connection):
    case.call_and_validate()


@given(
    case=st.one_of(
        schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE)
    )
)
@settings(FUZZ, max_examples=12 * len(schema))
def test_generated_requests_as_a_worker(case, world):
    """One test over every operation (the world is built once): valid and invalid requests."""
    case.call_and_validate(headers=world["worker"])


MANAGER_READS = schema.include(method="GET")


@given(
    case=st.one_of(
        MANAGER_READS.as_strategy(GenerationMode.POSITIVE),
        MANAGER_READS.as_strategy(GenerationMode.NEGATIVE),
    )
)
@settings(FUZZ, max_examples=8 * len(MANAGER_READS))
def test_generated_reads_as_a_manager(case, world):
    """The reads a manager gets further with than a worker (statistics, records of the enterprise)."""
    case.call_and_validate(headers=world["manager"])


# ---- the success paths, by hand


def _call(method: str, path: str, headers=None, **parts):
    """One request built from the schema's operation, validated by schemathesis; the response."""
    case = schema[path][method].Case(**parts)
    return case.call_and_validate(headers=headers)


def test_every_operation_answers_as_documented_on_its_success_path(world):
    from drills import participation

    seen = []

    def call(method, path, headers=None, expect=200, **parts):
        response = _call(method, path, headers, **parts)
        assert response.status_code == expect, (method, path, response.text)
        seen.append(f"{method} {path}")
        return response

    worker, manager = world["worker"], world["manager"]
    call(
        "POST",
        "/api/v1/auth/token",
        expect=401,
        body={"username": "nobody", "password": "wrong-password"},
    )
    paper_id, attempt_id = world["paper"].pk, world["attempt"].pk

    exams = call("GET", "/api/v1/exams/", worker).json()
    assert paper_id in [e["id"] for e in exams]
    started = call(
        "POST",
        "/api/v1/exams/{paper_id}/attempts",
        worker,
        expect=201,
        path_parameters={"paper_id": paper_id},
    ).json()
    resumed = call(
        "POST", "/api/v1/exams/{paper_id}/attempts", worker, path_parameters={"paper_id": paper_id}
    ).json()
    assert resumed["id"] == started["id"]
    call("GET", "/api/v1/attempts/{attempt_id}", worker, path_parameters={"attempt_id": attempt_id})
    saved = call(
        "PUT",
        "/api/v1/attempts/{attempt_id}/answers/{question_id}",
        worker,
        path_parameters={"attempt_id": attempt_id, "question_id": world["question"].pk},
        body={"response": ["B"], "seq": 1},
    ).json()
    assert saved["accepted"] is True
    call(
        "GET",
        "/api/v1/attempts/{attempt_id}/result",
        worker,
        expect=409,
        path_parameters={"attempt_id": attempt_id},
    )
    call(
        "POST",
        "/api/v1/attempts/{attempt_id}/submit",
        worker,
        path_parameters={"attempt_id": attempt_id},
    )
    result = call(
        "GET",
        "/api/v1/attempts/{attempt_id}/result",
        worker,
        path_parameters={"attempt_id": attempt_id},
    ).json()
    assert result["state"] != "in_progress"
    call(
        "POST",
        "/api/v1/attempts/{attempt_id}/submit",
        worker,
        path_parameters={"attempt_id": started["id"]},
    )
    options = call("GET", "/api/v1/practice/", worker).json()
    practice = call(
        "POST",
        "/api/v1/practice/",
        worker,
        expect=201,
        body={"bank": options["banks"][0]["id"], "count": 2},
    ).json()
    assert len(practice["questions"]) == 2
    call("GET", "/api/v1/practice/wrong-book", worker)

    from certificates import tasks

    serial = world["certificate"].serial
    call(
        "GET",
        "/api/v1/certificates/{serial}/pdf",
        worker,
        expect=409,
        path_parameters={"serial": serial},
    )
    tasks.render_certificate_pdf(world["certificate"].pk)
    mine = call("GET", "/api/v1/certificates/", worker).json()
    assert [(c["serial"], c["pdf_ready"]) for c in mine] == [(serial, True)]
    pdf = call(
        "GET", "/api/v1/certificates/{serial}/pdf", worker, path_parameters={"serial": serial}
    )
    assert pdf.content.startswith(b"%PDF")

    enrolments = call("GET", "/api/v1/courses/mine", worker).json()
    assert len(enrolments) == 1
    call("GET", "/api/v1/courses/records", manager, query={"year": timezone.localdate().year})
    beat = call(
        "POST",
        "/api/v1/courses/lessons/{lesson_id}/beat",
        worker,
        path_parameters={"lesson_id": world["lesson"].pk},
        query={"start": True},
    ).json()
    assert beat["lesson_done"] is False
    from courses.models import PresenceCheck, StudySession

    session = StudySession.objects.get(person=world["worker_user"].person, ended_at__isnull=True)
    check = PresenceCheck.objects.create(
        session=session, issued_at=timezone.now(), deadline=timezone.now() + timedelta(minutes=1)
    )
    answered = call(
        "POST",
        "/api/v1/courses/lessons/{lesson_id}/presence",
        worker,
        path_parameters={"lesson_id": world["lesson"].pk},
        query={"check": check.pk},
    ).json()
    assert answered["state"] == "studying"

    code = participation.checkin_code(drill=world["drill"], now=timezone.now())
    checked = call("POST", "/api/v1/drills/checkin", worker, body={"code": code}).json()
    assert checked["drill_id"] == world["drill"].pk
    today = timezone.localdate()
    call(
        "GET",
        "/api/v1/drills/statistics",
        manager,
        query={"start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat()},
    )
    call(
        "GET",
        "/api/v1/drills/statistics",
        worker,
        expect=403,
        query={"start": today.isoformat(), "end": today.isoformat()},
    )
    attendance = call(
        "GET",
        "/api/v1/drills/{drill_id}/attendance",
        manager,
        path_parameters={"drill_id": world["drill"].pk},
    ).json()
    assert attendance["attended"] == 1  # the worker checked in above
    for path in ("/api/v1/courses/compliance", "/api/v1/courses/statistics"):
        call("GET", path, manager, query={"year": today.year})
        call("GET", path, worker, expect=403)

    # logging this device out ends its token (a fresh one: the world's is used above)
    device = {"Authorization": f"Bearer {_token(world['worker_user'])}"}
    call("POST", "/api/v1/auth/logout", device, expect=204)
    assert _call("GET", "/api/v1/exams/", device).status_code == 401

    every = {f"{op.method.upper()} {op.path}" for op in _operations()}
    assert every - set(seen) == set(), "operations without a success-path check here"


def test_a_token_is_issued_and_answers_as_documented(keep_connection, worker):
    response = _call(
        "POST",
        "/api/v1/auth/token",
        body={"username": worker.username, "password": "secret-pass-1"},
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert _call("GET", "/api/v1/exams/", {"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_login_that_must_change_its_password_is_refused_as_documented(keep_connection, worker):
    worker.must_change_password = True
    worker.save(update_fields=["must_change_password"])
    response = _call(
        "POST",
        "/api/v1/auth/token",
        body={"username": worker.username, "password": "secret-pass-1"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


def test_an_unparsable_body_is_a_documented_400_in_chinese(keep_connection, worker):
    case = schema["/api/v1/auth/token"]["POST"].Case()
    response = Client(APP).post(
        "/api/v1/auth/token", data=b"{not json", content_type="application/json"
    )
    case.validate_response(response)
    assert response.status_code == 400
    assert response.json == {
        "code": "bad_request",
        "message": "请求体无法解析：须为 JSON，且文字中不能含 NUL 或不成对的代理字符。",
    }


def _operations():
    for result in schema.get_all_operations():
        yield result.ok()


def test_the_tested_schema_is_the_one_served(keep_connection):
    import json

    served = Client(APP).get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json == json.loads(json.dumps(api.get_openapi_schema()))
    responses = served.json["paths"]["/api/v1/attempts/{attempt_id}/submit"]["post"]["responses"]
    assert {"401", "403", "422"} <= set(responses)


# ---- texts no database stores (found by the generated requests: a login name with a lone
# surrogate was a 500 from the ORM)

HOSTILE_TEXTS = ["名\ud800字", "名\x00字"]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_unstorable_text_in_a_login_name_is_a_400(world, client):
    for text in HOSTILE_TEXTS:
        response = client.post(
            "/api/v1/auth/token",
            data=json.dumps({"username": text, "password": "secret-pass-1"}),
            content_type="application/json",
        )
        assert response.status_code == 400, (repr(text), response.content)
        assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=["surrogate", "nul"])
def test_every_operation_refuses_unstorable_text_at_the_edge(world, client, text):
    """Every operation with a body answers 400 to a body with such a text (in a value or a key),
    every operation with query parameters 422 to such a query; none reaches the ORM. (A query
    string cannot carry a lone surrogate: Django decodes its bytes with replacement characters.)"""
    swept = 0
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            url = _concrete(path)
            headers = (
                {}
                if path == "/api/v1/auth/token"
                else {"HTTP_AUTHORIZATION": world["worker"]["Authorization"]}
            )
            if operation.get("requestBody"):
                body = json.dumps({"name": text, text: [text], "nested": {"x": text}})
                response = client.generic(
                    method.upper(), url, body, content_type="application/json", **headers
                )
                assert response.status_code == 400, (method, path, response.content)
                swept += 1
            if "\x00" in text and any(p["in"] == "query" for p in operation.get("parameters", [])):
                query = urlencode(
                    {p["name"]: text for p in operation["parameters"] if p["in"] == "query"}
                )
                response = client.generic(method.upper(), f"{url}?{query}", **headers)
                assert response.status_code == 422, (method, path, response.content)
                swept += 1
    assert swept >= 4  # token, answers, practice, check-in (and the query reads for NUL)
