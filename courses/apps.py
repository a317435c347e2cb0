from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def me_context(request) -> dict | None:
    from django.utils import timezone

    from courses import compliance, learning

    person = getattr(request.user, "person", None)
    if person is None:
        return None  # no person record: no courses of one's own (the 工作台 leaves the block out)
    year = timezone.localdate().year
    row = compliance.compliance_rows(people=type(person).objects.filter(pk=person.pk), year=year)
    return {
        "items": learning.my_courses(person=person)[:5],
        "hours": row[0].hours if row else None,
        "required": row[0].required if row else None,
        "year": year,
    }


def todo_context(request) -> dict | None:
    """The training to-do of an enterprise manager or supervisor on the 工作台: people below their
    required hours this year — the catalogued 学时达标 figure of their scope
    (courses.statistics.compliance_summary, one aggregate). None for anyone else."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from courses.statistics import compliance_summary
    from portal.periods import Period
    from portal.roles import is_manager, is_supervisor
    from portal.scoping import scope_for

    user = request.user
    if not (is_manager(user) or is_supervisor(user)):
        return None
    year = timezone.localdate().year
    below = compliance_summary(scope_for(user), Period.of_year(year)).short
    return {
        "items": [
            {
                "label": _("%(year)s年学时未达标人数") % {"year": year},
                "count": below,
                "url": reverse("courses:compliance"),
                "tone": "bad",
            }
        ],
        "links": [
            {"label": _("分配课程"), "url": reverse("courses:assign")},
            {"label": _("培训班"), "url": reverse("courses:classes")},
            {"label": _("培训记录"), "url": reverse("courses:records")},
        ],
    }


def home_context(request) -> dict | None:
    from courses.models import CoursePage

    courses = list(
        CoursePage.objects.live().filter(open_enrolment=True).order_by("-first_published_at")[:3]
    )
    return {"courses": courses} if courses else None


def live_training_count() -> int:
    """培训人次 of the whole site this year (the figure training.person_times, one query)."""
    from django.utils import timezone

    from courses.statistics import training_statistics
    from portal.periods import Period
    from portal.scoping import Scope

    year = timezone.localdate().year
    return training_statistics(Scope.everything(), Period.of_year(year), breakdown=False).count


def _in_class(object_id: str, person) -> bool:
    from courses.models import ClassRegistration

    return (
        object_id.isdigit()
        and ClassRegistration.objects.filter(
            training_class_id=int(object_id), person=person
        ).exists()
    )


def _in_cohort(object_id: str, person) -> bool:
    from courses.models import ClassRegistration

    return (
        object_id.isdigit()
        and ClassRegistration.objects.filter(
            training_class__cohort_id=int(object_id), person=person
        ).exists()
    )


def _in_course(object_id: str, person) -> bool:
    from courses.models import Enrolment

    return (
        object_id.isdigit()
        and Enrolment.objects.filter(course_id=int(object_id), person=person).exists()
    )


def _attempt_saved(sender, instance, **kwargs) -> None:
    if instance.state == "finished" and instance.passed:
        from courses.learning import complete_after_exam

        complete_after_exam(attempt_id=instance.pk)


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("培训课程")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courses import (
            rollups,
            statistics,  # noqa: F401 (its figures join the catalogue)
        )
        from courses.api import router
        from portal import registry
        from portal.api import api
        from portal.roles import MANAGER, SUPERVISOR

        api.add_router("/courses/", router)
        rollups.connect()
        registry.register_schedule(
            registry.ScheduleSpec(
                name="courses.refresh_training_rollups",
                func="courses.tasks.refresh_training_rollups",
                minutes=rollups.REFRESH_MINUTES,
            )
        )

        registry.register_me_section(
            registry.MeSection(
                key="courses",
                title=_("我的课程"),
                template="courses/me_section.html",
                get_context=me_context,
                order=10,
            )
        )
        registry.register_me_section(
            registry.MeSection(
                key="training-todo",
                title=_("培训待办"),
                template="includes/todo_section.html",
                get_context=todo_context,
                order=3,
            )
        )
        if hasattr(registry, "register_home_section"):
            registry.register_home_section(
                registry.HomeSection(
                    key="courses",
                    title=_("推荐课程"),
                    template="courses/home_section.html",
                    get_context=home_context,
                    order=20,
                )
            )
        if hasattr(registry, "register_live_figure"):
            registry.register_live_figure(
                registry.LiveFigure(
                    key="training_count_this_year",
                    label=_("今年培训人次"),
                    func=live_training_count,
                    unit=_("人次"),
                    figure="training.person_times",
                )
            )
        for role in (MANAGER, SUPERVISOR):
            registry.grant(
                role,
                "courses.view_trainingrecord",
                "courses.view_enrolment",
                "courses.add_enrolment",
                "courses.change_enrolment",
                "courses.view_trainingclass",
                "courses.add_trainingclass",
                "courses.change_trainingclass",
                "courses.delete_trainingclass",
                "courses.view_classregistration",
                "courses.change_classregistration",
                "courses.view_trainingrequirement",
                "courses.view_programme",
                "courses.view_cohort",
            )
        registry.grant(
            SUPERVISOR,
            "courses.change_trainingrequirement",
            "courses.add_programme",
            "courses.change_programme",
            "courses.add_cohort",
            "courses.change_cohort",
        )
        from django.db.models.signals import post_save

        from courses import demo

        try:
            from exams.models import Attempt
        except ImportError:  # pragma: no cover - exams is always installed here
            Attempt = None
        if Attempt is not None:
            post_save.connect(_attempt_saved, sender=Attempt, dispatch_uid="courses-exam-passed")
            # Exam papers may target a class, a programme cohort or a course's learners.
            registry.register_cohort_resolver("courses.TrainingClass", _in_class)
            registry.register_cohort_resolver("courses.Cohort", _in_cohort)
            registry.register_cohort_resolver("courses.CoursePage", _in_course)

        registry.register_seeder(registry.Seeder("courses", demo.seed, order=40))
        for key, view, url_name, query in (
            ("courses.compliance", "courses.views.compliance", "courses:compliance", "format=xlsx"),
            (
                "courses.import-template",
                "courses.views.import_template",
                "courses:import-template",
                "",
            ),
            ("courses.study-log", "courses.views.study_log", "courses:study-log", "format=xlsx"),
        ):
            registry.register_spreadsheet_export(
                registry.SpreadsheetExport(key=key, view=view, url_name=url_name, query=query)
            )
        from courses.classes import ATTENDANCE_COLUMNS
        from courses.models import TrainingKind
        from courses.records import IMPORT_COLUMNS, TRAINING_KIND_ALIASES
        from portal import columns

        columns.register_column(
            columns.Column(
                "培训类型",
                columns.choice("培训类型", lambda: TrainingKind.choices, TRAINING_KIND_ALIASES),
            )
        )
        records = {"columns": tuple(IMPORT_COLUMNS), "required": tuple(IMPORT_COLUMNS)}
        attendance = {"columns": tuple(ATTENDANCE_COLUMNS), "required": tuple(ATTENDANCE_COLUMNS)}
        for path in (
            registry.SpreadsheetImport(key="courses.records", url_name="courses:import", **records),
            registry.SpreadsheetImport(
                key="courses.attendance", url_name="courses:class-import", **attendance
            ),
            registry.SpreadsheetImport(
                key="courses.records-command", command="import_training_records", **records
            ),
        ):
            registry.register_spreadsheet_import(path)
        from courses.classes import attendance_importer
        from courses.records import records_importer

        registry.register_import_runner(
            registry.ImportRunner(kind="courses.records", runner_for=records_importer)
        )
        registry.register_import_runner(
            registry.ImportRunner(kind="courses.attendance", runner_for=attendance_importer)
        )
