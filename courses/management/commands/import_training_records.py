"""python manage.py import_training_records FILE.xlsx [--dry-run] [--user USERNAME]"""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.services import import_training_records
from portal.models import User


class Command(BaseCommand):
    help = gettext_lazy(
        "导入外部培训记录（.xlsx：姓名、身份证号、培训名称、培训类型、培训日期、学时）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("只检查，不导入"))
        parser.add_argument(
            "--user",
            help=gettext_lazy("按该用户的权限范围匹配人员（默认：不限范围，相当于超级管理员）"),
        )

    def handle(self, *args, file: str, dry_run: bool, user: str | None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(file)s") % {"file": file})
        if user:
            try:
                importer = User.objects.get(username=user)
            except User.DoesNotExist as exc:
                raise CommandError(_("找不到用户：%(user)s") % {"user": user}) from exc
        else:
            importer = User(username="__command__", is_superuser=True, is_active=True)
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        report = import_training_records(upload=upload, user=importer, dry_run=dry_run)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("有 %(n)s 行有问题，没有导入任何数据。") % {"n": len(report.errors)}
            )
        if dry_run:
            self.stdout.write(
                _("检查通过：共 %(n)s 行可以导入（未导入）。") % {"n": report.created}
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(_("已导入 %(n)s 条培训记录。") % {"n": report.created})
            )
