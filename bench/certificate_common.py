"""Shared set-up for the certificate benchmarks: Django on a throwaway SQLite database (in
PORTAL_VAR_DIR, default /tmp/bench-certificates), migrated, with one template and N people."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(var_dir: str = "/tmp/bench-certificates", fresh: bool = True) -> None:
    import shutil

    if fresh and Path(var_dir).exists():
        shutil.rmtree(var_dir)
    os.environ.setdefault("PORTAL_VAR_DIR", var_dir)
    os.environ.setdefault("MEDIA_ROOT", f"{var_dir}/media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_people(n: int):
    """n people in one enterprise and the demo certificate templates (with the drawn seal)."""
    from datetime import date

    from certificates.demo import TEMPLATES, seal_file
    from certificates.models import CertificateTemplate
    from portal.demo import make_credit_code, make_id_number
    from portal.models import Enterprise, Person, Region

    district, _ = Region.objects.get_or_create(
        code="330203", defaults={"name": "基准区", "level": Region.Level.DISTRICT}
    )
    street, _ = Region.objects.get_or_create(
        code="330203001",
        defaults={"name": "基准街道", "level": Region.Level.STREET, "parent": district},
    )
    enterprise, _ = Enterprise.objects.get_or_create(
        credit_code=make_credit_code(9001),
        defaults={"name": "基准测试化工有限公司", "street": street},
    )
    existing = Person.objects.filter(enterprise=enterprise).count()
    Person.objects.bulk_create(
        [
            Person(
                name=f"测试员{i:04d}",
                id_number=make_id_number(i, date(1988, 3, 9)),
                enterprise=enterprise,
            )
            for i in range(existing, n)
        ]
    )
    template, _ = CertificateTemplate.objects.get_or_create(
        name=TEMPLATES[0]["name"], defaults={**TEMPLATES[0], "seal": seal_file("基准区应急管理局")}
    )
    return template, list(Person.objects.filter(enterprise=enterprise).order_by("pk")[:n])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
