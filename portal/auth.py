"""Login by username, mobile number or ID number; throttling of failed logins per account and per IP."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

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
