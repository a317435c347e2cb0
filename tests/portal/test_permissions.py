"""portal.auth.PortalBackend loads a user's permissions in one query (Django's ModelBackend takes
two, each through the ORM) and answers exactly as ModelBackend does: checked for every way a user
may get a permission or lose it, and for the Wagtail admin's access_admin in particular (the
navigation's 管理后台 link). It also reads a signed-in user with their person in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from portal.auth import PortalBackend
from portal.models import User
from tests.factories import UserFactory

ADMIN = "wagtailadmin.access_admin"


def _permission(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _same(user) -> set[str]:
    """Both backends' answers on freshly loaded users (nothing kept from before)."""
    ours_user, theirs_user = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)
    ours = PortalBackend().get_all_permissions(ours_user)
    assert ours == ModelBackend().get_all_permissions(theirs_user)
    assert PortalBackend().get_user_permissions(ours_user) == ModelBackend().get_user_permissions(
        theirs_user
    )
    assert PortalBackend().get_group_permissions(ours_user) == ModelBackend().get_group_permissions(
        theirs_user
    )
    assert User.objects.get(pk=user.pk).has_perm(ADMIN) == (ADMIN in ours)
    return ours


@pytest.mark.django_db
def test_the_same_permissions_as_djangos_for_every_way_in_and_out(
    worker, manager, supervisor, editor, reviewer, examiner, superuser
):
    for user in (worker, manager, supervisor, editor, reviewer, examiner, superuser):
        _same(user)
    assert ADMIN not in _same(worker)
    assert ADMIN in _same(editor)
    assert ADMIN in _same(superuser)

    direct = UserFactory(username="direct")
    direct.user_permissions.add(_permission(ADMIN), _permission("portal.view_person"))
    assert {ADMIN, "portal.view_person"} <= _same(direct)
    direct.user_permissions.remove(_permission(ADMIN))
    assert ADMIN not in _same(direct)

    group = Group.objects.create(name="后台查看")
    group.permissions.add(_permission(ADMIN))
    member = UserFactory(username="member", roles=[])
    member.groups.add(group)
    direct.groups.add(group)  # the same permission twice, directly and by a group
    direct.user_permissions.add(_permission(ADMIN))
    assert ADMIN in _same(member)
    assert ADMIN in _same(direct)
    group.permissions.clear()
    assert ADMIN not in _same(member)

    editor.is_active = False
    editor.save()
    superuser.is_active = False
    superuser.save()
    assert _same(editor) == set()
    assert _same(superuser) == set()


@pytest.mark.django_db
def test_one_query_for_a_page_however_many_checks(queries, editor, worker):
    for user, expected in ((editor, True), (worker, False)):
        user = User.objects.get(pk=user.pk)
        with queries.capture() as ctx:
            assert user.has_perm(ADMIN) is expected
            assert user.has_perm("portal.view_person") is user.has_perm("portal.view_person")
            user.get_all_permissions()
        assert len(ctx.captured_queries) == 1


@pytest.mark.django_db
def test_the_signed_in_user_comes_with_their_person_in_one_query(
    django_assert_num_queries, worker, supervisor
):
    """Every page's navigation asks `user.person` (a worker's 考试 and 证书): it is read with the
    user. Someone without a person record has none, with no second query; an inactive user is
    not signed in, as with ModelBackend."""
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(worker.pk)
        assert user.person.pk == worker.person.pk
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(supervisor.pk)
        assert getattr(user, "person", None) is None
    User.objects.filter(pk=worker.pk).update(is_active=False)
    assert PortalBackend().get_user(worker.pk) is None
    assert ModelBackend().get_user(worker.pk) is None
    assert PortalBackend().get_user(10**9) is None
