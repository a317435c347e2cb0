"""Applies the corrected training_hours.csv: 特种作业人员 need their hours per certificate review
cycle (before_review_hours, before each review), not every year; the notes cite the articles.
A row a district has edited away from the old seeded figures keeps its figures."""

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
OLD_SPECIAL_ANNUAL = Decimal("8")


def _hours(text):
    text = (text or "").strip()
    return Decimal(text) if text else None


def forwards(apps, schema_editor):
    TrainingRequirement = apps.get_model("courses", "TrainingRequirement")
    path = Path(__file__).resolve().parent.parent / "data" / "training_hours.csv"
    previous_note = ""
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            note = row["note"].strip()
            if note.startswith("同上"):  # "as above": each row cites its article in full
                note = previous_note + note[2:]
            previous_note = note
            category = CATEGORY_BY_LABEL[row["category"].strip()]
            high_risk = row["high_risk"].strip() == "yes"
            requirement = TrainingRequirement.objects.filter(
                category=category, high_risk=high_risk
            ).first()
            if requirement is None:
                continue
            review = _hours(row.get("before_review_hours"))
            if review is not None and requirement.review_cycle_hours is None:
                requirement.review_cycle_hours = review
                if requirement.annual_hours == OLD_SPECIAL_ANNUAL:
                    requirement.annual_hours = _hours(row["annual_refresher_hours"])
            requirement.note = note[:200]
            requirement.save()


class Migration(migrations.Migration):
    dependencies = [("courses", "0010_requirement_review_cycle_hours")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
