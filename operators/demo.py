"""Demo data of the register (seeder order 45, after the people):

- every demo 特种作业人员 holds the 特种作业操作证 their person record names (reviewed on time when
  the review day has passed), one of 甬江化工's comes up for review within 90 days;
- 甬江化工 requires 叉车司机 N1 of its 叉车司机 position: one holder valid, one expired, one without
  a certificate (无证上岗: demo_manager's to-do, the dashboard and the compliance page show two);
- 西塘船舶 has a 起重机司机 Q2 holder; demo_worker holds a 起重机指挥 Q1 certificate expiring within
  60 days (the 90-day reminder is in their 通知 and demo_manager's).
"""

from __future__ import annotations

from datetime import timedelta


def _years_ago(today, years: int, days: int = 0):
    from operators.models import add_years

    return add_years(today, -years) + timedelta(days=days)


def _cert(person, kind, number: str, issued, **fields):
    from operators.models import OperatorCertificate

    cert, _created = OperatorCertificate.objects.update_or_create(
        kind=kind,
        number=number,
        defaults={
            "person": person,
            "first_issued_on": issued,
            "authority": fields.pop("authority", "宁波市应急管理局"),
            **fields,
        },
    )
    return cert


def seed(ctx) -> None:
    from django.utils import timezone

    from operators import services
    from operators.models import OperatorKind, Position, Scheme, add_years
    from portal.models import PersonCategory

    today = timezone.localdate()
    rules = services.rules_by_scheme()
    so_rule = rules.get(Scheme.SPECIAL_OPERATION)
    operators_ = []
    for enterprise in ctx.enterprises:
        for person in enterprise.people.filter(
            category=PersonCategory.SPECIAL_OPERATOR,
            special_operation__isnull=False,
            operation_certificate_issued_on__isnull=False,
        ).order_by("id_number"):
            kind = OperatorKind.objects.filter(special_operation=person.special_operation).first()
            if kind is None:
                continue
            issued = person.operation_certificate_issued_on
            review = add_years(issued, person.operation_review_years or 3)
            reviewed = review if review <= today else None
            operators_.append(
                _cert(
                    person,
                    kind,
                    person.operation_certificate_no or f"T-DEMO-{person.pk}",
                    issued,
                    last_reviewed_on=reviewed,
                    expires_on=add_years(issued, so_rule.validity_years if so_rule else 6),
                )
            )
    a, b = ctx.enterprise_a, ctx.enterprise_b
    # One of 甬江化工's operators comes up for review within 90 days.
    due = next((c for c in operators_ if c.person.enterprise_id == a.pk), None)
    if due is not None:
        due.first_issued_on = _years_ago(today, 3, days=45)
        due.last_reviewed_on = None
        due.expires_on = add_years(due.first_issued_on, so_rule.validity_years if so_rule else 6)
        due.save()

    n1 = OperatorKind.objects.get(scheme=Scheme.SPECIAL_EQUIPMENT, code="N1")
    q1 = OperatorKind.objects.get(scheme=Scheme.SPECIAL_EQUIPMENT, code="Q1")
    q2 = OperatorKind.objects.get(scheme=Scheme.SPECIAL_EQUIPMENT, code="Q2")
    equipment = "宁波市市场监督管理局"
    position, _created = Position.objects.get_or_create(enterprise=a, name="叉车司机")
    position.required_kinds.set([n1])
    worker = ctx.users.get("demo_worker")
    worker_person = getattr(worker, "person", None) if worker else None
    drivers = list(
        a.people.filter(category=PersonCategory.OTHER)
        .exclude(pk=getattr(worker_person, "pk", None))
        .order_by("id_number")[:3]
    )
    for person in drivers:
        person.position = "叉车司机"
        person.save(update_fields=["position"])
    # The operators the roster already placed as 叉车司机 hold N1 too: only the two below lack it.
    for person in (
        a.people.filter(position="叉车司机").exclude(pk__in=[d.pk for d in drivers]).order_by("pk")
    ):
        _cert(person, n1, f"TS-N1-DEMO-1{person.pk:03d}", _years_ago(today, 2), authority=equipment)
    if len(drivers) == 3:
        valid, expired, _lacking = drivers
        _cert(valid, n1, "TS-N1-DEMO-0001", _years_ago(today, 1), authority=equipment)
        _cert(expired, n1, "TS-N1-DEMO-0002", _years_ago(today, 4, days=-20), authority=equipment)
    crane_position, _created = Position.objects.get_or_create(enterprise=b, name="起重机司机")
    crane_position.required_kinds.set([q2])
    crane = b.people.filter(category=PersonCategory.OTHER).order_by("-id_number").first()
    if crane is not None:
        crane.position = "起重机司机"
        crane.save(update_fields=["position"])
        _cert(crane, q2, "TS-Q2-DEMO-0001", _years_ago(today, 2), authority=equipment)
    if worker_person is not None:
        _cert(
            worker_person,
            q1,
            "TS-Q1-DEMO-0001",
            _years_ago(today, 4, days=60),
            authority=equipment,
        )
    services.send_reminders(today=today)
