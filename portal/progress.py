"""Progress of long jobs run by the task cluster, shown to the user who started them.

A view that would otherwise keep a request spinning (a bulk certificate issue, a big import)
records a Progress, queues the job and sends the user to the progress page, which polls
``/accounts/progress/<id>.json`` and shows a bar, the message and, when done, a link to the result.
Only the owner (and superusers) may see a record: anyone else gets a 404.

In the view::

    from portal import progress

    record = progress.start(
        owner=request.user,
        kind="people_import",
        title=_("导入名册"),
        total=len(rows),
        task="portal.tasks.run_people_import",  # called as task(*args, progress_id=...)
        args=(upload.pk,),
        key=f"portal.upload:{upload.pk}",  # optional: what the job works on
    )
    return redirect(progress.page_url(record))

In the task (it receives ``progress_id``; every call is one UPDATE and safe to repeat)::

    def run_people_import(upload_id: int, *, progress_id: str | None = None) -> int:
        progress.running(progress_id)
        for n, row in enumerate(rows, start=1):
            ...
            progress.step(progress_id, done=n)  # or step(progress_id) to add one
        progress.finish(progress_id, message=_("已导入 %d 人") % n, result_url=url)
        # on a refusal: progress.fail(progress_id, message="第3行：身份证号无效；…")

An import stays all-or-nothing: step the bar while checking the rows (outside the transaction
that writes, or the poller sees nothing until the commit), write everything in one transaction,
then call ``finish`` or ``fail`` after it. ``progress_id=None`` makes every call a no-op, so the
same task runs without a record too (a management command, a rerun).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import F
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Progress, User


def start(
    *,
    owner: User,
    kind: str,
    title: str,
    total: int = 0,
    task: str = "",
    args: Iterable[Any] = (),
    key: str = "",
    result_url: str = "",
    message: str = "",
    cluster: str = "",
) -> Progress:
    """Records a job of `owner` and, when `task` is given, queues it once the surrounding
    transaction commits (called as ``task(*args, progress_id="<uuid>")``) on the main cluster, or
    on `cluster` (e.g. settings.Q_RENDER_CLUSTER for PDF work) when one is named."""
    record = Progress.objects.create(
        owner=owner,
        kind=kind,
        title=str(title)[:200],
        total=max(0, int(total)),
        key=key,
        result_url=result_url,
        message=str(message),
    )
    if task:
        enqueue(record, task, *args, cluster=cluster)
    return record


def enqueue(record: Progress, task: str, *args: Any, cluster: str = "") -> None:
    """Queues `task` for `record` after the commit (on `cluster` when one is named) and keeps the
    task id on the record."""
    from django_q.tasks import async_task

    options = {"cluster": cluster} if cluster else {}

    def _queue() -> None:
        task_id = async_task(task, *args, progress_id=str(record.pk), **options)
        Progress.objects.filter(pk=record.pk).update(task_id=str(task_id or "")[:64])

    transaction.on_commit(_queue)


def _update(progress_id, **fields) -> None:
    if progress_id:
        Progress.objects.filter(pk=progress_id).update(updated_at=timezone.now(), **fields)


def running(progress_id, *, total: int | None = None, message: str = "") -> None:
    """The job has started (again): status running, and the total once it is known."""
    fields: dict[str, Any] = {"status": Progress.Status.RUNNING, "finished_at": None}
    if total is not None:
        fields["total"] = max(0, int(total))
    if message:
        fields["message"] = str(message)
    _update(progress_id, **fields)


def step(progress_id, *, done: int | None = None, by: int = 1, message: str = "") -> None:
    """Moves the bar: to `done` items, or `by` more (never past the total when one is set)."""
    fields: dict[str, Any] = {"status": Progress.Status.RUNNING}
    if done is not None:
        fields["done"] = max(0, int(done))
    else:
        fields["done"] = F("done") + by
    if message:
        fields["message"] = str(message)
    _update(progress_id, **fields)
    if done is None and progress_id:
        # an increment past the total (a rerun) stays at the total
        Progress.objects.filter(pk=progress_id, total__gt=0, done__gt=F("total")).update(
            done=Least(F("done"), F("total"))
        )


def finish(progress_id, *, message: str = "", result_url: str = "") -> None:
    """Done: the bar full (done = total), the message and the link to the result."""
    fields: dict[str, Any] = {
        "done": Greatest(F("done"), F("total")),
        "status": Progress.Status.DONE,
        "finished_at": timezone.now(),
        "message": str(message),
    }
    if result_url:
        fields["result_url"] = result_url
    _update(progress_id, **fields)


def fail(progress_id, *, message: str, result_url: str = "") -> None:
    fields: dict[str, Any] = {
        "status": Progress.Status.FAILED,
        "finished_at": timezone.now(),
        "message": str(message),
    }
    if result_url:
        fields["result_url"] = result_url
    _update(progress_id, **fields)


def visible_to(user) -> Any:
    """The records `user` may see: their own; every record for a superuser."""
    if not user.is_authenticated:
        return Progress.objects.none()
    if user.is_superuser:
        return Progress.objects.all()
    return Progress.objects.filter(owner=user)


def latest_for_key(key: str) -> Progress | None:
    return Progress.objects.filter(key=key).order_by("-created_at").first() if key else None


def page_url(record: Progress) -> str:
    return reverse("portal:progress", args=[record.pk])


def as_json(record: Progress) -> dict:
    return {
        "id": str(record.pk),
        "kind": record.kind,
        "title": record.title,
        "status": record.status,
        "status_label": str(record.get_status_display()),
        "total": record.total,
        "done": record.done,
        "percent": record.percent,
        "message": record.message,
        "result_url": record.result_url,
        "finished": record.finished,
    }


# ---- rows of a long import (portal.import_views sends big confirmed imports to the task cluster)


@dataclass
class _RowCounter:
    progress_id: str
    rows: int
    every: int
    checked: int = 0
    written: int = 0


_rows: ContextVar[_RowCounter | None] = ContextVar("portal_progress_rows", default=None)
_side = threading.local()


@contextlib.contextmanager
def counting_rows(progress_id, *, rows: int) -> Iterator[None]:
    """Within it, `row_checked()` (portal.columns.clean_row, once a row) and `row_written()` (an
    importer's write loop) move the bar of `progress_id`: a row is two steps, checked then written.

    An import is one transaction, so its own connection's updates would show only at the commit:
    on PostgreSQL the bar is written through a second connection (every 1 % of the rows); SQLite
    has one writer at a time, so there the bar waits for the end and the page shows the message."""
    if not progress_id or rows <= 0:
        yield
        return
    token = _rows.set(_RowCounter(str(progress_id), rows, max(1, rows // 100)))
    try:
        yield
    finally:
        _rows.reset(token)
        side = getattr(_side, "connection", None)
        if side is not None:
            side.close()
            _side.connection = None


def row_checked() -> None:
    counter = _rows.get()
    if counter is not None:
        counter.checked += 1
        _show(
            counter,
            _("正在检查第 %(n)s / %(total)s 行") % {"n": counter.checked, "total": counter.rows},
        )


def row_written() -> None:
    counter = _rows.get()
    if counter is not None:
        counter.written += 1
        _show(
            counter,
            _("正在写入第 %(n)s / %(total)s 行") % {"n": counter.written, "total": counter.rows},
        )


def _show(counter: _RowCounter, message: str) -> None:
    done = min(counter.checked, counter.rows) + min(counter.written, counter.rows)
    if done % counter.every and done not in (1, counter.rows * 2):
        return
    if not connection.in_atomic_block:
        _update(counter.progress_id, done=done, total=counter.rows * 2, message=message)
        return
    if connection.vendor == "sqlite":
        return
    side = getattr(_side, "connection", None)
    if side is None:
        side = _side.connection = connections.create_connection(connection.alias)
    table = side.ops.quote_name(Progress._meta.db_table)
    with side.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET done = %s, total = %s, message = %s, updated_at = %s "  # nosec B608
            f"WHERE {side.ops.quote_name(Progress._meta.pk.column)} = %s",  # names from _meta
            [done, counter.rows * 2, message, timezone.now(), counter.progress_id],
        )
