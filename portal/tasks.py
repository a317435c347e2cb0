from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.models import Heartbeat

HEARTBEAT_FUNC = "portal.tasks.heartbeat"


def heartbeat() -> str:
    """Scheduled every minute. The task only answers; the heartbeat /healthz reads is written once
    its result has been recorded (heartbeat_recorded), so it proves the whole path: scheduler,
    broker, worker, monitor, database. Written by the worker, it kept beating while the cluster
    recorded no result at all (issue 13 finding 16)."""
    return timezone.now().isoformat()


def heartbeat_recorded(sender, task: dict, **kwargs) -> None:
    """django-q2's post_execute receiver: runs in the cluster's monitor after it saved (and, with
    the ORM broker, acknowledged) a task's result."""
    from django_q.utils import get_func_repr

    if task.get("success") and get_func_repr(task.get("func")) == HEARTBEAT_FUNC:
        Heartbeat.objects.update_or_create(name="qcluster", defaults={"beat_at": timezone.now()})


def seed_demo_later(paths: list[str], reindex: bool = True) -> int:
    """Queued by seed_demo once the demo district has committed: the seeders' slow parts (their
    `later`, e.g. finished exam attempts), in seeder order, each all or nothing; then the indexes
    seed_demo left out (rebuild_indexes), in the same task so that on SQLite nothing waits for
    another writer. Returns how many parts ran."""
    from django.db import transaction
    from django.utils.module_loading import import_string

    from portal.demo import existing_context

    ctx = existing_context()
    if ctx is None:
        return 0
    for path in paths:
        with transaction.atomic():
            import_string(path)(ctx)
    if reindex:
        rebuild_indexes()
    return len(paths)


def rebuild_indexes() -> None:
    """After seed_demo, which saves its pages without updating the indexes: Wagtail's search
    index (the site search) and reference index (the admin's "usage" counts), rebuilt once."""
    from django.core.management import call_command

    call_command("update_index", verbosity=0)
    call_command("rebuild_references_index", verbosity=0)


def confirm_import(batch_pk: int, *, progress_id: str | None = None) -> str:
    """Imports a previewed file of IMPORT_BACKGROUND_ROWS rows or more for the user who confirmed
    it (portal.import_views.confirm_from_request), all or nothing as on the page, moving the bar of
    `progress_id` row by row (portal.progress.counting_rows). At-least-once safe: a finished
    record or a preview already imported ends the task without touching anything."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.utils.translation import gettext as _

    from portal import accounts, importing, progress, registry
    from portal.import_views import batch_url
    from portal.models import ImportBatch, Progress

    record = Progress.objects.select_related("owner").filter(pk=progress_id).first()
    if record is None or record.finished:
        return "finished"
    batch = ImportBatch.objects.filter(
        pk=batch_pk, user=record.owner, status=ImportBatch.Status.PREVIEW
    ).first()
    runner = registry.import_runners.get(batch.kind) if batch is not None else None
    if batch is None or runner is None:
        progress.fail(progress_id, message=_("预览已失效，请重新上传文件。"))
        return "gone"
    try:
        run = runner.runner_for(batch, record.owner)
    except (PermissionDenied, Http404):
        progress.fail(progress_id, message=_("您已无权导入到这里，未导入任何数据。"))
        return "refused"
    rows = importing.preview_rows(batch)
    progress.running(progress_id, total=rows * 2, message=_("正在检查。"))
    try:
        with progress.counting_rows(progress_id, rows=rows):
            report = importing.confirm_preview(batch=batch, user=record.owner, run=run)
    except importing.BatchError as exc:
        progress.fail(progress_id, message=str(exc))
        return "gone"
    if not report.ok:
        shown = report.errors[:50]
        message = "；".join(str(error) for error in shown)
        if len(report.errors) > len(shown):
            message += _("……共 %(n)s 行有误") % {"n": len(report.errors)}
        progress.fail(progress_id, message=_("未导入任何数据：") + message)
        return "refused"
    summary = _(
        "已导入（导入记录 #%(batch)s）：新增%(created)s，更新%(updated)s，未变%(unchanged)s。"
    ) % {
        "batch": report.batch.pk,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged + report.skipped,
    }
    result_url = batch_url(report.batch)
    if getattr(report, "credentials", None):
        accounts.keep_sheet(str(record.pk), report.credentials)
        result_url = reverse("portal:first-passwords", args=[record.pk])
        summary += _("新账号的初始密码表只能下载一次，%(minutes)s 分钟内有效。") % {
            "minutes": settings.FIRST_PASSWORD_SHEET_MINUTES
        }
    progress.finish(progress_id, message=summary, result_url=result_url)
    return "done"


def tidy_figure_snapshots(keep_hours: int = 36) -> dict:
    """Scheduled: sum the data version's rows into one per table (every table's version and the
    total, and so every snapshot and part, stay valid) and delete the figure snapshots and parts
    stored more than `keep_hours` ago (past days' keys, versions long gone)."""
    from datetime import timedelta

    from django.db import connection, transaction

    from portal import snapshots
    from portal.db import changes

    with transaction.atomic():
        summed = changes.compact(connection)
    pruned = snapshots.prune(older_than=timezone.now() - timedelta(hours=keep_hours))
    return {"summed": summed, "pruned": pruned}
