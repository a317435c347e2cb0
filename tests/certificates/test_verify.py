"""The public verification page and its JSON variant."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import services


@pytest.mark.django_db
def test_a_valid_certificate_shows_valid_with_a_masked_name(client, person, issue):
    certificate = issue(person)

    response = client.get(reverse("certificates:verify", args=[certificate.code]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "有效" in body
    assert "王*明" in body
    assert "王小明" not in body
    assert certificate.title in body
    assert "测试区应急管理局" in body
    assert person.id_number not in body


@pytest.mark.django_db
def test_an_expired_certificate_shows_expired(client, person, issue):
    certificate = issue(person, issued_on=timezone.localdate() - timedelta(days=365 * 4))

    data = client.get(reverse("certificates:verify-json", args=[certificate.code])).json()

    assert data["status"] == "expired"
    assert data["status_label"] == "已过期"


@pytest.mark.django_db
def test_a_revoked_certificate_shows_the_reason(client, person, issue, supervisor):
    certificate = issue(person)
    services.revoke_certificate(
        certificate=certificate, user=supervisor, reason="考试作弊，成绩作废"
    )

    html = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    data = client.get(reverse("certificates:verify-json", args=[certificate.code])).json()

    assert "已撤销" in html
    assert "考试作弊，成绩作废" in html
    assert data["status"] == "revoked"
    assert data["reason"] == "考试作弊，成绩作废"


@pytest.mark.django_db
def test_a_replaced_certificate_points_at_its_successor(client, person, issue, supervisor):
    old = issue(person)
    new = services.reissue_certificate(certificate=old, user=supervisor, reason="姓名录入错误")

    data = client.get(reverse("certificates:verify-json", args=[old.code])).json()
    new_data = client.get(reverse("certificates:verify-json", args=[new.code])).json()

    assert data["status"] == "replaced"
    assert data["replaced_by_serial"] == new.serial
    assert new_data["status"] == "valid"
    assert new.serial != old.serial
    assert new.code != old.code


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["AbCdEfGhIjKlMnOpQrStUvWx", "x", "bad code&1"])
def test_an_unknown_code_gets_a_plain_not_found(client, code, person, issue):
    issue(person)

    html = client.get(f"/verify/{code}/")
    data = client.get(f"/verify/{code}/json/")

    assert html.status_code == 404
    assert "未找到" in html.content.decode()
    assert "王" not in html.content.decode().split("<main")[1]
    assert data.status_code == 404
    assert data.json() == {"code": "not_found", "message": "未找到该证书，请核对验证码。"}


@pytest.mark.django_db
def test_verification_is_rate_limited_per_client(client, person, issue, settings):
    settings.CERTIFICATE_VERIFY_RATE = 3
    certificate = issue(person)
    url = reverse("certificates:verify-json", args=[certificate.code])

    statuses = [client.get(url).status_code for _ in range(4)]
    other_client = client.get(url, REMOTE_ADDR="10.1.2.3").status_code

    assert statuses == [200, 200, 200, 429]
    assert other_client == 200


def test_names_are_masked_but_recognisable():
    assert services.mask_name("王小明") == "王*明"
    assert services.mask_name("王明") == "王*"
    assert services.mask_name("欧阳小明") == "欧**明"


@pytest.mark.django_db
def test_the_verify_page_needs_no_login_and_states_long_term_validity(client, person, issue):
    certificate = issue(person)
    certificate.valid_until = None
    certificate.save()

    data = client.get(reverse("certificates:verify-json", args=[certificate.code])).json()

    assert data["valid_until"] is None
    assert data["issued_on"] == certificate.issued_on.isoformat()
    assert date.fromisoformat(data["issued_on"]) == certificate.issued_on


@pytest.mark.django_db
def test_the_verify_page_says_what_the_certificate_is_for_who_issued_it_and_when(
    client, person, issue
):
    """Issue 19: besides the masked name, the subject, the issuer and the dates."""
    certificate = issue(person, issued_on=date(2026, 3, 5))
    assert certificate.subject
    assert certificate.subject != certificate.title
    body = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert "课程或考试" in body
    assert certificate.subject in body
    assert certificate.template.issuer in body
    assert "2026-03-05" in body
    assert certificate.valid_until.isoformat() in body
