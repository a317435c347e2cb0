"""Security review finding 15: out-of-range input was a 500. Numbers and dates are bounded at the
edge (portal.params): 400 with a Chinese message on the site, 422 from the API, 413 for a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, and a NUL character anywhere in a request is refused.

The class is swept by tests/security/test_html_fuzz.py (every GET page, fuzzed query strings) and
tests/security/test_api_schema.py (schemathesis over the API).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.params import (
    SEQ_MAX,
    ParameterError,
    date_param,
    int_param,
    int_value,
    month_param,
)

pytestmark = [pytest.mark.security, pytest.mark.django_db]


# ---- the parsers


def test_int_param_takes_ascii_digits_within_its_bounds_and_the_default_when_empty():
    assert int_param({"y": " 2026 "}, "y", min=1900, max=2100) == 2026
    assert int_param({"y": ""}, "y", 7, min=1900, max=2100) == 7
    assert int_param({}, "y", min=1900, max=2100) is None
    for raw in ("2101", "-1", "9" * 30, "²", "٢٠٢٦", "1e3", "20.5", "0x10", "2026\x00"):
        with pytest.raises(ParameterError, match="参数“y”须为 1900 至 2100 之间的整数"):
            int_param({"y": raw}, "y", min=1900, max=2100)


def test_int_value_takes_json_integers_but_not_booleans_or_floats():
    assert int_value(5, name="seq", min=0, max=SEQ_MAX) == 5
    for raw in (True, 1.5, None, [], 2**63, -1):
        with pytest.raises(ParameterError):
            int_value(raw, name="seq", min=0, max=SEQ_MAX)


def test_date_and_month_params_stay_where_a_month_or_week_around_them_exists():
    today = timezone.localdate()
    assert str(date_param({"d": "2026-06-30"}, "d")) == "2026-06-30"
    assert month_param({}, default=today) == today.replace(day=1)
    assert str(month_param({"y": "2100", "m": "12"}, default=today)) == "2100-12-01"
    for raw in ("0001-01-01", "9999-12-31", "2026-02-31", "20260101", "2026-W01-1", "x"):
        with pytest.raises(ParameterError, match="格式 2026-01-31"):
            date_param({"d": raw}, "d")
    with pytest.raises(ParameterError):
        month_param({"y": "9999", "m": "12"}, default=today)


# ---- the pages of the finding


@pytest.mark.parametrize(
    "query",
    ["?y=9999&m=12", "?y=1&m=1", "?y=99999999999999999999&m=1", "?y=2026&m=0", "?m=%00"],
)
def test_finding_15_a_calendar_month_out_of_range_is_a_400_in_chinese(client, manager, query):
    client.force_login(manager)
    response = client.get(reverse("drills:calendar") + query)
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_finding_15_a_calendar_week_at_the_ends_of_time_is_a_400(client, manager, day):
    client.force_login(manager)
    response = client.get(reverse("drills:week") + f"?d={day}")
    assert response.status_code == 400
    assert "1900-01-01 至 2100-12-31" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["start=0001-01-01&end=0001-01-02", "start=9999-12-30&end=9999-12-31"]
)
def test_finding_15_dashboard_dates_at_the_ends_of_time_show_the_error(client, supervisor, query):
    client.force_login(supervisor)
    response = client.get(reverse("dashboard:index") + "?period=custom&" + query)
    assert response.status_code == 400
    assert "2000-01-01 至 2100-12-31" in response.content.decode()


def test_finding_15_the_report_refuses_an_enterprise_id_past_any_integer(client, supervisor):
    client.force_login(supervisor)
    url = reverse("dashboard:report") + "?format=json&enterprise=" + "9" * 25
    response = client.get(url)
    assert response.status_code == 400
    assert "企业编号无效" in response.content.decode()


def test_finding_15_drill_statistics_from_the_api_refuse_dates_out_of_range(client, manager):
    client.force_login(manager)
    response = client.get("/api/v1/drills/statistics?start=0001-01-01&end=9999-12-31")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    today = timezone.localdate().isoformat()
    ok = client.get(f"/api/v1/drills/statistics?start={today}&end={today}")
    assert ok.status_code == 200


# ---- the exam's seq, by the API and by the page


@pytest.fixture
def attempt(district, worker):
    from exams.engine import Client as ExamClient
    from exams.engine import start_or_resume
    from exams.models import QuestionBank
    from tests.exams.factories import make_paper, make_questions

    bank = QuestionBank.objects.create(name="题库", region=district)
    paper = make_paper(owner_region=district, questions=make_questions(bank, 2))
    attempt, _created = start_or_resume(
        paper=paper, person=worker.person, now=timezone.now(), client=ExamClient()
    )
    return attempt


def _question(attempt) -> int:
    return attempt.items.order_by("position").first().question_id


def test_finding_15_an_api_save_with_a_seq_past_a_bigint_is_a_422(client, worker, attempt):
    client.force_login(worker)
    url = f"/api/v1/attempts/{attempt.pk}/answers/{_question(attempt)}"
    for seq in (2**63, 2**64, SEQ_MAX + 1, -1):
        body = json.dumps({"response": ["A"], "seq": seq})
        response = client.put(url, body, content_type="application/json")
        assert response.status_code == 422, seq
        assert response.json()["code"] == "invalid_request"
    # the exam page's seq is Date.now(): a millisecond timestamp must still be taken
    body = json.dumps({"response": ["A"], "seq": 1_800_000_000_000})
    assert client.put(url, body, content_type="application/json").json()["accepted"] is True


def test_finding_15_a_practice_count_out_of_range_is_a_400(client, worker):
    client.force_login(worker)
    response = client.post(reverse("exams:practice-start"), {"bank": "1", "count": "9" * 30})
    assert response.status_code == 400
    assert "参数“count”须为 1 至 50 之间的整数" in response.content.decode()


# ---- bodies and characters


def test_finding_15_an_api_body_over_the_upload_limit_is_a_413_in_the_api_shape(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": "a" * 2000, "password": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json() == {"code": "payload_too_large", "message": "请求数据过大。"}


def test_finding_15_an_api_body_of_3_mb_is_a_413_at_the_default_limit():
    body = json.dumps({"username": "a" * 3_000_000, "password": "x"})
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_finding_15_a_form_post_over_the_upload_limit_is_a_413(client, manager, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(manager)
    response = client.post(reverse("drills:create"), {"title": "x" * 2000})
    assert response.status_code == 413


def test_finding_15_a_nul_in_a_query_string_or_a_form_is_refused(client, manager):
    client.force_login(manager)
    for response in (
        client.get(reverse("cms:search") + "?q=%00"),
        client.get(reverse("drills:list") + "?status=a%00"),
        client.post(reverse("drills:create"), {"title": "演练\x00"}),
    ):
        assert response.status_code == 400
        assert "请求中含有不允许的字符" in response.content.decode()
    for api in (  # the query by the API's parser, the path here
        client.get("/api/v1/courses/records?year=%00"),
        client.get("/api/v1/certificates/a%00b/pdf"),
    ):
        assert api.status_code == 422
        assert api.json()["code"] == "invalid_request"


# ---- numbers in the drill forms


@pytest.fixture
def evaluating_drill(enterprise, manager):
    from tests.drills.factories import make_drill

    return make_drill(enterprise=enterprise, created_by=manager, status="evaluating")


@pytest.mark.parametrize("raw", ["NaN", "sNaN", "Infinity", "1e999999"])
def test_finding_15_an_evaluation_score_that_is_no_number_is_refused(
    client, manager, evaluating_drill, raw
):
    from drills.models import EvaluationTemplate

    template = EvaluationTemplate.objects.get(form="live")
    item = template.items.filter(kind="points").first()
    client.force_login(manager)
    response = client.post(
        reverse("drills:evaluate", args=[evaluating_drill.pk]),
        {"t": template.pk, f"item-{item.pk}": raw, "save": "1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "的分数不是数字" in html or "分数须在" in html
    assert not evaluating_drill.evaluations.exists()


def test_finding_15_a_timed_answer_past_the_column_is_refused(client, manager, evaluating_drill):
    from drills.models import EvaluationTemplate

    template = EvaluationTemplate.objects.get(form="live")
    item = template.items.filter(kind="time").first()
    client.force_login(manager)
    for raw in (str(2**31), f"{2**40}:00", "1:" + "9" * 30):
        response = client.post(
            reverse("drills:evaluate", args=[evaluating_drill.pk]),
            {"t": template.pk, f"item-{item.pk}": raw, "save": "1"},
        )
        assert "的用时格式应为" in response.content.decode(), raw
    assert not evaluating_drill.evaluations.exists()


def test_finding_15_an_action_for_a_finding_id_that_is_no_number_is_a_400(
    client, manager, evaluating_drill
):
    client.force_login(manager)
    response = client.post(
        reverse("drills:findings", args=[evaluating_drill.pk]),
        {"action": "action", "finding": "abc", "description": "措施"},
    )
    assert response.status_code == 400


# ---- ids in the path: `<int:pk>` takes any digits


def test_finding_15_every_route_with_an_int_id_answers_an_id_past_bigint_without_a_5xx(
    client, manager
):
    """A sweep: every front-site and admin route with `<int:…>`, its ids set to 2**64, by GET and
    POST. A page's pk is a related field Django does not range-check (an OverflowError once)."""
    from tests.security.test_html_fuzz import _all_routes

    client.force_login(manager)
    client.raise_request_exception = False
    swept = []
    for name, route in _all_routes():
        ints = route.count("<int:")
        if not ints or route.count("<") != ints:
            continue
        url = reverse(name, args=[2**64] * ints)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code < 500, f"{name} {url}: {response.status_code}"
        swept.append(name)
    assert "courses:heartbeat" in swept
    assert "exams:attempt" in swept


def test_finding_15_an_api_path_id_past_bigint_is_a_422(client, worker):
    client.force_login(worker)
    huge = 2**64
    for response in (
        client.post(f"/api/v1/courses/lessons/{huge}/presence?check=1"),
        client.post(f"/api/v1/courses/lessons/{huge}/beat"),
        client.get(f"/api/v1/attempts/{huge}"),
    ):
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_request"
