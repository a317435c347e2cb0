"""The 持证上岗 menu group: certificates and positions (scoped to the user's enterprises), the
catalogue and the validity rules (district settings), the 无证上岗 page, import and export."""

from __future__ import annotations

from django.db.models import Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem as SideMenuItem
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from operators import admin_views
from operators.forms import CertificateAdminForm, PositionAdminForm
from operators.models import OperatorCertificate, OperatorKind, Position, ValidityRule
from operators.services import rules_by_scheme
from portal.admin_scoping import ScopedModelViewSet
from portal.models import Region
from portal.roles import SUPERVISOR
from portal.scoping import administers_enterprise, can_edit_district_settings, enterprise_q


class StatusColumn(Column):
    def get_value(self, instance):
        rules = getattr(self, "_rules", None)
        if rules is None:
            rules = self._rules = rules_by_scheme()
        today = timezone.localdate()
        rule = instance.rule(rules)
        due = instance.next_due(rule, today)
        return f"{instance.status_on(today, rule).label}（{due.on:%Y-%m-%d}）"


class CertificateIndexView(IndexView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm("operators.add_operatorcertificate"):
            buttons.append(
                HeaderButton(
                    _("导入持证记录"), url=reverse("operators_admin:import"), icon_name="upload"
                )
            )
        buttons.append(
            HeaderButton(_("导出"), url=reverse("operators_admin:export"), icon_name="download")
        )
        buttons.append(
            HeaderButton(
                _("无证上岗"), url=reverse("operators_admin:unlicensed"), icon_name="warning"
            )
        )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(
            "operators.change_operatorcertificate"
        ) and administers_enterprise(self.request.user, instance.person.enterprise):
            buttons.append(
                MenuItem(
                    _("复审/换证"),
                    url=reverse("operators_admin:renew", args=[instance.pk]),
                    icon_name="history",
                    priority=40,
                )
            )
        if instance.scan:
            buttons.append(
                MenuItem(
                    _("查看扫描件"),
                    url=reverse("operators_admin:scan", args=[instance.pk]),
                    icon_name="doc-full",
                    priority=50,
                )
            )
        return buttons


class CertificateViewSet(ScopedModelViewSet):
    model = OperatorCertificate
    icon = "id-card"
    menu_label = _("持证记录")
    add_to_admin_menu = False
    form_class = CertificateAdminForm
    index_view_class = CertificateIndexView
    form_fields = [
        "person",
        "kind",
        "number",
        "authority",
        "first_issued_on",
        "last_reviewed_on",
        "expires_on",
        "in_trade_since",
        "no_violations",
        "scan",
        "is_current",
        "notes",
    ]
    list_display = [
        Column("person", label=_("持证人")),
        Column("enterprise", label=_("企业"), accessor="person.enterprise.name"),
        "kind",
        "number",
        "expires_on",
        StatusColumn("status", label=_("状态（下次复审/换证）")),
    ]
    list_filter = ["kind__scheme", "is_current"]
    search_fields = ["number", "person__name"]
    inspect_view_fields = [
        "person",
        "kind",
        "number",
        "authority",
        "first_issued_on",
        "last_reviewed_on",
        "expires_on",
        "in_trade_since",
        "no_violations",
        "is_current",
        "notes",
    ]

    def scope_queryset(self, request, queryset):
        return queryset.filter(enterprise_q(request.user, "person__enterprise")).select_related(
            "person__enterprise__street", "kind"
        )

    def can_change(self, request, obj):
        return obj.person_id is not None and administers_enterprise(
            request.user, obj.person.enterprise
        )


class PositionViewSet(ScopedModelViewSet):
    model = Position
    icon = "group"
    menu_label = _("岗位持证要求")
    add_to_admin_menu = False
    form_class = PositionAdminForm
    form_fields = ["enterprise", "name", "required_kinds"]
    list_display = ["name", "enterprise"]
    search_fields = ["name"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(enterprise_q(request.user, "enterprise")).select_related(
            "enterprise__street"
        )

    def can_change(self, request, obj):
        return obj.enterprise_id is not None and administers_enterprise(
            request.user, obj.enterprise
        )


class DistrictSettingsPolicy(ModelPermissionPolicy):
    """Model permissions; writing also needs the district (a street supervisor reads)."""

    WRITE_ACTIONS = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        if action in self.WRITE_ACTIONS and not can_edit_district_settings(user):
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


register_permission_policy(OperatorKind, DistrictSettingsPolicy(OperatorKind))
register_permission_policy(ValidityRule, DistrictSettingsPolicy(ValidityRule))


class DistrictSettingsViewSet(ScopedModelViewSet):
    def scope_queryset(self, request, queryset):
        return queryset

    def can_change(self, request, obj):
        return can_edit_district_settings(request.user)


class OperatorKindViewSet(DistrictSettingsViewSet):
    model = OperatorKind
    icon = "list-ul"
    menu_label = _("持证作业项目")
    add_to_admin_menu = False
    form_fields = ["scheme", "category", "code", "name", "is_active", "sort_order"]
    list_display = ["name", "code", "category", "scheme", "is_active"]
    list_filter = ["scheme", "is_active"]
    search_fields = ["name", "code", "category"]


class ValidityRuleViewSet(DistrictSettingsViewSet):
    model = ValidityRule
    icon = "time"
    menu_label = _("持证有效期规则")
    add_to_admin_menu = False
    form_fields = [
        "validity_years",
        "review_years",
        "long_service_review_years",
        "long_service_years",
        "refresher_hours",
        "remind_days",
        "source",
    ]
    list_display = ["scheme", "validity_years", "review_years", "remind_days", "source"]


class OperatorsGroup(ViewSetGroup):
    menu_label = _("持证上岗")
    menu_icon = "id-card"
    menu_order = 350
    items = (
        CertificateViewSet("operators_certificates"),
        PositionViewSet("operators_positions"),
        OperatorKindViewSet("operators_kinds"),
        ValidityRuleViewSet("operators_rules"),
    )


@hooks.register("register_admin_viewset")
def register_operators():
    return OperatorsGroup()


class UnlicensedMenuItem(SideMenuItem):
    def is_shown(self, request):
        return request.user.has_perm("operators.view_operatorcertificate")


@hooks.register("register_admin_menu_item")
def register_unlicensed_menu_item():
    return UnlicensedMenuItem(
        _("无证上岗"), reverse("operators_admin:unlicensed"), icon_name="warning", order=351
    )


@hooks.register("register_admin_urls")
def register_operators_admin_urls():
    urls = [
        path("unlicensed/", admin_views.unlicensed, name="unlicensed"),
        path("import/", admin_views.import_view, name="import"),
        path("import/template/", admin_views.template, name="template"),
        path("export/", admin_views.export, name="export"),
        path("<int:pk>/renew/", admin_views.renew, name="renew"),
        path("<int:pk>/scan/", admin_views.scan, name="scan"),
    ]
    return [path("operators/", (urls, "operators_admin", "operators_admin"))]
