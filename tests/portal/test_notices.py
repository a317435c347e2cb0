"""The one in-site notice service (portal.notices), the 通知 page, the nav badge, and the data
migrations that moved drills.Notice and the certificate reminder notices onto it."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from portal import notices
from portal.models import Notice

pytestmark = pytest.mark.django_db


def _notice_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "portal_notice" in q["sql"]]


# --------------------------------------------------------------------------- the service


def test_notify_with_a_key_creates_the_notice_once(worker):
    first = notices.notify(worker, "演练提醒", body="一号罐区", url="/drills/", key="k1")
    second = notices.notify(worker, "演练提醒（重发）", key="k1")

    assert first.pk == second.pk
    assert Notice.objects.filter(user=worker).count() == 1
    assert Notice.objects.get(user=worker).title == "演练提醒"


def test_a_key_is_unique_per_user_and_no_key_means_a_new_notice_each_time(worker, other_worker):
    notices.notify(worker, "A", key="same")
    notices.notify(other_worker, "A", key="same")
    notices.notify(worker, "无键")
    notices.notify(worker, "无键")

    assert Notice.objects.filter(key="same").count() == 2
    assert Notice.objects.filter(user=worker, title="无键").count() == 2


def test_notify_many_is_one_insert_and_skips_existing_keys(
    worker, other_worker, django_assert_num_queries
):
    notices.notify(worker, "已有", key="k")
    specs = [
        notices.NoticeSpec(user_id=worker.pk, title="重复", key="k"),
        notices.NoticeSpec(user_id=worker.pk, title="新的", key="k2"),
        notices.NoticeSpec(user_id=other_worker.pk, title="别人的", key="k"),
    ]
    with django_assert_num_queries(1):
        notices.notify_many(specs)

    assert sorted(Notice.objects.filter(user=worker).values_list("title", flat=True)) == [
        "已有",
        "新的",
    ]
    assert Notice.objects.get(user=other_worker).title == "别人的"


def test_unread_count_counts_only_the_users_unread_notices(
    worker, other_worker, django_assert_num_queries
):
    notices.notify(worker, "1")
    notices.notify(worker, "2")
    read = notices.notify(worker, "3")
    notices.mark_read(read)
    notices.notify(other_worker, "别人的")

    assert notices.unread_count(worker) == 2
    with django_assert_num_queries(0):
        assert notices.unread_count(AnonymousUser()) == 0


# --------------------------------------------------------------------------- the nav badge


def test_the_badge_shows_the_unread_count_with_one_query(queries, client, worker):
    for i in range(3):
        notices.notify(worker, f"通知{i}")
    client.force_login(worker)

    with queries.capture() as ctx:
        html = client.get(reverse("portal:me")).content.decode()

    assert 'class="nav-notices"' in html
    assert '<span class="badge bad" aria-label="3 条未读">3</span>' in html
    # the nav's count is one query; the 工作台 blocks (drills, certificates, 未读通知) list their
    # own unread
    counts = [q for q in _notice_queries(ctx) if "COUNT(" in q]
    assert len(counts) == 1
    assert len(_notice_queries(ctx)) == 4


def test_no_badge_when_everything_is_read(client, worker):
    notices.mark_read(notices.notify(worker, "已读"))
    client.force_login(worker)

    html = client.get(reverse("portal:notices")).content.decode()

    assert 'class="nav-notices"' in html
    assert "条未读" not in html


def test_anonymous_pages_have_no_badge_and_no_notice_query(queries, client, worker):
    notices.notify(worker, "通知")

    with queries.capture() as ctx:
        html = client.get(reverse("portal:login")).content.decode()

    assert "nav-notices" not in html
    assert _notice_queries(ctx) == []


# --------------------------------------------------------------------------- the 通知 page


def test_the_page_lists_only_my_notices_newest_first_unread_highlighted(
    client, worker, other_worker
):
    now = timezone.now()
    old = notices.notify(worker, "较早的通知", kind=notices.KIND_DRILLS)
    Notice.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=2), read_at=now)
    notices.notify(worker, "最新的通知", body="正文内容", kind=notices.KIND_CERTIFICATES)
    notices.notify(other_worker, "别人的通知")
    client.force_login(worker)

    html = client.get(reverse("portal:notices")).content.decode()

    assert html.index("最新的通知") < html.index("较早的通知")
    assert "别人的通知" not in html
    assert "正文内容" in html
    assert html.count("notice-unread") == 1
    assert "未读" in html
    assert "证书 · " in html  # source labels
    assert "演练 · " in html


def test_the_page_is_paginated(client, worker):
    Notice.objects.bulk_create(
        [Notice(user=worker, title=f"第{i:02d}条") for i in range(notices_page_size() + 5)]
    )
    client.force_login(worker)

    first = client.get(reverse("portal:notices")).content.decode()
    second = client.get(reverse("portal:notices") + "?page=2").content.decode()

    assert "?page=2" in first
    assert first.count("notice-unread") == notices_page_size()
    assert second.count("notice-unread") == 5


def notices_page_size() -> int:
    from portal.notice_views import PAGE_SIZE

    return PAGE_SIZE


def test_the_page_needs_a_login(client):
    response = client.get(reverse("portal:notices"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_runs_the_same_queries_for_more_notices(
    queries, client, worker, django_assert_num_queries
):
    # session, user, notice count (paginator), page of notices, nav unread count, and whatever
    # base.html adds for any logged-in page (measured, so only the growth is asserted).
    client.force_login(worker)
    notices.notify(worker, "一")
    client.get(reverse("portal:notices"))
    with queries.capture() as ctx:
        client.get(reverse("portal:notices"))
    small = len(ctx.captured_queries)
    for i in range(15):
        notices.notify(worker, f"多{i}")
    with django_assert_num_queries(small):
        client.get(reverse("portal:notices"))
    assert len(_notice_queries(ctx)) == 3


def test_opening_a_notice_marks_it_read_and_goes_to_its_link(client, worker):
    notice = notices.notify(worker, "演练提醒", url="/drills/")
    client.force_login(worker)

    response = client.get(reverse("portal:notice-open", args=[notice.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/drills/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_notice_without_a_safe_link_comes_back_to_the_list(client, worker):
    offsite = notices.notify(worker, "外链", url="https://evil.example.com/")
    bare = notices.notify(worker, "无链接")
    client.force_login(worker)

    for notice in (offsite, bare):
        response = client.post(reverse("portal:notice-open", args=[notice.pk]))
        assert response["Location"] == reverse("portal:notices")


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_elses_notice_is_a_404_and_stays_unread(client, worker, other_worker, method):
    notice = notices.notify(worker, "演练提醒", url="/drills/")
    client.force_login(other_worker)

    response = getattr(client, method)(reverse("portal:notice-open", args=[notice.pk]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_touches_only_my_notices(client, worker, other_worker):
    notices.notify(worker, "1")
    notices.notify(worker, "2")
    theirs = notices.notify(other_worker, "别人的")
    client.force_login(worker)

    response = client.post(reverse("portal:notices-read-all"), follow=True)

    assert notices.unread_count(worker) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "已将 2 条通知标为已读。" in response.content.decode()


def test_mark_all_read_of_one_source(client, worker):
    notices.notify(worker, "演练", kind=notices.KIND_DRILLS)
    notices.notify(worker, "证书", kind=notices.KIND_CERTIFICATES)
    client.force_login(worker)

    client.post(reverse("portal:notices-read-all"), {"kind": notices.KIND_DRILLS})

    assert list(notices.unread(worker).values_list("title", flat=True)) == ["证书"]


def test_mark_all_read_is_post_only(client, worker):
    notices.notify(worker, "1")
    client.force_login(worker)

    assert client.get(reverse("portal:notices-read-all")).status_code == 405
    assert notices.unread_count(worker) == 1


# --------------------------------------------------------------------------- the data migrations


class _Rows:
    """A stand-in manager for a model the current schema no longer has (drills.Notice, and
    ExpiryReminder with read_at): it records the filter and returns the given rows."""

    def __init__(self, rows):
        self.rows = rows
        self.filters: dict = {}

    def filter(self, **kwargs):
        self.filters.update(kwargs)
        return self

    def order_by(self, *fields):
        return self

    def select_related(self, *fields):
        return self

    def values(self, *fields):
        return [{f: row[f] for f in fields} for row in self.rows]

    def __iter__(self):
        return iter(self.rows)


class _Apps:
    def __init__(self, **models):
        self.models = models

    def get_model(self, app_label, name):
        from django.apps import apps

        key = f"{app_label}.{name}"
        if key in self.models:
            return self.models[key]
        return apps.get_model(app_label, name)


def test_the_drills_migration_copies_every_drill_notice(worker, manager):
    migration = importlib.import_module("drills.migrations.0004_notices_move_to_portal")
    created = timezone.now() - timedelta(days=3)
    read_at = timezone.now() - timedelta(days=1)
    old = type("OldNotice", (), {})
    old.objects = _Rows(
        [
            {
                "pk": 7,
                "user_id": worker.pk,
                "title": "演练提醒：消防演练",
                "body": "地点：一号罐区",
                "url": "/drills/1/",
                "created_at": created,
                "read_at": None,
            },
            {
                "pk": 8,
                "user_id": manager.pk,
                "title": "评估未提交",
                "body": "",
                "url": "",
                "created_at": created,
                "read_at": read_at,
            },
        ]
    )
    apps = _Apps(**{"drills.Notice": old})

    migration.copy_notices(apps, None)
    migration.copy_notices(apps, None)  # a second run copies nothing twice

    copied = Notice.objects.get(user=worker)
    assert (copied.kind, copied.title, copied.body, copied.url) == (
        "drills",
        "演练提醒：消防演练",
        "地点：一号罐区",
        "/drills/1/",
    )
    assert copied.created_at == created
    assert copied.read_at is None
    assert Notice.objects.get(user=manager).read_at == read_at
    assert Notice.objects.count() == 2


def test_the_certificates_migration_copies_the_unread_reminders(worker, manager):
    from certificates.models import ExpiryReminder
    from certificates.services import (
        expiry_notice_key,
        issue_certificate,
        send_expiry_reminders,
    )
    from tests.certificates.factories import CertificateTemplateFactory, ManualIssueFactory

    migration = importlib.import_module(
        "certificates.migrations.0005_reminder_notices_move_to_portal"
    )
    template = CertificateTemplateFactory()
    certificate = issue_certificate(
        person=worker.person,
        source=ManualIssueFactory(person=worker.person, template=template),
        template=template,
        title="安全培训合格证书",
        details={},
    )
    certificate.valid_until = timezone.localdate() + timedelta(days=20)
    certificate.save()
    to_holder = ExpiryReminder.objects.create(
        certificate=certificate, days_before=30, recipient=worker
    )
    to_manager = ExpiryReminder.objects.create(
        certificate=certificate, days_before=30, recipient=manager
    )
    rows = _Rows([to_holder, to_manager])
    apps = _Apps(**{"certificates.ExpiryReminder": type("R", (), {"objects": rows})})

    migration.copy_unread_reminders(apps, None)

    assert rows.filters == {"read_at__isnull": True}
    holder_notice = Notice.objects.get(user=worker)
    assert holder_notice.kind == "certificates"
    assert holder_notice.key == expiry_notice_key(certificate.pk, 30)
    assert holder_notice.url == reverse("certificates:mine")
    assert certificate.serial in holder_notice.body
    assert "30天提醒" in holder_notice.body
    assert Notice.objects.get(user=manager).url == reverse(
        "certificates_certificates:inspect", args=[certificate.pk]
    )
    # the reminder service then recognises the copied notices and adds none
    send_expiry_reminders(today=timezone.localdate())
    assert Notice.objects.count() == 2
