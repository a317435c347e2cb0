"""Wagtail ModelViewSets whose every view is limited to the rows the user may see.

Subclass `ScopedModelViewSet` and implement `scope_queryset(request, queryset)` (usually with
portal.scoping). The listing shows only those rows; any object view (edit, delete, inspect, history,
usage, copy) for another row is a 404, so ids cannot be probed.
"""

from __future__ import annotations

from django.forms import modelform_factory
from django.http import Http404
from wagtail.admin.viewsets.model import ModelViewSet

_OBJECT_VIEWS = (
    "edit_view_class",
    "delete_view_class",
    "inspect_view_class",
    "history_view_class",
    "usage_view_class",
    "copy_view_class",
)


class _ScopedIndexMixin:
    scope = None

    def get_base_queryset(self):
        return self.scope(self.request, super().get_base_queryset())


class _ScopedObjectMixin:
    scope = None

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        model = type(obj)
        if not self.scope(self.request, model._default_manager.filter(pk=obj.pk)).exists():
            raise Http404
        return obj


class ScopedModelViewSet(ModelViewSet):
    def __init__(self, *args, **kwargs):
        scope = {"scope": staticmethod(self.scope_queryset)}
        base = self.index_view_class
        self.index_view_class = type(f"Scoped{base.__name__}", (_ScopedIndexMixin, base), scope)
        for attr in _OBJECT_VIEWS:
            base = getattr(self, attr)
            setattr(self, attr, type(f"Scoped{base.__name__}", (_ScopedObjectMixin, base), scope))
        super().__init__(*args, **kwargs)

    def scope_queryset(self, request, queryset):
        raise NotImplementedError

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
