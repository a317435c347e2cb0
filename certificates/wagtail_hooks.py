"""Wiring only: the certificate template snippet, the scoped certificate listing (filters, .xlsx
export, row actions), the issuing/revoking views, and the reminder panel on the admin home."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.urls import include, path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail.snippets.widgets import AdminSnippetChooser

from certificates import admin_views
from certificates.models import Certificate, CertificateTemplate
from portal.admin_scoping import ChineseColumnsMixin, ScopedChooserViewSet, ScopedModelViewSet
from portal.notices import KIND_CERTIFICATES, unread
from portal.scoping import visible_people


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Certificates are never edited or deleted in place (an issued PDF never changes); they are
    revoked or reissued through their own views."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)


register_permission_policy(Certificate, ReadOnlyPermissionPolicy(Certificate))

EXPIRY_CHOICES = [
    ("30", _("30天内到期")),
    ("60", _("60天内到期")),
    ("90", _("90天内到期")),
    ("expired", _("已过期")),
    ("none", _("长期有效")),
]


class CertificateFilterSet(WagtailFilterSet):
    expiry = django_filters.ChoiceFilter(
        label=_("有效期"), choices=EXPIRY_CHOICES, method="filter_expiry", empty_label=_("全部")
    )

    class Meta:
        model = Certificate
        fields = ["status", "template"]

    def filter_expiry(self, queryset, name, value):
        today = timezone.localdate()
        if value == "expired":
            return queryset.filter(status=Certificate.Status.VALID, valid_until__lt=today)
        if value == "none":
            return queryset.filter(valid_until__isnull=True)
        if value.isdigit():
            return queryset.expiring_between(today, today + timedelta(days=int(value)))
        return queryset


class CertificateIndexView(IndexView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm("certificates.issue_certificate"):
            buttons.append(
                HeaderButton(
                    _("手工发证"), url=reverse("certificates_admin:issue"), icon_name="plus"
                )
            )
            buttons.append(
                HeaderButton(
                    _("批量发证"), url=reverse("certificates_admin:bulk-list"), icon_name="list-ul"
                )
            )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for label, url, icon, priority in certificate_actions(self.request.user, instance):
            buttons.append(MenuItem(label, url=url, icon_name=icon, priority=priority))
        return buttons


class CertificateInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        for label, url, icon, priority in certificate_actions(self.request.user, self.object):
            buttons.append(Button(label, url=url, icon_name=icon, priority=priority))
        return buttons


def certificate_actions(user, instance: Certificate) -> list[tuple]:
    """Download, verification page, revoke and reissue, as far as the user may."""
    actions = []
    if instance.pdf:
        actions.append(
            (_("下载PDF"), reverse("certificates:download", args=[instance.serial]), "download", 30)
        )
    actions.append(
        (
            _("验证页面"),
            reverse("certificates:verify", args=[instance.code]),
            "link-external",
            35,
        )
    )
    if instance.status == Certificate.Status.VALID and user.has_perm(
        "certificates.revoke_certificate"
    ):
        actions.append(
            (_("撤销"), reverse("certificates_admin:revoke", args=[instance.pk]), "cross", 40)
        )
    if instance.status != Certificate.Status.REPLACED and user.has_perm(
        "certificates.issue_certificate"
    ):
        actions.append(
            (
                _("更正换发"),
                reverse("certificates_admin:reissue", args=[instance.pk]),
                "repeat",
                45,
            )
        )
    return actions


class CertificateViewSet(ScopedModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("证书")
    add_to_admin_menu = False
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    filterset_class = CertificateFilterSet
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["title"]  # never used: add/change are refused by the permission policy
    list_display = [
        "serial",
        Column("person", label=_("持证人")),
        Column("enterprise_name", label=_("企业"), accessor="person.enterprise.name"),
        "title",
        Column("issued_on", label=_("发证日期"), accessor=lambda c: f"{c.issued_on:%Y-%m-%d}"),
        Column(
            "valid_until",
            label=_("有效期至"),
            accessor=lambda c: f"{c.valid_until:%Y-%m-%d}" if c.valid_until else _("长期有效"),
        ),
        Column("status_display", label=_("状态")),
    ]
    search_fields = ["serial", "title", "person__name", "person__id_number"]
    list_export = [
        "serial",
        "person.name",
        "person.masked_id_number",
        "person.enterprise.name",
        "title",
        "subject",
        "issued_on",
        "valid_until",
        "status_display",
        "status_reason",
    ]
    export_headings = {
        "serial": _("证书编号"),
        "person.name": _("姓名"),
        "person.masked_id_number": _("身份证号"),
        "person.enterprise.name": _("企业"),
        "title": _("证书名称"),
        "subject": _("课程或考试"),
        "issued_on": _("发证日期"),
        "valid_until": _("有效期至"),
        "status_display": _("状态"),
        "status_reason": _("状态说明"),
    }
    export_filename = _("证书清单")
    inspect_view_fields = [
        "serial",
        "person",
        "title",
        "subject",
        "issued_on",
        "valid_until",
        "status_display",
        "status_reason",
        "issue_reason",
        "issued_by",
        "replaced_by_serial",
        "rendered_at",
        "audit_trail",
    ]

    def scope_queryset(self, request, queryset):
        return queryset.filter(person__in=visible_people(request.user).values("pk")).select_related(
            "person__enterprise", "template"
        )


class LazyTextSnippetChooser(AdminSnippetChooser):
    """Wagtail's snippet chooser formats "Choose %(object)s" when the widget is built, i.e. in the
    language of whichever request first builds the form class; drop those so the chooser viewset's
    lazy texts apply in the language of each request."""

    def __init__(self, model=None, **kwargs):
        super().__init__(model=model, **kwargs)
        for name in ("choose_one_text", "choose_another_text", "link_to_chosen_text"):
            if name not in kwargs:
                self.__dict__.pop(name, None)


class CertificateTemplateChooserViewSet(ScopedChooserViewSet, SnippetChooserViewSet):
    """The template chooser of papers and competitions: active templates only (a switched-off one is
    not given to anything new), through the scoped lookups of every chooser. Texts of its own:
    Wagtail formats the snippet widget's at start-up, so they would stay English."""

    base_widget_class = LazyTextSnippetChooser
    choose_one_text = _("选择证书模板")
    choose_another_text = _("重新选择证书模板")
    edit_item_text = _("查看证书模板")

    def scope_queryset(self, request, queryset):
        return queryset.filter(is_active=True)


class CertificateTemplateViewSet(SnippetViewSet):
    model = CertificateTemplate
    chooser_viewset_class = CertificateTemplateChooserViewSet
    icon = "form"
    menu_label = _("证书模板")
    add_to_admin_menu = False
    index_view_class = type(
        "CertificateTemplateIndexView", (ChineseColumnsMixin, SnippetViewSet.index_view_class), {}
    )
    list_display = ["name", "title", "issuer", "orientation", "validity_months", "is_active"]
    list_filter = ["is_active", "orientation"]
    search_fields = ["name", "title"]

    @cached_property
    def breadcrumbs_items(self):
        # Wagtail builds these once at startup with gettext (then in English); lazy labels follow
        # each user's language.
        return [
            {"url": reverse_lazy("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse_lazy("wagtailsnippets:index"), "label": _("Snippets")},
        ]


@hooks.register("register_snippet_listing_buttons")
def template_preview_button(snippet, user, next_url=None):
    if isinstance(snippet, CertificateTemplate):
        yield MenuItem(
            _("预览PDF"),
            url=reverse("certificates_admin:template-preview", args=[snippet.pk]),
            icon_name="view",
            priority=15,
        )


class CertificatesGroup(ViewSetGroup):
    menu_label = _("证书")
    menu_icon = "doc-full"
    menu_order = 260
    items = (
        CertificateViewSet("certificates_certificates"),
        CertificateTemplateViewSet,
    )


@hooks.register("register_admin_viewset")
def register_certificates():
    return CertificatesGroup()


@hooks.register("register_admin_urls")
def register_certificate_admin_urls():
    return [
        path(
            "certificates-admin/",
            include(
                (admin_views.certificate_urls(), "certificates_admin"),
                namespace="certificates_admin",
            ),
        )
    ]


class ExpiryNoticePanel(Component):
    """The caller's unread certificate expiry notices (portal notices of kind "certificates") on
    the admin home page; nothing when there are none. One query."""

    name = "certificate_expiry_notices"
    order = 120
    template_name = "certificates/admin/home_panel.html"

    def __init__(self, request):
        self.request = request
        self._notices = None

    def notices(self) -> list:
        if self._notices is None:
            self._notices = list(
                unread(self.request.user)
                .filter(kind=KIND_CERTIFICATES)
                .order_by("-created_at", "-pk")[:20]
            )
        return self._notices

    def get_context_data(self, parent_context=None):
        return {"notices": self.notices(), "request": self.request}

    def render_html(self, parent_context=None):
        if not self.notices():
            return ""
        return super().render_html(parent_context)


@hooks.register("construct_homepage_panels")
def add_expiry_panel(request, panels):
    panels.append(ExpiryNoticePanel(request))
