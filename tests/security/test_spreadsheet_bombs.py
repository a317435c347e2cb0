"""Issue 13, finding 8 (spreadsheet bombs): a 287 KB .xlsx of two million rows held a request 68 s
before the row-limit error; a 300 KB file holding one 300 MB string added 615 MB to the server.

Every import path (portal.registry.spreadsheet_imports: admin and front pages, management
commands, Wagtail's redirect import) reads through portal.xlsx.read_sheet, which checks the zip
directory and streams the parts before openpyxl parses anything. Here each bomb is built in the
test with zipfile (tests/security/xlsx_bombs.py) and sent down every path: a clear Chinese error,
nothing imported, and openpyxl never opens the file. Times and memory are measured by
bench/xlsx_bomb.py (BENCHMARKS.md), not asserted here.

A new import path fails `test_every_import_path_is_in_the_sweep` until it has a driver in PATHS;
a new upload page or import_* command that is not registered fails
`test_every_upload_page_and_import_command_is_registered`.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal import registry, xlsx
from tests.project import project_sources
from tests.security import xlsx_bombs

pytestmark = [pytest.mark.security, pytest.mark.django_db]

HEADER = ["姓名", "身份证号"]
TOO_BIG = "文件解压后过大"
NOT_A_SPREADSHEET = "不像正常的 Excel 文件"


@pytest.fixture(scope="module")
def row_bomb() -> bytes:
    return xlsx_bombs.row_bomb(HEADER)


@pytest.fixture(scope="module")
def string_bomb() -> bytes:
    return xlsx_bombs.string_bomb(HEADER)


@pytest.fixture
def opened(monkeypatch) -> list:
    """Every workbook openpyxl is asked to open (it must not be, for a bomb)."""
    calls = []
    real = xlsx.load_workbook

    def load_workbook(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(xlsx, "load_workbook", load_workbook)
    return calls


# ---- drivers: key of portal.registry.spreadsheet_imports -> function(world) returning
# run(content, name) -> the text the user is shown, and count() -> how many rows it would create


def _post(client, user, url, fields, content, name, *, follow=False):
    client.force_login(user)
    response = client.post(
        url, {**fields, "file": SimpleUploadedFile(name, content)}, follow=follow
    )
    return response.content.decode()


def _command(tmp_path: Path, name: str, content: bytes, *args) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    err = io.StringIO()
    try:
        call_command(*[a if a != "{path}" else str(path) for a in args], stderr=err, stdout=err)
    except Exception as exc:  # noqa: BLE001 - a CommandError, or Wagtail's command letting ours through
        err.write(str(exc))
    return err.getvalue()


def _roster(world):
    from portal.models import Person

    def run(content, name):
        return _post(
            world["client"],
            world["manager"],
            reverse("portal_admin:roster-import"),
            {"enterprise": world["enterprise"].pk},
            content,
            name,
        )

    return run, Person.objects.count


def _roster_command(world):
    from portal.models import Person

    def run(content, name):
        credit = world["enterprise"].credit_code
        return _command(
            world["tmp_path"], name, content, "import_people", "{path}", "--enterprise", credit
        )

    return run, Person.objects.count


def _bank(world):
    from exams.models import QuestionBank

    if "bank" not in world:
        world["bank"] = QuestionBank.objects.create(name="炸弹题库", region=world["district"])
    return world["bank"]


def _questions(world):
    from exams.models import Question

    bank = _bank(world)

    def run(content, name):
        return _post(
            world["client"],
            world["examiner"],
            reverse("exams_admin:import"),
            {"bank": bank.pk},
            content,
            name,
        )

    return run, Question.objects.count


def _questions_command(world):
    from exams.models import Question

    bank = _bank(world)

    def run(content, name):
        return _command(
            world["tmp_path"], name, content, "import_questions", "{path}", "--bank", bank.name
        )

    return run, Question.objects.count


def _records(world):
    from courses.models import TrainingRecord

    def run(content, name):
        return _post(
            world["client"],
            world["manager"],
            reverse("courses:import"),
            {},
            content,
            name,
            follow=True,
        )

    return run, TrainingRecord.objects.count


def _records_command(world):
    from courses.models import TrainingRecord

    def run(content, name):
        return _command(world["tmp_path"], name, content, "import_training_records", "{path}")

    return run, TrainingRecord.objects.count


def _attendance(world):
    from courses.models import ClassRegistration
    from tests.courses.factories import TrainingClassFactory

    training_class = TrainingClassFactory(region=world["district"])

    def run(content, name):
        url = reverse("courses:class-import", args=[training_class.pk])
        return _post(world["client"], world["supervisor"], url, {}, content, name, follow=True)

    return run, ClassRegistration.objects.count


def _redirects(world):
    from wagtail.contrib.redirects.models import Redirect

    def run(content, name):
        world["client"].force_login(world["superuser"])
        response = world["client"].post(
            reverse("wagtailredirects:start_import"),
            {"import_file": SimpleUploadedFile(name, content)},
            follow=True,
        )
        return response.content.decode()

    return run, Redirect.objects.count


def _redirects_command(world):
    from wagtail.contrib.redirects.models import Redirect

    def run(content, name):
        return _command(world["tmp_path"], name, content, "import_redirects", "--src", "{path}")

    return run, Redirect.objects.count


def _return_form(world):
    from tests.returns.factories import make_form

    if "return_form" not in world:
        world["return_form"] = make_form(world["district"])
    return world["return_form"]


def _returns(world):
    from returns.models import Filing

    form = _return_form(world)

    def run(content, name):
        url = reverse("returns_admin:import", args=[form.pk])
        return _post(world["client"], world["supervisor"], url, {}, content, name)

    return run, Filing.objects.count


def _returns_command(world):
    from returns.models import Filing

    form = _return_form(world)

    def run(content, name):
        return _command(
            world["tmp_path"], name, content, "import_returns", "{path}", "--form", form.name
        )

    return run, Filing.objects.count


def _operator_certificates(world):
    from operators.models import OperatorCertificate

    def run(content, name):
        return _post(
            world["client"],
            world["manager"],
            reverse("operators_admin:import"),
            {"enterprise": world["enterprise"].pk},
            content,
            name,
        )

    return run, OperatorCertificate.objects.count


def _operator_certificates_command(world):
    from operators.models import OperatorCertificate

    def run(content, name):
        credit = world["enterprise"].credit_code
        return _command(
            world["tmp_path"],
            name,
            content,
            "import_operator_certificates",
            "{path}",
            "--enterprise",
            credit,
        )

    return run, OperatorCertificate.objects.count


PATHS = {
    "returns.filings": _returns,
    "returns.filings-command": _returns_command,
    "portal.roster": _roster,
    "portal.roster-command": _roster_command,
    "exams.questions": _questions,
    "exams.questions-command": _questions_command,
    "courses.records": _records,
    "courses.records-command": _records_command,
    "courses.attendance": _attendance,
    "wagtail.redirects": _redirects,
    "wagtail.redirects-command": _redirects_command,
    "operators.certificates": _operator_certificates,
    "operators.certificates-command": _operator_certificates_command,
}


@pytest.fixture
def world(client, tmp_path, district, enterprise, manager, examiner, supervisor, superuser):
    from portal.roles import sync_role_groups

    sync_role_groups()
    return {
        "client": client,
        "tmp_path": tmp_path,
        "district": district,
        "enterprise": enterprise,
        "manager": manager,
        "examiner": examiner,
        "supervisor": supervisor,
        "superuser": superuser,
    }


# ---- the finding, on every path


@pytest.mark.parametrize("path", list(PATHS))
def test_finding_8_a_two_million_row_file_is_refused_before_it_is_parsed(
    world, opened, row_bomb, path
):
    run, count = PATHS[path](world)
    before = count()

    shown = run(row_bomb, "名册.xlsx")

    assert TOO_BIG in shown
    assert count() == before
    assert opened == []


@pytest.mark.parametrize("path", list(PATHS))
def test_finding_8_a_300_mb_string_is_refused_before_it_is_loaded(world, opened, string_bomb, path):
    run, count = PATHS[path](world)
    before = count()

    shown = run(string_bomb, "名册.xlsx")

    assert TOO_BIG in shown
    assert count() == before
    assert opened == []


@pytest.mark.parametrize("path", list(PATHS))
def test_an_ordinary_file_still_reaches_the_reader_on_every_path(world, opened, path):
    """The control: the same paths do open a sound file (so the refusals above are the checks'
    doing, not a path that reads nothing)."""
    run, _count = PATHS[path](world)

    run(xlsx_bombs.rows_file(HEADER, [["张三", "330106199001011234"]]), "名册.xlsx")

    assert len(opened) >= 1


# ---- the sweep


def test_every_import_path_is_in_the_sweep():
    missing = sorted(set(registry.spreadsheet_imports) - set(PATHS))
    assert not missing, f"add a driver to PATHS in {__file__} for: {missing}"
    stale = sorted(set(PATHS) - set(registry.spreadsheet_imports))
    assert not stale, f"no longer registered, remove from PATHS: {stale}"


# The second step of Wagtail's redirect import reads back the file the first step stored, through
# the same reader; the templates are downloads.
NOT_UPLOADS = {"wagtailredirects:process_import"}
# The import history (portal.import_views): lists, shows and undoes batches; no file comes in.
NOT_UPLOAD_NAMESPACES = ("portal_imports:",)


def _url_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_upload_page_and_import_command_is_registered():
    registered_urls = {p.url_name for p in registry.spreadsheet_imports.values()}
    registered_commands = {p.command for p in registry.spreadsheet_imports.values()}
    pages = {
        name
        for name in _url_names()
        if "import" in name
        and "template" not in name
        and name not in NOT_UPLOADS
        and not name.startswith(NOT_UPLOAD_NAMESPACES)
    }
    commands = {name for name in get_commands() if name.startswith("import")}

    assert pages - registered_urls == set()
    assert commands - registered_commands == set()


def test_only_portal_xlsx_opens_a_workbook():
    root = Path(__file__).resolve().parents[2]
    readers = [
        str(path.relative_to(root))
        for path in project_sources()
        if "load_workbook" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["portal/xlsx.py"]


# ---- each check of portal.xlsx.check_archive, on the reader itself


def _refusal(content: bytes) -> str:
    with pytest.raises(xlsx.SpreadsheetError) as refused:
        list(xlsx.read_rows(content, HEADER))
    return str(refused.value)


def test_a_part_compressed_out_of_proportion_is_refused(opened):
    message = _refusal(xlsx_bombs.row_bomb(HEADER, rows=300_000))  # ~12 MB, under the size cap
    assert NOT_A_SPREADSHEET in message
    assert opened == []


def test_too_much_shared_text_is_refused(settings, opened):
    settings.IMPORT_MAX_SHARED_STRINGS_BYTES = 64 * 1024
    message = _refusal(xlsx_bombs.string_bomb(HEADER, size=512 * 1024))
    assert "文字内容过多" in message
    assert opened == []


def test_shared_strings_are_found_under_any_name(settings, opened):
    """openpyxl finds the parts through the content types and relationships, not by name."""
    settings.IMPORT_MAX_SHARED_STRINGS_BYTES = 64 * 1024
    content = xlsx_bombs.string_bomb(
        HEADER, size=512 * 1024, sheet_name="data.bin", strings_name="text.bin"
    )
    message = _refusal(content)
    assert "文字内容过多" in message
    assert opened == []


def test_a_sheet_under_another_name_is_still_read():
    content = xlsx_bombs.string_bomb(
        HEADER, size=1024, sheet_name="data.bin", strings_name="text.bin"
    )
    rows = list(xlsx.read_rows(content, HEADER, required=[]))
    assert rows[0].values["姓名"] == "A" * 1024


@pytest.mark.parametrize("rows_before", [0, 6_000])  # 6,000 rows: the cell spans two 1 MB chunks
def test_a_cell_longer_than_excel_allows_is_refused(opened, rows_before):
    message = _refusal(xlsx_bombs.long_text(HEADER, rows_before=rows_before))
    assert "超过 Excel 的上限" in message
    assert opened == []


def test_cells_as_long_as_excel_allows_are_read():
    """32,767 characters, the most an Excel cell holds, in three-byte UTF-8 and as entities."""
    longest = ["安" * 32_767, "&" * 32_767]

    rows = list(xlsx.read_rows(xlsx_bombs.rows_file(HEADER, [longest]), HEADER))

    assert [len(v) for v in rows[0].values.values()] == [32_767, 32_767]


def test_too_many_rows_are_counted_before_parsing(settings, opened):
    settings.IMPORT_MAX_ROWS = 100
    message = _refusal(xlsx_bombs.many_rows(HEADER, 150))
    assert "行数超过上限（100行）" in message
    assert opened == []


def test_too_many_cells_are_counted_before_parsing(settings, opened):
    settings.IMPORT_MAX_CELLS = 50
    message = _refusal(xlsx_bombs.many_rows(HEADER, 30))  # 31 rows of 2 cells
    assert "单元格过多（上限 50 个）" in message
    assert opened == []


def test_rows_far_down_the_sheet_stop_at_the_row_limit(settings):
    settings.IMPORT_MAX_ROWS = 100
    assert "行数超过上限（100行）" in _refusal(xlsx_bombs.far_row(HEADER))


def test_the_size_a_sheet_declares_is_not_trusted():
    content = xlsx_bombs.rows_file(
        HEADER, [["张三", "330106199001011234"]], dimension="A1:XFD1048576"
    )

    rows = list(xlsx.read_sheet(content))

    assert rows == [(1, ("姓名", "身份证号")), (2, ("张三", "330106199001011234"))]


def test_an_ordinary_file_at_the_row_limit_is_read(settings):
    settings.IMPORT_MAX_ROWS = 150
    rows = list(xlsx.read_rows(xlsx_bombs.many_rows(HEADER, 150), HEADER))
    assert len(rows) == 150
    assert rows[-1].values == {"姓名": "张149", "身份证号": "000000000000000149"}
