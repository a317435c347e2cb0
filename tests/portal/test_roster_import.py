from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from portal.models import Person, PersonCategory, User
from portal.services import ROSTER_COLUMNS, import_people
from tests.factories import PersonFactory, id_number
from tests.portal.xlsx_helpers import xlsx_upload

A = id_number(9001)
B = id_number(9002)
C = id_number(9003)


def good_rows():
    return [
        ["王大锤", A, "13800138001", "其他从业人员", "", "", "操作工", "2024-03-01"],
        [
            "赵电工",
            B,
            "13800138002",
            "特种作业人员",
            "电工作业",
            "低压电工作业",
            "电工",
            date(2019, 7, 15),
        ],
        ["钱班长", C, "", "班组长", "", "", "班组长", "2020/1/2"],
    ]


def test_a_good_file_imports_everyone_with_logins_that_must_change_their_password(enterprise):
    report = import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS, good_rows()), actor=None
    )

    assert report.ok, report.errors
    assert report.created == 3
    electrician = Person.objects.get(id_number=B)
    assert electrician.category == PersonCategory.SPECIAL_OPERATOR
    assert electrician.special_operation.name == "低压电工作业"
    assert electrician.hired_on == date(2019, 7, 15)
    assert Person.objects.get(id_number=C).hired_on == date(2020, 1, 2)
    user = electrician.user
    assert user.must_change_password
    assert not user.check_password(B[-6:])
    [first] = [c for c in report.credentials if c.name == "赵电工"]
    assert user.check_password(first.password)
    assert len(report.credentials) == 3


def test_one_bad_row_imports_nothing_and_every_bad_row_is_listed(enterprise):
    rows = good_rows() + [
        ["", "110101199003074515", "12345", "临时工", "", "", "", "明天"],
        ["孙焊工", id_number(9004), "", "特种作业人员", "", "", "", ""],
        ["周电工", id_number(9005), "", "特种作业人员", "电工作业", "熔化焊接与热切割作业", "", ""],
        ["王大锤", A, "", "其他从业人员", "", "", "", ""],
    ]
    report = import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS, rows), actor=None
    )

    assert not report.ok
    assert [e.row for e in report.errors] == [5, 6, 7, 8]
    first = str(report.errors[0])
    assert first.startswith("第5行")
    for reason in (
        "姓名不能为空",
        "身份证号校验位不正确",
        "手机号",
        "人员类别“临时工”无效",
        "入职日期",
    ):
        assert reason in first
    assert "须填写特种作业类别和操作项目" in str(report.errors[1])
    assert "不属于特种作业类别" in str(report.errors[2])
    assert "与第2行重复" in str(report.errors[3])
    assert Person.objects.count() == 0
    assert User.objects.filter(username=A).count() == 0


def test_reimporting_updates_people_by_id_number_and_never_duplicates(enterprise):
    import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS, good_rows()), actor=None
    )
    rows = good_rows()
    rows[0][6] = "仓管员"
    report = import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS, rows), actor=None
    )

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Person.objects.count() == 3
    assert Person.objects.get(id_number=A).position == "仓管员"
    assert User.objects.filter(username=A).count() == 1


def test_a_person_of_another_enterprise_is_refused(enterprise, other_enterprise, manager):
    PersonFactory(enterprise=other_enterprise, id_number=A)
    report = import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS, good_rows()[:1]), actor=manager
    )
    assert not report.ok
    assert "请联系监管人员办理调动" in str(report.errors[0])
    assert Person.objects.get(id_number=A).enterprise == other_enterprise


def test_a_dry_run_reports_but_saves_nothing(enterprise):
    report = import_people(
        enterprise=enterprise,
        upload=xlsx_upload(ROSTER_COLUMNS, good_rows()),
        actor=None,
        dry_run=True,
    )
    assert report.ok
    assert report.created == 3
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("roster.csv", b"a,b,c"), "只支持 Excel"),
        (SimpleUploadedFile("roster.xlsx", b"not a zip at all"), "无法读取该文件"),
        (SimpleUploadedFile("roster.xlsx", b"PK\x03\x04garbage"), "无法读取该文件"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_error(enterprise, upload, message):
    report = import_people(enterprise=enterprise, upload=upload, actor=None)
    assert not report.ok
    assert message in str(report.errors[0])


def test_a_sheet_without_the_required_columns_is_refused(enterprise):
    report = import_people(
        enterprise=enterprise, upload=xlsx_upload(["名字", "号码"], [["张三", "1"]]), actor=None
    )
    assert "表头缺少以下列：姓名、身份证号、人员类别" in str(report.errors[0])


def test_a_sheet_over_the_row_limit_is_refused(enterprise, settings):
    settings.IMPORT_MAX_ROWS = 2
    report = import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS, good_rows()), actor=None
    )
    assert "行数超过上限" in str(report.errors[0])
    assert Person.objects.count() == 0


def test_formulas_are_read_as_values_not_run(enterprise):
    rows = good_rows()[:1]
    rows[0][6] = '=HYPERLINK("http://evil","x")'
    report = import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS, rows), actor=None
    )
    # openpyxl without a cached value gives None for a formula cell: the field is just empty.
    assert report.ok
    assert not Person.objects.get(id_number=A).position.startswith("=")


def test_the_command_imports_and_exits_non_zero_on_bad_rows(enterprise, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_upload(ROSTER_COLUMNS, good_rows()).read())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_upload(ROSTER_COLUMNS, [["", A, "", "其他从业人员"]]).read())
    out = io.StringIO()

    call_command(
        "import_people", str(good), "--enterprise", enterprise.credit_code, "--dry-run", stdout=out
    )
    assert Person.objects.count() == 0
    assert not list(tmp_path.glob("*初始密码*"))  # a dry run creates no logins, so no sheet
    call_command("import_people", str(good), "--enterprise", enterprise.credit_code, stdout=out)
    assert Person.objects.count() == 3
    [sheet] = tmp_path.glob("good-初始密码-*.xlsx")
    assert sheet.stat().st_mode & 0o077 == 0  # readable by its owner only
    err = io.StringIO()
    with pytest.raises(CommandError, match="有1处错误"):
        call_command(
            "import_people",
            str(bad),
            "--enterprise",
            enterprise.credit_code,
            stdout=out,
            stderr=err,
        )
    assert "第2行：姓名不能为空" in err.getvalue()
    assert len(list(tmp_path.glob("*初始密码*"))) == 1  # a refused file leaves no empty sheet
    with pytest.raises(CommandError, match="没有统一社会信用代码"):
        call_command("import_people", str(good), "--enterprise", "91000000000000000X", stdout=out)


def test_the_exported_roster_has_the_import_columns_and_round_trips(enterprise):
    from portal.services import export_people

    import_people(
        enterprise=enterprise, upload=xlsx_upload(ROSTER_COLUMNS, good_rows()), actor=None
    )
    content = export_people(people=Person.objects.order_by("name"), full_id_numbers=True)
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == ROSTER_COLUMNS
    upload = SimpleUploadedFile("export.xlsx", content)
    report = import_people(enterprise=enterprise, upload=upload, actor=None)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
