"""/metrics (portal.metrics): only a scraper with the token or from an allowed address gets it;
it reports requests by view and status, latency, database queries, the task queue and renders."""

from __future__ import annotations

import re

import pytest

from tests.portal.test_healthz_queue import orm_broker, queue_task  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-metrics-token-for-tests"


def value(text: str, name: str) -> float:
    match = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE)
    assert match, f"{name} missing"
    return float(match.group(1))


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def test_metrics_are_off_for_everyone_until_configured(client, superuser, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404
    client.force_login(superuser)  # not even a superuser's session opens it
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize(
    "header", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "]
)
def test_a_scraper_without_the_right_token_is_refused(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    assert client.get("/metrics", **extra).status_code == 404


def test_an_address_outside_the_allowed_networks_is_refused(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.20").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_the_scrape_has_requests_latency_queries_queue_and_renders(client, token, worker):
    client.force_login(worker)
    client.get("/accounts/me/")
    client.get("/accounts/no-such-page/")
    queue_task(age=42)

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert re.search(
        r'^django_http_responses_total_by_status_view_method_total\{[^}]*status="200"[^}]*view="portal:me"',
        text,
        re.MULTILINE,
    )
    assert re.search(
        r'^django_http_responses_total_by_status_view_method_total\{[^}]*status="404"',
        text,
        re.MULTILINE,
    )
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert value(text, "django_db_execute_total") > 0
    assert re.search(r'^portal_task_queue_length\{queue="portal"\} [1-9]', text, re.MULTILINE)
    assert re.search(
        r'^portal_task_queue_oldest_age_seconds\{queue="portal"\} (4[1-9]|[5-9]\d)', text, re.M
    )
    # the render cluster's queue is reported beside it (empty here)
    assert re.search(r'^portal_task_queue_length\{queue="render"\} 0', text, re.MULTILINE)
    assert "portal_certificate_renders_total" in text
    assert value(text, "portal_certificate_renders_last_minute") == 0


def test_a_render_counts(client, token, worker, monkeypatch):
    from certificates import services
    from tests.certificates.factories import issue_manual_certificate

    monkeypatch.setattr("certificates.pdf.render_certificate_pdf", lambda c: b"%PDF-1.7 test")
    certificate = issue_manual_certificate(worker.person)

    def scrape() -> str:
        return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()

    before = value(scrape(), "portal_certificate_renders_total")
    assert services.render_certificate(certificate_id=certificate.pk)
    text = scrape()
    assert value(text, "portal_certificate_renders_total") == before + 1
    assert value(text, "portal_certificate_renders_last_minute") == 1
