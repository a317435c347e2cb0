"""Drill statistics and frequency compliance at a real district's size and at 10×.

A real year (DESIGN.md): 206 drills by 65 enterprises, 6,937 participant-times; 5,245 enterprises
in the district. The script builds that year (and 10× of it) in a throwaway SQLite database and
times `drill_statistics` and `enterprise_compliance` for a district supervisor. The ratio of the
10× time to the 1× time, measured in the same run, should stay near 10 (linear, one query each)
— far above it means a per-row query crept in.

    .venv/bin/python bench/drills_statistics.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(var_dir: str = "/tmp/bench-drills") -> None:
    import shutil

    if Path(var_dir).exists():
        shutil.rmtree(var_dir)
    os.environ.setdefault("PORTAL_VAR_DIR", var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(scale: int, tag: str):
    from datetime import date, datetime, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from drills.models import Drill, Participation
    from portal.demo import make_credit_code, make_id_number
    from portal.models import Enterprise, Industry, Person, Region

    district, _ = Region.objects.get_or_create(
        code="339900", defaults={"name": "基准区", "level": "district"}
    )
    street, _ = Region.objects.get_or_create(
        code=f"3399000{scale:02d}",
        defaults={"name": f"基准街道{tag}", "level": "street", "parent": district},
    )
    base = scale * 10000  # credit-code serials stay 6 digits
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"基准企业{tag}-{i}",
                credit_code=make_credit_code(base + i),
                street=street,
                industry=Industry.HAZARDOUS_CHEMICALS if i % 5 == 0 else Industry.MACHINERY,
                is_training_high_risk=i % 5 == 0,
                is_drill_high_risk=i % 5 == 0,
            )
            for i in range(5245 * scale)
        ]
    )
    enterprises = list(Enterprise.objects.filter(street=street)[: 65 * scale])
    people = []
    for n, e in enumerate(enterprises):
        people += [
            Person(
                name=f"员工{n}-{k}",
                id_number=make_id_number(k, date(1960, 1, 1) + timedelta(days=base // 1000 + n)),
                enterprise=e,
            )
            for k in range(34)
        ]
    Person.objects.bulk_create(people)
    tz = timezone.get_current_timezone()
    start = datetime(2026, 1, 5, 9, tzinfo=tz)
    drills = Drill.objects.bulk_create(
        [
            Drill(
                code=f"B{tag}{i:06d}",
                title=f"基准演练{i}",
                enterprise=enterprises[i % len(enterprises)],
                form="live" if i % 3 else "tabletop",
                content="single",
                accident_type="fire",
                planned_start=start + timedelta(days=i % 350),
                planned_end=start + timedelta(days=i % 350, hours=2),
                place=f"地点{i}",
                spent=Decimal("3500.00"),
                status="archived",
                plan_type="onsite",
            )
            for i in range(206 * scale)
        ]
    )
    by_ent = {}
    for p in Person.objects.filter(enterprise__in=enterprises).values("pk", "enterprise_id"):
        by_ent.setdefault(p["enterprise_id"], []).append(p["pk"])
    Participation.objects.bulk_create(
        [
            Participation(drill=d, person_id=pk)
            for d in drills
            for pk in by_ent[d.enterprise_id][:34]
        ]
    )
    return street


def timed(fn, repeat: int) -> float:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup()

    from django.contrib.auth.models import Group

    from drills import compliance
    from portal import roles
    from portal.models import Enterprise, User

    results = {}
    from drills.statistics import drill_statistics
    from portal.periods import Period
    from portal.scoping import scope_for

    for scale, tag in ((1, "A"), (10, "B")):
        street = build(scale, tag)
        user = User.objects.create(username=f"bench-{tag}", region=street)
        user.groups.add(Group.objects.get(name=roles.SUPERVISOR))  # sees this street only
        ents = Enterprise.objects.filter(street=street)
        stats_t = timed(
            lambda user=user: drill_statistics(scope_for(user), Period.of_year(2026)),
            args.repeat,
        )
        comp_t = timed(
            lambda ents=ents: compliance.enterprise_compliance(enterprises=ents), args.repeat
        )
        results[scale] = (stats_t, comp_t)
        print(
            f"scale {scale:>2}×: drill_statistics {stats_t * 1000:8.1f} ms   enterprise_compliance {comp_t * 1000:8.1f} ms"
        )
    s1, c1 = results[1]
    s10, c10 = results[10]
    print(f"ratio 10×/1×: statistics {s10 / s1:.1f}   compliance {c10 / c1:.1f}   (≈10 is linear)")


if __name__ == "__main__":
    main()
