"""python manage.py figures_doc — print docs/figures.md from the figure catalogue."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dashboard.figures_doc import render


class Command(BaseCommand):
    help = "Print docs/figures.md from the figure catalogue (portal.figures.FIGURES)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(render(), ending="")
