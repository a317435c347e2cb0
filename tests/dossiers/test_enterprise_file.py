"""一企一档: the .zip (one PDF a person + the summary sheet), the job run twice, the clean-up, and
the summary's queries at two sizes."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dossiers import services, tasks
from dossiers.models import Dossier
from portal import registry
from portal.models import Person, Progress
from tests.dossiers.factories import fill_person
from tests.factories import PersonFactory
from tests.operators.factories import operation_kind, position

pytestmark = pytest.mark.django_db


def _request(user, **subject) -> tuple[Dossier, Progress]:
    dossier = services.request_file(user=user, **subject)
    return dossier, Progress.objects.get(pk=dossier.progress_id)


def test_the_zip_has_one_pdf_a_person_and_a_summary_row_each(
    manager, enterprise, worker, queued_tasks, django_capture_on_commit_callbacks
):
    # given two people in post (one lacking the certificate their position needs, one with a
    # formula-like name) and one who left
    today = timezone.localdate()
    fill_person(worker.person, today=today)
    position(enterprise, "电工", operation_kind())
    PersonFactory(enterprise=enterprise, name="=赵电工", position="电工")
    PersonFactory(enterprise=enterprise, name="离职者", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        dossier, record = _request(manager, enterprise=enterprise)
    assert queued_tasks == [("dossiers.tasks.build_dossier", dossier.pk)]
    # when the task runs
    assert tasks.build_dossier(dossier.pk, progress_id=str(record.pk)) == "done"
    # then
    dossier.refresh_from_db()
    record.refresh_from_db()
    assert dossier.status == Dossier.Status.DONE
    assert dossier.people == 2
    assert record.status == Progress.Status.DONE
    assert record.done == record.total == 3
    assert record.result_url == f"/dossiers/file/{dossier.pk}/"
    assert dossier.expires_at == dossier.finished_at + timedelta(hours=72)
    with dossier.file.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as archive:
        names = archive.namelist()
        pdfs = sorted(n for n in names if n.endswith(".pdf"))
        assert pdfs == ["人员档案/001-=赵电工.pdf", "人员档案/002-王小明.pdf"]
        assert all(archive.read(n).startswith(b"%PDF") for n in pdfs)
        (sheet_name,) = [n for n in names if n.endswith(".xlsx")]
        sheet = load_workbook(io.BytesIO(archive.read(sheet_name))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    assert header[:3] == ("序号", "姓名", "身份证号")
    for label in ("本年已修学时", "本年应修学时", "学时达标", "有效操作证数"):
        assert label in header
    body = {row[1]: dict(zip(header, row, strict=True)) for row in rows[2:]}
    assert set(body) == {"'=赵电工", "王小明"}  # neutralised by safe_cell
    wang = body["王小明"]
    assert wang["身份证号"] == worker.person.masked_id_number
    assert wang["本年已修学时"] == 4
    assert wang["有效操作证数"] == 1
    assert body["'=赵电工"]["缺少的操作证（无证上岗）"] == "低压电工作业"


def test_the_job_run_twice_builds_one_file_and_a_failed_run_can_be_rerun(
    worker, queued_tasks, monkeypatch
):
    dossier, record = _request(worker, person=worker.person)
    calls = []
    real = services.person_pdf

    def failing(person, on):
        calls.append(person.pk)
        if len(calls) == 1:
            raise RuntimeError("renderer died")
        return real(person, on)

    monkeypatch.setattr(services, "person_pdf", failing)
    with pytest.raises(RuntimeError):
        tasks.build_dossier(dossier.pk, progress_id=str(record.pk))
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.FAILED
    # the queue delivers it again (at-least-once): it starts over and succeeds
    assert tasks.build_dossier(dossier.pk, progress_id=str(record.pk)) == "done"
    dossier.refresh_from_db()
    name = dossier.file.name
    # and once more: nothing is rendered again, the same file stays
    assert tasks.build_dossier(dossier.pk, progress_id=str(record.pk)) == "done"
    dossier.refresh_from_db()
    assert len(calls) == 2
    assert dossier.file.name == name
    assert dossier.file.storage.exists(name)
    assert Progress.objects.get(pk=record.pk).status == Progress.Status.DONE


def test_a_second_request_while_one_is_pending_goes_to_the_first(worker, queued_tasks):
    first, _record = _request(worker, person=worker.person)
    with pytest.raises(services.AlreadyPending) as exc:
        services.request_file(user=worker, person=worker.person)
    assert exc.value.dossier == first
    assert Dossier.objects.count() == 1


def test_expired_files_are_deleted_and_stuck_requests_given_up(worker, queued_tasks):
    dossier, record = _request(worker, person=worker.person)
    tasks.build_dossier(dossier.pk, progress_id=str(record.pk))
    dossier.refresh_from_db()
    name, storage = dossier.file.name, dossier.file.storage
    stuck = Dossier.objects.create(
        kind=Dossier.Kind.ENTERPRISE,
        enterprise=worker.person.enterprise,
        subject="enterprise:x",
        requested_by=worker,
        on=timezone.localdate(),
        created_at=timezone.now() - timedelta(hours=100),
    )
    # not yet
    assert services.purge_expired(now=timezone.now()) == 0
    assert storage.exists(name)
    # past the keeping time
    assert services.purge_expired(now=dossier.expires_at + timedelta(minutes=1)) == 1
    dossier.refresh_from_db()
    stuck.refresh_from_db()
    assert not storage.exists(name)
    assert dossier.status == Dossier.Status.EXPIRED
    assert not dossier.file
    assert stuck.status == Dossier.Status.FAILED
    assert "dossiers.purge" in registry.schedules


def test_the_summary_costs_the_same_queries_for_more_people(enterprise, other_enterprise, queries):
    today = timezone.localdate()
    for _ in range(1):
        fill_person(PersonFactory(enterprise=enterprise), today=today, tag="s")
    for i in range(4):
        fill_person(PersonFactory(enterprise=other_enterprise), today=today, tag=f"b{i}")
    counts = []
    for company in (enterprise, other_enterprise):
        with queries.capture() as ctx:
            sheet = services.summary(services.enterprise_people(company), today)
        counts.append(len(ctx))
        assert len(sheet.rows) == Person.objects.filter(enterprise=company).count()
    assert counts[0] == counts[1]
