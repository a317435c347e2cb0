"""Front-site views of the courses app. Every view scopes through portal.scoping."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses import learning, study
from courses import study_log as study_log_service
from courses.classes import (
    SIGN_IN_MAX_AGE,
    attendance_importer,
    import_attendance,
    mark_attendance,
    register_for_class,
    sign_in_code,
    sign_in_svg,
    sign_in_with_code,
    unmark_attendance,
)
from courses.compliance import compliance_rows, compliance_workbook
from courses.forms import AssignForm, XlsxUploadForm
from courses.models import (
    ClassRegistration,
    CoursePage,
    Enrolment,
    LessonPage,
    Programme,
    TrainingClass,
)
from courses.records import IMPORT_COLUMNS, import_training_records
from courses.statistics import (
    compliance_breakdown,
    compliance_summary,
    programme_figures,
    scoped_records,
    study_hours,
    training_statistics,
)
from operators.statistics import unlicensed_figures
from portal import importing as batches
from portal import registry, xlsx
from portal.auth import client_ip
from portal.import_views import confirm_from_request
from portal.models import Region
from portal.params import ID_MAX, date_param, int_param
from portal.periods import PERIOD_MIN, Period
from portal.scoping import (
    Scope,
    scope_for,
    scope_people,
    visible_enterprises,
    visible_people,
    visible_regions,
)


def _person(request: HttpRequest):
    person = getattr(request.user, "person", None)
    if person is None:
        raise PermissionDenied(_("只有登记在册的从业人员可以进行此操作。"))
    return person


def _require_staff(request: HttpRequest) -> None:
    if not scope_for(request.user).is_staff_scope:
        raise PermissionDenied(_("只有企业安全管理员和监管人员可以使用此功能。"))


def _get_course_for_user(request: HttpRequest, pk: int) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live(), pk=pk)


def _get_lesson_enrolment_for_user(request: HttpRequest, pk: int) -> tuple[LessonPage, Enrolment]:
    lesson = get_object_or_404(LessonPage.objects.live(), pk=pk)
    person = _person(request)
    course_id = lesson.get_parent().pk
    enrolment = Enrolment.objects.filter(person=person, course_id=course_id).first()
    if enrolment is None:
        raise Http404
    return lesson, enrolment


def _get_class_for_user(request: HttpRequest, pk: int) -> TrainingClass:
    return get_object_or_404(TrainingClass.objects.visible_to(request.user), pk=pk)


def _get_managed_class_for_user(request: HttpRequest, pk: int) -> TrainingClass:
    return get_object_or_404(TrainingClass.objects.managed_by(request.user), pk=pk)


def _get_programme_for_user(request: HttpRequest, pk: int) -> Programme:
    """Programmes of the user's region (or above it, or below it for a supervisor)."""
    programme = get_object_or_404(Programme.objects.select_related("region"), pk=pk)
    scope = scope_for(request.user)
    if scope.is_all:
        return programme
    if scope.is_region:
        own = scope.region.path
    elif scope.is_enterprise:
        own = request.user.enterprise.street.path
    else:
        raise Http404
    if not (programme.region.path.startswith(own) or own.startswith(programme.region.path)):
        raise Http404
    return programme


# ---------------------------------------------------------------------------------------------
# Online courses


@login_required
def my_courses(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    items = learning.my_courses(person=person) if person else []
    return render(request, "courses/my_courses.html", {"items": items, "person": person})


@login_required
@require_POST
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    course = _get_course_for_user(request, pk)
    try:
        learning.enrol(person=_person(request), course=course)
    except learning.CourseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("报名成功，可以开始学习了。"))
    return redirect(course.url)


_STUDY_STATUS = {
    study.StudyErrorCode.NOT_IN_COURSE: 404,
    study.StudyErrorCode.NO_VIDEO: 400,
    study.StudyErrorCode.VIDEO_NOT_WATCHED: 409,
    study.StudyErrorCode.NO_PRESENCE_CHECK: 404,
}


def _position(request: HttpRequest) -> float | None:
    """The player's position in seconds, when the page sent a usable one."""
    try:
        value = float(request.POST.get("position", ""))
    except ValueError:
        return None
    return value if 0 <= value < 1e7 else None


def _study_error(exc: study.StudyError) -> JsonResponse:
    return JsonResponse(
        {"code": str(exc.code), "error": str(exc)}, status=_STUDY_STATUS.get(exc.code, 400)
    )


@login_required
@require_POST
def heartbeat(request: HttpRequest, pk: int) -> JsonResponse:
    lesson, enrolment = _get_lesson_enrolment_for_user(request, pk)
    try:
        result = study.record_beat(
            enrolment=enrolment,
            lesson=lesson,
            now=timezone.now(),
            tab=request.POST.get("tab", ""),
            visible=request.POST.get("visible", "1") != "0",
            start=request.POST.get("start") == "1",
            ip=client_ip(request),
            device=request.headers.get("User-Agent", ""),
            position=_position(request),
        )
    except study.StudyError as exc:
        return _study_error(exc)
    return JsonResponse(result.as_dict())


@login_required
@require_POST
def video_ended(request: HttpRequest, pk: int) -> JsonResponse:
    lesson, enrolment = _get_lesson_enrolment_for_user(request, pk)
    try:
        result = study.video_ended(
            enrolment=enrolment,
            lesson=lesson,
            now=timezone.now(),
            tab=request.POST.get("tab", ""),
            position=_position(request),
            ip=client_ip(request),
            device=request.headers.get("User-Agent", ""),
        )
    except study.StudyError as exc:
        return _study_error(exc)
    return JsonResponse(result.as_dict())


@login_required
@require_POST
def presence(request: HttpRequest, pk: int) -> JsonResponse:
    """The learner tapped 继续学习 in a presence check."""
    lesson, enrolment = _get_lesson_enrolment_for_user(request, pk)
    try:
        check_id = int(request.POST.get("check", ""))
    except ValueError:
        return JsonResponse(
            {"code": "no_presence_check", "error": _("找不到该在岗确认。")}, status=404
        )
    try:
        result = study.answer_presence(
            enrolment=enrolment,
            lesson=lesson,
            check_id=check_id,
            now=timezone.now(),
            tab=request.POST.get("tab", ""),
        )
    except study.StudyError as exc:
        return _study_error(exc)
    return JsonResponse(result.as_dict())


@login_required
def assign(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    people_qs = (
        visible_people(request.user)
        .select_related("enterprise")
        .order_by("enterprise__name", "name")
    )
    initial = {}
    if request.GET.get("course"):
        initial["course"] = request.GET["course"]
    form = AssignForm(request.POST or None, people_qs=people_qs, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            count = learning.assign_course(
                user=request.user,
                course=form.cleaned_data["course"],
                people=form.selected_people(),
                due_on=form.cleaned_data["due_on"],
            )
        except learning.CourseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已将《%(course)s》指派给 %(n)s 人，完成期限 %(due)s。")
                % {
                    "course": form.cleaned_data["course"].title,
                    "n": count,
                    "due": form.cleaned_data["due_on"].isoformat(),
                },
            )
            return redirect("courses:enrolments")
    return render(request, "courses/assign.html", {"form": form})


@login_required
def enrolments(request: HttpRequest) -> HttpResponse:
    """Staff: the enrolments of the people they oversee, with progress."""
    _require_staff(request)
    qs = (
        Enrolment.objects.filter(person__in=visible_people(request.user).values("pk"))
        .select_related("person__enterprise", "course")
        .order_by("status", "due_on", "person__name")
    )
    if request.GET.get("overdue") == "1":
        qs = qs.filter(status=Enrolment.Status.IN_PROGRESS, due_on__lt=timezone.localdate())
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "courses/enrolments.html", {"page": page})


@login_required
def study_log(request: HttpRequest) -> HttpResponse:
    """Managers and supervisors: the study sessions of the people they oversee (one person with
    ?person=), the hours measured per enterprise, and the log as .xlsx (?format=xlsx)."""
    _require_staff(request)
    today = timezone.localdate()
    start = date_param(request.GET, "start", today - dt.timedelta(days=30))
    end = date_param(request.GET, "end", today)
    person = None
    person_id = int_param(request.GET, "person", min=1, max=ID_MAX)
    if person_id is not None:
        person = get_object_or_404(visible_people(request.user), pk=person_id)
    sessions = study_log_service.study_log(user=request.user, start=start, end=end, person=person)
    if request.GET.get("format") == "xlsx":
        limit = study_log_service.EXPORT_MAX_SESSIONS
        rows = list(sessions[: limit + 1])
        if len(rows) <= limit:
            content = study_log_service.study_log_workbook(rows)
            return xlsx.xlsx_response(
                content, _("学习日志_%(start)s_%(end)s.xlsx") % {"start": start, "end": end}
            )
        messages.error(
            request,
            _("所选时段的学习记录超过 %(n)s 条，一个文件放不下：请缩短时段或按人员导出。")
            % {"n": f"{limit:,}"},
        )
    page = Paginator(sessions, 50).get_page(request.GET.get("page"))
    for session in page:
        session.takeover = study_log_service.takeover_text(session)
        session.end = study_log_service.session_end(session)
    summary = study_hours(scope_for(request.user), Period.of_year(end.year))
    return render(
        request,
        "courses/study_log.html",
        {
            "page": page,
            "person": person,
            "start": start,
            "end": end,
            "summary": summary,
            "year": end.year,
            "minutes_per_hour": learning.minutes_per_hour(),
        },
    )


# ---------------------------------------------------------------------------------------------
# Training records, import, compliance, statistics


@login_required
def records(request: HttpRequest) -> HttpResponse:
    qs = scoped_records(scope_for(request.user)).select_related("person", "enterprise")
    year = _year(request)
    qs = qs.filter(date__year=year)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(title__contains=q))
    page = Paginator(qs.order_by("-date", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/records.html",
        {
            "page": page,
            "year": year,
            "q": q,
            "is_staff_scope": scope_for(request.user).is_staff_scope,
        },
    )


def _year(request: HttpRequest) -> int:
    """?year=, 2000 to next year (a 400 outside), this year by default."""
    today = timezone.localdate()
    return int_param(request.GET, "year", today.year, min=2000, max=today.year + 1)


@login_required
def import_records(request: HttpRequest) -> HttpResponse:
    """Upload → preview (counts and every bad row) → one button imports, as one batch of the
    import history (portal.importing)."""
    _require_staff(request)
    form = XlsxUploadForm(request.POST or None, request.FILES or None)
    report = None
    run = partial(import_training_records, user=request.user)
    if "batch" in request.POST:
        report = confirm_from_request(request, kind="courses.records")
        if isinstance(report, HttpResponse):  # a big file: the task cluster imports it
            return report
        if report is not None and report.ok:
            messages.success(
                request,
                _("已导入 %(n)s 条培训记录（导入记录 #%(batch)s）。")
                % {"n": report.created, "batch": report.batch.pk},
            )
            return redirect("courses:records")
        form = XlsxUploadForm()
    elif request.method == "POST" and form.is_valid():
        report = batches.run_import(
            kind="courses.records",
            title=str(_("外部培训记录")),
            upload=form.cleaned_data["file"],
            user=request.user,
            target=batches.owner_of_user(request.user),
            run=run,
            dry_run=True,
            keep_preview=True,
        )
    return render(
        request,
        "courses/import_records.html",
        {
            "form": form,
            "report": report,
            "columns": IMPORT_COLUMNS,
            "confirm_url": reverse("courses:import"),
        },
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    content = xlsx.build_workbook(
        IMPORT_COLUMNS,
        [["张三", "330106199001011234", "危险化学品安全专题培训", "专题培训", "2026-03-15", 8]],
        title=str(_("培训记录")),
    )
    return xlsx.xlsx_response(content, _("培训记录导入模板.xlsx"))


def _compliance_level(request: HttpRequest) -> tuple[Scope, str, list[dict]]:
    """The scope the compliance page shows and how it breaks it down: a district (or everything)
    by street, a street by enterprise, an enterprise person by person. ?street=CODE and
    ?enterprise=PK drill down within what the user may see (404 outside it)."""
    scope = scope_for(request.user)
    crumbs: list[dict] = []
    enterprise_pk = int_param(request.GET, "enterprise", None, min=1, max=ID_MAX)
    street_code = (request.GET.get("street") or "").strip()
    if enterprise_pk is not None and not scope.is_enterprise:
        enterprise = (
            visible_enterprises(request.user).select_related("street").filter(pk=enterprise_pk)
        ).first()
        if enterprise is None:
            raise Http404
        if scope.is_all or scope.region.level == Region.Level.DISTRICT:
            crumbs.append(
                {"name": enterprise.street.name, "query": f"street={enterprise.street.code}"}
            )
        crumbs.append({"name": enterprise.name, "query": f"enterprise={enterprise.pk}"})
        return Scope.of_enterprise(enterprise.pk), "person", crumbs
    if street_code and scope.is_supervising:
        street = (
            visible_regions(request.user)
            .filter(code=street_code, level=Region.Level.STREET)
            .first()
        )
        if street is None:
            raise Http404
        crumbs.append({"name": street.name, "query": f"street={street.code}"})
        return Scope.of_region(street), "enterprise", crumbs
    if scope.is_enterprise:
        return scope, "person", crumbs
    if scope.is_region and scope.region.level != Region.Level.DISTRICT:
        return scope, "enterprise", crumbs
    return scope, "street", crumbs


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    """学时达标: the figures of `courses.statistics.compliance_summary` for the user's scope, a
    summary by street (district) or enterprise (street) with drill-down, and the people of one
    enterprise. The .xlsx lists every person of the level shown."""
    _require_staff(request)
    year = _year(request)
    period = Period.of_year(year)
    level_scope, level, crumbs = _compliance_level(request)
    only_short = request.GET.get("only") == "short"
    if request.GET.get("format") == "xlsx":
        rows = compliance_rows(people=scope_people(level_scope).active(), year=year)
        if only_short:
            rows = [r for r in rows if r.is_short]
        summary = compliance_summary(level_scope, period)
        content = compliance_workbook(rows, year=year, summary=summary)
        return xlsx.xlsx_response(content, _("培训学时达标_%(year)s.xlsx") % {"year": year})
    summary = compliance_summary(level_scope, period)
    rows, groups = [], []
    if level == "person":
        rows = compliance_rows(people=scope_people(level_scope).active(), year=year)
        if only_short:
            rows = [r for r in rows if r.is_short]
    else:
        groups = compliance_breakdown(level_scope, period, by=level)
    drill = "&".join(c["query"] for c in crumbs[-1:])
    unlicensed = unlicensed_figures(level_scope, period)
    missing = {u.person.pk: u.missing_text for u in unlicensed["rows"]}
    flags = []
    for flag in sorted(registry.compliance_flags.values(), key=lambda f: f.order):
        found = flag.get(level_scope, period)
        flags.append({"flag": flag, **found})
    for row in rows:
        row.unlicensed = missing.get(row.person.pk, "")
        row.flags = [f["people"][row.person.pk] for f in flags if row.person.pk in f["people"]]
    return render(
        request,
        "courses/compliance.html",
        {
            "unlicensed": unlicensed,
            "flags": flags,
            "rows": rows,
            "groups": groups,
            "level": level,
            "crumbs": crumbs,
            "drill": drill,
            "year": year,
            "summary": summary,
            "only_short": only_short,
        },
    )


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    year = _year(request)
    stats = training_statistics(scope_for(request.user), Period.of_year(year))
    return render(request, "courses/statistics.html", {"stats": stats, "year": year})


# ---------------------------------------------------------------------------------------------
# Offline classes and programmes


@login_required
def classes(request: HttpRequest) -> HttpResponse:
    qs = (
        TrainingClass.objects.visible_to(request.user)
        .select_related("region", "enterprise", "programme")
        .order_by("-starts_on")
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    person = getattr(request.user, "person", None)
    mine = set()
    if person is not None:
        mine = set(
            ClassRegistration.objects.filter(
                person=person, training_class__in=[c.pk for c in page]
            ).values_list("training_class_id", flat=True)
        )
    managed = set(
        TrainingClass.objects.managed_by(request.user)
        .filter(pk__in=[c.pk for c in page])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "courses/classes.html",
        {"page": page, "mine": mine, "managed": managed, "today": timezone.localdate()},
    )


@login_required
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    training_class = _get_class_for_user(request, pk)
    person = getattr(request.user, "person", None)
    registration = None
    if person is not None:
        registration = ClassRegistration.objects.filter(
            training_class=training_class, person=person
        ).first()
    can_manage = TrainingClass.objects.managed_by(request.user).filter(pk=pk).exists()
    registrations = []
    if can_manage:
        registrations = list(
            training_class.registrations.select_related("person__enterprise").order_by(
                "person__enterprise__name", "person__name"
            )
        )
    return render(
        request,
        "courses/class_detail.html",
        {
            "c": training_class,
            "registration": registration,
            "can_manage": can_manage,
            "registrations": registrations,
            "registered_count": training_class.registrations.count(),
            "attended_count": sum(1 for r in registrations if r.attended_at),
            "upload_form": XlsxUploadForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def class_register(request: HttpRequest, pk: int) -> HttpResponse:
    training_class = _get_class_for_user(request, pk)
    try:
        register_for_class(person=_person(request), training_class=training_class)
    except learning.CourseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("报名成功。"))
    return redirect("courses:class-detail", pk=pk)


@login_required
@require_POST
def class_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser ticks who attended (the whole list is submitted)."""
    training_class = _get_managed_class_for_user(request, pk)
    present = set(request.POST.getlist("present"))
    now = timezone.now()
    changed = 0
    for registration in training_class.registrations.select_related("person", "training_class"):
        ticked = str(registration.pk) in present
        if ticked and registration.attended_at is None:
            mark_attendance(
                registration=registration, method=ClassRegistration.Method.MANUAL, now=now
            )
            changed += 1
        elif not ticked and registration.attended_at is not None:
            unmark_attendance(registration=registration)
            changed += 1
    messages.success(request, _("签到情况已保存（%(n)s 人有变动）。") % {"n": changed})
    return redirect("courses:class-detail", pk=pk)


@login_required
@require_POST
def class_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Attendance from an .xlsx: upload → preview → one button imports (one batch)."""
    training_class = _get_managed_class_for_user(request, pk)
    run = partial(
        import_attendance,
        user=request.user,
        training_class=training_class,
        now=timezone.now(),
    )
    kind = "courses.attendance"
    if "batch" in request.POST:

        def run_for(batch):
            if batch.target != f"class:{training_class.pk}":
                raise PermissionDenied
            return attendance_importer(batch, request.user)

        report = confirm_from_request(request, kind=kind, run_for=run_for)
        if isinstance(report, HttpResponse):  # a big file: the task cluster imports it
            return report
        if report is None:
            return redirect("courses:class-detail", pk=pk)
        if report.ok:
            messages.success(
                request,
                _("已导入 %(n)s 人的签到（导入记录 #%(batch)s）。")
                % {
                    "n": report.created + report.updated + report.unchanged,
                    "batch": report.batch.pk,
                },
            )
            return redirect("courses:class-detail", pk=pk)
    else:
        form = XlsxUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("请选择要导入的 .xlsx 文件。"))
            return redirect("courses:class-detail", pk=pk)
        report = batches.run_import(
            kind=kind,
            title=_("签到 → %(title)s") % {"title": training_class.title},
            upload=form.cleaned_data["file"],
            user=request.user,
            target=batches.Target(
                key=f"class:{training_class.pk}",
                enterprise=training_class.enterprise,
                region=None if training_class.enterprise_id else training_class.region,
            ),
            run=run,
            dry_run=True,
            keep_preview=True,
        )
    return render(
        request,
        "courses/class_import_result.html",
        {
            "c": training_class,
            "report": report,
            "confirm_url": reverse("courses:class-import", args=[training_class.pk]),
        },
    )


@login_required
def class_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser's screen: a sign-in QR code that participants scan with their phone."""
    training_class = _get_managed_class_for_user(request, pk)
    return render(
        request,
        "courses/class_qr.html",
        {
            "c": training_class,
            "max_age_minutes": SIGN_IN_MAX_AGE // 60,
            "registered": training_class.registrations.count(),
            "present": training_class.registrations.filter(attended_at__isnull=False).count(),
        },
    )


@login_required
@never_cache
def class_sign_in_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The QR screen's live count (polled every few seconds, like the drill check-in screen):
    signed in / registered, and the latest sign-ins. The class's organisers only."""
    training_class = _get_managed_class_for_user(request, pk)
    counts = training_class.registrations.aggregate(
        total=Count("pk"), present=Count("pk", filter=Q(attended_at__isnull=False))
    )
    latest = [
        {"name": r.person.name, "at": f"{timezone.localtime(r.attended_at):%H:%M:%S}"}
        for r in training_class.registrations.filter(attended_at__isnull=False)
        .select_related("person")
        .order_by("-attended_at")[:8]
    ]
    return JsonResponse({**counts, "latest": latest})


@login_required
def class_qr_svg(request: HttpRequest, pk: int) -> HttpResponse:
    training_class = _get_managed_class_for_user(request, pk)
    code = sign_in_code(training_class=training_class)
    url = request.build_absolute_uri(reverse("courses:class-sign-in", args=[pk]) + "?code=" + code)
    response = HttpResponse(sign_in_svg(url), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def class_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Opened from the QR code on the participant's phone; signing in is a POST."""
    training_class = _get_class_for_user(request, pk)
    code = request.POST.get("code") or request.GET.get("code", "")
    error = None
    registration = None
    if request.method == "POST":
        try:
            registration = sign_in_with_code(
                person=_person(request),
                training_class=training_class,
                code=code,
                now=timezone.now(),
            )
        except learning.CourseError as exc:
            error = str(exc)
    return render(
        request,
        "courses/class_sign_in.html",
        {"c": training_class, "code": code, "error": error, "registration": registration},
        status=400 if error else 200,
    )


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    programme = _get_programme_for_user(request, pk)
    figures = programme_figures(
        Scope.everything(), Period.between(PERIOD_MIN, timezone.localdate()), programme=programme
    )
    class_list = (
        TrainingClass.objects.visible_to(request.user)
        .filter(programme=programme)
        .select_related("cohort")
        .order_by("starts_on")
    )
    return render(
        request,
        "courses/programme_detail.html",
        {"p": programme, "figures": figures, "classes": class_list},
    )
