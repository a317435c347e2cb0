# A source of its own for the training records a signed 三级安全教育 level writes (they carried
# 外部导入); the records already written get it. Only those written by induction (their source is
# an induction level): a 三级教育 record imported from a spreadsheet stays 外部导入.

from django.db import migrations, models

LEVEL_KINDS = ("level_plant", "level_workshop", "level_team")


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    TrainingRecord = apps.get_model("courses", "TrainingRecord")
    level_type = ContentType.objects.filter(app_label="induction", model="inductionlevel").first()
    if level_type is None:
        return
    TrainingRecord.objects.filter(
        kind__in=LEVEL_KINDS, content_type=level_type, source_kind="external"
    ).update(source_kind="induction")


def backwards(apps, schema_editor):
    TrainingRecord = apps.get_model("courses", "TrainingRecord")
    TrainingRecord.objects.filter(source_kind="induction").update(source_kind="external")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0016_training_people_rollup"),
    ]

    operations = [
        migrations.AlterField(
            model_name="trainingrecord",
            name="source_kind",
            field=models.CharField(
                choices=[
                    ("course", "线上课程"),
                    ("class", "培训班"),
                    ("drill", "应急演练"),
                    ("external", "外部导入"),
                    ("induction", "三级安全教育"),
                ],
                db_index=True,
                max_length=12,
                verbose_name="来源",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
