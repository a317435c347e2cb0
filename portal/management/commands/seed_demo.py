from __future__ import annotations

import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal import registry
from portal.demo import (
    DEFAULT_PASSWORD,
    DEMO_LOGINS,
    deferred_indexing,
    quiet_logger,
    seed_organizations,
)
from portal.models import Region

LATER_TASK = "portal.tasks.seed_demo_later"


def _rows(app_label: str) -> int:
    """Rows in the tables of an app (one COUNT per model): the summary line of a demo area."""
    try:
        config = apps.get_app_config(app_label)
    except LookupError:
        return 0
    return sum(model._default_manager.count() for model in config.get_models())


class Command(BaseCommand):
    help = (
        "Builds the demo district (organizations, people, logins and every app's demo data). "
        "Certificate PDFs, the history parts (finished exam attempts) and the search and reference "
        "indexes are queued for the task cluster. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="password of the demo logins"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has regions",
        )

    def _area(self, name: str, app_label: str, func, started_rows: int | None = None) -> None:
        before = _rows(app_label) if started_rows is None else started_rows
        start = time.monotonic()
        func()
        self.stdout.write(
            f"  {name:<14} +{_rows(app_label) - before} rows in {time.monotonic() - start:.1f} s"
        )

    def handle(self, *args, password: str, if_empty: bool, **options):
        from django_q.tasks import async_task

        if if_empty and Region.objects.exists():
            self.stdout.write("Demo data already present; skipping seed_demo.")
            return
        start = time.monotonic()
        later: list[str] = []
        self.stdout.write("Seeding the demo district:")
        with (
            quiet_logger("wagtail"),
            quiet_logger("django-q"),
            deferred_indexing(),
            transaction.atomic(),
        ):
            holder = {}
            self._area(
                "portal",
                "portal",
                lambda: holder.setdefault("ctx", seed_organizations(password)),
            )
            ctx = holder["ctx"]
            for seeder in sorted(registry.seeders.values(), key=lambda s: s.order):
                self._area(seeder.name, seeder.name.split("-")[0], lambda s=seeder: s.func(ctx))
                if seeder.later:
                    later.append(seeder.later)
            # the slow parts, then the search and reference indexes, in one task
            transaction.on_commit(lambda: async_task(LATER_TASK, later))
        self.stdout.write(
            f"Seeded in {time.monotonic() - start:.1f} s. Queued for the task cluster: certificate "
            f"PDFs, {', '.join(later) or 'nothing else'}, the search and reference indexes."
        )
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password: {password}):"))
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<24} {role}")
