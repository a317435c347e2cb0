from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    label = "dashboard"
    verbose_name = _("数据看板")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboard.workbench import figures_context
        from portal import registry

        registry.register_me_section(
            registry.MeSection(
                key="figures",
                title=_("数据看板"),
                template="includes/todo_section.html",
                get_context=figures_context,
                order=7,
            )
        )

        registry.register_spreadsheet_export(
            registry.SpreadsheetExport(
                key="dashboard.report",
                view="dashboard.services.render_report",
                url_name="dashboard:report",
                query="format=xlsx",
            )
        )
