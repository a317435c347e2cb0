from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from portal import admin_export, admin_views
from portal.admin_scoping import ScopedModelViewSet
from portal.forms_admin import EnterpriseAdminForm, PersonAdminForm
from portal.import_views import ImportBatchViewSet
from portal.models import (
    Enterprise,
    HighRiskIndustry,
    Person,
    Region,
    SpecialOperation,
    SpecialOperationCategory,
)
from portal.scoping import (
    administers_enterprise,
    can_change_person,
    can_edit_district_settings,
    enterprise_q,
    visible_people,
    visible_regions,
)

admin_export.install_redirect_import_check()


class PersonIndexView(IndexView):
    @property
    def header_buttons(self):
        """导入名册 and 导出名册 beside 添加, as visible buttons (not under the "⋯" menu)."""
        buttons = list(super().header_buttons)
        if self.request.user.has_perm("portal.add_person"):
            buttons.append(
                HeaderButton(
                    _("导入名册"),
                    url=reverse("portal_admin:roster-import"),
                    icon_name="upload",
                    priority=1010,
                )
            )
        buttons.append(
            HeaderButton(
                _("导出名册"),
                url=reverse("portal_admin:roster-export"),
                icon_name="download",
                priority=1020,
            )
        )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm("portal.change_person") and can_change_person(
            self.request.user, instance
        ):
            buttons.append(
                MenuItem(
                    _("重置密码"),
                    url=reverse("portal_admin:reset-password", args=[instance.pk]),
                    icon_name="key",
                    priority=40,
                )
            )
        # Upper layers add row actions here (a Wagtail hook: the base never imports them), e.g.
        # dossiers' 一人一档. fn(person, user) -> list of MenuItem; the rows are already scoped.
        for fn in hooks.get_hooks("portal_person_listing_buttons"):
            buttons.extend(fn(instance, self.request.user))
        return buttons


class EnterpriseIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        # fn(enterprise, user) -> list of MenuItem (e.g. dossiers' 一企一档); rows already scoped.
        for fn in hooks.get_hooks("portal_enterprise_listing_buttons"):
            buttons.extend(fn(instance, self.request.user))
        return buttons


class PersonViewSet(ScopedModelViewSet):
    model = Person
    icon = "user"
    menu_label = _("从业人员")
    add_to_admin_menu = False
    form_class = PersonAdminForm
    index_view_class = PersonIndexView
    form_fields = [
        "name",
        "id_number",
        "mobile",
        "enterprise",
        "category",
        "special_operation",
        "operation_certificate_no",
        "operation_certificate_issued_on",
        "operation_review_years",
        "position",
        "hired_on",
        "is_active",
    ]
    list_display = [
        "name",
        Column("masked_id_number", label=_("身份证号")),
        "mobile",
        "enterprise",
        "category",
        "special_operation",
        "position",
        BooleanColumn("is_active", label=_("在职")),
    ]
    list_filter = ["category", "is_active", "enterprise"]
    search_fields = ["name", "mobile", "id_number"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "name",
        "masked_id_number",
        "mobile",
        "enterprise",
        "category",
        "special_operation",
        "position",
        "hired_on",
        "is_active",
    ]

    def scope_queryset(self, request, queryset):
        return queryset.filter(pk__in=visible_people(request.user).values("pk")).select_related(
            "enterprise__street", "special_operation__category"
        )

    def can_change(self, request, obj):
        return can_change_person(request.user, obj)


class EnterpriseViewSet(ScopedModelViewSet):
    model = Enterprise
    icon = "home"
    menu_label = _("企业")
    add_to_admin_menu = False
    form_class = EnterpriseAdminForm
    index_view_class = EnterpriseIndexView
    form_fields = [
        "name",
        "credit_code",
        "street",
        "industry",
        "training_high_risk_override",
        "drill_high_risk_override",
        "standardization_grade",
        "address",
        "contact_name",
        "contact_phone",
    ]
    list_display = [
        "name",
        "credit_code",
        "street",
        "industry",
        "is_training_high_risk",
        "is_drill_high_risk",
        "standardization_grade",
    ]
    list_filter = [
        "industry",
        "is_training_high_risk",
        "is_drill_high_risk",
        "standardization_grade",
        "street",
    ]
    search_fields = ["name", "credit_code"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(enterprise_q(request.user)).select_related("street")

    def can_change(self, request, obj):
        return administers_enterprise(request.user, obj)


class RegionViewSet(ScopedModelViewSet):
    model = Region
    icon = "site"
    menu_label = _("行政区域")
    add_to_admin_menu = False
    form_fields = ["name", "code", "level", "parent"]
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(pk__in=visible_regions(request.user).values("pk")).select_related(
            "parent"
        )


class SpecialOperationViewSet(ScopedModelViewSet):
    model = SpecialOperation
    icon = "list-ul"
    menu_label = _("特种作业目录")
    add_to_admin_menu = False
    form_fields = ["category", "name", "sort_order"]
    list_display = ["name", "category", "sort_order"]
    list_filter = ["category"]
    search_fields = ["name"]

    def scope_queryset(self, request, queryset):
        return queryset.select_related("category")

    def can_change(self, request, obj):
        return can_edit_district_settings(request.user)


class SpecialOperationCategoryViewSet(ScopedModelViewSet):
    model = SpecialOperationCategory
    icon = "folder-open-inverse"
    menu_label = _("特种作业类别")
    add_to_admin_menu = False
    form_fields = ["name", "sort_order"]
    list_display = ["name", "sort_order"]

    def scope_queryset(self, request, queryset):
        return queryset

    def can_change(self, request, obj):
        return can_edit_district_settings(request.user)


class HighRiskIndustryViewSet(ScopedModelViewSet):
    """The two high-risk industry sets (training rule, drill rule): everyone with the view
    permission reads them; the district changes them."""

    model = HighRiskIndustry
    icon = "warning"
    menu_label = _("高危行业认定")
    add_to_admin_menu = False
    form_fields = ["industry", "training_high_risk", "drill_high_risk", "source"]
    list_display = ["industry", "training_high_risk", "drill_high_risk", "source"]
    list_filter = ["training_high_risk", "drill_high_risk"]

    def scope_queryset(self, request, queryset):
        return queryset

    def can_change(self, request, obj):
        return can_edit_district_settings(request.user)


class OrganizationsGroup(ViewSetGroup):
    menu_label = _("组织与人员")
    menu_icon = "group"
    menu_order = 200
    items = (
        PersonViewSet("portal_people"),
        EnterpriseViewSet("portal_enterprises"),
        RegionViewSet("portal_regions"),
        SpecialOperationViewSet("portal_special_operations"),
        SpecialOperationCategoryViewSet("portal_special_operation_categories"),
        HighRiskIndustryViewSet("portal_high_risk_industries"),
        ImportBatchViewSet("portal_imports"),
    )


@hooks.register("register_admin_viewset")
def register_organizations():
    return OrganizationsGroup()


@hooks.register("register_admin_urls")
def register_portal_admin_urls():
    urls = [
        path("import/", admin_views.roster_import, name="roster-import"),
        path("import/template/", admin_views.roster_template, name="roster-template"),
        path("export/", admin_views.roster_export, name="roster-export"),
        path("<int:pk>/reset-password/", admin_views.reset_password, name="reset-password"),
    ]
    return [path("roster/", (urls, "portal_admin", "portal_admin"))]
