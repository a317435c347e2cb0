"""python manage.py import_questions FILE.xlsx --bank NAME [--dry-run]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.importing import import_questions
from exams.models import QuestionBank


class _File:
    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.size = path.stat().st_size
        self._fh = path.open("rb")

    def read(self, n: int = -1) -> bytes:
        return self._fh.read(n)

    def seek(self, pos: int) -> None:
        self._fh.seek(pos)


class Command(BaseCommand):
    help = gettext_lazy("从 .xlsx 导入试题到题库；任何一行有错误则不导入并以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--bank", required=True, help=gettext_lazy("题库名称"))
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("仅检查，不导入"))

    def handle(self, *args, **opts):
        bank = QuestionBank.objects.filter(name=opts["bank"]).first()
        if bank is None:
            raise CommandError(_("题库“%(bank)s”不存在。") % {"bank": opts["bank"]})
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        report = import_questions(bank=bank, upload=_File(path), dry_run=opts["dry_run"])
        for note in report.notes:
            self.stdout.write(note)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(_("有%(n)s处错误，未导入任何试题。") % {"n": len(report.errors)})
        message = (
            _("将导入%(created)s道试题，跳过重复%(skipped)s道。")
            if opts["dry_run"]
            else _("已导入%(created)s道试题，跳过重复%(skipped)s道。")
        )
        self.stdout.write(
            self.style.SUCCESS(message % {"created": report.created, "skipped": report.skipped})
        )
