from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("证书")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certificates import (
            checks,  # noqa: F401  (registers the system checks)
            demo,
            pdf,
            statistics,  # noqa: F401 (its figures join the figure catalogue)
            views,
        )
        from certificates.api import router
        from certificates.metrics import RendersLastMinuteCollector
        from portal import registry, roles
        from portal.api import api
        from portal.metrics import register_scrape_collector
        from portal.views import HEALTH_CHECKS

        register_scrape_collector("certificates.renders", RendersLastMinuteCollector())

        api.add_router("/certificates/", router)
        HEALTH_CHECKS["certificate_pdf"] = pdf.font_health
        registry.register_me_section(
            registry.MeSection(
                key="certificates",
                title=_("我的证书"),
                template="certificates/me_section.html",
                get_context=views.me_section_context,
                order=40,
            )
        )
        registry.register_me_section(
            registry.MeSection(
                key="certificate-todo",
                title=_("证书待办"),
                template="includes/todo_section.html",
                get_context=views.todo_context,
                order=4,
            )
        )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="certificates.expiry_reminders",
                func="certificates.tasks.send_expiry_reminders",
                minutes=60,
            )
        )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="certificates.requeue_stalled_renders",
                func="certificates.tasks.requeue_stalled_renders",
                minutes=10,
            )
        )
        registry.register_seeder(registry.Seeder("certificates", demo.seed, order=20))
        template_perms = [
            f"certificates.{a}_certificatetemplate" for a in ("add", "change", "view")
        ]
        registry.grant(roles.SUPERVISOR, *template_perms)
        registry.grant(roles.EXAMINER, *template_perms)
        registry.grant(roles.EDITOR, *template_perms)
        registry.grant(
            roles.SUPERVISOR,
            "certificates.view_certificate",
            "certificates.issue_certificate",
            "certificates.revoke_certificate",
            "certificates.view_bulkissue",
        )
        registry.grant(roles.MANAGER, "certificates.view_certificate")
