"""What the register plugs into the portal (called from OperatorsConfig.ready())."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def todo_context(request) -> dict | None:
    """The 持证 to-do of a manager (their enterprise's 无证上岗 people) or a supervisor (their
    region's, the list by enterprise behind the link). None for anyone else."""
    from django.urls import reverse

    from operators.statistics import unlicensed_figures
    from portal.registry import figure_todo

    return figure_todo(
        request,
        figure=unlicensed_figures,
        label=_("无证上岗人数"),
        url=reverse("operators_admin:unlicensed"),
        links=[
            (_("持证记录"), reverse("operators_certificates:index")),
            (_("导入持证记录"), reverse("operators_admin:import")),
        ],
    )


def _special_operation_saved(sender, instance, **kwargs) -> None:
    """A 30号令 catalogue entry added or renamed: its 特种作业 kind follows."""
    from operators.models import OperatorKind, Scheme

    OperatorKind.objects.update_or_create(
        special_operation=instance,
        defaults={
            "scheme": Scheme.SPECIAL_OPERATION,
            "category": instance.category.name,
            "name": instance.name,
        },
    )


def _certificate_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    from operators.services import sync_person

    sync_person(instance)


def install() -> None:
    from operators import demo, statistics  # noqa: F401 (its figure joins the catalogue)
    from operators.models import OperatorCertificate
    from operators.services import IMPORT_COLUMNS, IMPORT_REQUIRED
    from portal import columns, registry
    from portal.models import SpecialOperation
    from portal.roles import MANAGER, SUPERVISOR

    post_save.connect(
        _special_operation_saved, sender=SpecialOperation, dispatch_uid="operators-kind-sync"
    )
    post_save.connect(
        _certificate_saved, sender=OperatorCertificate, dispatch_uid="operators-person-sync"
    )
    registry.register_me_section(
        registry.MeSection(
            key="operators-todo",
            title=_("持证上岗待办"),
            template="includes/todo_section.html",
            get_context=todo_context,
            order=5,
        )
    )
    from operators import views

    registry.register_me_section(
        registry.MeSection(
            key="operators-mine",
            title=_("我的操作证"),
            template="operators/me_section.html",
            get_context=views.me_section_context,
            order=41,
        )
    )
    registry.register_schedule(
        registry.ScheduleSpec(
            name="operators.reminders", func="operators.tasks.send_reminders", minutes=60
        )
    )
    registry.register_seeder(registry.Seeder("operators", demo.seed, order=45))

    def _schemes():
        from operators.models import Scheme

        return Scheme.choices

    for column in (
        columns.Column("证书类别", columns.choice("证书类别", _schemes)),
        columns.Column("作业类别", columns.text("作业类别", max_length=50)),
        columns.Column("作业项目", columns.text("作业项目", max_length=80)),
        columns.Column("证书编号", columns.text("证书编号", max_length=40)),
        columns.Column("发证机关", columns.text("发证机关", max_length=100)),
        columns.Column(
            "初次领证日期", columns.a_date("初次领证日期", not_after_today=True), empty=None
        ),
        columns.Column(
            "最近复审日期", columns.a_date("最近复审日期", not_after_today=True), empty=None
        ),
        columns.Column("有效期至", columns.a_date("有效期至"), empty=None),
    ):
        columns.register_column(column)
    spec = {"columns": tuple(IMPORT_COLUMNS), "required": tuple(IMPORT_REQUIRED)}
    registry.register_spreadsheet_import(
        registry.SpreadsheetImport(
            key="operators.certificates", url_name="operators_admin:import", **spec
        )
    )
    registry.register_spreadsheet_import(
        registry.SpreadsheetImport(
            key="operators.certificates-command", command="import_operator_certificates", **spec
        )
    )
    from operators.services import certificates_importer

    registry.register_import_runner(
        registry.ImportRunner(kind="operators.certificates", runner_for=certificates_importer)
    )
    for key, view, url_name in (
        ("operators.certificates", "operators.admin_views.export", "operators_admin:export"),
        ("operators.template", "operators.admin_views.template", "operators_admin:template"),
        ("operators.unlicensed", "operators.admin_views.unlicensed", "operators_admin:unlicensed"),
    ):
        registry.register_spreadsheet_export(
            registry.SpreadsheetExport(
                key=key,
                view=view,
                url_name=url_name,
                query="format=xlsx" if key == "operators.unlicensed" else "",
            )
        )
    perms = [
        f"operators.{action}_{model}"
        for model in ("operatorcertificate", "position")
        for action in ("add", "change", "delete", "view")
    ]
    for role in (MANAGER, SUPERVISOR):
        registry.grant(
            role,
            *perms,
            "operators.view_operatorkind",
            "operators.view_validityrule",
            "operators.view_certificateevent",
        )
    registry.grant(
        SUPERVISOR,
        "operators.add_operatorkind",
        "operators.change_operatorkind",
        "operators.change_validityrule",
    )
