"""The parts of a person's training file (一人一档) and the columns of the enterprise summary sheet
(一企一档) that the domain apps' data gives, registered in portal.registry by dossiers.wiring.

Every figure comes from the function that defines it elsewhere: hours against the requirement from
courses.compliance.compliance_rows (courses.statistics.requirement_people), a certificate's
validity from operators' OperatorCertificate.status_on, 无证上岗 from operators.services.unlicensed.
Each section costs a fixed number of queries whatever the person has (asserted in the tests).
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portal.models import Person

# Years of training hours shown against the requirement: the latest ones with records (and the
# year of the file); two queries a year.
HOURS_YEARS = 5


# ---- sections of the PDF: get_context(person, on) -> dict | None


def identity_context(person: Person, on: date) -> dict:
    """No query: the person is loaded with their enterprise and 特种作业项目."""
    return {
        "person": person,
        "id_number": person.masked_id_number,
        "enterprise": person.enterprise,
        "category": person.get_category_display(),
        "special_operation": person.special_operation,
        "position": person.position,
        "hired_on": person.hired_on,
        "is_active": person.is_active,
    }


def operator_certificates_context(person: Person, on: date) -> dict | None:
    """The person's operator certificates (current first) with their status on `on`.
    Two queries: the validity rules, the certificates with their kinds."""
    from operators.models import CertificateStatus, OperatorCertificate
    from operators.services import rules_by_scheme

    rules = rules_by_scheme()
    certificates = list(
        OperatorCertificate.objects.filter(person=person)
        .select_related("kind")
        .order_by("-is_current", "kind__scheme", "-expires_on")
    )
    rows = []
    for cert in certificates:
        rule = cert.rule(rules)
        status = cert.status_on(on, rule)
        due = cert.next_due(rule, on)
        rows.append(
            {
                "certificate": cert,
                "status": CertificateStatus(status).label,
                "valid": cert.is_valid_on(on, rule),
                "due": due,
            }
        )
    return {"rows": rows}


def training_context(person: Person, on: date) -> dict:
    """The training records, and the hours of each recent year against the requirement (the
    latest HOURS_YEARS years with records, and the year of `on`). Queries: the records, then two
    per year (courses.compliance.compliance_rows), at most 1 + 2 × HOURS_YEARS."""
    from courses.compliance import compliance_rows
    from courses.models import TrainingRecord

    records = list(TrainingRecord.objects.filter(person=person).order_by("-date", "-pk"))
    years = sorted({r.date.year for r in records if r.date.year <= on.year} | {on.year})
    years = years[-HOURS_YEARS:]
    people = Person.objects.filter(pk=person.pk)
    by_year = []
    for year in reversed(years):
        row = next(iter(compliance_rows(people=people, year=year)), None)
        if row is not None:
            by_year.append({"year": year, "row": row})
    return {"records": records, "by_year": by_year}


def exams_context(person: Person, on: date) -> dict:
    """Finished exam attempts (not practice), latest first. One query."""
    from exams.models import Attempt, Paper

    attempts = list(
        Attempt.objects.finished()
        .filter(person=person)
        .exclude(paper__mode=Paper.Mode.PRACTICE)
        .select_related("paper")
        .order_by("-finished_at", "-pk")
    )
    return {"attempts": attempts}


def certificates_context(person: Person, on: date) -> dict:
    """The portal's certificates of the person (not the replaced ones). One query."""
    from certificates.models import Certificate

    certificates = list(
        Certificate.objects.filter(person=person).live().order_by("-issued_on", "-pk")
    )
    rows = [
        {
            "certificate": c,
            "valid": c.status == Certificate.Status.VALID
            and (c.valid_until is None or c.valid_until >= on),
        }
        for c in certificates
    ]
    return {"rows": rows}


def drills_context(person: Person, on: date) -> dict:
    """The drills the person took part in (attended: checked in or marked present). One query."""
    from drills.models import Participation

    participations = list(
        Participation.objects.attended()
        .filter(person=person)
        .select_related("drill", "drill__enterprise", "drill__organiser_region")
        .order_by("-drill__planned_start", "-pk")
    )
    return {"participations": participations}


# ---- columns of the summary sheet: values(people, on) -> {person id: value}


def _compliance(people: QuerySet[Person], on: date) -> dict:
    from courses.compliance import compliance_rows

    return {row.person.pk: row for row in compliance_rows(people=people, year=on.year)}


def hours_values(people: QuerySet[Person], on: date) -> dict[int, object]:
    return {pk: row.hours for pk, row in _compliance(people, on).items()}


def required_values(people: QuerySet[Person], on: date) -> dict[int, object]:
    return {
        pk: (row.required if row.required is not None else _("无要求"))
        for pk, row in _compliance(people, on).items()
    }


def compliant_values(people: QuerySet[Person], on: date) -> dict[int, object]:
    def label(row) -> str:
        if not row.has_requirement:
            return "—"
        return _("达标") if row.is_compliant else _("未达标")

    return {pk: label(row) for pk, row in _compliance(people, on).items()}


def valid_certificates_values(people: QuerySet[Person], on: date) -> dict[int, object]:
    """How many operator certificates each person holds valid on `on`. Three queries."""
    from operators.models import OperatorCertificate
    from operators.services import rules_by_scheme

    rules = rules_by_scheme()
    counts: dict[int, int] = dict.fromkeys(people.values_list("pk", flat=True), 0)
    for cert in (
        OperatorCertificate.objects.current()
        .filter(person__in=people.values("pk"))
        .select_related("kind")
    ):
        if cert.is_valid_on(on, cert.rule(rules)):
            counts[cert.person_id] = counts.get(cert.person_id, 0) + 1
    return counts


def missing_certificates_values(people: QuerySet[Person], on: date) -> dict[int, object]:
    """The kinds a person must hold and lacks valid (无证上岗, operators.services.unlicensed)."""
    from operators.services import unlicensed

    return {row.person.pk: row.missing_text for row in unlicensed(people, on)}
