"""Fills the new columns of the seeded frequency rules from drills/data/drill_frequency.csv:
report_within_days (the days after which an unreported drill is notified) and linked_roles (the
participant roles with which taking part in another body's linked drill counts). Rows a district
has already edited keep their values (only empty columns are filled)."""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "drill_frequency.csv"

ROLE_BY_LABEL = {
    "总指挥": "commander",
    "策划/导调": "director",
    "保障": "support",
    "评估": "evaluator",
    "参演": "player",
    "观摩": "observer",
}


def load(apps, schema_editor):
    FrequencyRule = apps.get_model("drills", "FrequencyRule")
    with CSV_PATH.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            days = (row.get("report_within_days") or "").strip()
            roles = [
                ROLE_BY_LABEL[label.strip()]
                for label in (row.get("linked_roles") or "").split("、")
                if label.strip()
            ]
            for rule in FrequencyRule.objects.filter(who=row["who"], drill=row["drill"]):
                changed = []
                if days and rule.report_within_days is None:
                    rule.report_within_days = int(days)
                    changed.append("report_within_days")
                if roles and not rule.linked_roles:
                    rule.linked_roles = roles
                    changed.append("linked_roles")
                if changed:
                    rule.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("drills", "0005_drill_headcount_rule_reporting_and_linked_roles")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
