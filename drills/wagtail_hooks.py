"""Wiring: the 应急演练 menu group in the Wagtail admin, every viewset scoped to the user."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from drills import access
from drills.forms import (
    DRILL_FIELDS,
    ask_after_held_fields_only_when_held,
    headcount_or_zero,
    optional_headcount,
    services_validate_upload,
)
from drills.models import (
    Attachment,
    CorrectiveAction,
    Drill,
    EmergencyPlan,
    EvaluationTemplate,
    Finding,
    FrequencyRule,
    ParticipantRole,
    Participation,
)
from portal.admin_scoping import ScopedModelViewSet
from portal.models import Region
from portal.roles import SUPERVISOR
from portal.scoping import enterprise_q, scope_for, visible_enterprises


class DrillAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        optional_headcount(self)
        ask_after_held_fields_only_when_held(self)
        if for_user is not None:
            if "enterprise" in self.fields:
                self.fields["enterprise"].queryset = access.organisable_enterprises(for_user)
            if "organiser_region" in self.fields:
                self.fields["organiser_region"].queryset = access.organisable_regions(for_user)
            if "participating_enterprises" in self.fields:
                self.fields["participating_enterprises"].queryset = visible_enterprises(for_user)
            if "plan" in self.fields:
                self.fields["plan"].queryset = EmergencyPlan.objects.filter(
                    enterprise__in=access.organisable_enterprises(for_user)
                )

    def clean_headcount(self):
        return headcount_or_zero(self.cleaned_data.get("headcount"))


class PlanAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "enterprise" in self.fields:
            self.fields["enterprise"].queryset = access.organisable_enterprises(for_user)

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and "file" in self.changed_data:  # the same type, size and content rules as the site
            services_validate_upload(f, Attachment.Kind.PLAN)
        return f


class DrillViewSet(ScopedModelViewSet):
    model = Drill
    icon = "warning"
    menu_label = _("演练")
    add_to_admin_menu = False
    form_class = DrillAdminForm
    form_fields = [*DRILL_FIELDS, "summary"]
    list_display = ["code", "title", "organiser_name", "planned_start", "form", "level", "status"]
    list_filter = ["status", "form", "level", "accident_type", "campaign"]
    search_fields = ["title", "code", "place"]
    inspect_view_enabled = True

    def scope_queryset(self, request, queryset):
        return queryset.filter(access.drill_q(request.user)).select_related(
            "enterprise", "organiser_region"
        )

    def can_change(self, request, obj):
        return access.can_manage(request.user, obj)


class PlanViewSet(ScopedModelViewSet):
    model = EmergencyPlan
    icon = "doc-full"
    menu_label = _("应急预案")
    add_to_admin_menu = False
    form_class = PlanAdminForm
    list_display = ["name", "enterprise", "plan_type", "version", "filing_status", "next_review_on"]
    list_filter = ["plan_type", "filing_status"]
    search_fields = ["name"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(enterprise_q(request.user, "enterprise")).select_related(
            "enterprise"
        )

    def can_change(self, request, obj):
        return access.can_edit_plan(request.user, obj)


class ParticipationViewSet(ScopedModelViewSet):
    model = Participation
    icon = "group"
    menu_label = _("参演记录")
    add_to_admin_menu = False
    form_fields = ["role", "checked_in_at"]
    list_display = ["name", "unit", Column("drill", label=_("演练")), "role", "checked_in_at"]
    list_filter = ["role"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(access.participation_q(request.user)).select_related(
            "drill__organiser_region", "person__enterprise"
        )

    def can_change(self, request, obj):
        return access.can_change_participation(request.user, obj)


class ActionFilterSet(WagtailFilterSet):
    grade = django_filters.ChoiceFilter(
        field_name="finding__grade", label=_("问题等级"), choices=Finding.Grade.choices
    )

    class Meta:
        model = CorrectiveAction
        fields = ["status"]


class ActionViewSet(ScopedModelViewSet):
    model = CorrectiveAction
    icon = "tasks"
    menu_label = _("整改措施")
    add_to_admin_menu = False
    form_fields = [
        "description",
        "owner_name",
        "due_on",
        "status",
        "completion_note",
        "verification",
    ]
    list_display = [
        "description",
        Column("finding", label=_("发现问题")),
        "owner_display",
        "due_on",
        "status",
    ]
    filterset_class = ActionFilterSet

    def scope_queryset(self, request, queryset):
        return queryset.filter(access.finding_q(request.user, "finding")).select_related(
            "finding__drill__organiser_region", "owner"
        )

    def can_change(self, request, obj):
        return access.can_manage_action(request.user, obj)


class DistrictSettingsPolicy(ModelPermissionPolicy):
    """Model permissions, and adding/changing/deleting also needs district level
    (access.can_edit_district_rules): a street supervisor only reads the district-wide rules."""

    WRITE_ACTIONS = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        if action in self.WRITE_ACTIONS and not access.can_edit_district_rules(user):
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        users = super().users_with_any_permission(actions)
        if set(actions) <= self.WRITE_ACTIONS:
            users = users.filter(
                Q(is_superuser=True)
                | Q(region__level=Region.Level.DISTRICT, groups__name=SUPERVISOR)
            )
        return users


register_permission_policy(FrequencyRule, DistrictSettingsPolicy(FrequencyRule))
register_permission_policy(EvaluationTemplate, DistrictSettingsPolicy(EvaluationTemplate))


class DistrictSettingsViewSet(ScopedModelViewSet):
    """District-wide settings: everyone with the model's view permission reads them; the district
    changes them (the permission policy above hides the buttons, can_change refuses the views)."""

    def scope_queryset(self, request, queryset):
        return queryset

    def can_change(self, request, obj):
        return access.can_edit_district_rules(request.user)


class FrequencyRuleAdminForm(WagtailAdminModelForm):
    linked_roles = forms.MultipleChoiceField(
        label=_("计入联动演练的参演角色"),
        choices=ParticipantRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=FrequencyRule._meta.get_field("linked_roles").help_text,
    )


class FrequencyRuleViewSet(DistrictSettingsViewSet):
    model = FrequencyRule
    icon = "time"
    menu_label = _("演练频次规则")
    add_to_admin_menu = False
    form_class = FrequencyRuleAdminForm
    form_fields = [
        "who",
        "drill",
        "applies_to",
        "counts",
        "interval_months",
        "report_to_regulator",
        "report_within_days",
        "linked_roles",
        "source",
        "is_active",
    ]
    list_display = [
        "who",
        "drill",
        "interval_months",
        "report_to_regulator",
        "report_within_days",
        "linked_role_labels",
        "is_active",
    ]
    inspect_view_enabled = True


class EvaluationTemplateViewSet(DistrictSettingsViewSet):
    model = EvaluationTemplate
    icon = "list-ol"
    menu_label = _("评估表模板")
    add_to_admin_menu = False
    list_display = ["name", "form", "is_active"]
    inspect_view_enabled = True


class DrillsGroup(ViewSetGroup):
    menu_label = _("应急演练")
    menu_icon = "warning"
    menu_order = 400
    items = (
        DrillViewSet("drills_drills"),
        PlanViewSet("drills_plans"),
        ParticipationViewSet("drills_participations"),
        ActionViewSet("drills_actions"),
        FrequencyRuleViewSet("drills_rules"),
        EvaluationTemplateViewSet("drills_templates"),
    )


@hooks.register("register_admin_viewset")
def register_drills():
    return DrillsGroup()


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).is_staff_scope


@hooks.register("register_admin_menu_item")
def register_front_workspace():
    return StaffMenuItem(_("演练工作台（前台）"), "/drills/", icon_name="link-external", order=401)
