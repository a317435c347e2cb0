"""一人一档 / 一企一档: a person's training file as one PDF of the sections the apps registered
(portal.registry.person_file_sections), an enterprise's as a .zip of its people's PDFs and a
summary sheet (base columns + portal.registry.person_file_columns). Built by the render cluster
(dossiers.tasks on settings.Q_RENDER_CLUSTER, the niced cluster the certificate PDFs use, so
rendering never takes the CPUs from requests) into the private storage; served to the requester
while they may still see it."""

from __future__ import annotations

import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from portal import progress, registry, xlsx
from portal.models import Enterprise, Person, Progress, User
from portal.scoping import visible_enterprises, visible_people

logger = logging.getLogger(__name__)

CHINESE_NUMBERS = "一二三四五六七八九十"


# ---- who may


def people_for(user: User) -> QuerySet[Person]:
    """The people whose file `user` may have: their own (a worker), their enterprise's (a
    manager), their region's (a supervisor), everyone's (a superuser)."""
    return visible_people(user).select_related("enterprise", "special_operation")


def enterprises_for(user: User) -> QuerySet[Enterprise]:
    """The enterprises whose file `user` may have: a manager's own, a supervisor's region's."""
    return visible_enterprises(user)


def may_have(user: User, dossier: Dossier) -> bool:
    """Whether `user` may download `dossier`: they asked for it and still see its subject."""
    if dossier.requested_by_id != user.pk:
        return False
    if dossier.kind == Dossier.Kind.PERSON:
        return people_for(user).filter(pk=dossier.person_id).exists()
    return enterprises_for(user).filter(pk=dossier.enterprise_id).exists()


# ---- the person's file


def person_sections(person: Person, on: date) -> list[dict]:
    """The registered sections in order, with their context; a section whose context is None has
    nothing for this person and is left out. Numbered 一、二、… as printed."""
    items = []
    for section in sorted(registry.person_file_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.get_context(person, on)
        if context is None:
            continue
        items.append({"section": section, "context": context})
    for n, item in enumerate(items):
        item["number"] = CHINESE_NUMBERS[n] if n < len(CHINESE_NUMBERS) else str(n + 1)
    return items


def person_html(person: Person, on: date) -> str:
    return render_to_string(
        "pdf/person_file.html",
        {
            "person": person,
            "on": on,
            "sections": person_sections(person, on),
            "generated_at": timezone.localtime(),
        },
    )


def person_pdf(person: Person, on: date) -> bytes:
    from certificates.pdf import html_to_pdf

    return html_to_pdf(person_html(person, on))


# ---- the enterprise's file


@dataclass(frozen=True)
class SummarySheet:
    columns: list[str]
    rows: list[list[object]]


def enterprise_people(enterprise: Enterprise) -> QuerySet[Person]:
    """Who the enterprise file covers: the enterprise's people in post (在职)."""
    return (
        Person.objects.filter(enterprise=enterprise, is_active=True)
        .select_related("enterprise", "special_operation")
        .order_by("name", "pk")
    )


def summary(people: QuerySet[Person], on: date) -> SummarySheet:
    """One row a person: the base columns, then each registered column (one call for all the
    rows). Queries: the people, then each column's own (a fixed number whatever the rows)."""
    listed = list(people)
    columns = sorted(registry.person_file_columns.values(), key=lambda c: (c.order, c.key))
    values = [column.values(people, on) for column in columns]
    header = [_("序号"), _("姓名"), _("身份证号"), _("人员类别"), _("岗位"), _("入职日期")]
    header += [str(column.label) for column in columns]
    rows = []
    for n, person in enumerate(listed, start=1):
        row: list[object] = [
            n,
            person.name,
            person.masked_id_number,
            person.get_category_display(),
            person.position,
            person.hired_on,
        ]
        row += [column_values.get(person.pk, "") for column_values in values]
        rows.append(row)
    return SummarySheet(columns=header, rows=rows)


def summary_workbook(sheet: SummarySheet, *, enterprise: Enterprise, on: date) -> bytes:
    """The summary as .xlsx (portal.xlsx: every cell through safe_cell)."""
    return xlsx.build_sheets(
        [
            xlsx.Sheet(
                title=_("一企一档汇总"),
                columns=sheet.columns,
                rows=sheet.rows,
                caption=_("%(name)s 一企一档汇总（截至 %(day)s）")
                % {"name": enterprise.name, "day": f"{on:%Y-%m-%d}"},
            )
        ]
    )


_UNSAFE = re.compile(r"[\x00-\x1f/\\:*?\"<>|]+")


def safe_name(text: str) -> str:
    """A file name part without path separators or characters Windows refuses."""
    return _UNSAFE.sub("_", text).strip(" .") or "_"


def write_enterprise_zip(enterprise: Enterprise, on: date, out, *, progress_id=None) -> int:
    """Writes the .zip into the file object `out`: 人员档案/NNN-姓名.pdf for every person, then
    the summary .xlsx. Moves the bar of `progress_id` by one a person and one for the summary.
    Returns the number of people."""
    people = enterprise_people(enterprise)
    listed = list(people)
    progress.running(
        progress_id, total=len(listed) + 1, message=_("正在生成 %d 人的档案。") % len(listed)
    )
    folder = _("人员档案")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, person in enumerate(listed, start=1):
            name = f"{folder}/{n:03d}-{safe_name(person.name)}.pdf"
            archive.writestr(name, person_pdf(person, on))
            progress.step(
                progress_id,
                done=n,
                message=_("已生成 %(n)s / %(total)s 人") % {"n": n, "total": len(listed)},
            )
        sheet = summary(people, on)
        archive.writestr(
            f"{safe_name(_('一企一档汇总'))}-{safe_name(enterprise.name)}.xlsx",
            summary_workbook(sheet, enterprise=enterprise, on=on),
        )
        progress.step(progress_id, done=len(listed) + 1)
    return len(listed)


# ---- requests and the job


BUILD_TASK = "dossiers.tasks.build_dossier"


class AlreadyPending(Exception):
    def __init__(self, dossier: Dossier, *, requeued: bool = False) -> None:
        super().__init__(dossier.pk)
        self.dossier = dossier
        self.requeued = requeued


def download_url(dossier: Dossier) -> str:
    return reverse("dossiers:download", args=[dossier.pk])


def request_file(
    *, user: User, person: Person | None = None, enterprise: Enterprise | None = None
) -> Dossier:
    """Records the request and queues the job with a progress record (the caller has checked that
    `user` may see the subject). A file of the same subject already in the making for `user`
    raises AlreadyPending with it (the unique constraint guards a double click)."""
    subject = Dossier.subject_of(person=person, enterprise=enterprise)
    pending = Dossier.objects.pending().filter(requested_by=user, subject=subject).first()
    if pending is not None:
        now = timezone.now()
        if not is_stalled(pending, now=now):
            raise AlreadyPending(pending)
        # its task was lost (a killed worker, a lost queue): the same request queued again, or,
        # once it has been requeued MAX_REQUEUES times, given up and a new request made below
        if requeue(pending, now=now):
            raise AlreadyPending(pending, requeued=True)
    if person is not None:
        kind, title = Dossier.Kind.PERSON, _("一人一档：%s") % person.name
        enterprise = person.enterprise
    else:
        kind, title = Dossier.Kind.ENTERPRISE, _("一企一档：%s") % enterprise.name
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                kind=kind,
                person=person,
                enterprise=enterprise,
                subject=subject,
                requested_by=user,
                on=timezone.localdate(),
            )
            record = progress.start(
                owner=user,
                kind=f"dossiers.{kind}",
                title=title,
                total=1,
                task=BUILD_TASK,
                args=(dossier.pk,),
                key=f"dossiers.dossier:{dossier.pk}",
                message=_("已排队，等待生成。"),
                cluster=settings.Q_RENDER_CLUSTER,
            )
            dossier.progress_id = record.pk
            dossier.save(update_fields=["progress_id"])
    except IntegrityError:
        pending = Dossier.objects.pending().filter(requested_by=user, subject=subject).first()
        if pending is None:
            raise
        raise AlreadyPending(pending) from None
    return dossier


def _keep_until(now: datetime) -> datetime:
    return now + timedelta(hours=settings.DOSSIER_KEEP_HOURS)


def _ready_message(dossier: Dossier) -> str:
    return _("已生成，可下载至 %(until)s。") % {
        "until": f"{timezone.localtime(dossier.expires_at):%Y-%m-%d %H:%M}"
    }


def build(dossier_id: int, *, progress_id=None) -> str:
    """Builds the file of a request once. At-least-once safe: a file already built only finishes
    the progress record again; a rerun of a failed or interrupted build starts over (the old
    bytes, if any, are replaced). Refused when the requester may no longer see the subject."""
    dossier = (
        Dossier.objects.select_related("requested_by", "person", "enterprise")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        progress.fail(progress_id, message=_("该档案申请已不存在。"))
        return "gone"
    if dossier.is_ready:
        progress.finish(
            progress_id, message=_ready_message(dossier), result_url=download_url(dossier)
        )
        return "done"
    if dossier.status == Dossier.Status.EXPIRED:
        progress.fail(progress_id, message=_("该档案已过期删除，请重新生成。"))
        return "expired"
    user = dossier.requested_by
    if not user.is_active or not may_have(user, dossier):
        Dossier.objects.filter(pk=dossier.pk).update(
            status=Dossier.Status.FAILED, finished_at=timezone.now(), message=_("无权生成")
        )
        progress.fail(progress_id, message=_("您已无权查看该档案，未生成。"))
        return "refused"
    try:
        with transaction.atomic():
            Dossier.objects.filter(pk=dossier.pk).update(status=Dossier.Status.RUNNING)
    except IntegrityError:  # a late rerun of a given-up request: a newer one is pending
        progress.fail(progress_id, message=_("已有新的生成申请，本次未生成。"))
        return "superseded"
    try:
        name, display, content, people = _content(dossier, progress_id=progress_id)
    except Exception:
        logger.exception("dossier %s failed", dossier.pk)
        Dossier.objects.filter(pk=dossier.pk).update(
            status=Dossier.Status.FAILED, finished_at=timezone.now(), message=_("生成失败")
        )
        progress.fail(progress_id, message=_("生成失败，请稍后重试。"))
        raise
    if dossier.file:
        dossier.file.delete(save=False)
    now = timezone.now()
    dossier.file.save(name, content, save=False)
    dossier.filename = display[:150]
    dossier.size = dossier.file.size
    dossier.people = people
    dossier.status = Dossier.Status.DONE
    dossier.finished_at = now
    dossier.expires_at = _keep_until(now)
    dossier.message = ""
    dossier.save(
        update_fields=[
            "file",
            "filename",
            "size",
            "people",
            "status",
            "finished_at",
            "expires_at",
            "message",
        ]
    )
    progress.finish(progress_id, message=_ready_message(dossier), result_url=download_url(dossier))
    return "done"


def _content(dossier: Dossier, *, progress_id=None) -> tuple[str, str, File, int]:
    """(storage name, download name, the bytes, people) of the file to build."""
    day = f"{dossier.on:%Y%m%d}"
    if dossier.kind == Dossier.Kind.PERSON:
        person = Person.objects.select_related("enterprise", "special_operation").get(
            pk=dossier.person_id
        )
        progress.running(progress_id, total=1, message=_("正在生成。"))
        data = person_pdf(person, dossier.on)
        display = f"{_('一人一档')}-{safe_name(person.name)}-{day}.pdf"
        return f"person-{person.pk}-{day}.pdf", display, ContentFile(data), 1
    out = tempfile.TemporaryFile()
    people = write_enterprise_zip(dossier.enterprise, dossier.on, out, progress_id=progress_id)
    out.seek(0)
    display = f"{_('一企一档')}-{safe_name(dossier.enterprise.name)}-{day}.zip"
    return f"enterprise-{dossier.enterprise_id}-{day}.zip", display, File(out), people


def purge_expired(*, now: datetime) -> int:
    """Deletes the bytes of the files past their keeping time (the rows stay, marked expired,
    so a late click says so) and gives up jobs stuck in the queue longer than that. Returns how
    many files were deleted."""
    deleted = 0
    for dossier in Dossier.objects.expired(now):
        if dossier.file:
            dossier.file.delete(save=False)
            deleted += 1
        Dossier.objects.filter(pk=dossier.pk).update(status=Dossier.Status.EXPIRED, file="", size=0)
    stale = now - timedelta(hours=settings.DOSSIER_KEEP_HOURS)
    Dossier.objects.pending().filter(created_at__lt=stale).update(
        status=Dossier.Status.FAILED, finished_at=now, message=_("超时未完成")
    )
    return deleted


def recent_for(user: User, *, subject: str) -> list[Dossier]:
    """The user's recent files of a subject (the page lists them with their links); a pending one
    whose task seems lost is marked `stalled` (the page offers to queue it again)."""
    files = list(
        Dossier.objects.filter(requested_by=user, subject=subject).order_by("-created_at")[:10]
    )
    pending = [f for f in files if f.is_pending]
    seen = _last_seen(pending)
    cutoff = timezone.now() - stalled_age()
    for f in files:
        f.stalled = f.is_pending and seen.get(f.pk, f.created_at) < cutoff
    return files


# ---- lost tasks

# A request whose task was lost is queued again at most this many times; then it is given up
# (failed), and the requester's next click makes a new request.
MAX_REQUEUES = 3


def stalled_age() -> timedelta:
    """How long a pending request may go without a sign of life (its progress record's last
    update; the build moves it at the start and after every person) before its task counts as
    lost: the task timeout plus the broker's retry delay and a margin, as for certificate renders
    (certificates.services.stalled_render_age)."""
    return timedelta(seconds=settings.Q_TIMEOUT + 120)


def _last_seen(dossiers: list[Dossier]) -> dict[int, datetime]:
    """{dossier pk: its last sign of life} (the later of the request and its progress record's
    last update). One query."""
    by_progress = {d.progress_id: d for d in dossiers if d.progress_id}
    seen = {d.pk: d.created_at for d in dossiers}
    for progress_id, updated_at in Progress.objects.filter(pk__in=by_progress).values_list(
        "pk", "updated_at"
    ):
        dossier = by_progress[progress_id]
        seen[dossier.pk] = max(seen[dossier.pk], updated_at)
    return seen


def is_stalled(dossier: Dossier, *, now: datetime) -> bool:
    return dossier.is_pending and _last_seen([dossier])[dossier.pk] < now - stalled_age()


def requeue(dossier: Dossier, *, now: datetime) -> bool:
    """Queues the build of a pending request again (on the render cluster, with its progress
    record), once per call whoever else tries at the same moment. After MAX_REQUEUES the request
    is given up instead (failed, with its progress record) and False returned. The build is
    idempotent, so a task that was merely slow costs one no-op run."""
    if dossier.requeues >= MAX_REQUEUES:
        gave_up = Dossier.objects.filter(pk=dossier.pk, status__in=Dossier.PENDING).update(
            status=Dossier.Status.FAILED, finished_at=now, message=_("多次未能完成")
        )
        if gave_up:
            logger.warning("dossier %s given up after %d requeues", dossier.pk, dossier.requeues)
            progress.fail(dossier.progress_id, message=_("多次未能完成，请重新生成。"))
        return False
    claimed = Dossier.objects.filter(
        pk=dossier.pk, status__in=Dossier.PENDING, requeues=dossier.requeues
    ).update(status=Dossier.Status.QUEUED, requeues=F("requeues") + 1)
    if not claimed:  # finished meanwhile, or another requeue got there first
        return False
    message = _("上次生成未能完成，已重新排队。")
    record = (
        Progress.objects.filter(pk=dossier.progress_id).first() if dossier.progress_id else None
    )
    if record is None:  # the progress record is gone: a new one for the requester
        record = progress.start(
            owner=dossier.requested_by,
            kind=f"dossiers.{dossier.kind}",
            title=str(dossier),
            total=1,
            key=f"dossiers.dossier:{dossier.pk}",
            message=message,
        )
        Dossier.objects.filter(pk=dossier.pk).update(progress_id=record.pk)
    else:
        Progress.objects.filter(pk=record.pk).update(
            status=Progress.Status.QUEUED, finished_at=None, message=message, updated_at=now
        )
    progress.enqueue(record, BUILD_TASK, dossier.pk, cluster=settings.Q_RENDER_CLUSTER)
    dossier.refresh_from_db()
    logger.warning("dossier %s queued again (its task was lost)", dossier.pk)
    return True


def requeue_stalled(*, now: datetime, limit: int = 100) -> int:
    """Scheduled (dossiers.tasks.requeue_stalled): queues again the pending requests with no sign
    of life for stalled_age(), the Redis broker having lost their task with a killed worker (the
    ORM broker redelivers it, then this finds it alive or done). Returns how many were queued."""
    cutoff = now - stalled_age()
    candidates = list(
        Dossier.objects.pending()
        .filter(created_at__lt=cutoff)
        .select_related("requested_by", "person", "enterprise")
        .order_by("created_at")[:limit]
    )
    seen = _last_seen(candidates)
    return sum(1 for d in candidates if seen[d.pk] < cutoff and requeue(d, now=now))
