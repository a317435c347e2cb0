"""python manage.py import_questions FILE.xlsx --bank NAME [--create-bank --enterprise CODE |
--region CODE] [--dry-run]"""

from __future__ import annotations

from functools import partial

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.importing import import_questions
from exams.models import QuestionBank
from portal.import_command import ImportCommand, ImportJob
from portal.importing import Target
from portal.models import Enterprise, Region


class Command(ImportCommand):
    kind = "exams.questions-command"
    help = gettext_lazy(
        "从 .xlsx 导入试题到题库；任何一行有错误则不导入并以非零状态退出。"
        "题库不存在时加 --create-bank 并用 --enterprise 或 --region 指定所属。"
    )

    def add_import_arguments(self, parser):
        parser.add_argument("--bank", required=True, help=gettext_lazy("题库名称"))
        parser.add_argument(
            "--create-bank",
            action="store_true",
            help=gettext_lazy("题库不存在时新建（须用 --enterprise 或 --region 指定所属）"),
        )
        owner = parser.add_mutually_exclusive_group()
        owner.add_argument(
            "--enterprise", help=gettext_lazy("新建题库的所属企业（统一社会信用代码）")
        )
        owner.add_argument("--region", help=gettext_lazy("新建题库的所属区域（区域代码）"))

    def prepare(self, options):
        name = options["bank"].strip()
        bank = QuestionBank.objects.filter(name=name).first()
        if bank is None and not options["create_bank"]:
            raise CommandError(
                _(
                    "题库“%(bank)s”不存在。首次导入请加 --create-bank，并用 --enterprise "
                    "（企业统一社会信用代码）或 --region（区域代码）指定题库所属。"
                )
                % {"bank": name}
            )
        if bank is None:
            bank = self._new_bank(name, options)
        return ImportJob(
            title=f"试题 → {bank.name}",
            target=Target(key=f"bank:{bank.pk}" if bank.pk else "", **_owner(bank)),
            run=partial(_import_into, bank=bank),
        )

    def _new_bank(self, name: str, options: dict) -> QuestionBank:
        if options.get("enterprise"):
            code = options["enterprise"].strip().upper()
            enterprise = Enterprise.objects.filter(credit_code=code).first()
            if enterprise is None:
                raise CommandError(_("没有统一社会信用代码为 %(code)s 的企业。") % {"code": code})
            return QuestionBank(name=name, enterprise=enterprise)
        if options.get("region"):
            region = Region.objects.filter(code=options["region"].strip()).first()
            if region is None:
                raise CommandError(_("没有代码为 %(code)s 的区域。") % {"code": options["region"]})
            return QuestionBank(name=name, region=region)
        raise CommandError(_("新建题库须用 --enterprise 或 --region 指定所属。"))


def _owner(bank: QuestionBank) -> dict:
    return {"enterprise": bank.enterprise, "region": bank.region}


def _import_into(*, bank: QuestionBank, upload, dry_run: bool):
    """The import, creating the bank first when it is new (inside the batch, so an undo takes
    the bank back too; a dry run creates nothing)."""
    if bank.pk is not None:
        return import_questions(bank=bank, upload=upload, dry_run=dry_run)
    if not dry_run:
        bank.save()
        return import_questions(bank=bank, upload=upload, dry_run=dry_run)
    with transaction.atomic():  # a dry run checks against the new, empty bank, then forgets it
        bank.save()
        report = import_questions(bank=bank, upload=upload, dry_run=True)
        transaction.set_rollback(True)
    bank.pk = None
    return report
