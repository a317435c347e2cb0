"""Issue 20: preview before commit, the import history (one batch per import, admin or command),
the same file recognised, and undo within IMPORT_UNDO_HOURS unless something depends on the rows.
Every rule of access has someone who must be refused."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from portal import importing
from portal.models import ImportBatch, ImportedRow, Person, User
from portal.services import ROSTER_COLUMNS
from portal.xlsx import build_workbook
from tests.factories import PersonFactory, id_number, make_supervisor

pytestmark = pytest.mark.django_db

A, B = id_number(1), id_number(2)


def roster(rows=None) -> bytes:
    """The same rows give the same bytes (a workbook carries the time it was made)."""
    if rows is None:
        return ROSTER
    return build_workbook(ROSTER_COLUMNS, rows)


ROSTER = build_workbook(
    ROSTER_COLUMNS,
    [
        ["赵一", A, "13800138001", "其他从业人员", "", "", "操作工", "2024-03-01"],
        ["钱二", B, "13800138002", "其他从业人员", "", "", "电工", "2024-03-02"],
    ],
)


def preview(client, user, enterprise, content, name="名册.xlsx"):
    client.force_login(user)
    return client.post(
        reverse("portal_admin:roster-import"),
        {"enterprise": enterprise.pk, "file": SimpleUploadedFile(name, content)},
    )


def confirm(client, batch_pk):
    return client.post(reverse("portal_admin:roster-import"), {"batch": batch_pk}, follow=True)


def imported(client, user, enterprise, content=None) -> ImportBatch:
    response = preview(client, user, enterprise, content or roster())
    batch = response.context["report"].batch
    confirm(client, batch.pk)
    return ImportBatch.objects.get(status=ImportBatch.Status.DONE, checksum=batch.checksum)


# ---- preview, then one button


def test_the_roster_page_previews_counts_and_saves_nothing_until_the_button(
    client, manager, enterprise
):
    PersonFactory(
        enterprise=enterprise, id_number=A, name="赵一", mobile="13800138001", position="仓管"
    )

    response = preview(client, manager, enterprise, roster())

    page = response.content.decode()
    assert 'data-count="created">1<' in page
    assert 'data-count="updated">1<' in page
    assert 'id="confirm-import"' in page
    assert Person.objects.count() == 1
    assert not ImportBatch.objects.filter(status=ImportBatch.Status.DONE).exists()

    done = confirm(client, response.context["report"].batch.pk)

    assert done.status_code == 200
    assert Person.objects.count() == 2
    batch = ImportBatch.objects.get(status=ImportBatch.Status.DONE)
    assert (batch.user, batch.file_name, batch.via_command) == (manager, "名册.xlsx", False)
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (1, 1, 0)
    assert batch.enterprise == enterprise
    assert len(batch.checksum) == 64
    assert batch.content is None
    actions = sorted((r.content_type.model, r.action) for r in batch.rows.all())
    # the new person and their login; the changed person (the login of the known one too)
    assert ("person", "created") in actions
    assert ("person", "updated") in actions
    assert ("user", "created") in actions
    changed = batch.rows.get(content_type__model="person", action="updated")
    assert changed.before["position"] == "仓管"
    assert changed.after["position"] == "操作工"


def test_a_preview_with_bad_rows_lists_them_and_offers_no_button(client, manager, enterprise):
    content = roster([["", A, "123", "其他从业人员"], ["钱二", "x", "", "厨师"]])

    page = preview(client, manager, enterprise, content).content.decode()

    assert "第2行：姓名不能为空；手机号应为以1开头的11位数字" in page
    assert "第3行：身份证号应为18位（最后一位可为X）；人员类别“厨师”无效" in page
    assert 'id="confirm-import"' not in page
    assert not ImportBatch.objects.exists()


def test_someone_else_cannot_press_the_button_of_my_preview(
    client, manager, enterprise, other_manager
):
    response = preview(client, manager, enterprise, roster())
    batch = response.context["report"].batch

    client.force_login(other_manager)
    page = confirm(client, batch.pk).content.decode()

    assert "预览已失效" in page
    assert Person.objects.count() == 0


def test_the_same_file_twice_is_recognised_and_not_imported_again(client, manager, enterprise):
    first = imported(client, manager, enterprise)

    page = preview(client, manager, enterprise, roster(), name="改了名字.xlsx").content.decode()

    assert f"导入过（导入记录 #{first.pk}）" in page
    assert 'id="confirm-import"' not in page
    assert ImportBatch.objects.filter(status=ImportBatch.Status.DONE).count() == 1


# ---- commands are batches too


def test_a_command_import_is_a_batch_the_manager_sees(tmp_path, client, manager, enterprise):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(roster())
    out = io.StringIO()

    call_command("import_people", str(path), "--enterprise", enterprise.credit_code, stdout=out)

    batch = ImportBatch.objects.get()
    assert batch.via_command
    assert batch.user is None
    assert f"导入记录 #{batch.pk}" in out.getvalue()
    client.force_login(manager)
    listing = client.get(reverse("portal_imports:index"))
    assert batch.pk in {b.pk for b in listing.context["object_list"]}
    with pytest.raises(CommandError, match="有1处错误"):
        call_command(
            "import_people",
            str(path),
            "--enterprise",
            enterprise.credit_code,
            "--logins-sheet",
            str(tmp_path / "again.xlsx"),
            stdout=out,
            stderr=out,
        )
    assert "导入过" in out.getvalue()
    assert ImportBatch.objects.count() == 1


def test_import_questions_creates_the_bank_on_a_first_import(tmp_path, district):
    from exams.importing import COLUMNS, template_workbook
    from exams.models import Question, QuestionBank

    path = tmp_path / "题.xlsx"
    path.write_bytes(template_workbook())
    assert COLUMNS  # the template is the import's own format

    with pytest.raises(CommandError, match="--create-bank"):
        call_command("import_questions", str(path), "--bank", "新题库", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--enterprise 或 --region"):
        call_command(
            "import_questions", str(path), "--bank", "新题库", "--create-bank", stdout=io.StringIO()
        )
    call_command(
        "import_questions",
        str(path),
        "--bank",
        "新题库",
        "--create-bank",
        "--region",
        district.code,
        stdout=io.StringIO(),
    )

    bank = QuestionBank.objects.get(name="新题库")
    assert bank.region == district
    assert (
        Question.objects.filter(bank=bank).count() == 4
    )  # the template's example rows, one per question type
    batch = ImportBatch.objects.get()
    assert batch.region == district

    importing.undo_batch(batch=batch, user=None)

    assert not QuestionBank.objects.filter(name="新题库").exists()


def test_a_dry_run_of_create_bank_creates_nothing(tmp_path, enterprise):
    from exams.importing import template_workbook
    from exams.models import QuestionBank

    path = tmp_path / "题.xlsx"
    path.write_bytes(template_workbook())
    out = io.StringIO()
    call_command(
        "import_questions",
        str(path),
        "--bank",
        "新题库",
        "--create-bank",
        "--enterprise",
        enterprise.credit_code,
        "--dry-run",
        stdout=out,
    )
    assert "将新增4条" in out.getvalue()
    assert not QuestionBank.objects.exists()
    assert not ImportBatch.objects.exists()


# ---- undo


def test_undo_deletes_what_the_import_created_and_restores_what_it_changed(
    client, manager, enterprise
):
    known = PersonFactory(enterprise=enterprise, id_number=A, name="赵一", position="仓管")
    batch = imported(client, manager, enterprise)
    assert Person.objects.count() == 2
    logins = User.objects.count()

    response = client.post(reverse("portal_imports:undo", args=[batch.pk]), follow=True)

    assert "已撤销导入记录" in response.content.decode()
    assert list(Person.objects.values_list("id_number", flat=True)) == [A]
    known.refresh_from_db()
    assert known.position == "仓管"
    assert known.user_id is None  # the login the import gave them is gone with it
    assert User.objects.count() == logins - 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert (batch.undone_by, batch.undone_at is not None) == (manager, True)
    # undone, the same file may be imported again
    page = preview(client, manager, enterprise, roster()).content.decode()
    assert 'id="confirm-import"' in page


def test_undo_is_refused_when_a_person_has_since_taken_an_exam(client, manager, enterprise):
    from exams.models import Attempt
    from tests.exams.factories import make_paper

    batch = imported(client, manager, enterprise)
    Attempt.objects.create(
        paper=make_paper(owner_enterprise=enterprise), person=Person.objects.get(id_number=B)
    )

    page = client.get(reverse("portal_imports:inspect", args=[batch.pk])).content.decode()
    assert "这次导入不能撤销" in page
    assert "从业人员“钱二”已有" in page
    assert 'id="undo-import"' not in page
    response = client.post(reverse("portal_imports:undo", args=[batch.pk]), follow=True)

    assert "无法撤销" in response.content.decode()
    assert Person.objects.count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE


def test_undo_is_refused_for_a_row_edited_since(client, manager, enterprise):
    PersonFactory(enterprise=enterprise, id_number=A, name="赵一", position="仓管")
    batch = imported(client, manager, enterprise)
    Person.objects.filter(id_number=A).update(position="班长")

    assert "从业人员“赵一”在导入后又被修改过" in importing.undo_blockers(batch)


def test_undo_is_refused_after_the_configured_time(client, manager, enterprise, settings):
    settings.IMPORT_UNDO_HOURS = 2
    batch = imported(client, manager, enterprise)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=3))
    batch.refresh_from_db()

    with pytest.raises(importing.BatchError, match="导入后2小时内"):
        importing.undo_batch(batch=batch, user=manager)
    assert Person.objects.count() == 2


def test_an_undone_batch_cannot_be_undone_twice(client, manager, enterprise):
    batch = imported(client, manager, enterprise)
    importing.undo_batch(batch=batch, user=manager)

    with pytest.raises(importing.BatchError, match="只有已导入的批次"):
        importing.undo_batch(batch=batch, user=manager)


def test_undo_of_a_records_import_removes_its_records(client, manager, enterprise):
    from courses.models import TrainingRecord

    person = PersonFactory(enterprise=enterprise, name="孙三")
    content = build_workbook(
        ["姓名", "身份证号", "培训名称", "培训类型", "培训日期", "学时"],
        [["孙三", person.id_number, "专题", "专题培训", "2025-01-05", 8]],
    )
    client.force_login(manager)
    response = client.post(
        reverse("courses:import"), {"file": SimpleUploadedFile("记录.xlsx", content)}
    )
    assert TrainingRecord.objects.count() == 0
    client.post(reverse("courses:import"), {"batch": response.context["report"].batch.pk})
    assert TrainingRecord.objects.get().hours == Decimal(8)
    batch = ImportBatch.objects.get(status=ImportBatch.Status.DONE)
    assert batch.enterprise == enterprise  # a manager's import is their enterprise's

    importing.undo_batch(batch=batch, user=manager)

    assert TrainingRecord.objects.count() == 0


def test_undo_of_an_attendance_import_takes_back_the_sign_ins(
    client, supervisor, enterprise, district
):
    from courses.classes import register_for_class
    from courses.models import ClassRegistration, TrainingRecord
    from tests.courses.factories import TrainingClassFactory

    training_class = TrainingClassFactory(region=district)
    registered = PersonFactory(enterprise=enterprise, name="周四")
    walk_in = PersonFactory(enterprise=enterprise, name="吴五")
    register_for_class(person=registered, training_class=training_class)
    content = build_workbook(
        ["姓名", "身份证号"], [["周四", registered.id_number], ["吴五", walk_in.id_number]]
    )
    url = reverse("courses:class-import", args=[training_class.pk])
    client.force_login(supervisor)
    response = client.post(url, {"file": SimpleUploadedFile("签到.xlsx", content)})
    report = response.context["report"]
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    client.post(url, {"batch": report.batch.pk})
    assert ClassRegistration.objects.filter(attended_at__isnull=False).count() == 2
    assert TrainingRecord.objects.count() == 2

    importing.undo_batch(batch=ImportBatch.objects.get(status="done"), user=supervisor)

    assert list(ClassRegistration.objects.values_list("person__name", "attended_at")) == [
        ("周四", None)
    ]
    assert TrainingRecord.objects.count() == 0


# ---- who sees and who may undo


def test_history_is_scoped_and_outsiders_are_refused_list_detail_and_undo(
    client, manager, enterprise, other_manager, street_supervisor, other_street, worker
):
    batch = imported(client, manager, enterprise)
    people = Person.objects.count()
    index = reverse("portal_imports:index")
    inspect = reverse("portal_imports:inspect", args=[batch.pk])
    undo = reverse("portal_imports:undo", args=[batch.pk])

    # the owner's manager and the street's supervisor see it
    for user in (manager, street_supervisor):
        client.force_login(user)
        assert batch.pk in {b.pk for b in client.get(index).context["object_list"]}
        assert client.get(inspect).status_code == 200

    # another enterprise's manager and another street's supervisor: not listed, 404
    for user in (other_manager, make_supervisor(other_street)):
        client.force_login(user)
        assert batch.pk not in {b.pk for b in client.get(index).context["object_list"]}
        assert client.get(inspect).status_code == 404
        assert client.post(undo).status_code == 404

    # a worker has no admin at all
    client.force_login(worker)
    assert client.get(index).status_code in (302, 403)
    assert client.post(undo).status_code in (302, 403, 404)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Person.objects.count() == people


def test_undo_is_a_post(client, manager, enterprise):
    batch = imported(client, manager, enterprise)
    assert client.get(reverse("portal_imports:undo", args=[batch.pk])).status_code == 405


def test_previews_are_nobodys_history(client, manager, enterprise):
    preview(client, manager, enterprise, roster())

    listing = client.get(reverse("portal_imports:index"))

    assert list(listing.context["object_list"]) == []
    assert ImportedRow.objects.count() == 0


def test_the_history_listing_runs_a_fixed_number_of_queries(client, manager, enterprise, queries):
    """Session and user, permissions, the count and the page of batches with their importers
    (select_related): the same at 3 and at 12 batches."""

    def make(n):
        for i in range(n):
            ImportBatch.objects.create(
                kind="portal.roster",
                title="人员名册",
                user=manager,
                enterprise=enterprise,
                file_name=f"{i}.xlsx",
                checksum=f"{i:064d}",
                status=ImportBatch.Status.DONE,
            )

    client.force_login(manager)
    counts = []
    for n in (3, 9):
        make(n)
        with queries.capture() as ctx:
            response = client.get(reverse("portal_imports:index"))
        assert response.status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
