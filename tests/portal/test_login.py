from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts import ensure_login, reset_password
from tests.factories import PersonFactory

LOGIN = "/accounts/login/"


def post_login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("field", ["username", "mobile", "id_number"])
def test_a_worker_logs_in_by_username_mobile_or_id_number(client, worker, field):
    person = worker.person
    identifier = {
        "username": worker.username,
        "mobile": person.mobile,
        "id_number": person.id_number,
    }[field]
    response = post_login(client, identifier, "secret-pass-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:me")


def test_a_wrong_password_is_refused_in_chinese(client, worker):
    response = post_login(client, worker.username, "wrong")
    assert response.status_code == 200
    assert "账号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_lock_the_account_from_every_address_but_not_a_colleague(
    client, worker, settings
):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        post_login(client, worker.username, "wrong", ip="10.0.0.1")

    # given the right password, the account is locked, from this address and from another
    for ip in ("10.0.0.1", "10.0.0.2"):
        response = post_login(client, worker.username, "secret-pass-1", ip=ip)
        assert "登录失败次数过多" in response.content.decode()
        assert "_auth_user_id" not in client.session

    # a colleague behind the same NAT is not locked out (the address has a higher limit)
    colleague = PersonFactory(enterprise=worker.person.enterprise)
    ensure_login(person=colleague)
    user = colleague.user
    user.set_password("secret-pass-1")
    user.must_change_password = False
    user.save()
    assert post_login(client, user.username, "secret-pass-1", ip="10.0.0.1").status_code == 302


def test_an_imported_login_must_change_its_password_first(client, enterprise):
    person = PersonFactory(enterprise=enterprise)
    first = ensure_login(person=person).password
    response = post_login(client, person.id_number, first)
    assert response.status_code == 302

    # every page leads to the password change until it is done
    assert client.get(reverse("portal:me"))["Location"] == reverse("portal:password-change")
    response = client.post(
        reverse("portal:password-change"),
        {
            "old_password": first,
            "new_password1": "An0ther-Secret",
            "new_password2": "An0ther-Secret",
        },
    )
    assert response["Location"] == reverse("portal:me")
    assert client.get(reverse("portal:me")).status_code == 200


def test_a_password_form_error_keeps_the_page_and_explains(client, worker):
    client.force_login(worker)
    response = client.post(
        reverse("portal:password-change"),
        {"old_password": "secret-pass-1", "new_password1": "abc", "new_password2": "abd"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert worker.check_password("secret-pass-1")


def test_a_manager_resets_a_workers_password_and_sees_the_new_one_once(client, manager, worker):
    client.force_login(manager)
    response = client.post(reverse("portal_admin:reset-password", args=[worker.person.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [credential] = response.context["credentials"]
    assert credential.password in response.content.decode()
    worker.refresh_from_db()
    assert worker.must_change_password
    assert worker.check_password(credential.password)
    assert not worker.check_password("secret-pass-1")


def test_a_manager_cannot_reset_another_enterprises_worker(client, other_manager, worker):
    client.force_login(other_manager)
    response = client.post(reverse("portal_admin:reset-password", args=[worker.person.pk]))
    assert response.status_code == 404
    worker.refresh_from_db()
    assert not worker.must_change_password


def test_a_worker_cannot_reset_passwords(client, worker, other_worker):
    client.force_login(worker)
    response = client.post(reverse("portal_admin:reset-password", args=[other_worker.person.pk]))
    assert response.status_code in (302, 403)
    other_worker.refresh_from_db()
    assert not other_worker.must_change_password


def test_reset_password_service_creates_a_missing_login(enterprise):
    person = PersonFactory(enterprise=enterprise)
    credential = reset_password(person=person)
    person.refresh_from_db()
    assert person.user.must_change_password
    assert person.user.check_password(credential.password)


def test_the_admin_login_is_throttled_too(client, manager, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(
            "/admin/login/",
            {"username": manager.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
        )
    client.post(
        "/admin/login/",
        {"username": manager.username, "password": "secret-pass-1"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert "_auth_user_id" not in client.session


def test_the_api_token_endpoint_is_throttled(client, worker, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        response = client.post(
            "/api/v1/auth/token",
            {"username": worker.username, "password": "wrong"},
            content_type="application/json",
            REMOTE_ADDR="10.0.0.7",
        )
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"
    response = client.post(
        "/api/v1/auth/token",
        {"username": worker.username, "password": "secret-pass-1"},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"


def test_a_token_authenticates_api_calls(client, worker):
    response = client.post(
        "/api/v1/auth/token",
        {"username": worker.username, "password": "secret-pass-1"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert len(response.json()["token"]) > 30


def test_the_admin_sends_anonymous_users_to_the_portal_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
