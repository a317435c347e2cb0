"""Drops the single high-risk flag and its override: the two sets of 0005/0006 replace them. Its
own migration, as PostgreSQL refuses to ALTER a table in the transaction that updated its rows
(0006)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0006_seed_high_risk_industries_and_migrate_enterprises")]

    operations = [
        migrations.RemoveField(
            model_name='enterprise',
            name='high_risk_override',
        ),
        migrations.RemoveField(
            model_name='enterprise',
            name='is_high_risk',
        ),
    ]
