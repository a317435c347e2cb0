"""Wiring: the 培训 menu group in the Wagtail admin, every viewset scoped to the user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup

from courses.models import (
    Cohort,
    Enrolment,
    Programme,
    TrainingClass,
    TrainingRecord,
    TrainingRequirement,
)
from portal.admin_scoping import ScopedModelViewSet
from portal.ownership import owned_q, owns
from portal.scoping import (
    administers_enterprise,
    can_change_person,
    can_edit_district_settings,
    enterprise_q,
    scope_for,
    visible_enterprises,
    visible_regions,
)


class TrainingClassForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None:
            self.fields["enterprise"].queryset = visible_enterprises(for_user)
            self.fields["region"].queryset = visible_regions(for_user).exclude(level="community")


class RecordViewSet(ScopedModelViewSet):
    model = TrainingRecord
    icon = "list-ul"
    menu_label = _("培训记录")
    add_to_admin_menu = False
    list_display = ["person", "enterprise", "title", "kind", "source_kind", "date", "hours"]
    list_filter = ["source_kind", "kind", "category", "date"]
    search_fields = ["title", "person__name"]
    inspect_view_enabled = True
    form_fields = ["title", "date", "hours", "kind"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(enterprise_q(request.user, "enterprise")).select_related(
            "person", "enterprise__street"
        )

    def can_change(self, request, obj):
        return administers_enterprise(request.user, obj.enterprise)


class ClassViewSet(ScopedModelViewSet):
    model = TrainingClass
    icon = "group"
    menu_label = _("培训班")
    add_to_admin_menu = False
    form_class = TrainingClassForm
    form_fields = [
        "title",
        "programme",
        "cohort",
        "kind",
        "starts_on",
        "ends_on",
        "place",
        "trainer",
        "hours",
        "capacity",
        "region",
        "enterprise",
        "agenda",
    ]
    list_display = ["title", "starts_on", "place", "hours", "capacity"]
    list_filter = ["kind", "programme"]
    search_fields = ["title", "place", "trainer"]

    def scope_queryset(self, request, queryset):
        return queryset.managed_by(request.user).select_related("region", "enterprise__street")

    def can_change(self, request, obj):
        # The in-memory twin of TrainingClass.objects.managed_by (owned_q semantics).
        return owns(scope_for(request.user), obj)


class EnrolmentViewSet(ScopedModelViewSet):
    model = Enrolment
    icon = "user"
    menu_label = _("课程报名")
    add_to_admin_menu = False
    form_fields = ["due_on"]
    list_display = ["person", "course", "status", "due_on", "enrolled_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["person__name"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(enterprise_q(request.user, "person__enterprise")).select_related(
            "person__enterprise__street", "course"
        )

    def can_change(self, request, obj):
        return can_change_person(request.user, obj.person)


class ProgrammeViewSet(ScopedModelViewSet):
    model = Programme
    icon = "flag"
    menu_label = _("培训项目")
    add_to_admin_menu = False
    form_fields = [
        "name",
        "description",
        "region",
        "target_enterprises",
        "target_people",
        "starts_on",
        "ends_on",
    ]
    list_display = ["name", "region", "target_enterprises", "target_people", "starts_on"]

    def scope_queryset(self, request, queryset):
        queryset = queryset.select_related("region")
        return queryset.filter(owned_q(scope_for(request.user), enterprise=None))

    def can_change(self, request, obj):
        return owns(scope_for(request.user), obj, enterprise=None)


class CohortViewSet(ScopedModelViewSet):
    model = Cohort
    icon = "list-ol"
    menu_label = _("期次")
    add_to_admin_menu = False
    form_fields = ["programme", "name", "target_people"]
    list_display = ["name", "programme", "target_people"]

    def scope_queryset(self, request, queryset):
        queryset = queryset.select_related("programme__region")
        return queryset.filter(
            owned_q(scope_for(request.user), prefix="programme", enterprise=None)
        )

    def can_change(self, request, obj):
        return owns(scope_for(request.user), obj.programme, enterprise=None)


class RequirementViewSet(ScopedModelViewSet):
    """The legal training hours: district-wide, read by all who may open them."""

    model = TrainingRequirement
    icon = "time"
    menu_label = _("培训学时要求")
    add_to_admin_menu = False
    form_fields = [
        "category",
        "high_risk",
        "initial_hours",
        "annual_hours",
        "review_cycle_hours",
        "note",
    ]
    list_display = [
        "category",
        "high_risk",
        "initial_hours",
        "annual_hours",
        "review_cycle_hours",
        "note",
    ]

    def scope_queryset(self, request, queryset):
        return queryset

    def can_change(self, request, obj):
        return can_edit_district_settings(request.user)


class CoursesGroup(ViewSetGroup):
    menu_label = _("培训")
    menu_icon = "doc-full-inverse"
    menu_order = 300
    items = (
        RecordViewSet("courses_records"),
        ClassViewSet("courses_classes"),
        ProgrammeViewSet("courses_programmes"),
        CohortViewSet("courses_cohorts"),
        EnrolmentViewSet("courses_enrolments"),
        RequirementViewSet("courses_requirements"),
    )


@hooks.register("register_admin_viewset")
def register_courses():
    return CoursesGroup()


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).is_staff_scope


@hooks.register("register_admin_menu_item")
def register_front_workspace():
    return StaffMenuItem(
        _("培训工作台（前台）"), "/courses/compliance/", icon_name="link-external", order=301
    )
