"""Expiry reminders stop doubling as notices: the unread ones become portal notices (kind
"certificates", the same key the reminder service uses), then ExpiryReminder.read_at goes."""

from django.db import migrations
from django.urls import reverse


def copy_unread_reminders(apps, schema_editor):
    reminder = apps.get_model("certificates", "ExpiryReminder")
    new_notice = apps.get_model("portal", "Notice")
    mine_url = reverse("certificates:mine")
    rows = []
    for r in (
        reminder.objects.filter(read_at__isnull=True)
        .select_related("certificate__person")
        .order_by("pk")
    ):
        certificate = r.certificate
        name = certificate.person.name
        valid_until = certificate.valid_until.isoformat() if certificate.valid_until else ""
        holder = r.recipient_id == certificate.person.user_id
        rows.append(
            new_notice(
                user_id=r.recipient_id,
                kind="certificates",
                title=f"证书即将到期：{name}的{certificate.title}",
                body=(
                    f"{name}的证书“{certificate.title}”（编号 {certificate.serial}）将于 "
                    f"{valid_until} 到期（{r.days_before}天提醒），请及时安排复训或复审。"
                ),
                url=mine_url
                if holder
                else reverse("certificates_certificates:inspect", args=[certificate.pk]),
                key=f"certificates:expiry:{certificate.pk}:{r.days_before}",
                created_at=r.created_at,
            )
        )
    new_notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0004_alter_certificate_details"),
        ("portal", "0003_notice"),
    ]

    operations = [
        migrations.RunPython(copy_unread_reminders, migrations.RunPython.noop),
        migrations.RemoveField(model_name="expiryreminder", name="read_at"),
    ]
