from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal import backup


class Command(BaseCommand):
    help = (
        "从 manage.py backup 的备份目录恢复到一个空数据库和空文件目录：先核对所有校验和，"
        "再恢复数据库和文件，最后逐表核对行数。目标不是空的就拒绝，不会覆盖任何数据。"
    )
    # The system checks could open the target database before it is found empty.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", type=Path, metavar="BACKUP_DIR", help="备份目录（包含 manifest.json）"
        )

    def handle(self, *args, directory: Path, **options):
        try:
            report = backup.restore_backup(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("恢复完成：%(tables)d 张表、%(rows)d 行，与备份清单逐表一致；文件 %(files)d 个。")
            % {"tables": report.tables, "rows": report.rows, "files": report.files}
        )
        if report.pending_migrations:
            self.stdout.write(
                _("备份的数据库结构比本程序旧（%(apps)s）：请运行 manage.py migrate。")
                % {"apps": ", ".join(report.pending_migrations)}
            )
