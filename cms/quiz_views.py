"""The campaign quiz routes of CampaignPage (see cms.quiz for the definitions).

- quiz/                  entry: anonymous → login and back; a worker → the paper's instructions
                         page of the exam engine (start, autosave, submit, review are the engine's)
- quiz/ranking/          public (like the campaign page): enterprises ranked by participation
                         rate, and streets; figures only, no person names
- quiz/ranking/detail/   supervisors, managers, superusers: their scope's enterprises with their
                         ranks, and one enterprise's roster with each person's result
                         (?enterprise=<id>, 404 outside the caller's scope; a manager: their own)
- quiz/ranking/export/   supervisors and superusers: the enterprises of their scope as .xlsx
- figures/               JSON of the page's per-page live figures (portal.blocks.LiveFigureBlock)

Wagtail's serve view has already applied the page's privacy settings before any route runs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import quiz
from portal import registry
from portal.params import ID_MAX, ParameterError, int_param
from portal.scoping import scope_for, visible_enterprises, visible_people


def _paper(page):
    from exams.models import Paper

    if not page.quiz_paper_id:
        raise Http404
    paper = (
        Paper.objects.select_related("region", "enterprise").filter(pk=page.quiz_paper_id).first()
    )
    if paper is None:
        raise Http404
    return paper


def entry(page, request):
    paper = _paper(page)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    from exams import access

    person = getattr(request.user, "person", None)
    problem = None
    if person is None:
        problem = _("您的账号尚未关联从业人员档案，无法参加知识竞赛。")
    elif not access.is_eligible(paper=paper, person=person):
        problem = _("知识竞赛面向本区企业从业人员，您不在参赛范围内。")
    else:
        state = quiz.quiz_state(page)
        attempts = paper.attempts.filter(person=person)
        if state != "open" and not attempts.in_progress().exists():
            problem = _("知识竞赛尚未开始。") if state == "upcoming" else _("知识竞赛已结束。")
    if problem:
        messages.error(request, problem)
        return HttpResponseRedirect(page.url)
    return HttpResponseRedirect(reverse("exams:paper", args=[paper.pk]))


def ranking(page, request):
    paper = _paper(page)
    figures = quiz.quiz_figures(paper)
    scope = scope_for(request.user)
    return TemplateResponse(
        request,
        "cms/quiz_ranking.html",
        {
            "page": page,
            "paper": paper,
            "figures": figures,
            "state": quiz.quiz_state(page),
            "window": quiz.quiz_window(page, paper),
            "can_detail": scope.is_staff_scope,
            "can_export": scope.is_supervising,
        },
    )


def _require_staff(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not scope_for(request.user).is_staff_scope:
        raise PermissionDenied
    return None


def detail(page, request):
    paper = _paper(page)
    refused = _require_staff(request)
    if refused is not None:
        return refused
    user = request.user
    figures = quiz.quiz_figures(paper)
    enterprises = visible_enterprises(user)
    visible_ids = set(enterprises.values_list("pk", flat=True))
    rows = [row for row in figures.enterprises if row.key in visible_ids]
    scope = scope_for(user)

    chosen = None
    try:
        enterprise_id = int_param(request.GET, "enterprise", min=1, max=ID_MAX)
    except ParameterError:
        raise Http404 from None  # as an enterprise the user may not see
    if enterprise_id is not None:
        chosen = next((row for row in rows if row.key == enterprise_id), None)
        if chosen is None:
            raise Http404
    elif scope.is_enterprise:
        chosen = next((row for row in rows if row.key == scope.enterprise_id), None)

    people = []
    if chosen is not None:
        enterprise = enterprises.filter(pk=chosen.key).first()
        if enterprise is None:  # pragma: no cover - rows are already scoped
            raise Http404
        allowed = set(
            visible_people(user).filter(enterprise=enterprise).values_list("pk", flat=True)
        )
        people = [r for r in quiz.people_rows(paper, enterprise) if r["person"].pk in allowed]
    return TemplateResponse(
        request,
        "cms/quiz_detail.html",
        {
            "page": page,
            "paper": paper,
            "rows": rows,
            "ranked_total": len(figures.enterprises),
            "chosen": chosen,
            "people": people,
            "can_export": scope.is_supervising,
        },
    )


def export(page, request):
    from portal.xlsx import build_workbook, xlsx_response

    paper = _paper(page)
    refused = _require_staff(request)
    if refused is not None:
        return refused
    if not scope_for(request.user).is_supervising:
        raise PermissionDenied
    figures = quiz.quiz_figures(paper)
    visible_ids = set(visible_enterprises(request.user).values_list("pk", flat=True))
    columns = [
        _("排名"),
        _("企业"),
        _("所属街道"),
        _("参与人数"),
        _("在册人数"),
        _("参与率（%）"),
        _("平均成绩"),
    ]
    rows = [
        [
            row.rank,
            row.name,
            row.street_name,
            row.participants,
            row.roster,
            float(row.rate) if row.rate is not None else "",
            float(row.average) if row.average is not None else "",
        ]
        for row in figures.enterprises
        if row.key in visible_ids
    ]
    content = build_workbook(columns, rows, title=_("企业参与情况"))
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = _("%(title)s-知识竞赛-%(date)s.xlsx") % {"title": page.title, "date": stamp}
    return xlsx_response(content, filename)


def live_figures(page, request):
    """The page's per-page live figures as JSON, for static/js/live_figures.js.

    Why a JSON endpoint rather than purging the page cache: the anonymous page cache is purged
    site-wide (cms.cache bumps one generation number), and during a campaign attempts are
    submitted every few seconds; purging on each submit would empty the whole site's cache all day.
    So the page keeps its cached copy (with the number as it was when rendered, at most
    CMS_PAGE_CACHE_SECONDS old, which is also what visitors without JavaScript see), and the script
    replaces the number with this endpoint's, which is at most CMS_LIVE_FIGURE_SECONDS (10 s) old:
    a short per-page cache keeps a crowd of visitors from running the count queries each time."""
    key = f"cms:live-figures:{page.pk}"
    values = cache.get(key)
    if values is None:
        values = {}
        for figure in registry.live_figures.values():
            if figure.per_page:
                value = figure.value(page)
                if value is not None:
                    values[figure.key] = value
        cache.set(key, values, settings.CMS_LIVE_FIGURE_SECONDS)
    response = JsonResponse({"figures": values})
    response["Cache-Control"] = "no-cache"
    return response
