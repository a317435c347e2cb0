"""Seeds the 特种设备作业人员 catalogue and the validity rules (operators/data/*.csv, each row citing
its source), one 特种作业 kind per entry of the seeded 30号令 catalogue, and moves the certificate
dates people already carry (Person.operation_certificate_*) into the register."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def seed(apps, schema_editor):
    ValidityRule = apps.get_model("operators", "ValidityRule")
    OperatorKind = apps.get_model("operators", "OperatorKind")
    OperatorCertificate = apps.get_model("operators", "OperatorCertificate")
    SpecialOperation = apps.get_model("portal", "SpecialOperation")
    Person = apps.get_model("portal", "Person")
    rules = {}
    with (DATA / "operator_validity.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rule, _ = ValidityRule.objects.update_or_create(
                scheme=row["scheme"],
                defaults={
                    "validity_years": int(row["validity_years"]),
                    "review_years": int(row["review_years"]) if row["review_years"] else None,
                    "long_service_review_years": int(row["long_service_review_years"])
                    if row["long_service_review_years"]
                    else None,
                    "long_service_years": int(row["long_service_years"])
                    if row["long_service_years"]
                    else None,
                    "refresher_hours": row["refresher_hours"] or None,
                    "remind_days": row["remind_days"],
                    "source": row["source"],
                },
            )
            rules[rule.scheme] = rule
    with (DATA / "special_equipment_operations.csv").open(encoding="utf-8") as f:
        for order, row in enumerate(csv.DictReader(f)):
            OperatorKind.objects.update_or_create(
                scheme="special_equipment",
                category=row["category"],
                name=row["name"],
                defaults={"code": row["code"], "sort_order": order},
            )
    kinds = {}
    for order, op in enumerate(
        SpecialOperation.objects.select_related("category").order_by(
            "category__sort_order", "sort_order", "name"
        )
    ):
        kinds[op.pk], _ = OperatorKind.objects.update_or_create(
            special_operation=op,
            defaults={
                "scheme": "special_operation",
                "category": op.category.name,
                "name": op.name,
                "sort_order": order,
            },
        )
    rule = rules.get("special_operation")
    for person in Person.objects.filter(
        special_operation__isnull=False, operation_certificate_issued_on__isnull=False
    ):
        issued = person.operation_certificate_issued_on
        OperatorCertificate.objects.get_or_create(
            person=person,
            kind=kinds[person.special_operation_id],
            defaults={
                "number": person.operation_certificate_no,
                "first_issued_on": issued,
                "expires_on": _add_years(issued, rule.validity_years if rule else 6),
                # 6-year reviews were granted for 10+ years of compliant work: kept as such.
                "in_trade_since": _add_years(issued, -10)
                if person.operation_review_years == 6
                else None,
                "notes": "由人员信息中的操作证日期迁入",
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("operators", "0001_register"),
        ("portal", "0009_import_batches"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
