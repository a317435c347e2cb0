"""Who may see and download which certificate: others' PDFs are 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_worker


@pytest.fixture
def cert(person, issue):
    return issue(person, render=True)


def _download(client, user, cert):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("certificates:download", args=[cert.serial]))


@pytest.mark.django_db
def test_the_holder_downloads_their_pdf(client, worker, cert):
    response = _download(client, worker, cert)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_the_enterprises_manager_and_the_regions_supervisors_may_download(
    client, manager, supervisor, street_supervisor, cert
):
    for user in (manager, supervisor, street_supervisor):
        client.force_login(user)
        assert client.get(reverse("certificates:download", args=[cert.serial])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_worker", "other_manager", "editor", "examiner"])
def test_others_get_404_for_the_pdf(client, who, request, cert, other_enterprise):
    user = request.getfixturevalue(who)
    assert _download(client, user, cert).status_code == 404


@pytest.mark.django_db
def test_a_supervisor_of_another_street_gets_404(client, other_street, cert):
    from tests.factories import make_supervisor

    assert _download(client, make_supervisor(other_street), cert).status_code == 404


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client, cert):
    response = _download(client, None, cert)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_my_certificates_lists_only_mine(client, worker, other_person, person, issue):
    mine = issue(person)
    theirs = issue(other_person)
    client.force_login(worker)

    body = client.get(reverse("certificates:mine")).content.decode()
    me_page = client.get(reverse("portal:me")).content.decode()

    assert mine.serial in body
    assert theirs.serial not in body
    assert "我的证书" in me_page
    assert mine.serial in me_page


@pytest.mark.django_db
def test_the_api_lists_my_certificates_only(client, worker, person, other_person, issue):
    mine = issue(person, render=True)
    issue(other_person)
    client.force_login(worker)

    data = client.get("/api/v1/certificates/").json()

    assert [c["serial"] for c in data] == [mine.serial]
    assert data[0]["pdf_ready"] is True
    assert data[0]["verify_url"].endswith(f"/verify/{mine.code}/")


@pytest.mark.django_db
def test_the_api_pdf_is_refused_for_another_persons_certificate(client, worker, other_worker, cert):
    client.force_login(other_worker)
    refused = client.get(f"/api/v1/certificates/{cert.serial}/pdf")
    client.force_login(worker)
    allowed = client.get(f"/api/v1/certificates/{cert.serial}/pdf")

    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert allowed.status_code == 200
    assert b"".join(allowed.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_the_api_needs_authentication(client, cert):
    assert client.get("/api/v1/certificates/").status_code == 401
    assert client.get(f"/api/v1/certificates/{cert.serial}/pdf").status_code == 401


@pytest.mark.django_db
def test_a_pdf_not_yet_rendered_is_reported_not_served(client, worker, person, issue):
    pending = issue(person)
    client.force_login(worker)

    page = client.get(reverse("certificates:download", args=[pending.serial]), follow=True)
    api = client.get(f"/api/v1/certificates/{pending.serial}/pdf")

    assert "正在生成" in page.content.decode()
    assert api.status_code == 409


@pytest.mark.django_db
def test_my_certificates_page_costs_the_same_queries_for_more_certificates(
    queries, client, enterprise, issue, django_assert_num_queries
):
    # queries: session, user, person (request.user.person), certificates joined with templates,
    # unread reminder notices; rows add none.
    small = make_worker(enterprise, name="甲")
    large = make_worker(enterprise, name="乙")
    issue(small.person)
    for _ in range(6):
        issue(large.person)

    def measure(user):
        client.force_login(user)
        client.get(reverse("certificates:mine"))  # warm caches (content types, templates)
        with queries.capture() as ctx:
            assert client.get(reverse("certificates:mine")).status_code == 200
        return len(ctx.captured_queries)

    count = measure(small)
    assert count == measure(large)
    client.force_login(large)
    with django_assert_num_queries(count):
        client.get(reverse("certificates:mine"))


@pytest.mark.django_db
def test_the_certificate_endpoints_are_in_the_openapi_schema(client, worker):
    client.force_login(worker)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/certificates/" in paths
    assert "/api/v1/certificates/{serial}/pdf" in paths
