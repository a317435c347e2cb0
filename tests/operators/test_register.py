"""The register end to end: import (all or nothing, every bad row in Chinese), the command,
无证上岗 (page, figure, to-do, counts by enterprise for supervisors), renewal history, reminders,
export, and who is refused."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from operators import services
from operators.models import CertificateEvent, OperatorCertificate
from operators.services import IMPORT_COLUMNS
from operators.statistics import unlicensed_figures
from portal.models import Notice
from portal.periods import Period
from portal.roles import sync_role_groups
from portal.scoping import Scope
from portal.xlsx import build_workbook
from tests.factories import PersonFactory
from tests.operators.factories import certificate, equipment_kind, position

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roles(db):
    sync_role_groups()


def _row(person, **changes):
    row = {
        "姓名": person.name,
        "身份证号": person.id_number,
        "证书类别": "特种设备作业",
        "作业类别": "",
        "作业项目": "N1",
        "证书编号": f"TS-{person.pk}",
        "发证机关": "宁波市市场监督管理局",
        "初次领证日期": "2024-05-10",
        "最近复审日期": "",
        "有效期至": "",
        **changes,
    }
    return [row[c] for c in IMPORT_COLUMNS]


def _file(*rows) -> bytes:
    return build_workbook(IMPORT_COLUMNS, rows)


def _post(client, user, enterprise, content):
    client.force_login(user)
    return client.post(
        reverse("operators_admin:import"),
        {"enterprise": enterprise.pk, "file": SimpleUploadedFile("证书.xlsx", content)},
    )


def test_a_manager_imports_certificates_and_sees_unlicensed_cleared(client, enterprise, manager):
    driver = PersonFactory(enterprise=enterprise, name="王叉车", position="叉车司机")
    position(enterprise, "叉车司机", equipment_kind("N1"))
    client.force_login(manager)
    page = client.get(reverse("operators_admin:unlicensed")).content.decode()
    assert "无证上岗 1 人" in page
    assert "王叉车" in page
    assert "叉车司机" in page

    preview = _post(client, manager, enterprise, _file(_row(driver)))
    html = preview.content.decode()
    assert 'id="confirm-import"' in html
    assert OperatorCertificate.objects.count() == 0  # a preview saves nothing
    batch = preview.context["report"].batch
    done = client.post(reverse("operators_admin:import"), {"batch": batch.pk}, follow=True)
    assert "新增1张" in done.content.decode()
    cert = OperatorCertificate.objects.get()
    assert cert.expires_on == date(2028, 5, 10)  # 4 years by the rule

    page = client.get(reverse("operators_admin:unlicensed")).content.decode()
    assert "无证上岗 0 人" in page
    todo = client.get(reverse("portal:me")).content.decode()
    assert "无证上岗人数" in todo


def test_every_bad_row_is_listed_and_nothing_is_imported(
    client, enterprise, other_enterprise, manager
):
    a = PersonFactory(enterprise=enterprise)
    b = PersonFactory(enterprise=enterprise)
    stranger = PersonFactory(enterprise=other_enterprise)
    taken = certificate(
        PersonFactory(enterprise=enterprise), number="TS-TAKEN", issued=date(2023, 1, 1)
    )
    content = _file(
        _row(a, 作业项目="挖掘机"),  # unknown kind
        _row(b, 证书编号="TS-TAKEN"),  # another person's number
        _row(a, 证书编号="TS-DUP", 作业项目="Q2"),
        _row(b, 证书编号="TS-DUP", 作业项目="Q2"),  # duplicate within the file
        _row(a, 作业项目="G1", 有效期至="2020-01-01"),  # expiry before issue
        _row(stranger),  # not in the enterprise
    )
    response = _post(client, manager, enterprise, content)
    html = response.content.decode()
    assert "第2行：作业项目“挖掘机”不在特种设备作业目录中" in html
    assert "第3行：证书编号 TS-TAKEN 已登记在其他人员名下" in html
    assert "第5行：证书编号 TS-DUP 与第4行重复" in html
    assert "第6行：有效期至不能早于或等于初次领证日期" in html
    assert f"第7行：找不到身份证号为 {stranger.id_number} 的人员" in html
    assert 'id="confirm-import"' not in html
    assert (
        OperatorCertificate.objects.count()
        == 1
        == OperatorCertificate.objects.filter(pk=taken.pk).count()
    )


def test_the_command_imports_and_refuses_alike(tmp_path, enterprise):
    person = PersonFactory(enterprise=enterprise)
    good = tmp_path / "good.xlsx"
    good.write_bytes(
        _file(_row(person, 证书类别="特种作业", 作业类别="电工作业", 作业项目="低压电工作业"))
    )
    out = io.StringIO()
    call_command(
        "import_operator_certificates",
        str(good),
        "--enterprise",
        enterprise.credit_code,
        "--dry-run",
        stdout=out,
    )
    assert "检查通过（未导入）" in out.getvalue()
    assert OperatorCertificate.objects.count() == 0
    call_command(
        "import_operator_certificates",
        str(good),
        "--enterprise",
        enterprise.credit_code,
        stdout=out,
    )
    cert = OperatorCertificate.objects.get()
    assert cert.kind.special_operation.name == "低压电工作业"
    assert cert.expires_on == date(2030, 5, 10)  # 6 years
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_file(_row(person, 证书编号="X-2", 作业项目="挖掘机")))
    err = io.StringIO()
    with pytest.raises(CommandError, match="有1处错误"):
        call_command(
            "import_operator_certificates",
            str(bad),
            "--enterprise",
            enterprise.credit_code,
            stdout=out,
            stderr=err,
        )
    assert "第2行：作业项目“挖掘机”不在特种设备作业目录中" in err.getvalue()
    with pytest.raises(CommandError, match="没有统一社会信用代码"):
        call_command("import_operator_certificates", str(good), "--enterprise", "NOPE")


def test_an_import_can_be_undone(client, enterprise, manager):
    from portal import importing

    person = PersonFactory(enterprise=enterprise)
    preview = _post(client, manager, enterprise, _file(_row(person)))
    client.post(reverse("operators_admin:import"), {"batch": preview.context["report"].batch.pk})
    from portal.models import ImportBatch

    batch = ImportBatch.objects.get(kind="operators.certificates", status="done")
    importing.undo_batch(batch=batch, user=manager)
    assert OperatorCertificate.objects.count() == 0


def test_supervisors_see_counts_by_enterprise_and_drill_down(
    client, enterprise, other_enterprise, supervisor, street_supervisor
):
    for e, n in ((enterprise, 2), (other_enterprise, 1)):
        position(e, "起重机司机", equipment_kind("Q2"))
        for _i in range(n):
            PersonFactory(enterprise=e, position="起重机司机")
    client.force_login(supervisor)
    html = client.get(reverse("operators_admin:unlicensed")).content.decode()
    assert "无证上岗 3 人" in html
    assert enterprise.name in html
    assert other_enterprise.name in html
    html = client.get(
        reverse("operators_admin:unlicensed"), {"enterprise": other_enterprise.pk}
    ).content.decode()
    assert "无证上岗 1 人" in html
    client.force_login(street_supervisor)  # street of `enterprise` only
    html = client.get(reverse("operators_admin:unlicensed")).content.decode()
    assert "无证上岗 2 人" in html
    assert other_enterprise.name not in html
    assert (
        client.get(
            reverse("operators_admin:unlicensed"), {"enterprise": other_enterprise.pk}
        ).status_code
        == 404
    )


def test_the_figure_counts_expired_and_overdue_certificates_but_not_valid_ones(enterprise):
    kind = equipment_kind("N1")
    position(enterprise, "叉车司机", kind)
    today = timezone.localdate()
    valid = PersonFactory(enterprise=enterprise, position="叉车司机")
    certificate(valid, kind, issued=today - timedelta(days=400))
    expired = PersonFactory(enterprise=enterprise, position="叉车司机")
    certificate(expired, kind, issued=today - timedelta(days=5 * 366))
    PersonFactory(enterprise=enterprise, position="叉车司机", is_active=False)  # left: not counted
    PersonFactory(enterprise=enterprise, position="仓管员")  # no requirement
    result = unlicensed_figures(Scope.of_enterprise(enterprise.pk), Period.of_year(today.year))
    assert result["count"] == 1
    assert result["rows"][0].person == expired


def test_unlicensed_queries_do_not_grow_with_people(enterprise, queries):
    kind = equipment_kind("N1")
    position(enterprise, "叉车司机", kind)
    for _i in range(3):
        certificate(
            PersonFactory(enterprise=enterprise, position="叉车司机"), kind, issued=date(2024, 1, 1)
        )
    from portal.models import Person

    with queries.capture() as small:
        services.unlicensed(Person.objects.filter(enterprise=enterprise), date(2025, 1, 1))
    for _i in range(5):
        certificate(
            PersonFactory(enterprise=enterprise, position="叉车司机"), kind, issued=date(2024, 1, 1)
        )
    with queries.capture() as large:
        services.unlicensed(Person.objects.filter(enterprise=enterprise), date(2025, 1, 1))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_renewal_records_new_dates_and_keeps_the_history(
    client, enterprise, manager, other_manager
):
    cert = certificate(
        PersonFactory(enterprise=enterprise), equipment_kind("Q2"), issued=date(2021, 6, 1)
    )
    old_number = cert.number
    client.force_login(other_manager)
    assert client.get(reverse("operators_admin:renew", args=[cert.pk])).status_code == 404
    client.force_login(manager)
    response = client.post(
        reverse("operators_admin:renew", args=[cert.pk]),
        {"action": "renewal", "on": "2025-05-20", "expires_on": "", "number": "TS-NEW"},
    )
    assert response.status_code == 302
    cert.refresh_from_db()
    assert (cert.expires_on, cert.number, cert.last_reviewed_on) == (
        date(2029, 5, 20),
        "TS-NEW",
        date(2025, 5, 20),
    )
    event = CertificateEvent.objects.get(certificate=cert)
    assert (event.previous_expires_on, event.previous_number, event.by) == (
        date(2025, 6, 1),
        old_number,
        manager,
    )
    html = client.get(reverse("operators_admin:renew", args=[cert.pk])).content.decode()
    assert "2025-06-01" in html
    assert "2029-05-20" in html
    bad = client.post(
        reverse("operators_admin:renew", args=[cert.pk]), {"action": "renewal", "on": "2000-01-01"}
    )
    assert "日期不能早于初次领证日期" in bad.content.decode()


def test_reminders_at_90_and_30_days_once_each_to_holder_and_manager(enterprise, manager, worker):
    person = worker.person
    cert = certificate(person, equipment_kind("N1"), issued=date(2022, 5, 10))  # expires 2026-05-10
    assert services.send_reminders(today=date(2026, 2, 8)) == 0  # 91 days before
    assert services.send_reminders(today=date(2026, 2, 9)) == 2  # 90 days: holder + manager
    services.send_reminders(today=date(2026, 2, 20))  # again within the 90-day window: no more
    assert Notice.objects.count() == 2
    assert set(Notice.objects.values_list("user_id", flat=True)) == {manager.pk, worker.pk}
    assert Notice.objects.get(user=worker).url == ""  # a worker has no admin to open
    assert (
        Notice.objects.get(user=manager).url == f"/admin/operators_certificates/inspect/{cert.pk}/"
    )
    services.send_reminders(today=date(2026, 4, 10))  # 30 days
    assert Notice.objects.count() == 4
    assert "到期换证" in Notice.objects.first().title
    cert.is_current = False
    cert.save()
    services.send_reminders(today=date(2026, 4, 20))
    assert Notice.objects.count() == 4


def test_a_review_reminder_names_the_refresher_hours(enterprise, worker):
    from tests.operators.factories import operation_kind

    certificate(worker.person, operation_kind(), issued=date(2023, 6, 1))  # review 2026-06-01
    services.send_reminders(today=date(2026, 3, 3))
    notice = Notice.objects.get(user=worker)
    assert "复审" in notice.title
    assert "不少于8学时" in notice.body


def test_export_lists_the_scope_only(client, enterprise, other_enterprise, manager):
    certificate(PersonFactory(enterprise=enterprise, name="甲"), issued=date(2024, 1, 1))
    certificate(PersonFactory(enterprise=other_enterprise, name="乙"), issued=date(2024, 1, 1))
    client.force_login(manager)
    sheet = load_workbook(io.BytesIO(client.get(reverse("operators_admin:export")).content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["甲"]


def test_a_worker_and_anonymous_are_refused_every_register_page(client, worker):
    urls = [reverse(f"operators_admin:{n}") for n in ("unlicensed", "import", "template", "export")]
    for user in (worker, None):
        client.logout()
        if user:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (302, 403), (user, url)
            if response.status_code == 302:
                assert "login" in response["Location"] or response["Location"] == reverse(
                    "wagtailadmin_home"
                )


def test_the_scan_is_private_and_served_to_the_enterprise_only(
    client, enterprise, manager, other_manager
):
    from django.core.files.base import ContentFile

    cert = certificate(PersonFactory(enterprise=enterprise), issued=date(2024, 1, 1))
    cert.scan.save("scan.pdf", ContentFile(b"%PDF-1.4 test"))
    with pytest.raises(ValueError, match="no URL"):
        _ = cert.scan.url
    client.force_login(other_manager)
    assert client.get(reverse("operators_admin:scan", args=[cert.pk])).status_code == 404
    client.force_login(manager)
    response = client.get(reverse("operators_admin:scan", args=[cert.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_undoing_an_import_leaves_the_person_as_before(client, enterprise, manager):
    """The import's certificate rewrites the holder's 特种作业操作证 fields (sync_person); the undo
    puts every one of them back, and the person row is exactly as before."""
    from portal import importing
    from portal.models import ImportBatch, Person
    from tests.operators.factories import operation_kind

    kind = operation_kind("低压电工作业")
    person = PersonFactory(
        enterprise=enterprise,
        special_operation=kind.special_operation,
        operation_certificate_no="OLD-1",
        operation_certificate_issued_on=date(2019, 3, 1),
        operation_review_years=6,
    )
    before = importing._values(Person.objects.get(pk=person.pk))
    row = _row(person, 证书类别="特种作业", 作业类别="电工作业", 作业项目="低压电工作业")
    preview = _post(client, manager, enterprise, _file(row))
    client.post(reverse("operators_admin:import"), {"batch": preview.context["report"].batch.pk})
    person.refresh_from_db()
    assert person.operation_certificate_no == f"TS-{person.pk}"
    assert person.operation_certificate_issued_on == date(2024, 5, 10)
    assert person.operation_review_years == 3

    batch = ImportBatch.objects.get(kind="operators.certificates", status="done")
    importing.undo_batch(batch=batch, user=manager)
    assert OperatorCertificate.objects.count() == 0
    assert importing._values(Person.objects.get(pk=person.pk)) == before
