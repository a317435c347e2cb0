"""Import batches: every spreadsheet import (admin page or command) as one recorded, undoable batch.

`run_import()` wraps an importer (a function that reads the file and returns an ImportReport, all
or nothing, with its own dry run):

- the file is read once, its SHA-256 taken: the same file already imported into the same target
  (and not undone) is refused with a message naming that batch, so nothing is imported twice;
- a dry run (the admin pages' preview, the commands' --dry-run) saves nothing; the admin keeps the
  previewed file in a PREVIEW batch until its one button imports it (`confirm_preview`);
- a real import records, while it runs, every row saved (`post_save`, and `record_created` for
  bulk inserts): created rows by id, changed rows with their previous and new values.

`undo_batch()` takes a batch back within IMPORT_UNDO_HOURS: it deletes what it created and
restores what it changed, unless something depends on them by now (`undo_blockers`: a person who
has since taken an exam, a question used in a paper, a row edited since the import …). The undo is
recorded on the batch (who, when).
"""

from __future__ import annotations

import contextvars
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Enterprise, ImportBatch, ImportedRow, Region, User
from portal.validators import mask_id_number
from portal.xlsx import ImportReport, RowError, SpreadsheetError, read_upload


class BatchError(Exception):
    """An undo or a confirmation that cannot be done; the message says why (Chinese)."""


class NamedBytes(io.BytesIO):
    """The uploaded file's bytes, with its name and size, as the importers read them."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


@dataclass(frozen=True)
class Target:
    """What a file goes into: `key` tells two imports of the same file apart ("enterprise:5");
    the owner (an enterprise or a region, or neither for the operator's command) decides who sees
    the batch."""

    key: str = ""
    enterprise: Enterprise | None = None
    region: Region | None = None


def owner_of_user(user) -> Target:
    """The batch owner for an import that has no target of its own: the importer's scope."""
    from portal.scoping import scope_for

    if user is None or not user.pk:
        return Target()
    scope = scope_for(user)
    if scope.is_enterprise:
        return Target(enterprise=Enterprise.objects.filter(pk=scope.enterprise_id).first())
    if scope.is_region:
        return Target(region=scope.region)
    return Target()


# ---- recording what an import saves


@dataclass
class _Recorded:
    model: type[models.Model]
    pk: object
    label: str
    created: bool
    before: dict | None = None
    after: dict | None = None


_recording: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "portal_import_recording", default=None
)


def _values(obj: models.Model) -> dict:
    """The row's stored fields as JSON values (auto-updated timestamps left out)."""
    data = {
        f.attname: f.value_from_object(obj)
        for f in obj._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now", False)
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


_ID_NUMBER = re.compile(r"\d{17}[\dX]")


def _label(obj) -> str:
    """What the history shows of a row; a 身份证号 (a login's username) masked."""
    text = str(obj)[:200]
    return mask_id_number(text) if _ID_NUMBER.fullmatch(text) else text


def _key(model, pk) -> tuple:
    return (model._meta.label_lower, str(pk))


def _pre_save(sender, instance, raw=False, **kwargs):
    rows = _recording.get()
    if rows is None or raw or instance.pk is None or instance._state.adding:
        return
    key = _key(type(instance), instance.pk)
    if key in rows:
        return
    stored = type(instance)._base_manager.filter(pk=instance.pk).first()
    if stored is not None:
        rows[key] = _Recorded(type(instance), instance.pk, "", False, before=_values(stored))


def _post_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    rows = _recording.get()
    if rows is None or raw:
        return
    key = _key(type(instance), instance.pk)
    if created:
        rows[key] = _Recorded(type(instance), instance.pk, _label(instance), True)
    elif key in rows and not rows[key].created:
        after = _values(instance)
        if update_fields:
            saved = {instance._meta.get_field(name).attname for name in update_fields}
            after = {k: v for k, v in after.items() if k in saved}
        rows[key].after = {**(rows[key].after or {}), **after}
        rows[key].label = _label(instance)


pre_save.connect(_pre_save, dispatch_uid="portal.importing.pre_save")
post_save.connect(_post_save, dispatch_uid="portal.importing.post_save")


def record_created(objects: Iterable[models.Model]) -> None:
    """Rows an importer inserted without save() (bulk_create): recorded as created."""
    rows = _recording.get()
    if rows is None:
        return
    for obj in objects:
        rows[_key(type(obj), obj.pk)] = _Recorded(type(obj), obj.pk, _label(obj), True)


@contextmanager
def _record():
    rows: dict = {}
    token = _recording.set(rows)
    try:
        yield rows
    finally:
        _recording.reset(token)


# ---- running an import


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def duplicate_of(*, kind: str, target: str, digest: str) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(
            kind=kind, target=target, checksum=digest, status=ImportBatch.Status.DONE
        )
        .select_related("user")
        .first()
    )


def duplicate_message(batch: ImportBatch) -> str:
    return _(
        "该文件已于%(when)s导入过（导入记录 #%(pk)s），未重复导入；如需重新导入，请先撤销那一批。"
    ) % {"when": f"{timezone.localtime(batch.created_at):%Y-%m-%d %H:%M}", "pk": batch.pk}


def run_import(
    *,
    kind: str,
    title: str,
    upload,
    user: User | None,
    target: Target,
    run: Callable[..., ImportReport],
    dry_run: bool = False,
    via_command: bool = False,
    params: dict | None = None,
    keep_preview: bool = False,
) -> ImportReport:
    """Runs `run(upload=..., dry_run=...)` (an all-or-nothing importer) as a batch; see the module
    docstring. `report.batch` is the batch saved: the imported one, or with keep_preview the
    PREVIEW one holding the file (only when the dry run found no bad row)."""
    try:
        data = read_upload(upload)
    except SpreadsheetError as exc:
        report = ImportReport(dry_run=dry_run)
        report.errors.append(RowError(1, str(exc)))
        return report
    name = (getattr(upload, "name", "") or "import.xlsx").rsplit("/", 1)[-1]
    digest = checksum(data)
    earlier = duplicate_of(kind=kind, target=target.key, digest=digest)
    if earlier is not None:
        report = ImportReport(dry_run=dry_run)
        report.errors.append(RowError(1, duplicate_message(earlier)))
        report.duplicate_of = earlier
        return report
    batch = ImportBatch(
        kind=kind,
        title=title[:200],
        target=target.key,
        user=user if user is not None and user.pk else None,
        via_command=via_command,
        enterprise=target.enterprise,
        region=target.region,
        file_name=name[:255],
        checksum=digest,
        params=params or {},
    )
    with transaction.atomic(), _record() as rows:
        report = run(upload=NamedBytes(data, name), dry_run=dry_run)
        report.batch = None
        if not report.ok:
            transaction.set_rollback(True)
            return report
        _count(batch, report)
        if dry_run:
            if keep_preview:
                ImportBatch.objects.filter(
                    status=ImportBatch.Status.PREVIEW,
                    created_at__lt=timezone.now() - timedelta(days=1),
                ).delete()
                batch.content = data
                batch.save()
                report.batch = batch
            return report
        batch.status = ImportBatch.Status.DONE
        batch.save()
        _save_rows(batch, rows)
        report.batch = batch
    return report


def _count(batch: ImportBatch, report: ImportReport) -> None:
    batch.created_count = report.created
    batch.updated_count = report.updated
    batch.unchanged_count = report.unchanged + report.skipped


def _save_rows(batch: ImportBatch, rows: dict) -> None:
    types = ContentType.objects.get_for_models(*{r.model for r in rows.values()})
    entries = []
    for r in rows.values():
        if r.model is ImportBatch or r.model is ImportedRow:
            continue
        if r.created:
            action, before, after = ImportedRow.Action.CREATED, None, None
        else:
            changed = {k for k, v in (r.after or {}).items() if r.before.get(k) != v}
            if not changed:
                continue
            action = ImportedRow.Action.UPDATED
            before = {k: r.before[k] for k in changed}
            after = {k: r.after[k] for k in changed}
        entries.append(
            ImportedRow(
                batch=batch,
                content_type=types[r.model],
                object_id=str(r.pk),
                action=action,
                label=r.label,
                before=before,
                after=after,
            )
        )
    ImportedRow.objects.bulk_create(entries)


def preview_for(*, user: User, pk: int, kind: str) -> ImportBatch:
    """The user's own previewed batch of this kind (the button after a preview)."""
    batch = ImportBatch.objects.filter(
        pk=pk, kind=kind, user=user, status=ImportBatch.Status.PREVIEW
    ).first()
    if batch is None or batch.content is None:
        raise BatchError(_("预览已失效，请重新上传文件。"))
    return batch


def preview_rows(batch: ImportBatch) -> int:
    """The rows a preview found good (all of them: a preview with a bad row keeps nothing)."""
    return batch.created_count + batch.updated_count + batch.unchanged_count


def confirm_preview(
    *, batch: ImportBatch, user: User, run: Callable[..., ImportReport], title: str = ""
) -> ImportReport:
    """Imports the file a preview kept, as previewed (all or nothing, checked again)."""
    data = bytes(batch.content)
    target = Target(key=batch.target, enterprise=batch.enterprise, region=batch.region)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk).first()
        if locked is None or locked.status != ImportBatch.Status.PREVIEW:
            raise BatchError(_("预览已失效，请重新上传文件。"))
        locked.delete()
        report = run_import(
            kind=batch.kind,
            title=title or batch.title,
            upload=NamedBytes(data, batch.file_name),
            user=user,
            target=target,
            run=run,
            params=batch.params,
        )
        if not report.ok:  # the data changed since the preview: the preview stays
            transaction.set_rollback(True)
        return report


# ---- undo


def undo_deadline(batch: ImportBatch) -> datetime:
    return batch.created_at + timedelta(hours=settings.IMPORT_UNDO_HOURS)


def _objects(batch: ImportBatch):
    """(ImportedRow, the row now or None) of the batch, in the order they were saved."""
    entries = list(batch.rows.select_related("content_type"))
    by_model: dict = {}
    for entry in entries:
        by_model.setdefault(entry.content_type, []).append(entry.object_id)
    found = {}
    for ct, ids in by_model.items():
        model = ct.model_class()
        if model is None:
            continue
        for obj in model._base_manager.filter(pk__in=ids):
            found[(ct.pk, str(obj.pk))] = obj
    return [(e, found.get((e.content_type_id, e.object_id))) for e in entries]


def _describe(obj) -> str:
    return _("%(what)s“%(name)s”") % {"what": obj._meta.verbose_name, "name": str(obj)[:50]}


def undo_blockers(batch: ImportBatch, *, now: datetime | None = None, limit: int = 10) -> list[str]:
    """Why the batch cannot be undone now (Chinese sentences); empty when it can."""
    now = now or timezone.now()
    if batch.status != ImportBatch.Status.DONE:
        return [_("只有已导入的批次可以撤销。")]
    if now > undo_deadline(batch):
        return [
            _("已超过可撤销的期限（导入后%(hours)s小时内）。")
            % {"hours": settings.IMPORT_UNDO_HOURS}
        ]
    problems: list[str] = []
    objects = _objects(batch)
    created = [obj for entry, obj in objects if entry.action == "created" and obj is not None]
    mine = {_key(type(o), o.pk) for o in created}
    for entry, obj in objects:
        if entry.action == "updated" and obj is not None and _changed_since(entry, obj):
            problems.append(_("%(row)s在导入后又被修改过") % {"row": _describe(obj)})
    if created:
        collector = Collector(using=router.db_for_write(type(created[0])))
        by_model: dict = {}
        for obj in created:
            by_model.setdefault(type(obj), []).append(obj)
        try:
            for objs in by_model.values():  # collect() takes one model at a time
                collector.collect(objs)
        except ProtectedError as exc:
            problems += [_dependency(d, mine) for d in list(exc.protected_objects)[:limit]]
        except RestrictedError as exc:
            problems += [_dependency(d, mine) for d in list(exc.restricted_objects)[:limit]]
        else:
            for model, instances in collector.data.items():
                if model._meta.auto_created:  # many-to-many links go with their row
                    continue
                for dependant in instances:
                    if _key(model, dependant.pk) not in mine:
                        problems.append(_dependency(dependant, mine))
            for qs in collector.fast_deletes:
                if qs.model._meta.auto_created:
                    continue
                for dependant in qs[: limit + 1]:
                    if _key(type(dependant), dependant.pk) not in mine:
                        problems.append(_dependency(dependant, mine))
    unique = list(dict.fromkeys(problems))
    if len(unique) > limit:
        unique = [*unique[:limit], _("……共%(n)s处") % {"n": len(unique)}]
    return unique


def _dependency(dependant, mine) -> str:
    """ "已有考试记录“…”依赖导入的记录", naming the imported row when the link says which."""
    owner = None
    for field in dependant._meta.concrete_fields:
        if field.is_relation and field.related_model is not None:
            value = getattr(dependant, field.attname)
            if value is not None and _key(field.related_model, value) in mine:
                owner = getattr(dependant, field.name)
                break
    if owner is not None:
        return _("%(row)s已有%(what)s（%(name)s）") % {
            "row": _describe(owner),
            "what": dependant._meta.verbose_name,
            "name": str(dependant)[:50],
        }
    return _("导入的记录已被%(what)s“%(name)s”使用") % {
        "what": dependant._meta.verbose_name,
        "name": str(dependant)[:50],
    }


def _changed_since(entry: ImportedRow, obj) -> bool:
    now = _values(obj)
    return any(now.get(k) != v for k, v in (entry.after or {}).items())


def undo_batch(*, batch: ImportBatch, user: User | None, now: datetime | None = None) -> int:
    """Takes the batch back (see the module docstring). Returns the number of rows deleted or
    restored; raises BatchError with every blocker otherwise."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        blockers = undo_blockers(batch, now=now)
        if blockers:
            raise BatchError("；".join(blockers))
        objects = _objects(batch)
        done = 0
        for entry, obj in reversed(objects):
            if obj is None:
                continue
            if entry.action == ImportedRow.Action.CREATED:
                obj.delete()
            else:
                fields = {f.attname: f for f in obj._meta.concrete_fields}
                restore = {
                    name: fields[name].to_python(value)
                    for name, value in (entry.before or {}).items()
                    if name in fields
                }
                type(obj)._base_manager.filter(pk=obj.pk).update(**restore)
            done += 1
        batch.status = ImportBatch.Status.UNDONE
        batch.undone_at = now
        batch.undone_by = user if user is not None and user.pk else None
        batch.content = None
        batch.save(update_fields=["status", "undone_at", "undone_by", "content"])
    return done
