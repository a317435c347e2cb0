"""The one base of the `import_*` management commands: `FILE.xlsx [--dry-run]`, the file read the
same way as an upload (portal.xlsx through portal.importing.run_import: one batch in the import
history, the same file refused a second time), every bad row written to stderr and a non-zero exit,
the counts of new / updated / unchanged rows on success.

A command names its registry key (`kind`) and answers `prepare()` with what the file goes into.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.importing import Target, run_import
from portal.xlsx import ImportReport


@dataclass
class ImportJob:
    title: str
    target: Target
    # run(upload=..., dry_run=...) -> ImportReport: the importer, all or nothing
    run: Callable[..., ImportReport]
    user: object = None


class ImportCommand(BaseCommand):
    kind = ""  # the key of portal.registry.spreadsheet_imports

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=gettext_lazy("要导入的 .xlsx 文件"))
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("只检查，不导入"))
        self.add_import_arguments(parser)

    def add_import_arguments(self, parser) -> None:
        """The command's own options (its target)."""

    def prepare(self, options: dict) -> ImportJob:
        """What the file goes into; raises CommandError when that is missing or wrong."""
        raise NotImplementedError

    def import_file(self, job: ImportJob, path: Path, options: dict) -> ImportReport:
        with path.open("rb") as upload:
            return run_import(
                kind=self.kind,
                title=job.title,
                upload=upload,
                user=job.user,
                target=job.target,
                run=job.run,
                dry_run=options["dry_run"],
                via_command=True,
            )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        job = self.prepare(options)
        report = self.import_file(job, path, options)
        for note in report.notes:
            self.stdout.write(note)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(_("有%(n)s处错误，未导入任何数据。") % {"n": len(report.errors)})
        counts = {
            "title": job.title,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged + report.skipped,
        }
        if options["dry_run"]:
            message = _(
                "检查通过（未导入）：%(title)s，将新增%(created)s条，更新%(updated)s条，"
                "未变%(unchanged)s条。"
            )
        else:
            counts["batch"] = report.batch.pk
            message = _(
                "已导入（导入记录 #%(batch)s）：%(title)s，新增%(created)s条，更新%(updated)s条，"
                "未变%(unchanged)s条。"
            )
        self.stdout.write(self.style.SUCCESS(message % counts))
        self.after_import(report, options)

    def after_import(self, report: ImportReport, options: dict) -> None:
        """Anything the command tells after a good import."""
