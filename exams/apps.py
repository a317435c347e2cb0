from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("考试")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save, pre_delete
        from wagtail.images import get_image_model

        from exams import (
            demo,
            statistics,  # noqa: F401 (its figures join the figure catalogue)
            views,
            workbench,
        )
        from exams.api import attempts_router, exams_router, practice_router
        from exams.models import image_changed
        from portal import registry, roles
        from portal.api import api

        # a question's snapshot holds its image's rendition URL: a new file or a deleted image
        # (SET_NULL, no save of the question) changes what the next start must show
        for signal in (post_save, pre_delete):
            signal.connect(
                image_changed,
                sender=get_image_model(),
                dispatch_uid=f"exams-image-pool-{signal is post_save}",
            )

        api.add_router("/exams/", exams_router)
        api.add_router("/attempts/", attempts_router)
        api.add_router("/practice/", practice_router)
        registry.register_me_section(
            registry.MeSection(
                key="exams",
                title=_("我的考试"),
                template="exams/me_section.html",
                get_context=views.me_section_context,
                order=5,  # a worker's exams open now come first
            )
        )
        registry.register_me_section(
            registry.MeSection(
                key="exam-todo",
                title=_("考务待办"),
                template="includes/todo_section.html",
                get_context=workbench.todo_context,
                order=6,
            )
        )
        if hasattr(registry, "register_home_section"):
            registry.register_home_section(
                registry.HomeSection(
                    key="exams",
                    title=_("我的待考"),
                    template="exams/home_section.html",
                    get_context=views.home_section_context,
                    order=30,
                    personal=True,
                )
            )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="exams.sweep_expired_attempts",
                func="exams.tasks.sweep_expired_attempts",
                minutes=1,
            )
        )
        registry.register_seeder(
            registry.Seeder("exams", demo.seed_papers, order=30, later="exams.demo.seed_attempts")
        )
        for key, view, url_name, query in (
            ("exams.bank", "exams.admin_views.bank_export", "exams_admin:bank-export", ""),
            (
                "exams.results",
                "exams.admin_views.paper_results",
                "exams_admin:results",
                "export=xlsx",
            ),
            (
                "exams.import-template",
                "exams.admin_views.question_template",
                "exams_admin:import-template",
                "",
            ),
        ):
            registry.register_spreadsheet_export(
                registry.SpreadsheetExport(key=key, view=view, url_name=url_name, query=query)
            )
        from exams import importing

        importing.register_columns()  # 题干, 解析, 难度, 知识点 join portal.columns' vocabulary
        questions = {"columns": tuple(importing.COLUMNS), "required": tuple(importing.ROW_REQUIRED)}
        registry.register_spreadsheet_import(
            registry.SpreadsheetImport(
                key="exams.questions", url_name="exams_admin:import", **questions
            )
        )
        registry.register_spreadsheet_import(
            registry.SpreadsheetImport(
                key="exams.questions-command", command="import_questions", **questions
            )
        )
        from exams.importing import questions_importer

        registry.register_import_runner(
            registry.ImportRunner(kind="exams.questions", runner_for=questions_importer)
        )
        perms = [
            f"exams.{action}_{model}"
            for model in ("questionbank", "question", "paper")
            for action in ("add", "change", "delete", "view")
        ] + ["exams.view_attempt"]
        for role in (roles.EXAMINER, roles.SUPERVISOR, roles.MANAGER):
            registry.grant(role, *perms)
