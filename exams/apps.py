from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("考试")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from exams import demo, views
        from exams.api import attempts_router, exams_router, practice_router
        from portal import registry, roles
        from portal.api import api

        api.add_router("/exams/", exams_router)
        api.add_router("/attempts/", attempts_router)
        api.add_router("/practice/", practice_router)
        registry.register_me_section(
            registry.MeSection(
                key="exams",
                title=_("我的考试"),
                template="exams/me_section.html",
                get_context=views.me_section_context,
                order=20,
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
        registry.register_seeder(registry.Seeder("exams", demo.seed, order=30))
        perms = [
            f"exams.{action}_{model}"
            for model in ("questionbank", "question", "paper")
            for action in ("add", "change", "delete", "view")
        ] + ["exams.view_attempt"]
        for role in (roles.EXAMINER, roles.SUPERVISOR, roles.MANAGER):
            registry.grant(role, *perms)
