"""python manage.py annual_report --year 2026 [--region CODE] --format pdf|xlsx|json --output FILE"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _g

from dashboard import services


class Command(BaseCommand):
    help = "生成年度报告（培训、演练、考试、竞赛，含同比）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--region", default="", help="区或街道的区划代码；缺省为全区")
        parser.add_argument("--format", choices=["pdf", "xlsx", "json"], default="pdf")
        parser.add_argument("--output", required=True)

    def handle(self, *args, year: int, region: str, format: str, output: str, **options) -> None:
        if not 2000 <= year <= 2100:
            raise CommandError(_g("年份须为 2000 至 2100 之间的整数。"))
        try:
            target = services.region_target_for_command(region or None)
        except LookupError:
            raise CommandError(
                _g("找不到区划代码为 %(code)s 的区或街道。") % {"code": region}
            ) from None
        report = services.annual_report(target=target, year=year)
        content, _type = services.render_report(report, format)
        Path(output).write_bytes(content)
        self.stdout.write(
            _g("已生成 %(name)s %(year)s 年度报告：%(path)s")
            % {"name": target.name, "year": year, "path": output}
        )
