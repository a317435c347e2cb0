from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    label = "dashboard"
    verbose_name = _("数据看板")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import registry

        registry.register_spreadsheet_export(
            registry.SpreadsheetExport(
                key="dashboard.report",
                view="dashboard.services.render_report",
                url_name="dashboard:report",
                query="format=xlsx",
            )
        )
