"""Seeds the 特种作业 catalogue (portal/data/special_operations.csv); editable afterwards."""

import csv
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "special_operations.csv"


def seed(apps, schema_editor):
    Category = apps.get_model("portal", "SpecialOperationCategory")
    Operation = apps.get_model("portal", "SpecialOperation")
    with CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    categories = {}
    for index, row in enumerate(rows):
        name = row["category"].strip()
        if name not in categories:
            categories[name], _ = Category.objects.get_or_create(name=name, defaults={"sort_order": len(categories)})
        Operation.objects.get_or_create(
            category=categories[name], name=row["operation"].strip(), defaults={"sort_order": index}
        )


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
