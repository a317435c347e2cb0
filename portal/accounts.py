"""Logins of people: creating them, their first password, a manager's reset, the sheet of logins.

A first password is random (`generate_initial_password`: no ambiguous characters, ~59 bits), never
derived from personal data and never stored in clear: `issue_initial_password` is the one place that
sets one, and hands the clear text back to the caller exactly once, to be shown to the manager who
imported or reset the login (a printable page and an .xlsx sheet, see `credentials_workbook`).
The login must choose its own password before using the site or the API (User.must_change_password).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from portal.models import Person, User
from portal.xlsx import build_workbook

# Lower-case letters and digits a person reads off paper and types on a phone without doubt:
# no 0/o, 1/l/i. 12 characters in groups of four: 31**12 ≈ 2**59.
INITIAL_PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # nosec B105 # the alphabet, not a password
INITIAL_PASSWORD_GROUPS = 3
INITIAL_PASSWORD_GROUP_LENGTH = 4


class AccountErrorCode(enum.StrEnum):
    LOGIN_CONFLICT = "login_conflict"


class AccountError(Exception):
    def __init__(self, code: AccountErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class InitialCredential:
    """A login and its first password, to be shown once to the manager (never stored)."""

    name: str
    enterprise: str
    login: str  # what to type: the username, or "本人身份证号" with the number masked
    password: str


def generate_initial_password() -> str:
    groups = (
        "".join(
            secrets.choice(INITIAL_PASSWORD_ALPHABET) for _ in range(INITIAL_PASSWORD_GROUP_LENGTH)
        )
        for _ in range(INITIAL_PASSWORD_GROUPS)
    )
    return "-".join(groups)


# ---- the first passwords of an import the task cluster ran (portal.tasks.confirm_import)

SHEET_DIR = "first-passwords"


def _sheet_name(key: str) -> str:
    return f"{SHEET_DIR}/{key}.xlsx"


def keep_sheet(key: str, credentials: list[InitialCredential]) -> None:
    """Keeps the first-password sheet of a background import for its owner to download once
    (take_sheet), in the private storage, for settings.FIRST_PASSWORD_SHEET_MINUTES at most: the
    page that shows them after a small import keeps nothing, but a big import ends after its
    request."""
    from django.core.files.base import ContentFile

    from portal.storage import private_storage

    storage = private_storage()
    name = _sheet_name(key)
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(credentials_workbook(credentials)))


def take_sheet(key: str) -> bytes | None:
    """The kept sheet, deleted as it is read; None once taken or expired."""
    from portal.storage import private_storage

    drop_stale_sheets()
    storage = private_storage()
    name = _sheet_name(key)
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        content = handle.read()
    storage.delete(name)
    return content


def drop_stale_sheets() -> int:
    """Deletes the kept sheets older than settings.FIRST_PASSWORD_SHEET_MINUTES (scheduled)."""
    from datetime import timedelta

    from django.utils import timezone

    from portal.storage import private_storage

    storage = private_storage()
    if not storage.exists(SHEET_DIR):
        return 0
    limit = timezone.now() - timedelta(minutes=settings.FIRST_PASSWORD_SHEET_MINUTES)
    dropped = 0
    for file_name in storage.listdir(SHEET_DIR)[1]:
        name = f"{SHEET_DIR}/{file_name}"
        if storage.get_modified_time(name) < limit:
            storage.delete(name)
            dropped += 1
    return dropped


def _hash_initial(password: str) -> str:
    """The first password's hash: with settings.INITIAL_PASSWORD_HASHER (portal.hashers) when it is
    among the configured hashers, else with the default one."""
    try:
        return make_password(password, hasher=settings.INITIAL_PASSWORD_HASHER or "default")
    except ValueError:  # not configured (the test settings hash with MD5 only)
        return make_password(password)


def issue_initial_password(*, user: User) -> str:
    """Gives `user` a new random first password, to be changed at the next login, and returns it in
    clear (the only time it exists in clear). Saving the new password ends the login's sessions and
    API tokens (see User.save)."""
    password = generate_initial_password()
    user.password = _hash_initial(password)
    user._password = password  # as set_password does: a new password ends sessions (User.save)
    user.must_change_password = True
    if user.pk is None:
        user.save()
    else:
        user.save(update_fields=["password", "must_change_password"])
    return password


def login_conflict(person: Person) -> User | None:
    """A login that already uses the person's 身份证号 as its username but is not the person's own:
    taking it over would hand someone else's account (maybe a supervisor's) to the person's manager.
    Only a supervisor or an administrator can sort that out."""
    if person.user_id:
        return None
    return User.objects.filter(username=person.id_number).first()


def ensure_login(*, person: Person) -> InitialCredential | None:
    """Creates the person's login when missing (username = 身份证号, a random first password) and
    returns its credential; None when the person already has one. Raises AccountError when the
    username is taken by another login."""
    if person.user_id:
        return None
    if login_conflict(person) is not None:
        raise AccountError(
            AccountErrorCode.LOGIN_CONFLICT,
            _("该身份证号已被其他登录账号使用，请联系监管人员处理。"),
        )
    user = User(username=person.id_number, first_name=person.name)
    password = issue_initial_password(user=user)
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return _credential(person, user, password)


def reset_password(*, person: Person) -> InitialCredential:
    """A manager's reset: a new random first password, to be changed at the next login; the old
    password, the sessions and the API tokens stop working."""
    created = ensure_login(person=person)
    if created is not None:
        return created
    user = person.user
    return _credential(person, user, issue_initial_password(user=user))


def _credential(person: Person, user: User, password: str) -> InitialCredential:
    # The sheet is printed and handed out: the 身份证号 stays masked (its owner knows it).
    if user.username == person.id_number:
        login = _("本人身份证号（%(masked)s）") % {"masked": person.masked_id_number}
    else:
        login = user.username
    return InitialCredential(
        name=person.name, enterprise=person.enterprise.name, login=login, password=password
    )


CREDENTIAL_COLUMNS = ["姓名", "企业", "登录账号", "初始密码"]


def credentials_workbook(credentials: list[InitialCredential]) -> bytes:
    """The sheet of logins handed to the manager (name, login, first password)."""
    rows = [[c.name, c.enterprise, c.login, c.password] for c in credentials]
    return build_workbook(CREDENTIAL_COLUMNS, rows, title="初始密码")
