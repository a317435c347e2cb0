"""The import history in the admin (导入记录): every batch an import recorded, scoped like its owner
(a manager their enterprise's, a supervisor their region's), its rows, and the undo button.

Who may see a batch may undo it (seeing it is administering its owner); the undo itself says what
blocks it (portal.importing.undo_blockers)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import InspectView

from portal import importing, progress, registry
from portal.admin_scoping import ScopedModelViewSet
from portal.models import ImportBatch
from portal.ownership import owned_q, owns
from portal.params import ID_MAX, int_param
from portal.scoping import scope_for
from portal.xlsx import ImportReport

ROWS_SHOWN = 200


def visible_batches(user):
    """The batches a user may see (and undo): those owned within their scope; previews are
    nobody's history."""
    if not user.is_authenticated or not user.has_perm("portal.view_importbatch"):
        return ImportBatch.objects.none()
    return (
        ImportBatch.objects.exclude(status=ImportBatch.Status.PREVIEW)
        .filter(owned_q(scope_for(user)))
        .select_related("user", "undone_by", "enterprise__street", "region")
    )


def can_undo(user, batch: ImportBatch) -> bool:
    return user.has_perm("portal.view_importbatch") and owns(scope_for(user), batch)


def batch_url(batch: ImportBatch) -> str:
    return reverse("portal_imports:inspect", args=[batch.pk])


def confirm_from_request(
    request: HttpRequest, *, kind: str, run_for: Callable[[ImportBatch], Callable] | None = None
) -> ImportReport | HttpResponse | None:
    """The one button after an import page's preview (POST batch=<pk>): imports the file the
    user's own preview kept. `run_for(batch)` gives the importer for the batch's target, after
    checking the user may still import there (raise PermissionDenied or Http404 otherwise); by
    default the kind's registered ImportRunner for the requesting user.
    None, with a message, when the preview is gone. A preview of settings.IMPORT_BACKGROUND_ROWS
    rows or more is imported by the task cluster: the answer is then a redirect to its progress
    page (portal.tasks.confirm_import), which links to the result when done."""
    try:
        batch = importing.preview_for(
            user=request.user,
            pk=int_param(request.POST, "batch", min=1, max=ID_MAX) or 0,
            kind=kind,
        )
    except importing.BatchError as exc:
        messages.error(request, str(exc))
        return None
    if run_for is None:
        run = registry.import_runners[kind].runner_for(batch, request.user)
    else:
        run = run_for(batch)
    rows = importing.preview_rows(batch)
    if rows >= settings.IMPORT_BACKGROUND_ROWS and kind in registry.import_runners:
        key = f"portal.import:{batch.pk}"
        record = progress.latest_for_key(key)
        if record is None or record.owner_id != request.user.pk or record.finished:
            record = progress.start(
                owner=request.user,
                kind="import",
                title=batch.title,
                total=rows * 2,
                task="portal.tasks.confirm_import",
                args=(batch.pk,),
                key=key,
                message=_("已排队，等待后台处理。"),
            )
        return redirect(progress.page_url(record))
    return importing.confirm_preview(batch=batch, user=request.user, run=run)


def _get_batch_for_user(request: HttpRequest, pk: int) -> tuple[ImportBatch, bool]:
    """The batch (404 for one the user may not see) and whether they may undo it."""
    batch = get_object_or_404(visible_batches(request.user), pk=pk)
    return batch, can_undo(request.user, batch)


@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch, may_undo = _get_batch_for_user(request, pk)
    if not may_undo:
        raise PermissionDenied
    try:
        count = importing.undo_batch(batch=batch, user=request.user)
    except importing.BatchError as exc:
        messages.error(request, _("无法撤销：%(why)s") % {"why": exc})
    else:
        messages.success(
            request,
            _("已撤销导入记录 #%(pk)s：删除或还原了%(n)s条记录。") % {"pk": batch.pk, "n": count},
        )
    return redirect(batch_url(batch))


class BatchInspectView(InspectView):
    template_name = "portal/admin/import_batch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.object
        rows = list(batch.rows.select_related("content_type")[: ROWS_SHOWN + 1])
        may_undo = can_undo(self.request.user, batch)
        blockers = importing.undo_blockers(batch) if batch.status == batch.Status.DONE else []
        context.update(
            {
                "batch": batch,
                "rows": rows[:ROWS_SHOWN],
                "more_rows": len(rows) > ROWS_SHOWN,
                "blockers": blockers,
                "undo_url": reverse("portal_imports:undo", args=[batch.pk])
                if may_undo and batch.status == batch.Status.DONE and not blockers
                else "",
                "undo_deadline": importing.undo_deadline(batch),
            }
        )
        return context


class ImportBatchViewSet(ScopedModelViewSet):
    model = ImportBatch
    icon = "upload"
    menu_label = gettext_lazy("导入记录")
    add_to_admin_menu = False
    inspect_view_class = BatchInspectView
    # Written by the imports only; the form exists for Wagtail, and only a superuser reaches it.
    form_fields = ["title"]
    list_display = [
        "__str__",
        Column("importer", label=gettext_lazy("导入人"), accessor="importer_label"),
        "created_at",
        "created_count",
        "updated_count",
        "unchanged_count",
        Column("status", label=gettext_lazy("状态"), accessor="get_status_display"),
    ]
    list_filter = ["status"]
    inspect_view_fields = [
        "title",
        "file_name",
        "checksum",
        "created_at",
        "created_count",
        "updated_count",
        "unchanged_count",
        "status",
        "undone_at",
        "undone_by",
    ]

    def scope_queryset(self, request, queryset):
        return queryset.filter(pk__in=visible_batches(request.user).values("pk")).select_related(
            "user", "undone_by"
        )

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("<int:pk>/undo/", undo, name="undo")]
