from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("技能竞赛")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from competitions import statistics  # noqa: F401 (its figures join the figure catalogue)
        from competitions.demo import seed
        from competitions.me import judge_context, me_context
        from portal import registry
        from portal.roles import MANAGER, SUPERVISOR

        registry.register_seeder(registry.Seeder(name="competitions", func=seed, order=60))
        registry.register_spreadsheet_export(
            registry.SpreadsheetExport(
                key="competitions.results",
                view="competitions.admin_views.results",
                url_name="competitions_admin:results",
                query="export=xlsx",
            )
        )
        registry.register_me_section(
            registry.MeSection(
                key="competitions",
                title=_("技能竞赛"),
                template="competitions/me_section.html",
                get_context=me_context,
                order=50,
            )
        )
        registry.register_me_section(
            registry.MeSection(
                key="judging",
                title=_("待评分的竞赛"),
                template="competitions/me_section.html",
                get_context=judge_context,
                order=1,
            )
        )
        # Supervisors set competitions up (items and judges are edited with the competition);
        # managers register their own enterprise's teams. Judges need no permission: being
        # assigned to a competition is what lets them score it (competitions.services.is_judge).
        registry.grant(
            SUPERVISOR,
            *(f"competitions.{op}_competition" for op in ("view", "add", "change", "delete")),
        )
        for role in (MANAGER, SUPERVISOR):
            registry.grant(
                role, *(f"competitions.{op}_team" for op in ("view", "add", "change", "delete"))
            )
