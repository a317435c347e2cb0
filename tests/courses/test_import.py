import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from courses.models import TrainingRecord
from courses.records import IMPORT_COLUMNS
from tests.factories import PersonFactory
from tests.portal.xlsx_helpers import confirm_import

pytestmark = pytest.mark.django_db


def _xlsx(rows, columns=IMPORT_COLUMNS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(columns))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(rows, **kw):
    return SimpleUploadedFile("records.xlsx", _xlsx(rows, **kw))


def test_a_manager_imports_good_rows(client, manager, enterprise):
    p1 = PersonFactory(enterprise=enterprise, name="张一")
    p2 = PersonFactory(enterprise=enterprise, name="张二")
    client.force_login(manager)
    preview = client.post(
        "/courses/records/import/",
        {
            "file": _upload(
                [
                    ["张一", p1.id_number, "年度再培训", "再培训", "2026-03-01", 8],
                    [
                        "张二",
                        p2.id_number,
                        "厂级教育",
                        "三级安全教育（厂级）",
                        date(2026, 2, 3),
                        "4.5",
                    ],
                ]
            )
        },
    )
    assert not TrainingRecord.objects.exists()  # a preview saves nothing
    response = confirm_import(client, "/courses/records/import/", preview)
    assert response.status_code == 302
    records = TrainingRecord.objects.order_by("person__name")
    assert [(r.person, str(r.hours), r.kind, r.source_kind) for r in records] == [
        (p1, "8.0", "refresher", "external"),
        (p2, "4.5", "level_plant", "external"),
    ]


def test_one_bad_row_imports_nothing_and_every_bad_row_is_listed(
    client, manager, enterprise, other_enterprise
):
    good = PersonFactory(enterprise=enterprise, name="张一")
    stranger = PersonFactory(enterprise=other_enterprise, name="李外")
    client.force_login(manager)
    response = client.post(
        "/courses/records/import/",
        {
            "file": _upload(
                [
                    ["张一", good.id_number, "年度再培训", "再培训", "2026-03-01", 8],
                    ["李外", stranger.id_number, "年度再培训", "再培训", "2026-03-01", 8],
                    ["张一", good.id_number, "年度再培训", "瞎填", "2026-13-01", "八"],
                ]
            )
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert not TrainingRecord.objects.exists()
    assert "第3行" in html
    assert "找不到身份证号" in html
    assert "第4行" in html
    assert "培训类型“瞎填”无效" in html
    assert "无法识别" in html
    assert "学时“八”不是数字" in html
    assert "第2行" not in html


def test_a_wrong_header_is_refused_in_chinese(client, manager):
    client.force_login(manager)
    response = client.post(
        "/courses/records/import/", {"file": _upload([["x"]], columns=["姓名", "电话"])}
    )
    assert "表头缺少以下列" in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_a_worker_cannot_import(client, worker):
    client.force_login(worker)
    assert client.get("/courses/records/import/").status_code == 403


def test_the_command_imports_and_its_dry_run_saves_nothing(tmp_path, enterprise):
    person = PersonFactory(enterprise=enterprise, name="张一")
    path = tmp_path / "r.xlsx"
    path.write_bytes(_xlsx([["张一", person.id_number, "再培训", "再培训", "2026-01-05", 8]]))
    call_command("import_training_records", str(path), "--dry-run")
    assert not TrainingRecord.objects.exists()
    call_command("import_training_records", str(path))
    assert TrainingRecord.objects.count() == 1


def test_the_command_fails_on_bad_rows(tmp_path, enterprise):
    person = PersonFactory(enterprise=enterprise, name="张一")
    path = tmp_path / "r.xlsx"
    path.write_bytes(
        _xlsx(
            [
                ["张一", person.id_number, "再培训", "再培训", "2026-01-05", 8],
                ["王五", "110101199003070000", "再培训", "再培训", "2026-01-05", 8],
            ]
        )
    )
    with pytest.raises(CommandError, match="有1处错误"):
        call_command("import_training_records", str(path))
    assert not TrainingRecord.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, manager, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(manager)
    response = client.post("/courses/records/import/", {"file": _upload([["a"] * 6] * 20)})
    assert "文件过大" in response.content.decode()
