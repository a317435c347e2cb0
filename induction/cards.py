"""The 三级安全教育登记卡 as a queued render: the manager's click records a progress record and
queues the card on the render cluster (settings.Q_RENDER_CLUSTER, the niced cluster the
certificates and training files use: one card costs about as much CPU as a bare WeasyPrint render,
≈ 0.4 s, see docs/deployment.md); the progress page then offers the download. The PDF is kept in
the private storage for KEEP_HOURS and served only to the requester while they may still see the
induction.

    request_card(*, user, induction) -> Progress        (a pending one of the same user is reused)
    render(induction_id, *, progress_id) -> str          (the task: idempotent)
    stored_name(induction_id, progress_id) -> str
    purge(*, now) -> int                                 (scheduled)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from induction.models import Induction
from portal import progress
from portal.models import Progress
from portal.scoping import enterprise_q
from portal.storage import private_storage

logger = logging.getLogger(__name__)

TASK = "induction.tasks.render_card"
FOLDER = "induction/cards"
KEEP_HOURS = 24


def visible_inductions(user):
    """The inductions `user` may see: a manager their enterprise's, a supervisor their region's."""
    return Induction.objects.filter(enterprise_q(user, "person__enterprise"))


def key(induction_id: int) -> str:
    return f"induction.card:{induction_id}"


def stored_name(induction_id: int, progress_id) -> str:
    return f"{FOLDER}/{int(induction_id)}/{progress_id}.pdf"


def _stalled_before(now: datetime) -> datetime:
    # the task timeout plus the broker's retry delay and a margin, as for the other renders
    return now - timedelta(seconds=settings.Q_TIMEOUT + 120)


def request_card(*, user, induction: Induction) -> Progress:
    """The user's card of `induction`: the one already in the making (still alive) or a new render
    queued on the render cluster. The caller has checked that `user` may see the induction."""
    now = timezone.now()
    pending = (
        Progress.objects.filter(
            owner=user,
            key=key(induction.pk),
            status__in=(Progress.Status.QUEUED, Progress.Status.RUNNING),
            updated_at__gte=_stalled_before(now),
        )
        .order_by("-created_at")
        .first()
    )
    if pending is not None:
        return pending
    return progress.start(
        owner=user,
        kind="induction.card",
        title=_("三级安全教育登记卡：%(name)s") % {"name": induction.person.name},
        total=1,
        task=TASK,
        args=(induction.pk,),
        key=key(induction.pk),
        message=_("已排队，等待生成。"),
        cluster=settings.Q_RENDER_CLUSTER,
    )


def download_url(induction_id: int, progress_id) -> str:
    return reverse("induction_admin:card_file", args=[induction_id, progress_id])


def render(induction_id: int, *, progress_id=None) -> str:
    """Renders the card of a request once (a rerun finds the file and only finishes the record).
    Refused when the requester may no longer see the induction."""
    from induction import pdf

    induction = (
        Induction.objects.select_related("person__enterprise__street", "person__user")
        .prefetch_related("levels__instructor", "levels__instructor_signed_by")
        .filter(pk=induction_id)
        .first()
    )
    if induction is None:
        progress.fail(progress_id, message=_("该三级安全教育登记已删除。"))
        return "gone"
    record = (
        Progress.objects.select_related("owner").filter(pk=progress_id).first()
        if progress_id
        else None
    )
    if record is None:
        return "no-request"
    owner = record.owner
    if not owner.is_active or not visible_inductions(owner).filter(pk=induction_id).exists():
        progress.fail(progress_id, message=_("您已无权查看该登记卡，未生成。"))
        return "refused"
    name = stored_name(induction_id, progress_id)
    if not private_storage().exists(name):
        progress.running(progress_id, total=1, message=_("正在生成。"))
        saved = private_storage().save(name, ContentFile(pdf.render_card(induction)))
        if saved != name:  # a duplicate run stored it first; keep theirs
            private_storage().delete(saved)
    progress.finish(
        progress_id,
        message=_("已生成，可下载至 %(until)s。")
        % {
            "until": f"{timezone.localtime() + timedelta(hours=KEEP_HOURS):%Y-%m-%d %H:%M}",
        },
        result_url=download_url(induction_id, progress_id),
    )
    return "done"


def purge(*, now: datetime) -> int:
    """Deletes the cards rendered more than KEEP_HOURS ago. Returns how many."""
    cutoff = now - timedelta(hours=KEEP_HOURS)
    deleted = 0
    try:
        folders, _files = private_storage().listdir(FOLDER)
    except FileNotFoundError:
        return 0
    for folder in folders:
        for name in private_storage().listdir(f"{FOLDER}/{folder}")[1]:
            path = f"{FOLDER}/{folder}/{name}"
            modified = private_storage().get_modified_time(path)
            if timezone.is_naive(modified):
                modified = timezone.make_aware(modified, UTC)
            if modified < cutoff:
                private_storage().delete(path)
                deleted += 1
    return deleted
