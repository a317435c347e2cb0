"""Bulk entry of paper returns: one row per enterprise, all or nothing with every bad row listed
in Chinese, admin upload (preview, then the one button) and `manage.py import_returns`, undo."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from portal import importing as batches
from portal.models import ImportBatch
from portal.xlsx import build_workbook
from returns import services
from returns.importing import import_columns
from returns.models import Filing, FilingChange, FilingStatus
from tests.factories import EnterpriseFactory
from tests.returns.factories import make_form

pytestmark = pytest.mark.django_db

ITEMS = ["training.other.person_times", "training.other.hours", "activity.lectures"]


def _sheet(form, rows: list[dict]) -> bytes:
    header = import_columns(form)
    return build_workbook(header, [[row.get(c, "") for c in header] for row in rows])


def _row(enterprise, **values) -> dict:
    return {"统一社会信用代码": enterprise.credit_code, "企业名称": enterprise.name, **values}


@pytest.fixture
def form(street):
    return make_form(street.parent, items=ITEMS)


def _upload(client, form, content, **extra):
    upload = SimpleUploadedFile("纸质填报.xlsx", content)
    return client.post(reverse("returns_admin:import", args=[form.pk]), {"file": upload, **extra})


def test_a_street_previews_then_imports_paper_returns(
    client, form, enterprise, street, street_supervisor
):
    second = EnterpriseFactory(name="企业C", street=street)
    content = _sheet(
        form,
        [
            _row(
                enterprise,
                其他从业人员培训人次=120,
                其他从业人员培训学时="240.5",
                补报说明="纸质台账",
            ),
            _row(second, **{"安全宣讲、讲座场次": 3}),
        ],
    )
    client.force_login(street_supervisor)
    preview = _upload(client, form, content)
    assert 'id="confirm-import"' in preview.content.decode()
    assert not Filing.objects.exists()  # the preview saves nothing
    batch = ImportBatch.objects.get(status=ImportBatch.Status.PREVIEW)
    response = client.post(reverse("returns_admin:import", args=[form.pk]), {"batch": batch.pk})
    assert response.status_code == 302
    filing = Filing.objects.get(enterprise=enterprise)
    assert filing.status == FilingStatus.PASSED  # entered by the street: waits for the district
    assert filing.additional == {
        "training.other.person_times": "120",
        "training.other.hours": "240.5",
    }
    assert filing.note == "纸质台账"
    assert Filing.objects.get(enterprise=second).additional == {"activity.lectures": "3"}
    imported = FilingChange.objects.filter(filing=filing, action="import")
    assert {c.field for c in imported} >= {"其他从业人员培训人次", "状态"}
    assert all(c.user == street_supervisor for c in imported)
    # the same file is refused a second time
    again = _upload(client, form, content).content.decode()
    assert "已导入" in again or "导入过" in again
    assert Filing.objects.count() == 2


def test_every_bad_row_is_listed_in_chinese_and_nothing_is_saved(
    client, form, enterprise, other_enterprise, street, street_supervisor, manager
):
    submitted = make_form(street.parent, name="另一张", items=ITEMS)
    # enterprise A already submitted the form: cannot be overwritten
    services.save_filing(
        filing=services.filing_for(form, enterprise),
        user=manager,
        additional={},
        note="",
        submit=True,
        now=timezone.now(),
    )
    content = _sheet(
        form,
        [
            _row(enterprise, 其他从业人员培训人次=1),  # row 2: already submitted
            _row(other_enterprise),  # row 3: another street's (not visible)
            {"统一社会信用代码": "12345"},  # row 4: bad code
            _row(EnterpriseFactory(street=street), 其他从业人员培训人次="很多"),  # row 5
            _row(EnterpriseFactory(street=street), 其他从业人员培训学时="-2"),  # row 6
            {"统一社会信用代码": "", "企业名称": "无名"},  # row 7
        ],
    )
    client.force_login(street_supervisor)
    text = _upload(client, form, content).content.decode()
    assert "有6处错误，未导入任何数据" in text
    assert "第2行：该企业已提交本期报表（已提交，待街道审核），不能导入覆盖" in text
    assert "第3行：找不到统一社会信用代码为" in text
    assert "第4行：统一社会信用代码应为18位" in text
    assert "第5行：其他从业人员培训人次“很多”不是数字" in text
    assert "第6行：“其他从业人员培训学时”不能为负数" in text
    assert "第7行：统一社会信用代码不能为空" in text
    assert Filing.objects.count() == 1
    assert submitted.filings.count() == 0


def test_the_command_checks_with_dry_run_then_imports(tmp_path, form, enterprise):
    path = tmp_path / "returns.xlsx"
    path.write_bytes(_sheet(form, [_row(enterprise, 其他从业人员培训人次=76)]))
    out = io.StringIO()
    call_command("import_returns", str(path), "--form", form.name, "--dry-run", stdout=out)
    assert "检查通过（未导入）" in out.getvalue()
    assert not Filing.objects.exists()
    call_command("import_returns", str(path), "--form", form.name, stdout=out)
    assert Filing.objects.get().additional == {"training.other.person_times": "76"}
    with pytest.raises(CommandError, match="找不到统计报表"):
        call_command("import_returns", str(path), "--form", "没有这张表", stdout=out)


def test_a_bad_file_through_the_command_lists_the_rows_and_saves_nothing(
    tmp_path, form, enterprise
):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        _sheet(form, [_row(enterprise, 企业名称="别的公司"), {"统一社会信用代码": "1"}])
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="有2处错误"):
        call_command("import_returns", str(path), "--form", form.name, stderr=err)
    assert "第2行：企业名称“别的公司”与系统中的“企业A化工有限公司”不一致" in err.getvalue()
    assert "第3行：统一社会信用代码应为18位" in err.getvalue()
    assert not Filing.objects.exists()


def test_an_import_can_be_undone(form, enterprise, street_supervisor):
    content = _sheet(form, [_row(enterprise, 其他从业人员培训人次=5)])
    from functools import partial

    from portal.importing import NamedBytes
    from returns.importing import import_returns

    report = batches.run_import(
        kind="returns.filings",
        title="统计填报",
        upload=NamedBytes(content, "a.xlsx"),
        user=street_supervisor,
        target=batches.Target(key=f"returns.form:{form.pk}", region=street_supervisor.region),
        run=partial(import_returns, user=street_supervisor, form=form),
    )
    assert report.ok
    assert Filing.objects.count() == 1
    batches.undo_batch(batch=report.batch, user=street_supervisor)
    assert not Filing.objects.exists()


def test_managers_cannot_import(client, form, manager, enterprise):
    client.force_login(manager)
    response = _upload(client, form, _sheet(form, [_row(enterprise, 其他从业人员培训人次=5)]))
    assert response.status_code in (302, 403)
    assert not Filing.objects.exists()
