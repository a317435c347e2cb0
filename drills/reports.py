"""After a drill: the after-action report (rendered to PDF in the task queue, requeued when it
stalls) and the training records (and certificates) of its attended participants."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from drills.evaluation import evaluation_summary
from drills.models import AfterActionReport, Drill


def enqueue(func: str, *args) -> None:
    from django_q.tasks import async_task

    async_task(func, *args)


def report_context(*, drill: Drill) -> dict:
    attendance = drill.attendance()
    role_counts = Counter(p.get_role_display() for p in attendance.attended)
    findings = list(drill.findings.prefetch_related("actions__owner"))
    return {
        "drill": drill,
        "attendance": attendance,
        "participations": attendance.attended,
        "no_shows": attendance.no_shows,
        "role_counts": sorted(role_counts.items()),
        "summary": evaluation_summary(drill=drill),
        "findings": findings,
        "steps": list(drill.script_steps.all()),
        "generated_at": timezone.localtime(),
    }


def render_report(*, drill_id: int) -> AfterActionReport:
    """Renders the after-action report PDF (WeasyPrint) and stores it; safe to run twice."""
    from weasyprint import HTML

    drill = Drill.objects.select_related("enterprise", "organiser_region", "plan").get(pk=drill_id)
    report, _created = AfterActionReport.objects.get_or_create(drill=drill)
    html = render_to_string("pdf/drill_report.html", report_context(drill=drill))
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    started = timezone.now()
    if report.file:
        report.file.delete(save=False)
    report.file.save(f"{drill.code or drill.pk}.pdf", ContentFile(pdf), save=False)
    report.generated_at = started
    report.save()
    return report


def requeue_stalled_reports(*, now, limit: int = 100) -> int:
    """Queues the render again for after-action reports requested well over a task timeout ago
    and still not generated (the Redis broker loses a task whose worker was killed). Returns how
    many were queued."""
    cutoff = now - timedelta(seconds=settings.Q_TIMEOUT + 120)
    drill_ids = list(
        AfterActionReport.objects.filter(requested_at__lt=cutoff)
        .filter(Q(generated_at__isnull=True) | Q(generated_at__lt=F("requested_at")))
        .order_by("requested_at")
        .values_list("drill_id", flat=True)[:limit]
    )
    for drill_id in drill_ids:
        enqueue("drills.tasks.render_report", drill_id)
    return len(drill_ids)


def request_report(*, drill: Drill) -> AfterActionReport:
    report, created = AfterActionReport.objects.get_or_create(drill=drill)
    if not created:
        report.requested_at = timezone.now()
        report.save(update_fields=["requested_at"])
    transaction.on_commit(lambda: enqueue("drills.tasks.render_report", drill.pk))
    return report


def record_training_for_drill(*, drill_id: int) -> int:
    """Writes a training record for every checked-in roster participant (idempotent per source and
    person in courses.records.record_training). Returns how many were written."""
    from certificates.services import issue_certificate
    from courses.records import record_training

    drill = Drill.objects.select_related("certificate_template").get(pk=drill_id)
    if drill.training_hours <= 0:
        return 0
    count = 0
    for part in (
        drill.participations.attended().filter(person__isnull=False).select_related("person")
    ):
        record_training(
            person=part.person,
            on=timezone.localtime(drill.planned_start).date(),
            hours=drill.training_hours,
            kind="drill",
            source_kind="drill",
            source=part,
            title=_("应急演练：%(title)s") % {"title": drill.title},
        )
        if drill.certificate_template_id:
            issue_certificate(
                person=part.person,
                source=part,
                template=drill.certificate_template,
                title=_("应急演练参演证明"),
                details={"subject": drill.title, "hours": str(drill.training_hours)},
            )
        count += 1
    return count
