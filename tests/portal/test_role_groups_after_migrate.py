"""After a migrate (or the flush of a transactional test, which sends post_migrate too), the role
groups exist with every permission the apps registered for them — synced once per migrate, when
the last app's signal is sent, not once per app."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management.sql import emit_post_migrate_signal

from portal import roles
from portal.registry import role_permissions


def _granted(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.django_db
def test_post_migrate_syncs_the_role_groups_once(monkeypatch):
    calls = []
    sync = roles.sync_role_groups
    monkeypatch.setattr(roles, "sync_role_groups", lambda: calls.append(1) or sync())
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert calls == [1]


@pytest.mark.django_db
def test_after_post_migrate_every_role_has_every_permission_registered_for_it():
    Group.objects.filter(name__in=roles.ALL_ROLES).delete()
    Permission.objects.filter(content_type__app_label="sessions").delete()  # the last app's
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert Permission.objects.filter(content_type__app_label="sessions").exists()
    for role in roles.ALL_ROLES:
        assert _granted(role) >= role_permissions.get(role, set()), role
    assert any(role_permissions.get(role) for role in roles.ALL_ROLES)
