"""What 三级安全教育 plugs into the portal (called from InductionConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SECTION_SIZE = 5


def sign_context(request) -> dict | None:
    """The sign-offs waiting for the user (as trainee or instructor); None when there are none."""
    from induction import services
    from induction.views import pending_levels

    levels = list(pending_levels(request.user)[: SECTION_SIZE + 1])
    if not levels:
        return None
    return {
        "levels": [(lv, services.may_sign(request.user, lv)) for lv in levels[:SECTION_SIZE]],
        "more": len(levels) > SECTION_SIZE,
    }


def todo_context(request) -> dict | None:
    """The 三级教育 to-do of a manager (their people working without a complete one) or a
    supervisor (their region's; the list by enterprise behind the link). None for anyone else."""
    from django.urls import reverse

    from induction.statistics import incomplete_figures
    from portal.registry import figure_todo

    index = reverse("induction_admin:index")
    return figure_todo(
        request,
        figure=incomplete_figures,
        label=_("未完成三级安全教育上岗人数"),
        url=index + "#induction-flagged",
        links=[(_("三级安全教育登记"), index)],
    )


def compliance_flag(scope, period) -> dict:
    """The 学时达标 page's 三级教育 flag: the figure's count and each flagged person's reason."""
    from django.urls import reverse

    from induction.statistics import incomplete_figures

    figures = incomplete_figures(scope, period)
    return {
        "count": figures["count"],
        "people": {row.person.pk: row.reason_text for row in figures["rows"]},
        "url": reverse("induction_admin:index") + "#induction-flagged",
    }


def file_section_context(person, on) -> dict | None:
    """The person's 三级安全教育 cards for their training file (None without any)."""
    from induction.models import Induction
    from induction.pdf import card_context

    inductions = (
        Induction.objects.filter(person=person, starts_on__lte=on)
        .select_related("person__enterprise")
        .prefetch_related("levels__instructor", "levels__instructor_signed_by")
        .order_by("starts_on", "pk")
    )
    cards = [card_context(i, on) for i in inductions]
    return {"cards": cards} if cards else None


def file_column_values(people, on) -> dict:
    from induction.statistics import person_states, state_label

    states = person_states(people, on)
    return {pid: state_label(states.get(pid)) for pid in people.values_list("pk", flat=True)}


def install() -> None:
    from induction import demo, statistics  # noqa: F401 (its figure joins the catalogue)
    from portal import registry
    from portal.roles import MANAGER, SUPERVISOR

    registry.register_me_section(
        registry.MeSection(
            key="induction-sign",
            title=_("三级安全教育待签字"),
            template="induction/me_section.html",
            get_context=sign_context,
            order=4,
        )
    )
    registry.register_me_section(
        registry.MeSection(
            key="induction-todo",
            title=_("三级安全教育待办"),
            template="includes/todo_section.html",
            get_context=todo_context,
            order=6,
        )
    )
    registry.register_seeder(registry.Seeder("induction", demo.seed, order=47))
    registry.register_spreadsheet_export(
        registry.SpreadsheetExport(
            key="induction.incomplete",
            view="induction.admin_views.flagged_workbook",
            url_name="induction_admin:index",
            query="format=xlsx",
        )
    )
    registry.register_schedule(
        registry.ScheduleSpec(
            name="induction.purge_cards", func="induction.tasks.purge_cards", minutes=60
        )
    )
    registry.register_compliance_flag(
        registry.ComplianceFlag(
            key="induction",
            label=_("未完成三级教育上岗"),
            hint=_("已到上岗日期而三级安全教育未完成，或入职一年内未登记三级教育的在职人员"),
            get=compliance_flag,
        )
    )
    registry.register_person_file_section(
        registry.PersonFileSection(
            key="induction",
            title=_("三级安全教育"),
            template="pdf/induction_card_section.html",
            get_context=file_section_context,
            order=30,
        )
    )
    registry.register_person_file_column(
        registry.PersonFileColumn(
            key="induction", label=_("三级教育"), values=file_column_values, order=30
        )
    )
    perms = [
        f"induction.{action}_{model}"
        for model in ("induction", "inductionlevel")
        for action in ("add", "change", "view")
    ]
    for role in (MANAGER, SUPERVISOR):
        registry.grant(role, *perms, "induction.delete_induction")
