"""Roles are Django groups (so Wagtail's group permissions apply); these are their names.

The groups and their permissions are created by a data migration (portal/migrations) and kept
in step by `ensure_role_groups()`, which seed_demo calls too.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MANAGER = "企业安全管理员"
SUPERVISOR = "监管人员"
EDITOR = "内容编辑"
REVIEWER = "内容审核"
EXAMINER = "考务管理员"

ROLE_LABELS = {
    MANAGER: _("企业安全管理员"),
    SUPERVISOR: _("监管人员"),
    EDITOR: _("内容编辑"),
    REVIEWER: _("内容审核"),
    EXAMINER: _("考务管理员"),
}


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    return role in user.group_names


def is_manager(user) -> bool:
    return has_role(user, MANAGER) and user.enterprise_id is not None


def is_supervisor(user) -> bool:
    return has_role(user, SUPERVISOR) and user.region_id is not None


def is_examiner(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, EXAMINER))


ALL_ROLES = (MANAGER, SUPERVISOR, EDITOR, REVIEWER, EXAMINER)


def is_last_migrated_app(sender) -> bool:
    """Whether `sender` (a post_migrate sender) is the last app with models: post_migrate is sent
    once per app, and a handler that needs every app's tables or permissions runs at the last."""
    from django.apps import apps

    migrated = [config for config in apps.get_app_configs() if config.models_module is not None]
    return sender is migrated[-1]


def sync_role_groups_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate is sent once per app (by every migrate, and by the flush after each
    transactional test); the role groups need every app's permissions, which all exist once the
    last app's signal is sent: synced then, once, not once per app (31 syncs, 3.7 s a flush)."""
    from django.contrib.auth.management import create_permissions

    if not is_last_migrated_app(sender):
        return
    # the last app's own permissions: auth's handler may be called after this one for it
    create_permissions(sender, verbosity=0, interactive=False, using=using)
    sync_role_groups()


def sync_role_groups(**kwargs) -> None:
    """Creates the role groups and gives them the permissions the apps registered. Idempotent;
    runs after every migrate. Permissions an administrator added by hand are kept."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    from portal.registry import role_permissions

    for role in ALL_ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = role_permissions.get(role, set())
        if not wanted:
            continue
        match = Q()
        for perm in wanted:
            app_label, codename = perm.split(".", 1)
            match |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(match))
