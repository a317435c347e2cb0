"""Seeds the two high-risk industry sets from portal/data/high_risk_industries.csv (training rule:
生产经营单位安全培训规定; drill rule: 生产安全事故应急条例第八条) and moves every enterprise onto them:
a manual override of the old single flag becomes the override of both new flags (the old flag did
not say which law it meant), and the stored flags are computed from the table. Updates rows only:
0007 drops the old columns (PostgreSQL refuses to ALTER a table in the transaction that updated it)."""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "high_risk_industries.csv"

CODE_BY_NAME = {
    "煤矿": ["coal_mining"],
    "非煤矿山": ["mining"],
    "危险化学品生产、经营、储存、运输": ["chemicals"],
    "烟花爆竹": ["fireworks"],
    "金属冶炼": ["metallurgy"],
    "建筑施工": ["construction"],
    "城市轨道交通运营": ["rail_transit"],
    "宾馆": ["hotel"],
    "商场": ["mall"],
    "娱乐场所": ["entertainment"],
    "旅游景区": ["scenic_area"],
    # Every industry the regulations do not name.
    "其他行业": ["machinery", "shipbuilding", "warehousing", "trade", "other"],
}
TRAINING_SOURCE = "生产经营单位安全培训规定第九条、第十三条"


def _sources(rows):
    """The CSV says 同上 ("as above"); each row of the table cites its articles in full."""
    previous = ""
    for row in rows:
        source = row["source"].strip()
        if source.startswith("同上"):
            source = previous + source[2:]
        elif "同上" in source:
            source = source.replace("同上", TRAINING_SOURCE)
        previous = source
        yield row, source[:200]


def seed_industries(apps, schema_editor):
    """The two sets from the CSV (also run by the tests after a flush: tests/browser_support)."""
    HighRiskIndustry = apps.get_model("portal", "HighRiskIndustry")
    with CSV_PATH.open(encoding="utf-8") as fh:
        for row, source in _sources(csv.DictReader(fh)):
            for code in CODE_BY_NAME[row["industry"].strip()]:
                HighRiskIndustry.objects.get_or_create(
                    industry=code,
                    defaults={
                        "training_high_risk": row["training_high_risk"].strip() == "yes",
                        "drill_high_risk": row["drill_half_yearly_and_report"].strip() == "yes",
                        "source": source,
                    },
                )


def forwards(apps, schema_editor):
    HighRiskIndustry = apps.get_model("portal", "HighRiskIndustry")
    Enterprise = apps.get_model("portal", "Enterprise")
    seed_industries(apps, schema_editor)
    for value in (True, False):
        Enterprise.objects.filter(high_risk_override=value).update(
            training_high_risk_override=value, drill_high_risk_override=value
        )
    training = set(
        HighRiskIndustry.objects.filter(training_high_risk=True).values_list("industry", flat=True)
    )
    drill = set(
        HighRiskIndustry.objects.filter(drill_high_risk=True).values_list("industry", flat=True)
    )
    for flag, override, members in (
        ("is_training_high_risk", "training_high_risk_override", training),
        ("is_drill_high_risk", "drill_high_risk_override", drill),
    ):
        auto = Enterprise.objects.filter(**{f"{override}__isnull": True})
        auto.filter(industry__in=members).update(**{flag: True})
        auto.exclude(industry__in=members).update(**{flag: False})
        Enterprise.objects.filter(**{override: True}).update(**{flag: True})
        Enterprise.objects.filter(**{override: False}).update(**{flag: False})


def backwards(apps, schema_editor):
    Enterprise = apps.get_model("portal", "Enterprise")
    for value in (True, False):
        Enterprise.objects.filter(training_high_risk_override=value).update(
            high_risk_override=value
        )
    Enterprise.objects.filter(is_training_high_risk=True).update(is_high_risk=True)
    Enterprise.objects.filter(is_drill_high_risk=True).update(is_high_risk=True)


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_two_high_risk_sets_and_operation_certificate")]
    operations = [migrations.RunPython(forwards, backwards)]
