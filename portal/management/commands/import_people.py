from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.accounts import credentials_workbook
from portal.models import Enterprise
from portal.services import import_people


class Command(BaseCommand):
    help = (
        "导入人员名册（.xlsx）到一个企业。任何一行有错误则不导入，并列出所有错误行。"
        "新账号的随机初始密码写入一份登录表（.xlsx），只此一份，交给企业安全管理员后请删除。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--enterprise", required=True, help="企业的统一社会信用代码")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不导入")
        parser.add_argument(
            "--logins-sheet",
            type=Path,
            help="新账号登录表（姓名、登录账号、初始密码）的保存路径，默认在名册旁："
            "<名册名>-初始密码-<时间>.xlsx；已存在的文件不会被覆盖",
        )

    def handle(self, *args, file: Path, enterprise: str, dry_run: bool, **options):
        target = Enterprise.objects.filter(credit_code=enterprise.strip().upper()).first()
        if target is None:
            raise CommandError(f"没有统一社会信用代码为 {enterprise} 的企业。")
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        sheet_path = options.get("logins_sheet") or file.with_name(
            f"{file.stem}-初始密码-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
        )
        # Claimed before importing: the passwords exist only until this file is written.
        sheet = None if dry_run else self._claim(sheet_path)
        written = False
        try:
            with file.open("rb") as fh:
                report = import_people(enterprise=target, upload=fh, actor=None, dry_run=dry_run)
            if sheet is not None and report.credentials:
                with os.fdopen(sheet, "wb") as out:
                    sheet = None
                    out.write(credentials_workbook(report.credentials))
                written = True
        finally:
            if sheet is not None:
                os.close(sheet)
            if not dry_run and not written:
                sheet_path.unlink(missing_ok=True)
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
        if report.credentials:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.credentials)} 个新账号的初始密码已写入 {sheet_path}"
                    "（只此一份，系统不保存明文；交给企业安全管理员后请删除该文件）。"
                )
            )

    def _claim(self, path: Path) -> int:
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise CommandError(f"登录表文件已存在，不会覆盖：{path}") from exc
        except OSError as exc:
            raise CommandError(f"无法写入登录表文件 {path}：{exc.strerror}") from exc
