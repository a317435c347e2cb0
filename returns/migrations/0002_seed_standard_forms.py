"""The two standard forms (标准表): an annual and a quarterly return asking the usual items,
unpublished and for every district; a district supervisor sets the year and due date and publishes
them. Only the annual one counts in the figures (two overlapping counted forms would count the same
activity twice)."""

from datetime import date

from django.db import migrations

from returns.items import STANDARD_ANNUAL, STANDARD_QUARTERLY

ANNUAL = "年度安全培训与应急演练统计表（标准表）"
QUARTERLY = "季度安全培训与应急演练统计表（标准表）"


def seed(apps, schema_editor):
    ReturnForm = apps.get_model("returns", "ReturnForm")
    year = date.today().year
    ReturnForm.objects.get_or_create(
        name=ANNUAL,
        defaults={
            "period_kind": "year",
            "year": year,
            "number": 1,
            "due_on": date(year + 1, 1, 31),
            "items": STANDARD_ANNUAL,
            "counts_in_figures": True,
            "note": "请核对系统记录数，只补报未在门户逐条记录的培训、演练和活动，并在补报说明中写明来源。",
        },
    )
    ReturnForm.objects.get_or_create(
        name=QUARTERLY,
        defaults={
            "period_kind": "quarter",
            "year": year,
            "number": 1,
            "due_on": date(year, 4, 15),
            "items": STANDARD_QUARTERLY,
            "counts_in_figures": False,
        },
    )


def unseed(apps, schema_editor):
    ReturnForm = apps.get_model("returns", "ReturnForm")
    ReturnForm.objects.filter(name__in=[ANNUAL, QUARTERLY], filings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
