"""Login by username, mobile number or ID number; throttling of failed logins per account and per IP."""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

from portal.db.prepared import prepared_cursor
from portal.validators import normalize_id_number


def find_user(identifier: str):
    """The user a login identifier names: a username, a Person's 手机号 or 身份证号."""
    User = get_user_model()
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    user = User.objects.filter(username=identifier).first()
    if user is not None:
        return user
    if identifier.isdigit() and len(identifier) == 11:
        matches = list(User.objects.filter(person__mobile=identifier)[:2])
        # A mobile number shared by two logins identifies neither.
        return matches[0] if len(matches) == 1 else None
    if len(identifier) == 18:
        return User.objects.filter(person__id_number=normalize_id_number(identifier)).first()
    return None


class PortalBackend(ModelBackend):
    """Every login path (the site's form, Wagtail's admin login, the API token endpoint) comes
    through here, so the throttle is enforced here; failures are counted by the
    user_login_failed receiver below."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        if request is not None and login_locked(username, client_ip(request)):
            return None
        user = find_user(username)
        if user is None:
            # Run the hasher anyway so timing does not tell which identifiers exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            reset_login_failures(user.pk)
            return user
        return None

    def get_user(self, user_id):
        """The signed-in user of a request, with their person (a worker's record, or none) in the
        same query: every page's navigation asks `user.person` (考试 and 证书 for workers)."""
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("person").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """ModelBackend's answer, loaded in one query instead of two (the user's own permissions
        and their groups'), kept on the user for the request as ModelBackend keeps it, so the
        navigation's 管理后台 link and any later `has_perm` of the page cost nothing more
        (tests/portal/test_permissions.py compares it with ModelBackend for every way in)."""
        if (
            not user_obj.is_active
            or user_obj.is_anonymous
            or obj is not None
            or user_obj.is_superuser
            or hasattr(user_obj, "_perm_cache")
        ):
            return super().get_all_permissions(user_obj, obj)
        own, of_groups = _permissions_of(user_obj.pk)
        user_obj._user_perm_cache = own
        user_obj._group_perm_cache = of_groups
        user_obj._perm_cache = own | of_groups
        return user_obj._perm_cache


def _permissions_of(user_id: int) -> tuple[set[str], set[str]]:
    """("app_label.codename" the user has directly, those of their groups)."""
    from django.db import connection

    with prepared_cursor(connection) as cur:  # every signed-in page asks
        cur.execute(_permissions_sql(connection.alias), [user_id, user_id])
        rows = cur.fetchall()
    own = {f"{app_label}.{codename}" for whose, app_label, codename in rows if whose == "u"}
    of_groups = {f"{app_label}.{codename}" for whose, app_label, codename in rows if whose == "g"}
    return own, of_groups


@functools.cache
def _permissions_sql(alias: str) -> str:
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    q = connections[alias].ops.quote_name
    user_model = get_user_model()
    own = user_model.user_permissions.through._meta.db_table
    membership = user_model.groups.through._meta.db_table
    of_group = Group.permissions.through._meta.db_table
    permission = (
        f"JOIN {q(Permission._meta.db_table)} p ON p.{q('id')} = x.{q('permission_id')} "
        f"JOIN {q(ContentType._meta.db_table)} ct ON ct.{q('id')} = p.{q('content_type_id')}"
    )
    return (
        f"SELECT 'u', ct.{q('app_label')}, p.{q('codename')} FROM {q(own)} x {permission} "  # nosec B608 # the models' own tables and columns
        f"WHERE x.{q('user_id')} = %s "
        f"UNION ALL SELECT 'g', ct.{q('app_label')}, p.{q('codename')} "
        f"FROM {q(membership)} m JOIN {q(of_group)} x ON x.{q('group_id')} = m.{q('group_id')} "
        f"{permission} WHERE m.{q('user_id')} = %s"
    )


def client_ip(request) -> str:
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


# ---- the login throttle (one for the site's form, the admin login and the API token endpoint)
#
# Failures are counted per ACCOUNT, whatever identifier was typed for it (username, 手机号 or
# 身份证号 all count for the one login they name; an identifier that names no login is counted by
# what was typed), and separately per client IP with a higher limit (one address guessing across
# many accounts). Either count at its limit locks for the rest of LOGIN_FAILURE_WINDOW.


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _user_key(user_id: int) -> str:
    return f"login-failures:user:{user_id}"


def _account_key(identifier: str) -> str:
    user = find_user(identifier)
    if user is not None:
        return _user_key(user.pk)
    typed = (identifier or "").strip().lower()
    return f"login-failures:typed:{_digest(typed)}"


def _ip_key(ip: str) -> str:
    return f"login-failures:ip:{_digest(ip)}"


def login_locked(identifier: str, ip: str) -> bool:
    account, address = _account_key(identifier), _ip_key(ip)
    counts = cache.get_many([account, address])
    return (
        counts.get(account, 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(address, 0) >= settings.LOGIN_FAILURE_IP_LIMIT
    )


def _count(key: str) -> int:
    if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
        return 1


def record_login_failure(identifier: str, ip: str) -> None:
    _count(_account_key(identifier))
    _count(_ip_key(ip))


def reset_login_failures(user_id: int) -> None:
    """After a successful login: the account's count starts again (the IP's does not, or one
    working login would let an address guess on at other accounts)."""
    cache.delete(_user_key(user_id))


@receiver(user_login_failed)
def _count_failed_login(sender, credentials, request=None, **kwargs):
    username = credentials.get("username")
    if request is not None and username:
        record_login_failure(username, client_ip(request))
