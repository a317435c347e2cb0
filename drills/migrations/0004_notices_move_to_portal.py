"""drills.Notice moves to the one portal-level notice service (portal.Notice): copy, then drop."""

from django.db import migrations

FIELDS = ("pk", "user_id", "title", "body", "url", "created_at", "read_at")


def copy_notices(apps, schema_editor):
    """Copies every drills.Notice (read or not) into portal.Notice with kind "drills"; the key
    "drills:notice:<old pk>" makes a second run copy nothing twice."""
    old_notice = apps.get_model("drills", "Notice")
    new_notice = apps.get_model("portal", "Notice")
    rows = [
        new_notice(
            user_id=row["user_id"],
            kind="drills",
            title=row["title"],
            body=row["body"],
            url=row["url"],
            key=f"drills:notice:{row['pk']}",
            created_at=row["created_at"],
            read_at=row["read_at"],
        )
        for row in old_notice.objects.order_by("pk").values(*FIELDS)
    ]
    new_notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("drills", "0003_drill_certificate_template"),
        ("portal", "0003_notice"),
    ]

    operations = [
        migrations.RunPython(copy_notices, migrations.RunPython.noop),
        migrations.DeleteModel(name="Notice"),
    ]
