"""The seal and signature now live in the private storage (0006 moved them): the old Wagtail image
fields go, and the private fields take their names. Its own migration, so on PostgreSQL the schema
change runs in another transaction than 0006's data move."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0006_private_seal_and_signature"),
    ]

    operations = [
        migrations.RemoveField(model_name="certificatetemplate", name="seal"),
        migrations.RemoveField(model_name="certificatetemplate", name="signature"),
        migrations.RenameField(
            model_name="certificatetemplate", old_name="private_seal", new_name="seal"
        ),
        migrations.RenameField(
            model_name="certificatetemplate", old_name="private_signature", new_name="signature"
        ),
    ]
