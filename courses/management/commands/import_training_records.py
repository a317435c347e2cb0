"""python manage.py import_training_records FILE.xlsx [--dry-run] [--user USERNAME]"""

from __future__ import annotations

from functools import partial

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.records import import_training_records
from portal.import_command import ImportCommand, ImportJob
from portal.importing import Target, owner_of_user
from portal.models import User


class Command(ImportCommand):
    kind = "courses.records-command"
    help = gettext_lazy(
        "导入外部培训记录（.xlsx：姓名、身份证号、培训名称、培训类型、培训日期、学时）。"
    )

    def add_import_arguments(self, parser):
        parser.add_argument(
            "--user",
            help=gettext_lazy("按该用户的权限范围匹配人员（默认：不限范围，相当于超级管理员）"),
        )

    def prepare(self, options):
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
            title=str(_("外部培训记录")),
            target=owner,
            run=partial(import_training_records, user=importer),
            user=importer if importer.pk else None,
        )
