"""The one in-site notice service: every app tells a user something through notify() / notify_many();
the 通知 page (/accounts/notices/) lists them and the nav shows the unread count.

A notice given a `key` is created once per user and key however often (or however concurrently)
the caller runs: reminders pass e.g. "drills:upcoming:12:34" and may run again safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Notice

# The source labels the 通知 page shows (kind → label); apps pass one of these as `kind`.
KIND_DRILLS = "drills"
KIND_CERTIFICATES = "certificates"
KIND_RETURNS = "returns"


def kind_labels() -> dict[str, str]:
    from django.utils.translation import gettext as _

    return {KIND_DRILLS: _("演练"), KIND_CERTIFICATES: _("证书"), KIND_RETURNS: _("统计填报")}


@dataclass(frozen=True)
class NoticeSpec:
    """One notice to create in bulk (see notify_many)."""

    user_id: int
    title: str
    body: str = ""
    url: str = ""
    key: str | None = None
    kind: str = ""


def notify(
    user, title: str, body: str = "", url: str = "", key: str | None = None, kind: str = ""
) -> Notice:
    """Creates a notice for `user` and returns it; with a `key`, an existing notice of that user
    and key is returned instead (nothing is created twice, even by two racing callers)."""
    fields = {"title": str(title)[:200], "body": str(body), "url": str(url)[:255], "kind": kind}
    if key is None:
        return Notice.objects.create(user=user, **fields)
    existing = Notice.objects.filter(user=user, key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Notice.objects.create(user=user, key=key, **fields)
    except IntegrityError:
        return Notice.objects.get(user=user, key=key)


def notify_many(specs: list[NoticeSpec], *, now: datetime | None = None) -> None:
    """Creates many notices in one bulk insert (a constant number of queries); a spec whose
    (user, key) already exists is skipped."""
    if not specs:
        return
    now = now or timezone.now()
    Notice.objects.bulk_create(
        [
            Notice(
                user_id=s.user_id,
                title=str(s.title)[:200],
                body=str(s.body),
                url=str(s.url)[:255],
                key=s.key,
                kind=s.kind,
                created_at=now,
            )
            for s in specs
        ],
        ignore_conflicts=True,
        batch_size=500,
    )


def unread(user):
    return Notice.objects.filter(user=user, read_at__isnull=True)


def unread_count(user) -> int:
    """Unread notices of `user`: 0 for anonymous visitors without a query."""
    if user is None or not user.is_authenticated:
        return 0
    return unread(user).count()


def unread_count_for_request(request) -> int:
    """unread_count(request.user), computed once per request (the nav may ask more than once)."""
    cached = getattr(request, "_portal_unread_notices", None)
    if cached is None:
        cached = unread_count(getattr(request, "user", None))
        request._portal_unread_notices = cached
    return cached


def mark_read(notice: Notice) -> None:
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)


def mark_all_read(user, *, kind: str | None = None) -> int:
    """Marks the user's unread notices (of one source when `kind` is given) read; returns how many."""
    queryset = unread(user)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return queryset.update(read_at=timezone.now())


def me_section_context(request) -> dict | None:
    """The 未读通知 block of the 工作台: the unread count and the newest five. None with nothing
    unread. Queries: 1 count (shared with the nav), 1 for the five."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    count = unread_count_for_request(request)
    if not count:
        return None
    return {
        "items": [
            {
                "label": _("未读通知"),
                "count": count,
                "url": reverse("portal:notices"),
            }
        ],
        "links": [
            {"label": notice.title, "url": reverse("portal:notices")}
            for notice in unread(request.user).order_by("-created_at", "-pk")[:5]
        ],
    }
