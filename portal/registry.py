"""Small registries through which the apps plug into the portal without the portal importing them.

- `me_sections`: blocks of the 我的工作台 page (the landing page after login): a worker's courses,
  exams, certificates and drills, and each role's to-do (manager, supervisor, editor/reviewer,
  examiner, judge). An app registers a template and a function returning that block's context for
  the request, or None when the block does not apply to this user (it is then left out).
- `schedules`: django-q2 schedules the app needs; created or updated after every migrate.
- `seeders`: functions that add an app's demo data; seed_demo runs them in order. A seeder's
  `later` (a dotted path) is the slow part (history: finished exam attempts…) that the task
  cluster runs after the seed has committed (portal.tasks.seed_demo_later), in seeder order.
- `home_sections`: blocks of the site home page (featured courses, public drills, my open exams).
  Like me_sections; get_context returns None when the block does not apply to this visitor.
- `live_figures`: named live numbers an editor can place in a page body (the "实时数据" block);
  a figure with per_page=True is computed for the page it is placed on.
- `start_checks`: may close a paper for new attempts beyond its own opening times (the cms: a
  campaign quiz follows its campaign's dates): fn(paper, now) -> a message when closed, else None.
- `deadline_caps`: may end a new attempt earlier than now + duration (the cms: a quiz attempt ends
  with the campaign): fn(paper, now) -> the latest deadline, or None. Within one start (the
  engine's `one_start()`), what both read goes through `start_memo` and is read once.
- `cohort_resolvers`: who belongs to a cohort an exam paper is assigned to, by the cohort's model
  ("courses.TrainingClass"): fn(object_id, person) -> bool. The exams app asks, courses answers.
- `choosers`: the admin chooser viewset for a model label ("drills.Drill"), used by the content
  blocks of portal.blocks, which name the model without importing its app.
- `spreadsheet_exports`, `spreadsheet_imports`: every file the portal hands out as a spreadsheet and
  every path a spreadsheet comes in by (admin and front pages, management commands). Both are swept
  by tests/security (formula injection, spreadsheet bombs), which fail for a path missing here.
  An import names its columns (portal.columns' vocabulary) for tests/test_import_columns.py.
- `person_file_sections`: the parts of a person's training file (一人一档, the PDF an inspector asks
  for): identity, 三级安全教育, operator certificates, training records, exams, certificates,
  drills. An app registers a template (a fragment of the PDF, templates/pdf/…) and
  get_context(person, on) -> dict, or None when it has nothing for this person (left out).
- `person_file_columns`: columns of the enterprise file's summary sheet (一企一档, one row a
  person): values(people, on) -> {person id: cell value}, one call for all the rows.
- `compliance_flags`: further flags of the 学时达标 page (courses), beside 无证上岗, from apps
  above courses (三级安全教育): get(scope, period) -> {"count", "people": {person id: reason},
  "url" (or "")}; the page shows the count and each flagged person's reason.
- `import_runners`: per import kind, the importer a confirmed preview runs and the check that the
  user may still import there; the page and the task cluster (big files) both use it.
- `figure_todo(request, figure=…, label=…, url=…, links=…)`: the context of a 工作台 to-do block
  of one flag figure for a manager (their enterprise) or a supervisor (their region).

Every registration is keyed, so registering again (a second ready()) replaces, never duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MeSection:
    key: str
    title: str
    template: str
    get_context: Callable[[Any], dict | None]
    order: int = 100


def figure_todo(
    request,
    *,
    figure: Callable[[Any, Any], dict],
    label: str,
    url: str,
    links: Iterable[tuple[str, str]] = (),
    tone: str = "bad",
) -> dict | None:
    """The context of a 工作台 to-do block (a MeSection with includes/todo_section.html) of one
    flag figure: for a manager their enterprise's count, for a supervisor their region's (the list
    by enterprise behind `url`), as of today; None for anyone else. `figure(scope, period)` is the
    catalogued figure's function (its dict has "count"); `links` are (label, url) pairs."""
    from django.utils import timezone

    from portal.periods import Period
    from portal.roles import is_manager, is_supervisor
    from portal.scoping import scope_for

    user = request.user
    if not (is_manager(user) or is_supervisor(user)):
        return None
    today = timezone.localdate()
    figures = figure(scope_for(user), Period.between(today, today))
    return {
        "items": [{"label": label, "count": figures["count"], "url": url, "tone": tone}],
        "links": [{"label": text, "url": href} for text, href in links],
    }


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    minutes: int
    kwargs: str = ""


@dataclass(frozen=True)
class Seeder:
    name: str
    func: Callable[..., None]
    order: int = 100
    later: str = ""  # "app.demo.func", run by the task cluster with the same DemoContext


@dataclass(frozen=True)
class HomeSection:
    key: str
    title: str
    template: str
    get_context: Callable[[Any], dict | None]
    order: int = 100
    # True when the block depends on who is asking (e.g. "my open exams"): the home page is then
    # not served from the anonymous page cache for logged-in users anyway, and the block is only
    # rendered for authenticated users.
    personal: bool = False


@dataclass(frozen=True)
class LiveFigure:
    key: str
    label: str
    func: Callable[..., int | float | str | None]
    unit: str = ""
    # False: func() takes no argument (a site-wide number). True: func(page) gets the page the
    # block is rendered on (None when there is none, e.g. in a block preview) and returns None
    # when the figure does not apply to that page (e.g. a campaign without a quiz).
    per_page: bool = False
    # The key of the figure it shows in portal.figures.FIGURES ("training.person_times"); func
    # gets it from that figure's function.
    figure: str = ""

    def value(self, page=None) -> int | float | str | None:
        return self.func(page) if self.per_page else self.func()


@dataclass(frozen=True)
class SpreadsheetExport:
    """A download built from user data. Every cell goes through portal.xlsx.safe_cell (our own
    workbooks through build_workbook; Wagtail's list_export through portal.admin_export)."""

    key: str
    # The function that answers with the file (calls xlsx_response, or names the content type).
    view: str
    # Where it is requested: a URL name, or for a page route "<page model>:<route name>".
    url_name: str
    # What picks the file on a page that also renders HTML, e.g. "export=xlsx".
    query: str = ""


@dataclass(frozen=True)
class SpreadsheetImport:
    """A path by which an .xlsx comes in. Every one reads through portal.xlsx.read_sheet."""

    key: str
    url_name: str = ""  # the page the file is posted to
    command: str = ""  # or the management command that takes the file
    # The template's columns and those it marks required; the columns named in portal.columns'
    # vocabulary are validated by it, and tests/test_import_columns.py runs each of them through
    # every import that has it. Empty for an import of someone else's format (Wagtail redirects).
    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportRunner:
    """How a previewed import of `kind` is confirmed, by its page or, for a big file, by the task
    cluster (portal.import_views, portal.tasks.confirm_import): `runner_for(batch, user)` checks
    that `user` may still import to the batch's target (PermissionDenied or Http404 otherwise) and
    gives the importer, called as importer(upload=..., dry_run=...)."""

    kind: str
    runner_for: Callable[[Any, Any], Callable]


@dataclass(frozen=True)
class PersonFileSection:
    key: str
    title: str
    template: str
    get_context: Callable[[Any, Any], dict | None]  # (person, on: date)
    order: int = 100


@dataclass(frozen=True)
class PersonFileColumn:
    key: str
    label: str
    values: Callable[[Any, Any], dict[int, Any]]  # (people queryset, on: date)
    order: int = 100


@dataclass(frozen=True)
class ComplianceFlag:
    key: str
    label: str  # "未完成三级教育上岗" — shown as "<label> N 人"
    hint: str  # what the flag means, one line
    get: Callable[[Any, Any], dict]  # (scope, period) -> {"count", "people", "url"}
    order: int = 100


me_sections: dict[str, MeSection] = {}
compliance_flags: dict[str, ComplianceFlag] = {}
person_file_sections: dict[str, PersonFileSection] = {}
person_file_columns: dict[str, PersonFileColumn] = {}
spreadsheet_exports: dict[str, SpreadsheetExport] = {}
spreadsheet_imports: dict[str, SpreadsheetImport] = {}
import_runners: dict[str, ImportRunner] = {}
home_sections: dict[str, HomeSection] = {}
live_figures: dict[str, LiveFigure] = {}
schedules: dict[str, ScheduleSpec] = {}
seeders: dict[str, Seeder] = {}
start_checks: dict[str, Callable[[Any, Any], str | None]] = {}
deadline_caps: dict[str, Callable[[Any, Any], Any]] = {}
cohort_resolvers: dict[str, Callable[[str, Any], bool]] = {}
choosers: dict[str, Any] = {}


def register_me_section(section: MeSection) -> None:
    me_sections[section.key] = section


def register_person_file_section(section: PersonFileSection) -> None:
    person_file_sections[section.key] = section


def register_person_file_column(column: PersonFileColumn) -> None:
    person_file_columns[column.key] = column


def register_compliance_flag(flag: ComplianceFlag) -> None:
    compliance_flags[flag.key] = flag


def register_home_section(section: HomeSection) -> None:
    home_sections[section.key] = section


def register_live_figure(figure: LiveFigure) -> None:
    live_figures[figure.key] = figure


def register_schedule(spec: ScheduleSpec) -> None:
    schedules[spec.name] = spec


def register_seeder(seeder: Seeder) -> None:
    seeders[seeder.name] = seeder


def register_start_check(key: str, check: Callable[[Any, Any], str | None]) -> None:
    start_checks[key] = check


def register_deadline_cap(key: str, cap: Callable[[Any, Any], Any]) -> None:
    deadline_caps[key] = cap


_start_memo: ContextVar[dict | None] = ContextVar("start_memo", default=None)


@contextmanager
def one_start() -> Iterator[None]:
    """Around one start's start checks and deadline caps (exams.engine.start_or_resume): what they
    read through `start_memo` is read once for both, and never outlives the start."""
    token = _start_memo.set({})
    try:
        yield
    finally:
        _start_memo.reset(token)


def start_memo(key: Any, compute: Callable[[], Any]) -> Any:
    """`compute()`, once per `key` inside `one_start()`; outside one, every time."""
    memo = _start_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def register_chooser(model_label: str, viewset: Any) -> None:
    choosers[model_label] = viewset


def register_cohort_resolver(model_label: str, resolver: Callable[[str, Any], bool]) -> None:
    cohort_resolvers[model_label] = resolver


def register_spreadsheet_export(export: SpreadsheetExport) -> None:
    spreadsheet_exports[export.key] = export


def register_spreadsheet_import(path: SpreadsheetImport) -> None:
    spreadsheet_imports[path.key] = path


def register_import_runner(runner: ImportRunner) -> None:
    import_runners[runner.kind] = runner


# Permissions each role group gets ("app_label.codename"); apps add theirs in AppConfig.ready().
# portal.roles.sync_role_groups applies them after every migrate.
role_permissions: dict[str, set[str]] = {}


def grant(role: str, *perms: str) -> None:
    role_permissions.setdefault(role, set()).update(perms)
