from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.models import Enterprise
from portal.services import import_people


class Command(BaseCommand):
    help = "导入人员名册（.xlsx）到一个企业。任何一行有错误则不导入，并列出所有错误行。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--enterprise", required=True, help="企业的统一社会信用代码")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不导入")

    def handle(self, *args, file: Path, enterprise: str, dry_run: bool, **options):
        target = Enterprise.objects.filter(credit_code=enterprise.strip().upper()).first()
        if target is None:
            raise CommandError(f"没有统一社会信用代码为 {enterprise} 的企业。")
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        with file.open("rb") as fh:
            report = import_people(enterprise=target, upload=fh, dry_run=dry_run)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} 行有错误，未导入任何数据。")
        verb = "将" if dry_run else "已"
        self.stdout.write(
            self.style.SUCCESS(
                f"{target.name}：{verb}新增 {report.created} 人，更新 {report.updated} 人。"
            )
        )
