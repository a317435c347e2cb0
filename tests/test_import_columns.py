"""Issue 20: one column vocabulary (portal.columns) for every import.

Each column of the vocabulary is run, with a bad value, through every import that has it — the
imports are portal.registry.spreadsheet_imports entries naming their columns, admin pages and
commands alike — and must give the same Chinese message and import nothing. A required column is
refused when empty with the same message everywhere, and a 姓名 beside a 身份证号 must be the
person's wherever an import matches people (the training-records import used to accept an empty
or any 姓名 silently).

A new import that names columns fails `test_every_import_with_columns_has_a_driver` until it has
a driver here; a new vocabulary column fails `test_every_vocabulary_column_has_a_bad_value`.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from portal import columns, registry
from portal.xlsx import build_workbook
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# column -> [(bad value, what every import says)]
BAD_VALUES = {
    "姓名": [("张" * 51, "姓名过长（最多50字）")],
    "身份证号": [("12345", "身份证号应为18位"), ("110101199003074515", "身份证号校验位不正确")],
    "手机号": [("12345", "手机号应为以1开头的11位数字")],
    "人员类别": [("厨师", "人员类别“厨师”无效，应为：")],
    "岗位": [("岗" * 51, "岗位过长（最多50字）")],
    "入职日期": [("去年春天", "入职日期“去年春天”无法识别，应为如 2024-03-01")],
    "特种作业类别": [("类" * 101, "特种作业类别过长（最多100字）")],
    "操作项目": [("项" * 101, "操作项目过长（最多100字）")],
    "培训名称": [("训" * 201, "培训名称过长（最多200字）")],
    "培训类型": [("聚餐", "培训类型“聚餐”无效，应为：")],
    "培训日期": [
        ("上周", "培训日期“上周”无法识别，应为如 2024-03-01"),
        ("2099-01-01", "培训日期不能晚于今天"),
    ],
    "学时": [("八", "学时“八”不是数字"), ("0", "学时须为大于0且不超过1000的数字")],
    "题干": [("题" * 2001, "题干过长（最多2000字）")],
    "解析": [("析" * 2001, "解析过长（最多2000字）")],
    "难度": [("难", "难度“难”应为1到5的整数"), ("9", "难度“9”应为1到5的整数")],
    "知识点": [("点" * 201, "知识点过长（最多200字）")],
    "统一社会信用代码": [
        ("12345", "统一社会信用代码应为18位"),
        ("91330100MA27XXXXX0", "统一社会信用代码校验位不正确"),
    ],
    "证书类别": [("驾照", "证书类别“驾照”无效，应为：")],
    "作业类别": [("类" * 51, "作业类别过长（最多50字）")],
    "作业项目": [("项" * 81, "作业项目过长（最多80字）")],
    "证书编号": [("号" * 41, "证书编号过长（最多40字）")],
    "发证机关": [("机" * 101, "发证机关过长（最多100字）")],
    "初次领证日期": [
        ("前年", "初次领证日期“前年”无法识别，应为如 2024-03-01"),
        ("2099-01-01", "初次领证日期不能晚于今天"),
    ],
    "最近复审日期": [("去年", "最近复审日期“去年”无法识别，应为如 2024-03-01")],
    "有效期至": [("明年", "有效期至“明年”无法识别，应为如 2024-03-01")],
}

VALID = {
    "手机号": "13800138000",
    "人员类别": "其他从业人员",
    "特种作业类别": "",
    "操作项目": "",
    "岗位": "操作工",
    "入职日期": "2024-03-01",
    "培训名称": "危险化学品安全专题培训",
    "培训类型": "专题培训",
    "培训日期": "2025-03-15",
    "学时": 8,
    "题型": "单选",
    "题干": "生产经营单位的主要负责人对本单位安全生产工作负有什么责任？",
    **{f"选项{c}": "" for c in "ABCDEFGH"},
    "选项A": "全面责任",
    "选项B": "部分责任",
    "答案": "A",
    "解析": "安全生产法规定主要负责人对本单位安全生产工作全面负责。",
    "难度": 2,
    "知识点": "安全生产法、主体责任",
    "证书类别": "特种设备作业",
    "作业类别": "",
    "作业项目": "N1",
    "证书编号": "TS-2024-0001",
    "发证机关": "宁波市市场监督管理局",
    "初次领证日期": "2024-05-10",
    "最近复审日期": "",
    "有效期至": "2028-05-10",
}


class World:
    def __init__(self, client, tmp_path, enterprise, district, manager, supervisor):
        from courses.models import ClassRegistration, TrainingRecord
        from exams.models import Question, QuestionBank
        from operators.models import OperatorCertificate
        from portal.models import Person
        from portal.roles import sync_role_groups
        from returns.models import Filing
        from tests.courses.factories import TrainingClassFactory

        sync_role_groups()
        self.client, self.tmp_path = client, tmp_path
        self.enterprise, self.manager, self.supervisor = enterprise, manager, supervisor
        self.person = PersonFactory(enterprise=enterprise, name="张三")
        self.training_class = TrainingClassFactory(region=district, capacity=50)
        self.bank = QuestionBank.objects.create(name="企业题库", enterprise=enterprise)
        self.counts = {
            "people": Person.objects.count,
            "records": TrainingRecord.objects.count,
            "registrations": ClassRegistration.objects.count,
            "questions": Question.objects.count,
            "returns": Filing.objects.count,
            "operator_certificates": OperatorCertificate.objects.count,
        }

    def valid_row(self, header: list[str]) -> dict:
        row = {**VALID, "姓名": self.person.name, "身份证号": self.person.id_number}
        row |= {"统一社会信用代码": self.enterprise.credit_code, "企业名称": self.enterprise.name}
        row |= {c: "" for c in header if c not in row}  # a return's items: nothing reported
        return {c: row[c] for c in header}

    def snapshot(self) -> dict:
        return {name: count() for name, count in self.counts.items()}

    def post(self, user, url, fields, content) -> str:
        self.client.force_login(user)
        upload = SimpleUploadedFile("导入.xlsx", content)
        response = self.client.post(url, {**fields, "file": upload}, follow=True)
        return response.content.decode()

    def command(self, content, *args) -> str:
        path = Path(self.tmp_path) / "导入.xlsx"
        path.write_bytes(content)
        out = io.StringIO()
        try:
            call_command(*[str(path) if a == "{path}" else a for a in args], stdout=out, stderr=out)
        except Exception as exc:  # noqa: BLE001 - CommandError carries the summary
            out.write(str(exc))
        return out.getvalue()


# ---- drivers: registry key -> (function(world, content) -> the text the user is shown,
#                                 whether the import matches people by 身份证号 and 姓名)


def _return_form(w):
    from tests.returns.factories import make_form

    if not hasattr(w, "return_form"):
        w.return_form = make_form(w.enterprise.street.parent)
    return w.return_form


DRIVERS = {
    # the page previews first (its confirm button is not pressed: a bad row gives none)
    "returns.filings": (
        lambda w, c: w.post(
            w.supervisor, reverse("returns_admin:import", args=[_return_form(w).pk]), {}, c
        ),
        False,
    ),
    "returns.filings-command": (
        lambda w, c: w.command(
            c, "import_returns", "{path}", "--form", _return_form(w).name, "--dry-run"
        ),
        False,
    ),
    "portal.roster": (
        lambda w, c: w.post(
            w.manager, reverse("portal_admin:roster-import"), {"enterprise": w.enterprise.pk}, c
        ),
        False,  # the roster is where names come from: it updates them
    ),
    "portal.roster-command": (
        lambda w, c: w.command(
            c, "import_people", "{path}", "--enterprise", w.enterprise.credit_code, "--dry-run"
        ),
        False,
    ),
    "courses.records": (lambda w, c: w.post(w.manager, reverse("courses:import"), {}, c), True),
    "courses.records-command": (
        lambda w, c: w.command(c, "import_training_records", "{path}", "--dry-run"),
        True,
    ),
    "courses.attendance": (
        lambda w, c: w.post(
            w.supervisor, reverse("courses:class-import", args=[w.training_class.pk]), {}, c
        ),
        True,
    ),
    # the page previews first (its confirm button is not pressed: a bad row gives none)
    "exams.questions": (
        lambda w, c: w.post(w.manager, reverse("exams_admin:import"), {"bank": w.bank.pk}, c),
        False,
    ),
    "exams.questions-command": (
        lambda w, c: w.command(c, "import_questions", "{path}", "--bank", w.bank.name, "--dry-run"),
        False,
    ),
    "operators.certificates": (
        lambda w, c: w.post(
            w.manager, reverse("operators_admin:import"), {"enterprise": w.enterprise.pk}, c
        ),
        True,
    ),
    "operators.certificates-command": (
        lambda w, c: w.command(
            c,
            "import_operator_certificates",
            "{path}",
            "--enterprise",
            w.enterprise.credit_code,
            "--dry-run",
        ),
        True,
    ),
}


def _imports_with_columns() -> dict[str, registry.SpreadsheetImport]:
    return {k: v for k, v in registry.spreadsheet_imports.items() if v.columns}


def _cases():
    for key, path in sorted(_imports_with_columns().items()):
        for column in path.columns:
            for bad, message in BAD_VALUES.get(column, []):
                yield pytest.param(key, column, bad, message, id=f"{key}-{column}-{bad[:6]}")


def _required_cases():
    for key, path in sorted(_imports_with_columns().items()):
        for column in path.required:
            if column in columns.vocabulary:
                yield pytest.param(key, column, id=f"{key}-{column}")


@pytest.fixture
def world(client, tmp_path, enterprise, district, manager, supervisor):
    return World(client, tmp_path, enterprise, district, manager, supervisor)


def _file(world, key, **changes) -> bytes:
    header = list(registry.spreadsheet_imports[key].columns)
    row = {**world.valid_row(header), **changes}
    return build_workbook(header, [[row[c] for c in header]])


def test_every_import_with_columns_has_a_driver():
    missing = sorted(set(_imports_with_columns()) - set(DRIVERS))
    assert not missing, f"add a driver to DRIVERS in {__file__} for: {missing}"


def test_every_vocabulary_column_has_a_bad_value():
    missing = sorted(set(columns.vocabulary) - set(BAD_VALUES))
    assert not missing, f"add bad values to BAD_VALUES in {__file__} for: {missing}"


@pytest.mark.parametrize("key", sorted(DRIVERS))
def test_a_good_row_passes_every_import(world, key):
    """The control: the rows below fail for the cell they change, not for another."""
    run, _matches = DRIVERS[key]

    shown = run(world, _file(world, key))

    assert "第2行" not in shown
    assert 'id="confirm-import"' in shown or "检查通过" in shown


@pytest.mark.parametrize(("key", "column", "bad", "message"), list(_cases()))
def test_a_bad_cell_gets_the_same_message_from_every_import(world, key, column, bad, message):
    run, _matches = DRIVERS[key]
    before = world.snapshot()

    shown = run(world, _file(world, key, **{column: bad}))

    assert f"第2行：{message}" in shown or ("第2行：" in shown and message in shown)
    assert world.snapshot() == before


@pytest.mark.parametrize(("key", "column"), list(_required_cases()))
def test_an_empty_required_cell_is_refused_by_every_import(world, key, column):
    run, _matches = DRIVERS[key]
    before = world.snapshot()

    shown = run(world, _file(world, key, **{column: ""}))

    assert f"{column}不能为空" in shown
    assert "第2行" in shown
    assert world.snapshot() == before


def _matching_imports():
    return [
        k
        for k, (_run, matches) in sorted(DRIVERS.items())
        if matches and {"姓名", "身份证号"} <= set(registry.spreadsheet_imports[k].columns)
    ]


@pytest.mark.parametrize("key", _matching_imports())
def test_a_name_beside_an_id_number_must_be_the_persons(world, key):
    run, _matches = DRIVERS[key]
    before = world.snapshot()

    shown = run(world, _file(world, key, 姓名="李四"))

    assert "姓名“李四”与系统中的“张三”不一致" in shown
    assert world.snapshot() == before


@pytest.mark.parametrize("key", _matching_imports())
def test_an_unknown_id_number_is_refused_alike(world, key):
    run, _matches = DRIVERS[key]

    shown = run(world, _file(world, key, 身份证号="110101199003074514"))

    assert "找不到身份证号为 110101199003074514 的人员（或无权查看）" in shown


def test_the_records_import_refuses_an_empty_name_as_the_roster_does(world):
    """The finding of issue 20: an empty 姓名 beside a known 身份证号 was imported silently."""
    roster = DRIVERS["portal.roster"][0](world, _file(world, "portal.roster", 姓名=""))
    records = DRIVERS["courses.records"][0](world, _file(world, "courses.records", 姓名=""))

    assert "第2行：姓名不能为空" in roster
    assert "第2行：姓名不能为空" in records
