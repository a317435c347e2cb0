"""What the training files plug into the portal (called from DossiersConfig.ready()): the
sections of the person's PDF and the summary columns the domain apps' data gives (the 三级安全教育
card and column are registered by their own app, and appear in order here), the 我的 link, the
clean-up schedule and the admin buttons (dossiers.wagtail_hooks)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def me_context(request) -> dict | None:
    """The 我的培训档案 block: for a login with a person record."""
    from django.urls import reverse

    person = getattr(request.user, "person", None)
    if person is None:
        return None
    return {"url": reverse("dossiers:person", args=[person.pk])}


def install() -> None:
    from dossiers import sections
    from portal import registry

    for key, title, template, get_context, order in (
        ("identity", _("基本信息"), "identity", sections.identity_context, 10),
        ("operators", _("特种作业/特种设备作业人员证"), "operator_certificates",
         sections.operator_certificates_context, 30),
        ("training", _("培训记录与年度学时"), "training", sections.training_context, 40),
        ("exams", _("考试成绩"), "exams", sections.exams_context, 50),
        ("certificates", _("培训证书"), "certificates", sections.certificates_context, 60),
        ("drills", _("参加应急演练"), "drills", sections.drills_context, 70),
    ):  # fmt: skip
        registry.register_person_file_section(
            registry.PersonFileSection(
                key=key,
                title=title,
                template=f"pdf/person_file/{template}.html",
                get_context=get_context,
                order=order,
            )
        )
    for key, label, values, order in (
        ("hours", _("本年已修学时"), sections.hours_values, 10),
        ("required", _("本年应修学时"), sections.required_values, 11),
        ("compliant", _("学时达标"), sections.compliant_values, 12),
        ("operator-valid", _("有效操作证数"), sections.valid_certificates_values, 30),
        ("operator-missing", _("缺少的操作证（无证上岗）"), sections.missing_certificates_values, 31),
    ):  # fmt: skip
        registry.register_person_file_column(
            registry.PersonFileColumn(key=key, label=label, values=values, order=order)
        )
    registry.register_me_section(
        registry.MeSection(
            key="dossier",
            title=_("我的培训档案"),
            template="dossiers/me_section.html",
            get_context=me_context,
            order=90,
        )
    )
    registry.register_schedule(
        registry.ScheduleSpec(
            name="dossiers.purge", func="dossiers.tasks.purge_expired", minutes=60
        )
    )
    registry.register_schedule(
        registry.ScheduleSpec(
            name="dossiers.requeue_stalled", func="dossiers.tasks.requeue_stalled", minutes=10
        )
    )
