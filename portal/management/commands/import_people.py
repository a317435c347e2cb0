"""python manage.py import_people FILE.xlsx --enterprise CREDIT_CODE [--dry-run] [--logins-sheet PATH]"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from portal.accounts import credentials_workbook
from portal.import_command import ImportCommand, ImportJob
from portal.importing import Target
from portal.models import Enterprise
from portal.services import import_people


class Command(ImportCommand):
    kind = "portal.roster-command"
    help = (
        "导入人员名册（.xlsx）到一个企业。任何一行有错误则不导入，并列出所有错误行。"
        "新账号的随机初始密码写入一份登录表（.xlsx），只此一份，交给企业安全管理员后请删除。"
    )

    def add_import_arguments(self, parser):
        parser.add_argument("--enterprise", required=True, help="企业的统一社会信用代码")
        parser.add_argument(
            "--logins-sheet",
            type=Path,
            help="新账号登录表（姓名、登录账号、初始密码）的保存路径，默认在名册旁："
            "<名册名>-初始密码-<时间>.xlsx；已存在的文件不会被覆盖",
        )

    def prepare(self, options):
        code = options["enterprise"]
        target = Enterprise.objects.filter(credit_code=code.strip().upper()).first()
        if target is None:
            raise CommandError(f"没有统一社会信用代码为 {code} 的企业。")
        return ImportJob(
            title=f"人员名册 → {target.name}",
            target=Target(key=f"enterprise:{target.pk}", enterprise=target),
            run=partial(import_people, enterprise=target, actor=None),
        )

    def import_file(self, job, path, options):
        dry_run = options["dry_run"]
        self.sheet_path = options.get("logins_sheet") or path.with_name(
            f"{path.stem}-初始密码-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
        )
        # Claimed before importing: the passwords exist only until this file is written.
        sheet = None if dry_run else self._claim(self.sheet_path)
        written = False
        try:
            report = super().import_file(job, path, options)
            if sheet is not None and getattr(report, "credentials", None):
                with os.fdopen(sheet, "wb") as out:
                    sheet = None
                    out.write(credentials_workbook(report.credentials))
                written = True
        finally:
            if sheet is not None:
                os.close(sheet)
            if not dry_run and not written:
                self.sheet_path.unlink(missing_ok=True)
        return report

    def after_import(self, report, options):
        if getattr(report, "credentials", None):
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.credentials)} 个新账号的初始密码已写入 {self.sheet_path}"
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
