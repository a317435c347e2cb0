"""python manage.py import_questions FILE.xlsx --bank NAME [--dry-run]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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
    help = "从 .xlsx 导入试题到题库；任何一行有错误则不导入并以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--bank", required=True, help="题库名称")
        parser.add_argument("--dry-run", action="store_true", help="仅检查，不导入")

    def handle(self, *args, **opts):
        bank = QuestionBank.objects.filter(name=opts["bank"]).first()
        if bank is None:
            raise CommandError(f"题库“{opts['bank']}”不存在。")
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        report = import_questions(bank=bank, upload=_File(path), dry_run=opts["dry_run"])
        for note in report.notes:
            self.stdout.write(note)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"有{len(report.errors)}处错误，未导入任何试题。")
        verb = "将导入" if opts["dry_run"] else "已导入"
        self.stdout.write(
            self.style.SUCCESS(f"{verb}{report.created}道试题，跳过重复{report.skipped}道。")
        )
