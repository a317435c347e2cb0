"""A big confirmed import runs in the task cluster with a progress page (issue 21: long admin
actions show progress); a roster's first passwords then wait, once, for the user who started it."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from portal import accounts, progress, tasks
from portal.models import ImportBatch, Person, Progress
from portal.services import ROSTER_COLUMNS
from tests.factories import id_number
from tests.portal.xlsx_helpers import confirm_import, xlsx_upload

pytestmark = pytest.mark.django_db

URL = "portal_admin:roster-import"


@pytest.fixture
def big(settings, tmp_path):
    settings.IMPORT_BACKGROUND_ROWS = 3
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)


def _rows(n, start=8300):
    return [
        [f"新员工{i}", id_number(start + i), f"138{start + i:08d}", "其他从业人员", "", "", "", ""]
        for i in range(n)
    ]


def _queue_big_roster(client, manager, enterprise, queued_tasks, capture, n=4):
    client.force_login(manager)
    url = reverse(URL)
    preview = client.post(
        url, {"enterprise": enterprise.pk, "file": xlsx_upload(ROSTER_COLUMNS, _rows(n))}
    )
    batch = preview.context["report"].batch
    with capture(execute=True):
        response = confirm_import(client, url, preview)
    record = Progress.objects.get(key=f"portal.import:{batch.pk}")
    assert response.status_code == 302
    assert response["Location"] == progress.page_url(record)
    assert queued_tasks == [("portal.tasks.confirm_import", batch.pk)]
    return batch, record


def test_a_big_roster_runs_in_the_cluster_and_hands_the_first_passwords_over_once(
    big,
    client,
    manager,
    other_manager,
    superuser,
    enterprise,
    queued_tasks,
    django_capture_on_commit_callbacks,
):
    before = Person.objects.count()
    batch, record = _queue_big_roster(
        client, manager, enterprise, queued_tasks, django_capture_on_commit_callbacks
    )
    assert Person.objects.count() == before  # nothing until the cluster runs it
    page = client.get(progress.page_url(record))
    assert "已排队" in page.content.decode()

    assert tasks.confirm_import(batch.pk, progress_id=str(record.pk)) == "done"
    record.refresh_from_db()
    assert Person.objects.count() == before + 4
    assert (record.status, record.percent) == (Progress.Status.DONE, 100)
    done = ImportBatch.objects.get(status=ImportBatch.Status.DONE, kind="portal.roster")
    assert f"导入记录 #{done.pk}" in record.message
    assert "新增4" in record.message
    sheet_url = reverse("portal:first-passwords", args=[record.pk])
    assert record.result_url == sheet_url

    # the sheet is the owner's alone, not even a superuser's
    for outsider in (other_manager, superuser):
        client.force_login(outsider)
        assert client.get(sheet_url).status_code == 404
    client.force_login(manager)
    response = client.get(sheet_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 5
    users = {p.name: p.user for p in Person.objects.filter(name__startswith="新员工")}
    for row in rows[1:]:
        name = next(c for c in row if c in users)
        password = next(c for c in row if isinstance(c, str) and c.count("-") == 2)
        assert users[name].check_password(password)
    # once: taken, it is gone from the server
    gone = client.get(sheet_url)
    assert gone.status_code == 410
    assert "已经下载过或已过期" in gone.content.decode()

    # a second delivery of the task (at least once) changes nothing
    assert tasks.confirm_import(batch.pk, progress_id=str(record.pk)) == "finished"
    assert Person.objects.count() == before + 4


def test_the_cluster_refuses_a_user_who_lost_the_right_and_imports_nothing(
    big, client, manager, enterprise, queued_tasks, django_capture_on_commit_callbacks
):
    before = Person.objects.count()
    batch, record = _queue_big_roster(
        client, manager, enterprise, queued_tasks, django_capture_on_commit_callbacks
    )
    manager.groups.clear()
    manager.user_permissions.clear()
    from portal.models import User

    manager = User.objects.get(pk=manager.pk)  # no cached permissions
    assert tasks.confirm_import(batch.pk, progress_id=str(record.pk)) == "refused"
    record.refresh_from_db()
    assert record.status == Progress.Status.FAILED
    assert "无权" in record.message
    assert Person.objects.count() == before


def test_a_file_that_went_bad_since_the_preview_fails_with_every_bad_row(
    big,
    client,
    manager,
    other_enterprise,
    enterprise,
    queued_tasks,
    django_capture_on_commit_callbacks,
):
    batch, record = _queue_big_roster(
        client, manager, enterprise, queued_tasks, django_capture_on_commit_callbacks
    )
    # two of the people joined another enterprise in the meantime
    from tests.factories import PersonFactory

    for i in (0, 2):
        PersonFactory(enterprise=other_enterprise, id_number=id_number(8300 + i))
    before = Person.objects.count()
    assert tasks.confirm_import(batch.pk, progress_id=str(record.pk)) == "refused"
    record.refresh_from_db()
    assert record.status == Progress.Status.FAILED
    assert record.message.startswith("未导入任何数据")
    assert "第2行" in record.message
    assert "第4行" in record.message
    assert Person.objects.count() == before
    assert ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).exists()


@pytest.mark.django_db(transaction=True)
def test_each_row_moves_the_bar_checked_then_written(manager):
    record = progress.start(owner=manager, kind="import", title="导入名册", total=0)
    with progress.counting_rows(str(record.pk), rows=4):
        for _ in range(4):
            progress.row_checked()
        progress.row_written()
        progress.row_written()
    record.refresh_from_db()
    assert (record.done, record.total, record.percent) == (6, 8, 75)
    assert record.message == "正在写入第 2 / 4 行"
    progress.row_checked()  # outside the block: nothing
    record.refresh_from_db()
    assert record.done == 6


@pytest.mark.django_db(transaction=True)
def test_inside_the_imports_transaction_the_bar_shows_where_the_database_allows_it(manager):
    """PostgreSQL: the bar is written through a second connection, so the poller sees it before the
    import commits. SQLite has one writer at a time: there the bar waits for the end."""
    record = progress.start(owner=manager, kind="import", title="导入名册", total=0)
    with transaction.atomic(), progress.counting_rows(str(record.pk), rows=2):
        progress.row_checked()
        progress.row_checked()
        seen = Progress.objects.get(pk=record.pk).done  # read committed: the other's commits
    assert seen == (0 if connection.vendor == "sqlite" else 2)


def test_a_sheet_nobody_took_is_dropped_after_its_time(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    settings.FIRST_PASSWORD_SHEET_MINUTES = 60
    credential = accounts.InitialCredential(
        name="王五", enterprise="企业A", login="u", password="abcd-efgh-jkmn"
    )
    accounts.keep_sheet("a", [credential])
    accounts.keep_sheet("b", [credential])
    old = time.time() - 61 * 60
    os.utime(tmp_path / accounts.SHEET_DIR / "a.xlsx", (old, old))
    assert accounts.drop_stale_sheets() == 1
    assert accounts.take_sheet("a") is None
    assert accounts.take_sheet("b") is not None
    assert accounts.take_sheet("b") is None


def test_every_import_page_has_a_runner_so_a_big_file_can_go_to_the_cluster():
    """The class: an import page (a registered spreadsheet import with a page, other than Wagtail's
    redirects) confirms through portal.import_views, which sends a big file to the task cluster
    with the kind's ImportRunner; a page without one would keep a big file in its request."""
    from portal import registry

    pages = {
        key
        for key, path in registry.spreadsheet_imports.items()
        if path.url_name and not key.startswith("wagtail.")
    }
    assert pages, "no import page registered"
    assert pages - set(registry.import_runners) == set()
