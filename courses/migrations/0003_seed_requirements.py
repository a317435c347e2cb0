"""Seeds the training-hours requirement table from courses/data/training_hours.csv."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CATEGORY_BY_LABEL = {
    "主要负责人": "principal",
    "安全生产管理人员": "safety_manager",
    "特种作业人员": "special_operator",
    "班组长": "team_leader",
    "其他从业人员": "other",
}


def _hours(text):
    text = (text or "").strip()
    return Decimal(text) if text else None


def seed(apps, schema_editor):
    TrainingRequirement = apps.get_model("courses", "TrainingRequirement")
    path = Path(__file__).resolve().parent.parent / "data" / "training_hours.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            TrainingRequirement.objects.update_or_create(
                category=CATEGORY_BY_LABEL[row["category"].strip()],
                high_risk=row["high_risk"].strip() == "yes",
                defaults={
                    "initial_hours": _hours(row["initial_hours"]),
                    "annual_hours": _hours(row["annual_refresher_hours"]),
                    "note": row["note"].strip()[:200],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_courses_classes_requirements")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
