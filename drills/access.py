"""Who may see and do what with drills: the visibility queries (drills, participations, findings)
and the in-memory permission checks the views, the admin and the API ask. Every check is here;
none is written inline in a view."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from drills.models import CorrectiveAction, Drill, EmergencyPlan, ParticipantRole, Participation
from portal import roles
from portal.models import Enterprise, Region
from portal.ownership import owned_q
from portal.scoping import (
    can_edit_district_settings,
    scope_for,
    visible_enterprises,
    visible_regions,
)


def drill_q(user) -> Q:
    """Drills the user may see: superuser all; supervisor their region's enterprises' drills and the
    drills organised by regions in their subtree; manager their enterprise's drills and drills their
    enterprise joins; a worker the drills they take part in."""
    return scope_drill_q(scope_for(user))


def scope_drill_q(scope) -> Q:
    """`drill_q` for a `portal.scoping.Scope` (the statistics functions take a scope)."""
    if scope.is_self:
        return Q(pk__in=Participation.objects.filter(person_id=scope.person_id).values("drill_id"))
    q = owned_q(scope, region="organiser_region")
    if scope.is_enterprise:
        joined = Drill.participating_enterprises.through.objects.filter(
            enterprise_id=scope.enterprise_id
        ).values("drill_id")
        q |= Q(pk__in=joined)
    return q


def visible_drills(user) -> QuerySet[Drill]:
    return Drill.objects.filter(drill_q(user))


def can_manage(user, drill: Drill) -> bool:
    """Edit the drill, its participants, script, findings: the organising enterprise's manager, a
    supervisor for drills organised by a region in their subtree, a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    if scope.is_enterprise:
        return drill.enterprise_id == scope.enterprise_id
    if scope.is_region:
        return bool(drill.organiser_region_id) and drill.organiser_region.path.startswith(
            scope.region.path
        )
    return False


def is_supervisor_of(user, drill: Drill) -> bool:
    scope = scope_for(user)
    if scope.is_all:
        return True
    if not scope.is_region:
        return False
    path = scope.region.path
    if drill.enterprise_id:
        return drill.enterprise.street.path.startswith(path)
    return drill.organiser_region.path.startswith(path)


def my_participation(user, drill: Drill) -> Participation | None:
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return None
    return drill.participations.filter(person=person).first()


def has_role_in(user, drill: Drill, *role_values: str) -> bool:
    part = my_participation(user, drill)
    return part is not None and part.role in role_values


def can_evaluate(user, drill: Drill) -> bool:
    return can_manage(user, drill) or has_role_in(user, drill, ParticipantRole.EVALUATOR)


def can_run_script(user, drill: Drill) -> bool:
    return can_manage(user, drill) or has_role_in(
        user, drill, ParticipantRole.DIRECTOR, ParticipantRole.COMMANDER
    )


def can_edit_plan(user, plan: EmergencyPlan) -> bool:
    """An emergency plan is changed by those who may organise its enterprise's drills (its manager,
    a superuser); a supervisor reads it. The in-memory twin of `organisable_enterprises`."""
    scope = scope_for(user)
    if scope.is_all:
        return True
    return scope.is_enterprise and plan.enterprise_id == scope.enterprise_id


def can_oversee(user, drill: Drill) -> bool:
    """Request and read the after-action report, verify a corrective action: those who manage the
    drill and its supervisors."""
    return can_manage(user, drill) or is_supervisor_of(user, drill)


def can_see_participants(user, drill: Drill) -> bool:
    """The participants page: those who may add participants (the organisers, a participating
    enterprise's manager) and the drill's supervisors."""
    return can_add_participants(user, drill) or is_supervisor_of(user, drill)


def can_manage_action(user, action: CorrectiveAction) -> bool:
    """Edit a corrective action (description, owner, due date, status, verification): those who
    manage its drill. (A supervisor of the drill verifies or defers it on the front end.)"""
    return can_manage(user, action.finding.drill)


def linkable_drills(user) -> QuerySet[Drill]:
    """Drills a page may link (the CMS chooser): organised by a district/street, and, for staff,
    among the drills they may see; the content team (editors, reviewers) sees every linkable one."""
    linkable = Drill.objects.filter(organiser_region__isnull=False)
    scope = scope_for(user)
    if scope.is_all:
        return linkable
    if scope.is_staff_scope:
        return linkable.filter(drill_q(user))
    if roles.has_role(user, roles.EDITOR) or roles.has_role(user, roles.REVIEWER):
        return linkable
    return linkable.none()


def organisable_enterprises(user) -> QuerySet[Enterprise]:
    """Enterprises the user may organise a drill for (managers: their own)."""
    scope = scope_for(user)
    if scope.is_all or scope.is_enterprise:
        return visible_enterprises(user)
    return Enterprise.objects.none()


def organisable_regions(user) -> QuerySet[Region]:
    scope = scope_for(user)
    if scope.is_supervising:
        return visible_regions(user).exclude(level=Region.Level.COMMUNITY)
    return Region.objects.none()


def participation_q(user) -> Q:
    """Participations the user may see: every one of the drills they manage or supervise (a
    superuser, a supervisor of the drill's region, the organising enterprise's manager); a
    participating enterprise's manager only their own people's; a worker their own."""
    scope = scope_for(user)
    if scope.is_all:
        return Q()
    if scope.is_region:
        return Q(drill__in=visible_drills(user))  # for a region, drill_q is is_supervisor_of
    if scope.is_enterprise:
        return Q(drill__enterprise_id=scope.enterprise_id) | Q(
            drill__in=visible_drills(user), person__enterprise_id=scope.enterprise_id
        )
    if scope.is_self:
        return Q(person_id=scope.person_id)
    return Q(pk__in=[])


def finding_q(user, prefix: str = "") -> Q:
    """Findings (and, with prefix="finding", their corrective actions) the user may see: those of
    drills they manage or supervise, and of drills they evaluate; the front end's findings page."""
    p = f"{prefix}__" if prefix else ""
    scope = scope_for(user)
    if scope.is_all:
        return Q()
    if scope.is_none:
        return Q(pk__in=[])
    evaluating = Participation.objects.filter(
        person__user=user, role=ParticipantRole.EVALUATOR
    ).values("drill_id")
    q = Q(**{f"{p}drill_id__in": evaluating})
    if scope.is_region:
        q |= Q(**{f"{p}drill__in": visible_drills(user)})
    elif scope.is_enterprise:
        q |= Q(**{f"{p}drill__enterprise_id": scope.enterprise_id})
    return q


def can_change_participation(user, part: Participation) -> bool:
    """Change a participant's role or attendance, or remove them: those who manage the drill, and
    a participating enterprise's manager for their own people."""
    if can_manage(user, part.drill):
        return True
    scope = scope_for(user)
    return (
        scope.is_enterprise
        and part.person_id is not None
        and part.person.enterprise_id == scope.enterprise_id
        and can_add_participants(user, part.drill)
    )


def can_add_participants(user, drill: Drill) -> bool:
    if can_manage(user, drill):
        return True
    scope = scope_for(user)
    return (
        scope.is_enterprise
        and drill.participating_enterprises.filter(pk=scope.enterprise_id).exists()
    )


def can_edit_district_rules(user) -> bool:
    """District-wide drill settings (frequency rules, evaluation templates) have no owner region
    below the district: only the district's supervisors (and superusers) may change them; street
    supervisors and managers read them."""
    return can_edit_district_settings(user)
