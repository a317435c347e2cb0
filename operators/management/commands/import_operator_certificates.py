"""python manage.py import_operator_certificates FILE.xlsx --enterprise CREDIT_CODE [--dry-run]"""

from __future__ import annotations

from functools import partial

from django.core.management.base import CommandError

from operators.services import import_certificates
from portal.import_command import ImportCommand, ImportJob
from portal.importing import Target
from portal.models import Enterprise


class Command(ImportCommand):
    kind = "operators.certificates-command"
    help = (
        "导入一个企业人员的特种作业操作证、特种设备作业人员证（.xlsx）。"
        "任何一行有错误则不导入，并列出所有错误行。"
    )

    def add_import_arguments(self, parser):
        parser.add_argument("--enterprise", required=True, help="企业的统一社会信用代码")

    def prepare(self, options):
        code = options["enterprise"]
        target = Enterprise.objects.filter(credit_code=code.strip().upper()).first()
        if target is None:
            raise CommandError(f"没有统一社会信用代码为 {code} 的企业。")
        return ImportJob(
            title=f"持证记录 → {target.name}",
            target=Target(key=f"enterprise:{target.pk}", enterprise=target),
            run=partial(import_certificates, enterprise=target),
        )
