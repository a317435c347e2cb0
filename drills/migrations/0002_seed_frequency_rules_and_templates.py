"""Loads the legal drill frequencies (drills/data/drill_frequency.csv) and two AQ/T 9009 style
evaluation templates as editable data."""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "drill_frequency.csv"

TEMPLATES = {
    "tabletop": (
        "桌面演练评估表（AQ/T 9009）",
        [
            ("预案启动条件和程序表述准确", "yes_no", 10, None),
            ("各小组职责分工清楚、无遗漏", "yes_no", 10, None),
            ("信息报告内容、时限符合要求", "points", 20, None),
            ("应急处置措施针对性和可操作性", "points", 30, None),
            ("资源调配与后勤保障考虑周全", "points", 20, None),
            ("情景推演完成用时", "time", 10, 3600),
        ],
    ),
    "live": (
        "实战演练评估表（AQ/T 9009）",
        [
            ("现场发现并报警及时", "yes_no", 10, None),
            ("接警后启动应急响应用时", "time", 15, 300),
            ("现场警戒与人员疏散有序", "points", 20, None),
            ("个体防护装备佩戴正确", "yes_no", 10, None),
            ("抢险处置操作规范、有效", "points", 25, None),
            ("医疗救护与善后处置到位", "points", 10, None),
            ("应急通讯畅通、指挥协调得当", "points", 10, None),
        ],
    ),
}


def _classify(who: str, drill: str) -> tuple[str, str]:
    if who.startswith("高危"):
        applies_to = "high_risk"
    elif who.startswith("所有"):
        applies_to = "all"
    else:
        applies_to = "government"
    if "现场处置" in drill:
        counts = "onsite"
    elif "综合" in drill or "专项" in drill:
        counts = "comprehensive_special"
    else:
        counts = "any"
    return applies_to, counts


def load(apps, schema_editor):
    FrequencyRule = apps.get_model("drills", "FrequencyRule")
    with CSV_PATH.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            applies_to, counts = _classify(row["who"], row["drill"])
            FrequencyRule.objects.get_or_create(
                who=row["who"],
                drill=row["drill"],
                defaults={
                    "applies_to": applies_to,
                    "counts": counts,
                    "interval_months": int(row["interval_months"]),
                    "report_to_regulator": row["report_to_regulator"].strip() == "yes",
                    "source": row["source"],
                },
            )
    Template = apps.get_model("drills", "EvaluationTemplate")
    Item = apps.get_model("drills", "EvaluationItem")
    for form, (name, items) in TEMPLATES.items():
        template, created = Template.objects.get_or_create(name=name, defaults={"form": form})
        if created:
            for order, (text, kind, points, target) in enumerate(items, start=1):
                Item.objects.create(
                    template=template, sort_order=order, text=text, kind=kind,
                    max_points=points, target_seconds=target,
                )


class Migration(migrations.Migration):
    dependencies = [("drills", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
