from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("应急演练")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from drills import statistics  # noqa: F401 (its figures join the figure catalogue)
        from drills.api import router
        from drills.demo import seed_drills
        from drills.me import me_context, todo_context
        from portal import registry
        from portal.api import api
        from portal.roles import MANAGER, SUPERVISOR

        api.add_router("/drills/", router)
        registry.register_me_section(
            registry.MeSection(
                key="drills",
                title=_("我的演练"),
                template="drills/me_section.html",
                get_context=me_context,
                order=30,
            )
        )
        registry.register_me_section(
            registry.MeSection(
                key="drill-todo",
                title=_("演练待办"),
                template="includes/todo_section.html",
                get_context=todo_context,
                order=2,
            )
        )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="drills.reminders", func="drills.tasks.send_reminders", minutes=15
            )
        )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="drills.requeue_stalled_reports",
                func="drills.tasks.requeue_stalled_reports",
                minutes=10,
            )
        )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="drills.notify_unreported", func="drills.tasks.notify_unreported", minutes=60
            )
        )
        registry.register_seeder(registry.Seeder(name="drills", func=seed_drills, order=50))
        for role in (MANAGER, SUPERVISOR):
            registry.grant(
                role,
                *(
                    f"drills.{op}_{m}"
                    for m in ("drill", "emergencyplan")
                    for op in ("view", "add", "change")
                ),
            )
            registry.grant(role, "drills.view_participation", "drills.change_participation")
            registry.grant(role, "drills.view_correctiveaction", "drills.change_correctiveaction")
            registry.grant(role, "drills.view_frequencyrule", "drills.view_evaluationtemplate")
        registry.grant(
            SUPERVISOR,
            "drills.change_frequencyrule",
            "drills.add_frequencyrule",
            "drills.change_evaluationtemplate",
            "drills.add_evaluationtemplate",
        )
