from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from portal import registry
from portal.demo import DEFAULT_PASSWORD, DEMO_LOGINS, seed_organizations
from portal.models import Region


class Command(BaseCommand):
    help = "Builds the demo district (organizations, people, logins and every app's demo data). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="password of the demo logins"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has regions",
        )

    def handle(self, *args, password: str, if_empty: bool, **options):
        if if_empty and Region.objects.exists():
            self.stdout.write("Demo data already present; skipping seed_demo.")
            return
        with transaction.atomic():
            ctx = seed_organizations(password)
            for seeder in sorted(registry.seeders.values(), key=lambda s: s.order):
                self.stdout.write(f"Seeding {seeder.name}…")
                seeder.func(ctx)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password: {password}):"))
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<24} {role}")
