from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("组织与人员")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_q.signals import post_execute

        from portal import checks, registry, tasks  # noqa: F401  (registers system checks)
        from portal.roles import EDITOR, EXAMINER, MANAGER, REVIEWER, SUPERVISOR, sync_role_groups
        from portal.schedules import sync_schedules

        registry.register_schedule(
            registry.ScheduleSpec(name="portal.heartbeat", func=tasks.HEARTBEAT_FUNC, minutes=1)
        )
        post_execute.connect(tasks.heartbeat_recorded, dispatch_uid="portal.heartbeat_recorded")
        for role in (MANAGER, SUPERVISOR, EDITOR, REVIEWER, EXAMINER):
            registry.grant(role, "wagtailadmin.access_admin")
        for role in (MANAGER, SUPERVISOR):
            registry.grant(role, "portal.view_person", "portal.add_person", "portal.change_person")
            registry.grant(role, "portal.view_enterprise")
        registry.grant(
            SUPERVISOR, "portal.change_enterprise", "portal.add_enterprise", "portal.view_region"
        )
        registry.grant(MANAGER, "portal.change_enterprise")
        post_migrate.connect(sync_schedules, sender=self)
        # Runs after each app's migrate, so permissions of apps later in INSTALLED_APPS exist by the end.
        post_migrate.connect(sync_role_groups, dispatch_uid="portal.sync_role_groups")
