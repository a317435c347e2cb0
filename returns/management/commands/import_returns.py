"""python manage.py import_returns FILE.xlsx --form NAME [--dry-run] [--user USERNAME]"""

from __future__ import annotations

from functools import partial

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.import_command import ImportCommand, ImportJob
from portal.importing import Target, owner_of_user
from portal.models import User
from returns.importing import import_returns
from returns.models import ReturnForm


class Command(ImportCommand):
    kind = "returns.filings-command"
    help = gettext_lazy(
        "批量导入企业统计填报（.xlsx，每家企业一行：统一社会信用代码、企业名称、补报说明及报表的各填报项目）。"
    )

    def add_import_arguments(self, parser):
        parser.add_argument("--form", required=True, help=gettext_lazy("统计报表名称"))
        parser.add_argument(
            "--user",
            help=gettext_lazy("按该用户的权限范围匹配企业（默认：不限范围，相当于超级管理员）"),
        )

    def prepare(self, options):
        form = ReturnForm.objects.filter(name=options["form"]).select_related("region").first()
        if form is None:
            raise CommandError(_("找不到统计报表：%(name)s") % {"name": options["form"]})
        username = options.get("user")
        if username:
            try:
                importer = User.objects.get(username=username)
            except User.DoesNotExist as exc:
                raise CommandError(_("找不到用户：%(user)s") % {"user": username}) from exc
            owner = owner_of_user(importer)
        else:
            importer = User(username="__command__", is_superuser=True, is_active=True)
            owner = Target()
        return ImportJob(
            title=_("统计填报：%(name)s") % {"name": form.name},
            target=Target(
                key=f"returns.form:{form.pk}", enterprise=owner.enterprise, region=owner.region
            ),
            run=partial(import_returns, user=importer, form=form),
            user=importer if importer.pk else None,
        )
