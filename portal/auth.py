"""Login by username, mobile number or ID number; throttling of failed logins per username + IP."""

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
            return user
        return None


def client_ip(request) -> str:
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _throttle_key(identifier: str, ip: str) -> str:
    digest = hashlib.sha256(f"{identifier.strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_locked(identifier: str, ip: str) -> bool:
    return cache.get(_throttle_key(identifier, ip), 0) >= settings.LOGIN_FAILURE_LIMIT


def record_login_failure(identifier: str, ip: str) -> int:
    key = _throttle_key(identifier, ip)
    if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
        return 1


def reset_login_failures(identifier: str, ip: str) -> None:
    cache.delete(_throttle_key(identifier, ip))


@receiver(user_login_failed)
def _count_failed_login(sender, credentials, request=None, **kwargs):
    username = credentials.get("username")
    if request is not None and username:
        record_login_failure(username, client_ip(request))
