"""Accounts, first passwords, API tokens and the login throttle (issue 13, findings 5, 6, 11, 12).

Each test is named after the finding it guards, and each has someone who must be refused.
"""

from __future__ import annotations

import base64
import io
import math
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal import accounts
from portal.api import _hash, api
from portal.models import ApiToken, Person, User
from portal.services import ROSTER_COLUMNS, import_people
from tests.factories import PersonFactory, UserFactory, id_number
from tests.portal.xlsx_helpers import confirm_import, xlsx_upload
from tests.project import project_packages

pytestmark = [pytest.mark.security, pytest.mark.django_db]

TOKEN_URL = "/api/v1/auth/token"
LOGOUT_URL = "/api/v1/auth/logout"
EXAMS_URL = "/api/v1/exams/"
ME = reverse("portal:me")


def _issue(client, username, password="secret-pass-1", ip="10.1.0.1", agent="Test/1.0"):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=agent,
    )


def _token(client, user, **kwargs) -> str:
    response = _issue(client, user.username, **kwargs)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _imported(enterprise) -> tuple[Person, str]:
    """A person whose login was created by an import: (person, first password)."""
    person = PersonFactory(enterprise=enterprise)
    credential = accounts.ensure_login(person=person)
    return person, credential.password


# ---- finding 5: the forced password change holds on the API; first passwords are random


def test_finding_5_the_api_refuses_a_token_to_a_login_that_must_change_its_first_password(
    client, enterprise
):
    person, first = _imported(enterprise)
    for identifier in (person.id_number, person.mobile):
        response = _issue(client, identifier, first)
        assert response.status_code == 403
        assert response.json()["code"] == "password_change_required"
        assert "修改初始密码" in response.json()["message"]
    assert not ApiToken.objects.filter(user=person.user).exists()

    # a wrong password still gets the ordinary answer (the state of the account is not told)
    assert _issue(client, person.id_number, "wrong-password").json()["code"] == (
        "invalid_credentials"
    )

    # once the password is changed on the web, the API lets the worker in
    web = Client()
    web.post("/accounts/login/", {"username": person.id_number, "password": first})
    changed = web.post(
        reverse("portal:password-change"),
        {"old_password": first, "new_password1": "Zq7-harbour", "new_password2": "Zq7-harbour"},
    )
    assert changed.status_code == 302
    token = _token(client, person.user, password="Zq7-harbour")
    assert client.get(EXAMS_URL, **_bearer(token)).status_code == 200


def test_finding_5_an_existing_token_or_session_is_refused_until_the_password_is_changed(
    client, worker
):
    token = _token(client, worker)
    # forced change switched on without touching the password (a token survives it this way)
    User.objects.filter(pk=worker.pk).update(must_change_password=True)

    refused = client.get(EXAMS_URL, **_bearer(token))
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"
    started = client.post("/api/v1/exams/1/attempts", **_bearer(token))
    assert started.json()["code"] == "password_change_required"

    session = Client()
    session.force_login(worker)
    by_session = session.get(EXAMS_URL)
    assert by_session.status_code == 403
    assert by_session.json()["code"] == "password_change_required"
    # the web still sends the session to the password change first
    assert session.get(ME)["Location"] == reverse("portal:password-change")


def test_finding_5_the_refusal_code_is_documented_for_every_operation_that_needs_a_login(db):
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if not operation.get("security"):
                continue
            forbidden = operation["responses"].get(403) or operation["responses"].get("403")
            assert forbidden, f"{method.upper()} {path} does not document 403"
            assert "password_change_required" in forbidden["description"], (method, path)
    token = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "password_change_required" in token[403]["description"]


def test_finding_5_first_passwords_are_random_readable_and_long_enough():
    passwords = {accounts.generate_initial_password() for _ in range(500)}
    assert len(passwords) == 500
    alphabet = set(accounts.INITIAL_PASSWORD_ALPHABET)
    assert not alphabet & set("0Oo1lIi"), "ambiguous characters"
    for password in passwords:
        groups = password.split("-")
        assert len(groups) == accounts.INITIAL_PASSWORD_GROUPS
        assert all(set(g) <= alphabet for g in groups)
    length = accounts.INITIAL_PASSWORD_GROUPS * accounts.INITIAL_PASSWORD_GROUP_LENGTH
    assert length * math.log2(len(alphabet)) >= 56


REAL_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "portal.hashers.InitialPasswordHasher",
]


def test_a_first_password_is_hashed_cheaply_and_rehashed_properly_at_the_first_login(
    client, enterprise, settings
):
    """A roster of 2,000 new people must not cost 2,000 × 1,000,000 PBKDF2 rounds: a first password
    (random, about 59 bits, good for one login) gets the initial hasher's 20,000; the first login
    re-hashes it with the default hasher, and a password the person chooses never gets the cheap one."""
    from portal.hashers import InitialPasswordHasher

    settings.PASSWORD_HASHERS = REAL_HASHERS
    length = accounts.INITIAL_PASSWORD_GROUPS * accounts.INITIAL_PASSWORD_GROUP_LENGTH
    bits = length * math.log2(len(accounts.INITIAL_PASSWORD_ALPHABET))
    # at 10^9 SHA-256 a second, half the space takes more than a thousand years
    seconds = 2 ** (bits - 1) * InitialPasswordHasher.iterations / 1e9
    assert seconds > 1000 * 365 * 24 * 3600
    person = PersonFactory(enterprise=enterprise)
    credential = accounts.ensure_login(person=person)
    user = User.objects.get(pk=person.user_id)
    assert user.password.startswith("pbkdf2_initial$20000$")
    assert (
        client.post(
            reverse("portal:login"), {"username": user.username, "password": credential.password}
        ).status_code
        == 302
    )
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    assert user.check_password(credential.password)
    user.set_password("my-own-pass-2026")
    assert user.password.startswith("pbkdf2_sha256$")


def test_finding_5_a_first_password_is_not_derived_from_personal_data(enterprise):
    same_data = {"name": "王五", "mobile": "13912345678", "enterprise": enterprise}
    first = accounts.ensure_login(person=PersonFactory(id_number=id_number(8101), **same_data))
    again = accounts.ensure_login(
        person=PersonFactory(id_number=id_number(8102), **{**same_data, "mobile": ""})
    )
    assert first.password != again.password
    person = Person.objects.get(id_number=id_number(8101))
    for guess in (person.id_number[-6:], person.id_number[-8:], person.mobile[-6:]):
        assert not person.user.check_password(guess)
        assert guess not in first.password
    # a reset gives yet another one, and the first stops working
    reset = accounts.reset_password(person=person)
    person.user.refresh_from_db()
    assert reset.password != first.password
    assert person.user.check_password(reset.password)
    assert not person.user.check_password(first.password)


def test_finding_5_only_portal_accounts_sets_a_first_password():
    """The class: a first password is set in one function. A new `must_change_password=True`, or
    a password built from an 身份证号 slice, anywhere else fails here."""
    root = Path(__file__).resolve().parents[2]
    owner = root / "portal" / "accounts.py"
    offenders = []
    pattern = re.compile(
        r"must_change_password\s*=\s*True|id_number\s*\[\s*-|initial_password\s*\(\s*person"
    )
    for app in (*project_packages(), "bench"):
        for path in (root / app).rglob("*.py"):
            if path == owner or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, "first passwords set outside portal.accounts:\n" + "\n".join(offenders)


def _sheet_rows(response) -> list[list]:
    match = re.search(r'href="data:[^;"]+;base64,([A-Za-z0-9+/=]+)"', response.content.decode())
    assert match, "the page carries its .xlsx"
    book = load_workbook(io.BytesIO(base64.b64decode(match.group(1))))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_finding_5_a_roster_import_shows_the_first_passwords_once_on_a_page_and_a_sheet(
    client, manager, enterprise
):
    new_id = id_number(8201)
    rows = [["新员工", new_id, "13800138201", "其他从业人员", "", "", "", ""]]
    client.force_login(manager)
    url = reverse("portal_admin:roster-import")
    preview = client.post(
        url, {"enterprise": enterprise.pk, "file": xlsx_upload(ROSTER_COLUMNS, rows)}
    )
    response = confirm_import(client, url, preview)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [credential] = response.context["credentials"]
    page = response.content.decode()
    assert credential.password in page
    assert new_id not in page  # the printed sheet masks the 身份证号
    user = User.objects.get(username=new_id)
    assert user.check_password(credential.password)
    assert user.must_change_password

    header, *lines = _sheet_rows(response)
    assert header == accounts.CREDENTIAL_COLUMNS
    assert lines == [["新员工", enterprise.name, credential.login, credential.password]]

    # never stored in clear: not in the database's user row, the session, or a later page
    assert credential.password not in user.password
    assert credential.password not in str(dict(client.session))
    again = client.get(reverse("portal_admin:roster-import"))
    assert credential.password not in again.content.decode()
    listing = client.get(reverse("portal_people:index"))
    assert credential.password not in listing.content.decode()

    # re-importing the person creates no login, so shows no password
    rows[0][6] = "操作工"
    preview = client.post(
        url, {"enterprise": enterprise.pk, "file": xlsx_upload(ROSTER_COLUMNS, rows)}
    )
    reimport = confirm_import(client, url, preview)
    assert reimport.status_code == 302
    user.refresh_from_db()
    assert user.check_password(credential.password)


def test_finding_5_a_managers_reset_shows_the_new_password_once_and_outsiders_are_refused(
    client, manager, other_manager, worker
):
    url = reverse("portal_admin:reset-password", args=[worker.person.pk])
    client.force_login(other_manager)
    assert client.post(url).status_code == 404
    worker.refresh_from_db()
    assert worker.check_password("secret-pass-1")

    client.force_login(manager)
    assert "随机初始密码" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [credential] = response.context["credentials"]
    assert credential.login == worker.username
    header, line = _sheet_rows(response)
    assert line[2:] == [worker.username, credential.password]
    worker.refresh_from_db()
    assert worker.must_change_password
    assert worker.check_password(credential.password)


def test_finding_5_the_import_command_hands_the_passwords_over_in_a_sheet(enterprise, tmp_path):
    roster = tmp_path / "roster.xlsx"
    rows = [["甲", id_number(8301), "", "其他从业人员"], ["乙", id_number(8302), "", "班组长"]]
    roster.write_bytes(xlsx_upload(ROSTER_COLUMNS[:4], rows).read())
    sheet = tmp_path / "logins.xlsx"
    out = io.StringIO()
    command = ["import_people", str(roster), "--enterprise", enterprise.credit_code]
    call_command(*command, "--logins-sheet", str(sheet), stdout=out)
    assert "2 个新账号的初始密码已写入" in out.getvalue()
    header, *lines = load_workbook(sheet).active.iter_rows(values_only=True)
    for name, _enterprise, _login, password in lines:
        assert Person.objects.get(name=name).user.check_password(password)
        assert password not in out.getvalue()
    # an existing sheet is never overwritten
    with pytest.raises(CommandError, match="不会覆盖"):
        call_command(*command, "--logins-sheet", str(sheet), stdout=out)


# ---- finding 6: API tokens end with the password, the login, the person and the device


def test_finding_6_a_password_change_on_the_web_revokes_every_api_token(client, worker):
    phone, tablet = _token(client, worker), _token(client, worker)
    web = Client()
    web.force_login(worker)
    response = web.post(
        reverse("portal:password-change"),
        {
            "old_password": "secret-pass-1",
            "new_password1": "Nw8-lighthouse",
            "new_password2": "Nw8-lighthouse",
        },
    )
    assert response.status_code == 302
    for token in (phone, tablet):
        assert client.get(EXAMS_URL, **_bearer(token)).status_code == 401
    assert not ApiToken.objects.filter(user=worker).exists()
    assert web.get(ME).status_code == 200  # the session that changed it stays logged in


def test_finding_6_a_managers_reset_revokes_the_workers_tokens_and_sessions(
    client, manager, worker
):
    token = _token(client, worker)
    web = Client()
    web.force_login(worker)
    admin = Client()
    admin.force_login(manager)
    admin.post(reverse("portal_admin:reset-password", args=[worker.person.pk]))
    assert client.get(EXAMS_URL, **_bearer(token)).status_code == 401
    assert web.get(ME)["Location"].startswith(reverse("portal:login"))


def test_finding_6_deactivating_the_login_or_the_person_revokes_the_tokens(client, worker):
    token = _token(client, worker)
    worker.person.is_active = False  # 离职, e.g. in admin → 从业人员
    worker.person.save()
    assert client.get(EXAMS_URL, **_bearer(token)).status_code == 401
    assert not ApiToken.objects.filter(user=worker).exists()

    token = _token(client, worker)
    user = User.objects.get(pk=worker.pk)
    user.is_active = False
    user.save()
    assert not ApiToken.objects.filter(user=worker).exists()
    user.is_active = True
    user.save()
    assert client.get(EXAMS_URL, **_bearer(token)).status_code == 401  # reactivation revives none


def test_finding_6_logging_in_again_keeps_the_other_devices_tokens(client, worker):
    first = _token(client, worker)
    Client().post("/accounts/login/", {"username": worker.username, "password": "secret-pass-1"})
    _token(client, worker)
    assert client.get(EXAMS_URL, **_bearer(first)).status_code == 200


def test_finding_6_logout_through_the_api_ends_only_that_token(client, worker, other_worker):
    phone, tablet = _token(client, worker), _token(client, worker)
    theirs = _token(client, other_worker)
    assert client.post(LOGOUT_URL, **_bearer(phone)).status_code == 204
    assert client.get(EXAMS_URL, **_bearer(phone)).status_code == 401
    assert client.post(LOGOUT_URL, **_bearer(phone)).status_code == 401
    assert client.get(EXAMS_URL, **_bearer(tablet)).status_code == 200
    assert client.get(EXAMS_URL, **_bearer(theirs)).status_code == 200
    assert client.post(LOGOUT_URL).status_code == 401  # anonymous


def test_finding_6_logout_through_the_api_with_a_session_needs_csrf_and_ends_the_session(worker):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(worker)
    assert browser.post(LOGOUT_URL).status_code == 403
    browser.get(ME)
    csrf = browser.cookies[django_settings.CSRF_COOKIE_NAME].value
    assert browser.post(LOGOUT_URL, HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert browser.get(ME)["Location"].startswith(reverse("portal:login"))


def test_finding_6_my_page_lists_my_devices_and_i_revoke_only_my_own(client, worker, other_worker):
    mine = _token(client, worker, agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) 安全培训App")
    _token(client, other_worker, agent="OtherDevice/9")
    expired = ApiToken.objects.create(
        user=worker, key_hash=_hash("old"), expires_at=timezone.now() - timedelta(days=1)
    )
    client.get(EXAMS_URL, **_bearer(mine))  # marks it used

    web = Client(enforce_csrf_checks=True)
    web.force_login(worker)
    page = web.get(ME)
    devices = list(page.context["devices"])
    assert [d.user_agent for d in devices] == [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) 安全培训App"
    ]
    assert devices[0].last_used_at is not None
    assert "OtherDevice" not in page.content.decode()
    assert expired not in devices

    theirs = ApiToken.objects.get(user=other_worker)
    csrf = web.cookies[django_settings.CSRF_COOKIE_NAME].value
    refused = web.post(
        reverse("portal:device-revoke", args=[theirs.pk]), {"csrfmiddlewaretoken": csrf}
    )
    assert refused.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()

    url = reverse("portal:device-revoke", args=[devices[0].pk])
    assert web.get(url).status_code == 405
    assert web.post(url).status_code == 403  # no CSRF token
    assert client.get(EXAMS_URL, **_bearer(mine)).status_code == 200
    done = web.post(url, {"csrfmiddlewaretoken": csrf})
    assert done.status_code == 302
    assert client.get(EXAMS_URL, **_bearer(mine)).status_code == 401


# ---- finding 11: one throttle per account (whatever was typed) and per address


def test_finding_11_failures_count_per_account_whatever_identifier_was_typed(
    client, worker, settings
):
    settings.LOGIN_FAILURE_LIMIT = 5
    person = worker.person
    typed = [worker.username, worker.username, person.mobile, person.id_number, person.id_number]
    for identifier in typed:  # five guesses, spread over the three identifiers and two paths
        if identifier == person.mobile:
            assert _issue(client, identifier, "wrong").status_code == 401
        else:
            client.post("/accounts/login/", {"username": identifier, "password": "wrong"})
    for identifier in (worker.username, person.mobile, person.id_number.lower()):
        response = client.post(
            "/accounts/login/", {"username": identifier, "password": "secret-pass-1"}
        )
        assert "登录失败次数过多" in response.content.decode()
        assert _issue(client, identifier).json()["code"] == "too_many_attempts"
    # from another address too: the count belongs to the account
    assert _issue(client, person.mobile, ip="10.9.9.9").status_code == 429


def test_finding_11_the_web_login_and_the_api_share_one_count(client, worker, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    client.post("/accounts/login/", {"username": worker.username, "password": "wrong"})
    assert _issue(client, worker.username, "wrong").status_code == 401
    assert _issue(client, worker.username).status_code == 429
    response = client.post(
        "/accounts/login/", {"username": worker.username, "password": "secret-pass-1"}
    )
    assert "_auth_user_id" not in client.session
    assert "登录失败次数过多" in response.content.decode()


def test_finding_11_unknown_identifiers_are_throttled_by_what_was_typed(client, db, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        assert _issue(client, "nobody-here", "wrong").status_code == 401
    assert _issue(client, "nobody-here", "wrong").status_code == 429
    assert _issue(client, "someone-else", "wrong").status_code == 401


def test_finding_11_one_address_is_locked_after_its_own_higher_limit(
    client, enterprise, worker, settings
):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_IP_LIMIT = 3
    others = [UserFactory() for _ in range(3)]
    for user in others:  # one guess per account: no account reaches its limit
        _issue(client, user.username, "wrong", ip="10.6.6.6")
    assert _issue(client, worker.username, ip="10.6.6.6").status_code == 429
    assert _issue(client, worker.username, ip="10.6.6.7").status_code == 200
    # a success elsewhere does not clear the address's count
    assert _issue(client, others[0].username, ip="10.6.6.6").status_code == 429


def test_finding_11_a_successful_login_starts_the_accounts_count_again(client, worker, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        _issue(client, worker.username, "wrong")
    assert _issue(client, worker.username).status_code == 200
    for _ in range(2):
        _issue(client, worker.username, "wrong")
    assert _issue(client, worker.username).status_code == 200


# ---- finding 12: an import tells a manager neither where nor whether an ID number is registered


def _dry_run(enterprise, actor, *ids):
    rows = [[f"人员{i}", n, "", "其他从业人员"] for i, n in enumerate(ids)]
    report = import_people(
        enterprise=enterprise,
        upload=xlsx_upload(ROSTER_COLUMNS[:4], rows),
        actor=actor,
        dry_run=True,
    )
    return [e.message for e in report.errors]


def test_finding_12_a_managers_dry_run_gets_one_message_for_every_conflict(
    client, manager, enterprise, other_enterprise
):
    active = PersonFactory(enterprise=other_enterprise, id_number=id_number(8401))
    PersonFactory(enterprise=other_enterprise, id_number=id_number(8402), is_active=False)
    staff = UserFactory(username=id_number(8403))  # a login whose username is an ID number
    messages = _dry_run(enterprise, manager, id_number(8401), id_number(8402), id_number(8403))
    assert messages == ["该身份证号不能导入本企业，请联系监管人员办理调动"] * 3
    for message in messages:
        assert other_enterprise.name not in message

    # the same through the admin page
    client.force_login(manager)
    rows = [["某人", active.id_number, "", "其他从业人员"]]
    page = client.post(
        reverse("portal_admin:roster-import"),
        {"enterprise": enterprise.pk, "file": xlsx_upload(ROSTER_COLUMNS[:4], rows), "dry_run": 1},
    ).content.decode()
    assert "该身份证号不能导入本企业，请联系监管人员办理调动" in page
    assert other_enterprise.name not in page
    assert not Person.objects.filter(user=staff).exists()


def test_finding_12_a_supervisor_is_told_where_to_transfer_from(
    supervisor, street_supervisor, enterprise, other_enterprise
):
    PersonFactory(enterprise=other_enterprise, id_number=id_number(8501), is_active=False)
    [told] = _dry_run(enterprise, supervisor, id_number(8501))
    assert other_enterprise.name in told
    assert "离职" in told
    assert "修改其所属企业" in told
    # a street supervisor whose street does not hold the other enterprise is not told
    [generic] = _dry_run(enterprise, street_supervisor, id_number(8501))
    assert generic == "该身份证号不能导入本企业，请联系监管人员办理调动"


def test_finding_12_an_import_or_a_reset_never_takes_over_an_existing_login(
    client, manager, enterprise, supervisor
):
    supervisor.username = id_number(8601)
    supervisor.save()
    rows = [["冒名", id_number(8601), "", "其他从业人员"]]
    report = import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS[:4], rows), actor=manager
    )
    assert not report.ok
    assert not Person.objects.filter(id_number=id_number(8601)).exists()

    # a person added by hand with that number: the manager's reset is refused
    person = PersonFactory(enterprise=enterprise, id_number=id_number(8601))
    client.force_login(manager)
    response = client.post(reverse("portal_admin:reset-password", args=[person.pk]))
    assert response.status_code == 302
    supervisor.refresh_from_db()
    assert supervisor.check_password("secret-pass-1")
    assert not supervisor.must_change_password
    person.refresh_from_db()
    assert person.user_id is None
