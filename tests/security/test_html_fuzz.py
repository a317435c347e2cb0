"""The site's query strings fuzzed as schemathesis fuzzes the API (test_api_schema.py): every page a
GET reaches — each front-site URL pattern, and every live Wagtail page with its sub-routes — is
requested anonymously and as a worker, a manager and a supervisor with generated query strings
(huge and negative numbers, dates out of range, garbage, NUL, lone surrogates, Chinese; keys the
code reads, found by scanning it, and random ones). Any 5xx fails (security review finding 15).

Bounded and derandomized (hypothesis), so it is fast and the same on every run. A new URL pattern
with an id fails `test_every_get_route_is_fuzzed` until it has a builder (in
tests/test_access_sweep.ROUTES, or PUBLIC_ROUTES below); a new page type fails
`test_every_page_type_is_fuzzed` until `_pages` builds one. Our own admin pages (OUR_ADMIN, with
ADMIN_ROUTES) are fuzzed too; Wagtail's and Django's own admin views are not ours. A route that
refuses GET (405) is POST-only and not fuzzed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from urllib.parse import quote, unquote

import pytest
from django.apps import apps
from django.test import Client
from django.urls import (
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.project import ROOT, project_packages, project_sources
from tests.test_access_sweep import ROUTES, SKIP_PREFIXES

pytestmark = [pytest.mark.security, pytest.mark.django_db]

FUZZ = settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# ---- the routes


def _get_routes(resolver=None, prefix="", namespace=""):
    """(name, route) of every named URL pattern of the front site (the sweep's walk, with the
    routes without an id too)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _get_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if entry.name and not route.startswith(SKIP_PREFIXES):
                yield f"{namespace}{entry.name}", route


def _certificate_code(world):
    from tests.test_access_sweep import _certificate

    if "certificate" not in world:
        world["certificate"] = _certificate(world)
    return [world["certificate"].code]


def _ical_token(world):
    from drills.models import CalendarToken

    return [CalendarToken.objects.create(user=world["manager"], token="fuzz-feed-token").token]


def _checkin_code(world):
    from drills import participation
    from tests.test_access_sweep import _drill

    return [participation.checkin_code(drill=_drill(world), now=timezone.now())]


def _course(world):
    from tests.test_access_sweep import _course_lesson

    return [_course_lesson(world).get_parent().pk]


# Routes with an id that the access sweep lists as public by design.
PUBLIC_ROUTES: dict[str, Callable] = {
    "certificates:verify": _certificate_code,
    "certificates:verify-json": _certificate_code,
    "drills:ical": _ical_token,
    "drills:checkin-scan": _checkin_code,
    "courses:enrol": _course,
    "wagtailcore_authenticate_with_password": lambda w: [1, 1],  # Wagtail's form, no object
}
# The Wagtail page catch-all: its URLs are the live pages (`_pages`), not a reverse().
PAGES_ROUTE = "wagtail_serve"


# Our own admin pages (Wagtail's admin mounts them under admin/, which the walk above skips).
OUR_ADMIN = ("portal_admin:", "exams_admin:", "competitions_admin:", "certificates_admin:")


def _admin_routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _admin_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and namespace.startswith(OUR_ADMIN) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def _bank(world):
    from exams.models import QuestionBank
    from tests.test_access_sweep import _exam_paper

    _exam_paper(world)
    return [QuestionBank.objects.get(name="企业A题库").pk]


def _certificate_pk(world):
    _certificate_code(world)
    return [world["certificate"].pk]


def _template(world):
    from tests.certificates.factories import CertificateTemplateFactory

    return [CertificateTemplateFactory(name="模糊测试模板").pk]


def _bulk(world):
    from certificates.models import BulkIssue
    from tests.certificates.factories import CertificateTemplateFactory

    bulk = BulkIssue.objects.create(
        template=CertificateTemplateFactory(name="批量模板"),
        subject="安全培训",
        reason="培训合格",
        created_by=world["manager"],
    )
    return [bulk.pk]


def _paper_pk(world):
    from tests.test_access_sweep import _exam_paper

    return [_exam_paper(world).pk]


def _attempt_pk(world):
    from tests.test_access_sweep import _exam_attempt

    return [_exam_attempt(world).pk]


def _competition_pk(world):
    from tests.test_access_sweep import _competition

    return [_competition(world)[0].pk]


ADMIN_ROUTES: dict[str, Callable] = {
    "exams_admin:bank-export": _bank,
    "exams_admin:results": _paper_pk,
    "exams_admin:statistics": _paper_pk,
    "exams_admin:events": _attempt_pk,
    "competitions_admin:results": _competition_pk,
    "competitions_admin:award": _competition_pk,
    "certificates_admin:template-preview": _template,
    "certificates_admin:bulk-detail": _bulk,
    "certificates_admin:bulk-rerun": _bulk,
    "certificates_admin:revoke": _certificate_pk,
    "certificates_admin:reissue": _certificate_pk,
}


def _all_routes():
    yield from _get_routes()
    yield from _admin_routes()


def _builder(name: str, route: str) -> Callable | None:
    if name in ROUTES:
        return ROUTES[name]
    if name in PUBLIC_ROUTES:
        return PUBLIC_ROUTES[name]
    if name in ADMIN_ROUTES:
        return ADMIN_ROUTES[name]
    if "<" not in route:
        return lambda w: []
    return None


def test_every_get_route_is_fuzzed():
    missing = sorted(
        f"{name}  ({route})"
        for name, route in _all_routes()
        if name != PAGES_ROUTE and _builder(name, route) is None
    )
    assert not missing, "Routes with an id the fuzz cannot build an object for:\n" + "\n".join(
        missing
    )


# ---- the pages


def _pages(world) -> list:
    """One live page of every type, built the way editors do."""
    from cms.models import HomePage
    from tests.cms.factories import add_campaign, add_content, add_news, publish
    from tests.exams.factories import make_paper, make_questions
    from tests.test_access_sweep import _course_lesson

    if "pages" in world:
        return world["pages"]
    from cms.models import CampaignIndexPage, NewsIndexPage
    from exams.models import QuestionBank

    home = HomePage.objects.get()
    news = publish(home.add_child(instance=NewsIndexPage(title="通知公告", slug="fuzz-news")))
    add_news(news, "安全生产月启动", "内容", tags=["安全"])
    campaigns = publish(
        home.add_child(instance=CampaignIndexPage(title="专题活动", slug="fuzz-campaigns"))
    )
    campaign = add_campaign(campaigns, "安全生产月", start_offset=-3, end_offset=10)
    bank = QuestionBank.objects.create(name="竞赛题库", region=world["enterprise"].street.parent)
    campaign.quiz_paper = make_paper(
        owner_region=world["enterprise"].street.parent, questions=make_questions(bank, 2)
    )
    publish(campaign)
    add_content(home, "关于我们", "正文")
    _course_lesson(world)
    world["pages"] = [page.specific for page in home.get_descendants(inclusive=True).live()]
    return world["pages"]


def _page_urls(page) -> list[str]:
    urls = [page.url]
    if hasattr(page, "reverse_subpage"):  # RoutablePageMixin
        urls += [
            page.url + page.reverse_subpage(p.name)
            for p in page.get_subpage_urls()
            if p.name and "<" not in str(p.pattern)
        ]
    return urls


def test_every_page_type_is_fuzzed(world):
    from wagtail.models import Page

    ours = {
        model
        for model in apps.get_models()
        if issubclass(model, Page)
        and model is not Page
        and model.__module__.split(".")[0] in SOURCES
    }
    built = {type(page) for page in _pages(world)}
    assert not ours - built, f"page types the fuzz does not build: {sorted(map(str, ours - built))}"


# ---- the query strings

SOURCES = project_packages()
READ = re.compile(
    r"""(?:GET|POST|params)(?:\.get|\.getlist)?[\[(]\s*["'](\w+)["']"""
    r"""|_param\(\s*(?:request\.GET|params)\s*,\s*["'](\w+)["']"""
)


def _keys_read(paths) -> list[str]:
    keys = set()
    for path in paths:
        for match in READ.finditer(path.read_text()):
            keys.add(match.group(1) or match.group(2))
    return sorted(keys)


ALL_KEYS = _keys_read(project_sources())
COMMON_KEYS = ["y", "m", "d", "page", "q", "start", "end", "year", "month", "quarter", "period"]
NASTY = [
    "0",
    "-1",
    "13",
    "9999",
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 40,
    "1e9",
    "NaN",
    "Infinity",
    "1.5",
    "²",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "\x00",
    "a\x00b",
    "\ud800",
    "安全",
    "'\"<>&",
    "custom",
    "quarter",
    "month",
    "xlsx",
    "json",
    "short",
    "wrong",
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.dates().map(date.isoformat),  # 0001-01-01 … 9999-12-31
    st.text(max_size=12),
)


def _queries(keys: list[str]):
    key = st.one_of(st.sampled_from(keys), st.sampled_from(COMMON_KEYS), st.text(max_size=6))
    return st.dictionaries(key, VALUES, min_size=1, max_size=4)


def _encode(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _query_string(query: dict[str, str]) -> str:
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in query.items())


def _keys_for(url: str) -> list[str]:
    """The keys read by the module of the view behind `url` (all keys for Wagtail's pages)."""
    try:
        view = resolve(unquote(url)).func
    except Resolver404:  # a page with a sub-route of its own: Wagtail resolves it
        return ALL_KEYS
    module = getattr(view, "__module__", "") or ""
    path = ROOT / (module.replace(".", "/") + ".py")
    keys = _keys_read([path]) if path.is_file() and module.split(".")[0] in SOURCES else []
    return keys or ALL_KEYS


# ---- the fuzz


@pytest.fixture
def world(enterprise, worker, manager, other_worker, other_manager, supervisor):
    return {"enterprise": enterprise, "worker": worker, "manager": manager}


def _urls(world) -> list[str]:
    urls = []
    for name, route in _all_routes():
        if name == PAGES_ROUTE:
            continue
        build = _builder(name, route)
        assert build is not None, f"{name}: see test_every_get_route_is_fuzzed"
        urls.append(reverse(name, args=build(world)))
    for page in _pages(world):
        urls += _page_urls(page)
    return sorted(set(urls))


# Answers in the 5xx range that a page gives by design.
BY_DESIGN = {"/healthz": 503}  # reports the task worker down: no heartbeat in tests


def _ok(url: str, status: int) -> bool:
    return status < 500 or BY_DESIGN.get(url) == status


def _fuzz(client, url: str, role: str) -> Callable[[], None]:
    @FUZZ
    @given(query=_queries(_keys_for(url)))
    def fuzz(query):
        full = f"{url}?{_query_string(query)}"
        response = client.get(full)
        assert _ok(url, response.status_code), f"GET {full} as {role}: {response.status_code}"

    return fuzz


@pytest.mark.parametrize("role", ["anonymous", "worker", "manager", "supervisor"])
def test_no_get_page_answers_a_fuzzed_query_string_with_a_5xx(request, world, role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    fuzzed = []
    for url in _urls(world):
        plain = client.get(url)
        assert _ok(url, plain.status_code), f"GET {url} as {role}: {plain.status_code}"
        if plain.status_code == 405:  # POST only
            continue
        _fuzz(client, url, role)()
        fuzzed.append(url)
    assert len(fuzzed) > 20  # the walk found the site
