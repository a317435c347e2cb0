"""Wagtail ModelViewSets whose every view is limited to the rows the user may see.

Subclass `ScopedModelViewSet` and implement `scope_queryset(request, queryset)` (usually with
portal.scoping). The listing shows only those rows; any object view (edit, delete, inspect, history,
usage, copy) for another row is a 404, so ids cannot be probed.
"""

from __future__ import annotations

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
