"""Wagtail viewsets that separate what a user may *see* from what they may *change*.

`ScopedModelViewSet` has two hooks, answered by the same capability functions as the front end:

- `scope_queryset(request, queryset)`: the rows the user may list and inspect. The listing shows
  only those rows; any object view (edit, delete, inspect, history, usage, copy) of another row is
  a 404, so ids cannot be probed. Every filter's choices are limited to the values of those rows
  (a filter never names another enterprise, drill or paper).
- `can_change(request, obj)`: whether the user may edit, delete, copy or act on a row they may
  see. The default is strict (a superuser only), so a new viewset is read-only until it names its
  rule. Edit, delete, copy and reorder of a row the user may see but not change raise
  PermissionDenied (Wagtail answers with its "no permission" redirect, or a 403 for XHR); the
  listing and the inspect view hide their buttons. The row as it would be saved by the add, copy or edit form
  is checked again, so nobody creates a row outside their reach or moves one out of it (e.g. a
  drill from the district to an enterprise).

Inspect views are on by default: they are how a "may see" user reads a row.

`ScopedChooserViewSet` does the same for choosers: `scope_queryset(request, queryset)` limits the
choose and results listings and the chosen / chosen-multiple lookups by id alike.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.db import models
from django.forms import modelform_factory
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet

# Object views a "may see" user may open.
READ_VIEWS = ("inspect_view_class", "history_view_class", "usage_view_class")
# Object views that write (or prepare a write): they also need `can_change`.
WRITE_VIEWS = ("edit_view_class", "delete_view_class", "copy_view_class")
# Views whose form saves a row: the saved row must be one the user may change.
SAVING_VIEWS = ("add_view_class", "edit_view_class", "copy_view_class")

OUT_OF_REACH = _("保存后该记录将不在您的管理范围内，不能这样保存。请选择您管理的企业或区域。")


def limit_filter_choices(filterset, rows) -> None:
    """Every filter offering model choices (an enterprise, a drill, a template …) offers only the
    values the given rows refer to, in the filter and in its already built form field."""
    for name, flt in filterset.filters.items():
        queryset = flt.extra.get("queryset")
        if queryset is None or callable(queryset):
            continue
        limited = queryset.filter(pk__in=rows.values(flt.field_name))
        flt.extra["queryset"] = limited
        field = filterset.form.fields.get(name)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = limited


class ChineseColumnsMixin:
    """Listing columns of model BooleanFields read 是/否 (Wagtail's BooleanColumn, whose cell
    template the project overrides) instead of the raw True/False."""

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        try:
            field = self.model._meta.get_field(field_name)
        except FieldDoesNotExist:
            field = None
        if isinstance(field, models.BooleanField) and column_class is Column:
            column_class = BooleanColumn
        return super()._get_custom_column(field_name, column_class=column_class, **kwargs)


class _ScopedIndexMixin(ChineseColumnsMixin):
    scope = None
    may_change = None

    def get_base_queryset(self):
        return self.scope(self.request, super().get_base_queryset())

    @cached_property
    def filters(self):
        filterset = super().filters
        if filterset is not None:
            limit_filter_choices(filterset, self.scope(self.request, self.model._default_manager))
        return filterset

    def get_edit_url(self, instance):
        if self.may_change(self.request, instance):
            return super().get_edit_url(instance)
        return None

    def get_copy_url(self, instance):
        if self.may_change(self.request, instance):
            return super().get_copy_url(instance)
        return None

    def get_delete_url(self, instance):
        if self.may_change(self.request, instance):
            return super().get_delete_url(instance)
        return None


class _ScopedObjectMixin:
    scope = None
    may_change = None

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        model = type(obj)
        if not self.scope(self.request, model._default_manager.filter(pk=obj.pk)).exists():
            raise Http404
        return obj


class _ChangeRequiredMixin:
    """A row the user may see but not change: PermissionDenied (after the 404 of
    _ScopedObjectMixin)."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.may_change(self.request, obj):
            raise PermissionDenied
        return obj

    def user_has_permission_for_instance(self, permission, instance):
        if permission in {"change", "delete"} and not self.may_change(self.request, instance):
            return False
        return super().user_has_permission_for_instance(permission, instance)


class _ReadOnlyButtonsMixin:
    """The inspect view offers edit and delete only to those who may change the row."""

    def get_edit_url(self):
        return super().get_edit_url() if self.may_change(self.request, self.object) else None

    def get_delete_url(self):
        return super().get_delete_url() if self.may_change(self.request, self.object) else None


# Chinese labels of the fields many models share without a verbose_name of their own (their
# default label is the English field name); the inspect view reads them.
COMMON_FIELD_LABELS = {
    "created_at": _("创建时间"),
    "updated_at": _("更新时间"),
    "uid": _("唯一标识"),
    "path": _("路径"),
    "drill": _("演练"),
    "finding": _("发现问题"),
    "verified_by": _("验证人"),
    "deferred_by": _("延期批准人"),
    "content_type": _("来源类型"),
    "object_id": _("来源编号"),
    "practice_for": _("练习对应试卷"),
    "source": _("来源"),
    "user": _("用户"),
    "person": _("人员"),
    "paper": _("试卷"),
    "competition": _("竞赛"),
}


class _ChineseInspectMixin:
    """Inspect views in Chinese: fields without a Chinese label get one, booleans read 是/否,
    empty values a dash, and a login shows its holder's name (User.__str__)."""

    def get_field_label(self, field_name, field):
        label = super().get_field_label(field_name, field)
        return COMMON_FIELD_LABELS.get(field_name, label)

    def get_field_display_value(self, field_name, field):
        if getattr(self.object, field_name, True) is None:
            # an empty relation: Wagtail wraps it for display (an image's wrapper prints "None")
            return "—"
        value = super().get_field_display_value(field_name, field)
        if value is True:
            return _("是")
        if value is False:
            return _("否")
        if value is None or value == "":
            return "—"
        return value


class _OutOfReach(Exception):
    pass


class _SaveGuardMixin:
    """The row as saved (m2m included) must be one the user may change; otherwise the save is
    rolled back (Wagtail saves inside transaction.atomic) and the form is shown with an error."""

    def save_instance(self):
        instance = super().save_instance()
        if not self.may_change(self.request, instance):
            raise _OutOfReach
        return instance

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except _OutOfReach:
            form.add_error(None, forms.ValidationError(OUT_OF_REACH, code="out_of_reach"))
            self.produced_error_message = OUT_OF_REACH
            return self.form_invalid(form)


class _ScopedReorderMixin:
    """Reordering moves one row (Wagtail looks it up by id alone): it must be one the user may
    see (404) and change (403)."""

    def post(self, request, *args, **kwargs):
        pk = unquote(str(kwargs.get("pk")))
        item = self.scope(request, self.model._default_manager.filter(pk=pk)).first()
        if item is None:
            raise Http404
        if not self.may_change(request, item):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)


def _subclass(base, mixins, attrs):
    return type(f"Scoped{base.__name__}", (*mixins, base), attrs)


class ScopedModelViewSet(ModelViewSet):
    inspect_view_enabled = True

    def __init__(self, *args, **kwargs):
        attrs = {
            "scope": staticmethod(self.scope_queryset),
            "may_change": staticmethod(self.can_change),
        }
        self.index_view_class = _subclass(self.index_view_class, [_ScopedIndexMixin], attrs)
        for attr in {*READ_VIEWS, *WRITE_VIEWS, *SAVING_VIEWS}:
            mixins = []
            if attr in SAVING_VIEWS:
                mixins.append(_SaveGuardMixin)
            if attr in WRITE_VIEWS:
                mixins.append(_ChangeRequiredMixin)
            if attr != "add_view_class":
                mixins.append(_ScopedObjectMixin)
            if attr == "inspect_view_class":
                mixins.extend([_ReadOnlyButtonsMixin, _ChineseInspectMixin])
            setattr(self, attr, _subclass(getattr(self, attr), mixins, attrs))
        self.reorder_view_class = _subclass(self.reorder_view_class, [_ScopedReorderMixin], attrs)
        super().__init__(*args, **kwargs)

    def scope_queryset(self, request, queryset):
        """The rows the user may list and inspect."""
        raise NotImplementedError

    def can_change(self, request, obj) -> bool:
        """Whether the user may edit, delete, copy or act on `obj` (a row they may see, or the row
        an add/edit form is about to save). Strict by default: a superuser only. Subclasses answer
        with the front end's capability function for the model."""
        return request.user.is_superuser

    # A form class whose __init__ takes `for_user` (a WagtailAdminModelForm) and limits its
    # choices to what the user may see. Wagtail's ModelViewSet ignores `form_class` (with
    # `form_fields` or with panels), so it is applied here.
    form_class = None

    def get_form_class(self, for_update=False):
        if self.form_class is not None and self._edit_handler:
            # The model (or the viewset) has panels: Wagtail builds the form from them on the
            # model's base form, so form_class — and the choices it limits — would be ignored.
            handler = self._edit_handler.clone()
            handler.base_form_class = self.form_class
            return handler.bind_to_model(self.model).get_form_class()
        if (
            self.form_class is None
            or self._edit_handler
            or not (self.get_form_fields() or self.get_exclude_form_fields())
        ):
            return super().get_form_class(for_update)
        return modelform_factory(
            self.model,
            form=self.form_class,
            formfield_callback=self.formfield_for_dbfield,
            fields=self.get_form_fields(),
            exclude=self.get_exclude_form_fields(),
        )


class _ScopedChooseMixin:
    scope = None

    def get_object_list(self):
        return self.scope(self.request, super().get_object_list())


class _ScopedChosenMixin:
    scope = None

    def get_object(self, pk):
        return self.scope(self.request, self.model_class._default_manager.all()).get(pk=pk)


class _ScopedChosenMultipleMixin:
    scope = None

    def get_objects(self, pks):
        return self.scope(self.request, super().get_objects(pks))


class _NoCreateMixin:
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class ScopedChooserViewSet(ChooserViewSet):
    """A chooser whose every lookup (choose, results, chosen by id, chosen-multiple) goes through
    `scope_queryset(request, queryset)`; its create tab is off."""

    def __init__(self, *args, **kwargs):
        if "get_object_list" in vars(type(self)):
            # Wagtail would inject it into the views over the scoped lookup.
            raise ImproperlyConfigured(
                f"{type(self).__name__}: put the chooser's rows in scope_queryset()."
            )
        attrs = {"scope": staticmethod(self.scope_queryset)}
        self.choose_view_class = _subclass(self.choose_view_class, [_ScopedChooseMixin], attrs)
        self.choose_results_view_class = _subclass(
            self.choose_results_view_class, [_ScopedChooseMixin], attrs
        )
        self.chosen_view_class = _subclass(self.chosen_view_class, [_ScopedChosenMixin], attrs)
        self.chosen_multiple_view_class = _subclass(
            self.chosen_multiple_view_class, [_ScopedChosenMultipleMixin], attrs
        )
        self.create_view_class = _subclass(self.create_view_class, [_NoCreateMixin], {})
        super().__init__(*args, **kwargs)

    def scope_queryset(self, request, queryset):
        raise NotImplementedError
