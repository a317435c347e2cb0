"""The one answer to "which enterprises and people may this user see".

Every view, admin listing, export and API of every app scopes through these functions:
- a superuser sees everything;
- a supervisor sees the enterprises and people of their region's subtree (区 → 街道 → 社区);
- an enterprise safety manager sees their own enterprise;
- anyone else (a worker) sees no enterprise and only their own Person row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q, QuerySet

from portal import roles
from portal.models import Enterprise, Person, Region


class ScopeKind(StrEnum):
    ALL = "all"  # a superuser
    REGION = "region"  # a supervisor: their region's subtree
    ENTERPRISE = "enterprise"  # an enterprise's safety manager
    SELF = "self"  # a worker: their own Person row
    NONE = "none"  # anonymous, inactive, or a login without a person


@dataclass(frozen=True)
class Scope:
    Kind = ScopeKind

    kind: ScopeKind
    region: Region | None = None
    enterprise_id: int | None = None
    person_id: int | None = None

    @property
    def is_all(self) -> bool:
        """A superuser's: everything."""
        return self.kind == ScopeKind.ALL

    @property
    def is_region(self) -> bool:
        """A supervisor's (or a region's, for the statistics): a region's subtree."""
        return self.kind == ScopeKind.REGION

    @property
    def is_enterprise(self) -> bool:
        """An enterprise safety manager's (or an enterprise's): one enterprise."""
        return self.kind == ScopeKind.ENTERPRISE

    @property
    def is_self(self) -> bool:
        """A worker's: their own Person row."""
        return self.kind == ScopeKind.SELF

    @property
    def is_none(self) -> bool:
        """Anonymous, inactive, or a login without a person: nothing."""
        return self.kind == ScopeKind.NONE

    @property
    def is_supervising(self) -> bool:
        """A superuser's or a supervisor's: the scopes that oversee regions (exports with full
        identity numbers, government bodies, district-wide lists)."""
        return self.kind in {ScopeKind.ALL, ScopeKind.REGION}

    @property
    def is_staff_scope(self) -> bool:
        return self.kind in {ScopeKind.ALL, ScopeKind.REGION, ScopeKind.ENTERPRISE}

    @classmethod
    def everything(cls) -> Scope:
        return cls(ScopeKind.ALL)

    @classmethod
    def of_region(cls, region: Region) -> Scope:
        """The scope of a region's subtree (a district, a street), independent of any user."""
        return cls(ScopeKind.REGION, region=region)

    @classmethod
    def of_enterprise(cls, enterprise_id: int) -> Scope:
        return cls(ScopeKind.ENTERPRISE, enterprise_id=enterprise_id)

    @classmethod
    def of_person(cls, person_id: int) -> Scope:
        return cls(ScopeKind.SELF, person_id=person_id)


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if user is not None and user.is_authenticated:
        user._portal_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(ScopeKind.NONE)
    if user.is_superuser:
        return Scope(ScopeKind.ALL)
    if roles.is_supervisor(user):
        return Scope(ScopeKind.REGION, region=user.region)
    if roles.is_manager(user):
        return Scope(ScopeKind.ENTERPRISE, enterprise_id=user.enterprise_id)
    person_id = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    if person_id:
        return Scope(ScopeKind.SELF, person_id=person_id)
    return Scope(ScopeKind.NONE)


def enterprise_q(user, prefix: str = "") -> Q:
    """A Q limiting rows that point at an enterprise (through `prefix`, e.g. "person__enterprise")."""
    return scope_enterprise_q(scope_for(user), prefix)


def scope_enterprise_q(scope: Scope, prefix: str = "") -> Q:
    """`enterprise_q` for a scope rather than a user (the statistics functions take a scope)."""
    field = prefix or "pk"
    if scope.is_all:
        return Q()
    if scope.is_region:
        path_field = f"{prefix}__street__path__startswith" if prefix else "street__path__startswith"
        return Q(**{path_field: scope.region.path})
    if scope.is_enterprise:
        return Q(**{field: scope.enterprise_id})
    return Q(pk__in=[])


def visible_enterprises(user) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(enterprise_q(user))


def visible_regions(user) -> QuerySet[Region]:
    scope = scope_for(user)
    if scope.is_all:
        return Region.objects.all()
    if scope.is_region:
        return Region.objects.subtree(scope.region)
    return Region.objects.none()


def visible_people(user) -> QuerySet[Person]:
    return scope_people(scope_for(user))


def scope_people(scope: Scope) -> QuerySet[Person]:
    if scope.is_self:
        return Person.objects.filter(pk=scope.person_id)
    if scope.is_none:
        return Person.objects.none()
    return Person.objects.filter(scope_enterprise_q(scope, "enterprise"))


def can_see_enterprise(user, enterprise: Enterprise) -> bool:
    return visible_enterprises(user).filter(pk=enterprise.pk).exists()


def can_see_person(user, person: Person) -> bool:
    return visible_people(user).filter(pk=person.pk).exists()


def administers_enterprise(user, enterprise: Enterprise | None) -> bool:
    """Whether the user may change an enterprise and the rows that belong to it (its people, their
    records): a superuser; the supervisor of a region above its street; its own manager. No query
    (needs `enterprise.street` for a supervisor: select it with the rows)."""
    if enterprise is None:
        return False
    scope = scope_for(user)
    if scope.is_all:
        return True
    if scope.is_region:
        return enterprise.street.path.startswith(scope.region.path)
    if scope.is_enterprise:
        return enterprise.pk == scope.enterprise_id
    return False


def can_change_person(user, person: Person) -> bool:
    """A person is changed by whoever administers their enterprise (never by the person: a worker
    has no admin)."""
    return administers_enterprise(user, person.enterprise if person.enterprise_id else None)


def can_edit_district_settings(user) -> bool:
    """District-wide settings that no region below the district owns (drill frequency rules,
    evaluation templates, training-hour requirements, the 特种作业 catalogue): only superusers and the
    district's supervisors change them; everyone else who may open them reads them."""
    scope = scope_for(user)
    if scope.is_all:
        return True
    return scope.is_region and scope.region.level == Region.Level.DISTRICT


def can_see_full_id_number(user, person: Person) -> bool:
    """The full 身份证号 is shown to the person and to supervisors of their region; masked elsewhere."""
    if not user.is_authenticated:
        return False
    if person.user_id == user.pk or user.is_superuser:
        return True
    scope = scope_for(user)
    return scope.is_region and person.enterprise.street.path.startswith(scope.region.path)
