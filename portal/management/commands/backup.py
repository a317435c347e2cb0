from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal import backup


class Command(BaseCommand):
    help = (
        "备份数据库（SQLite：在线备份 API；PostgreSQL：pg_dump 自定义格式）和所有文件目录"
        "（MEDIA_ROOT 等），附带校验和清单 manifest.json。可在门户运行时执行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, required=True, help="备份放在这个目录下的 backup-<时间> 子目录中"
        )
        parser.add_argument(
            "--keep-daily",
            type=int,
            default=None,
            metavar="N",
            help="备份后清理：保留最近 N 个有备份的日子各自最新的一份",
        )
        parser.add_argument(
            "--keep-weekly",
            type=int,
            default=None,
            metavar="N",
            help="备份后清理：保留最近 N 个有备份的周各自最新的一份（与 --keep-daily 合用）",
        )

    def handle(self, *args, output: Path, keep_daily, keep_weekly, **options):
        for value in (keep_daily, keep_weekly):
            if value is not None and value < 0:
                raise CommandError(_("保留份数不能是负数。"))
        try:
            path = backup.create_backup(output)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(path)
        files = [f for f in manifest["files"] if f != manifest["database_file"]]
        self.stdout.write(
            _(
                "备份完成：%(path)s（%(engine)s，%(tables)d 张表，%(rows)d 行；"
                "文件 %(files)d 个，共 %(size).1f MB）"
            )
            % {
                "path": path,
                "engine": manifest["engine"],
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
                "files": len(files),
                "size": sum(f["size"] for f in manifest["files"].values()) / 1024 / 1024,
            }
        )
        if keep_daily is not None or keep_weekly is not None:
            removed = backup.prune(
                output, keep_daily=keep_daily or 0, keep_weekly=keep_weekly or 0, keep=path
            )
            for old in removed:
                self.stdout.write(_("已删除旧备份：%(path)s") % {"path": old})
