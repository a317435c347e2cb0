from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def todo_context(request) -> dict | None:
    """The 统计填报 to-do of the 工作台: for a manager the open returns not yet submitted (and the
    returned ones), for a supervisor the returns waiting for their review. None for anyone else."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from portal.scoping import Scope, scope_for
    from returns import services
    from returns.models import Filing, FilingStatus

    scope = scope_for(request.user)
    url = reverse("returns_admin:index")
    if scope.kind == Scope.Kind.ENTERPRISE:
        forms = services.open_forms_for(scope.enterprise_id)
        if not forms:
            return None
        status = dict(
            Filing.objects.filter(enterprise_id=scope.enterprise_id, form__in=forms).values_list(
                "form_id", "status"
            )
        )
        to_file = sum(
            1
            for f in forms
            if status.get(f.pk) in (None, FilingStatus.DRAFT, FilingStatus.RETURNED)
        )
        returned = sum(1 for f in forms if status.get(f.pk) == FilingStatus.RETURNED)
        items = [{"label": _("待填报的统计报表"), "count": to_file, "url": url, "tone": "warn"}]
        if returned:
            items.append(
                {"label": _("被退回的统计报表"), "count": returned, "url": url, "tone": "bad"}
            )
        return {"items": items, "links": [{"label": _("统计填报"), "url": url}]}
    if scope.kind in (Scope.Kind.REGION, Scope.Kind.ALL):
        queue = services.visible_filings(request.user).filter(
            status__in=(FilingStatus.SUBMITTED, FilingStatus.PASSED)
        )
        waiting = sum(
            1
            for f in queue.select_related("enterprise__street")
            if services.can_pass(request.user, f) or services.can_accept(request.user, f)
        )
        return {
            "items": [{"label": _("待审核的统计填报"), "count": waiting, "url": url}],
            "links": [{"label": _("统计填报"), "url": url}],
        }
    return None


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = _("统计填报")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import registry
        from portal.roles import MANAGER, SUPERVISOR
        from returns import statistics  # noqa: F401 (its figures join the catalogue)
        from returns.demo import seed

        registry.register_seeder(registry.Seeder(name="returns", func=seed, order=70))
        registry.register_me_section(
            registry.MeSection(
                key="returns-todo",
                title=_("统计填报"),
                template="includes/todo_section.html",
                get_context=todo_context,
                order=4,
            )
        )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="returns.reminders", func="returns.tasks.send_reminders", minutes=60
            )
        )
        registry.register_spreadsheet_export(
            registry.SpreadsheetExport(
                key="returns.tracker",
                view="returns.admin_views.tracker",
                url_name="returns_admin:tracker",
                query="export=xlsx",
            )
        )
        from portal import columns
        from returns.importing import CODE, TEMPLATE_COLUMNS, credit_code

        columns.register_column(columns.Column(CODE, credit_code))
        for path in (
            registry.SpreadsheetImport(
                key="returns.filings",
                url_name="returns_admin:import",
                columns=TEMPLATE_COLUMNS,
                required=(CODE,),
            ),
            registry.SpreadsheetImport(
                key="returns.filings-command",
                command="import_returns",
                columns=TEMPLATE_COLUMNS,
                required=(CODE,),
            ),
        ):
            registry.register_spreadsheet_import(path)
        from returns.importing import filings_importer

        registry.register_import_runner(
            registry.ImportRunner(kind="returns.filings", runner_for=filings_importer)
        )
        registry.grant(MANAGER, "returns.view_filing")
        registry.grant(
            SUPERVISOR,
            "returns.view_returnform",
            "returns.add_returnform",
            "returns.change_returnform",
            "returns.view_filing",
        )
