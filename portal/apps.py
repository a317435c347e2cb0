from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _

SNAPSHOT_TIDY_MINUTES = 5


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("组织与人员")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _
        from django_q.signals import post_execute

        from portal import admin_export, checks, registry, tasks  # noqa: F401  (registers system checks)
        from portal.notices import me_section_context
        from portal.roles import (
            EDITOR,
            EXAMINER,
            MANAGER,
            REVIEWER,
            SUPERVISOR,
            sync_role_groups_after_migrate,
        )
        from portal.schedules import sync_schedules

        _lazy_chooser_texts()
        registry.register_me_section(
            registry.MeSection(
                key="notices",
                title=_("未读通知"),
                template="includes/todo_section.html",
                get_context=me_section_context,
                order=45,
            )
        )
        registry.register_schedule(
            registry.ScheduleSpec(name="portal.heartbeat", func=tasks.HEARTBEAT_FUNC, minutes=1)
        )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="portal.first_password_sheets",
                func="portal.accounts.drop_stale_sheets",
                minutes=15,
            )
        )
        from portal.services import roster_importer

        registry.register_import_runner(
            registry.ImportRunner(kind="portal.roster", runner_for=roster_importer)
        )
        post_execute.connect(tasks.heartbeat_recorded, dispatch_uid="portal.heartbeat_recorded")
        from portal import metrics

        metrics.register_scrape_collector("portal.task_queue", metrics.TaskQueueCollector())
        for role in (MANAGER, SUPERVISOR, EDITOR, REVIEWER, EXAMINER):
            registry.grant(role, "wagtailadmin.access_admin")
        for role in (MANAGER, SUPERVISOR):
            registry.grant(role, "portal.view_person", "portal.add_person", "portal.change_person")
            registry.grant(role, "portal.view_enterprise", "portal.view_importbatch")
        registry.grant(EXAMINER, "portal.view_importbatch")
        registry.grant(
            SUPERVISOR, "portal.change_enterprise", "portal.add_enterprise", "portal.view_region"
        )
        registry.grant(MANAGER, "portal.change_enterprise")
        registry.grant(SUPERVISOR, "portal.view_highriskindustry", "portal.change_highriskindustry")
        admin_export.install()
        for key, view, url_name in (
            ("portal.roster", "portal.admin_views.roster_export", "portal_admin:roster-export"),
            (
                "portal.roster-template",
                "portal.admin_views.roster_template",
                "portal_admin:roster-template",
            ),
            # The sheet of first passwords after an import or a reset (a data: link on the page).
            (
                "portal.logins",
                "portal.admin_views._credentials_page",
                "portal_admin:reset-password",
            ),
            # ... and after a big roster import the task cluster ran (downloaded once).
            (
                "portal.first-passwords",
                "portal.progress_views.first_passwords",
                "portal:first-passwords",
            ),
        ):
            registry.register_spreadsheet_export(
                registry.SpreadsheetExport(key=key, view=view, url_name=url_name)
            )
        from portal.services import ROSTER_COLUMNS, ROSTER_REQUIRED

        roster = {"columns": tuple(ROSTER_COLUMNS), "required": tuple(ROSTER_REQUIRED)}
        registry.register_spreadsheet_import(
            registry.SpreadsheetImport(
                key="portal.roster", url_name="portal_admin:roster-import", **roster
            )
        )
        registry.register_spreadsheet_import(
            registry.SpreadsheetImport(
                key="portal.roster-command", command="import_people", **roster
            )
        )
        # Wagtail's redirect import also takes .xlsx (admin and command): portal.admin_export
        # makes it read through portal.xlsx.read_sheet too.
        registry.register_spreadsheet_import(
            registry.SpreadsheetImport(
                key="wagtail.redirects", url_name="wagtailredirects:start_import"
            )
        )
        registry.register_spreadsheet_import(
            registry.SpreadsheetImport(key="wagtail.redirects-command", command="import_redirects")
        )
        post_migrate.connect(sync_schedules, sender=self)
        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="portal.sync_role_groups")
        from portal.db import changes

        pre_migrate.connect(changes.drop_before_migrate, dispatch_uid="portal.data_version_off")
        post_migrate.connect(changes.install_after_migrate, dispatch_uid="portal.data_version")
        registry.register_schedule(
            registry.ScheduleSpec(
                name="portal.tidy_figure_snapshots",
                func="portal.tasks.tidy_figure_snapshots",
                minutes=SNAPSHOT_TIDY_MINUTES,
            )
        )


def _lazy_chooser_texts() -> None:
    """Wagtail's ChooserViewSet gettext's its default button texts at import, so a chooser without
    texts of its own says "Choose"/"Edit" in English to everyone; made lazy, they follow each
    user's language (Wagtail's zh_Hans catalogue translates them)."""
    from django.utils.translation import gettext_lazy
    from wagtail.admin.viewsets.chooser import ChooserViewSet

    ChooserViewSet.choose_one_text = gettext_lazy("Choose")
    ChooserViewSet.choose_another_text = gettext_lazy("Choose another")
    ChooserViewSet.edit_item_text = gettext_lazy("Edit")
