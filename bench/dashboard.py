"""Dashboard and annual report at 100,000 training records and 5,000 drills.

Builds, in a throwaway SQLite database (PORTAL_VAR_DIR, default /tmp/bench-dashboard), a district
with 5 streets, 500 enterprises, 10,000 people, 100,000 training records over 2025–2026 and
5,000 held drills with 20,000 participations (all with bulk_create). Then times, for the district
supervisor, the median of --repeat runs of:
- `dashboard_figures` (the whole district dashboard for 2026);
- the dashboard page through the test client (figures + template + SVG charts);
- `annual_report` (2026 with 2025 for the year-over-year changes) and its JSON / PDF rendering;
against the baseline measured in the same run: the two raw SQL aggregates that any report must run
at least (training 人次/学时 by category for the year; drills count/money by form for the year).

    .venv/bin/python bench/dashboard.py [--repeat 5] [--records 100000] [--drills 5000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_figures_bench .venv/bin/python bench/dashboard.py

With DATABASE_URL naming a PostgreSQL database, that database is dropped and created afresh (give
it a throwaway name). People are one per 10 records, enterprises one per 200 records.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINING_RECORDS = 100_000
DRILLS = 5_000


def _fresh_postgres(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # nosec B608 # a bench database name
        conn.execute(f'CREATE DATABASE "{name}"')  # nosec B608


def setup(var_dir: str) -> None:
    import shutil

    if Path(var_dir).exists():
        shutil.rmtree(var_dir)
    os.environ["PORTAL_VAR_DIR"] = var_dir
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        _fresh_postgres(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build():
    from datetime import date, datetime, timedelta
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from courses.models import TrainingRecord
    from drills.models import Drill, Participation
    from portal import roles
    from portal.demo import make_credit_code, make_id_number
    from portal.models import Enterprise, Person, PersonCategory, Region, User

    district = Region.objects.create(code="339900", name="基准区", level="district")
    streets = [
        Region.objects.create(
            code=f"3399000{i:02d}", name=f"基准街道{i}", level="street", parent=district
        )
        for i in range(5)
    ]
    n_enterprises = max(500, TRAINING_RECORDS // 200)
    n_people = TRAINING_RECORDS // 10
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"基准企业{i}",
                credit_code=make_credit_code(i + 1),
                street=streets[i % 5],
                is_training_high_risk=i % 5 == 0,
                is_drill_high_risk=i % 5 == 0,
            )
            for i in range(n_enterprises)
        ],
        batch_size=2000,
    )
    enterprises = list(Enterprise.objects.order_by("pk"))
    categories = list(PersonCategory.values)
    Person.objects.bulk_create(
        [
            Person(
                name=f"员工{n}",
                id_number=make_id_number(n % 1000, date(1960, 1, 1) + timedelta(days=n // 1000)),
                enterprise=enterprises[n % n_enterprises],
                category=categories[n % len(categories)],
            )
            for n in range(n_people)
        ],
        batch_size=2000,
    )
    people = list(Person.objects.values_list("pk", "enterprise_id", "category"))
    TrainingRecord.objects.bulk_create(
        [
            TrainingRecord(
                person_id=people[i % len(people)][0],
                enterprise_id=people[i % len(people)][1],
                category=people[i % len(people)][2],
                date=date(2025 + i % 2, 1 + i % 12, 1 + i % 28),
                hours=Decimal(1 + i % 8),
                kind="topic",
                source_kind="external",
                title="基准培训",
            )
            for i in range(TRAINING_RECORDS)
        ],
        batch_size=5000,
    )
    tz = timezone.get_current_timezone()
    drills = Drill.objects.bulk_create(
        [
            Drill(
                code=f"BD{i:06d}",
                title=f"基准演练{i}",
                enterprise=enterprises[i % n_enterprises],
                level="enterprise",
                form="live" if i % 3 else "tabletop",
                content="single",
                accident_type="fire",
                planned_start=datetime(2025 + i % 2, 1 + i % 12, 1 + i % 28, 9, tzinfo=tz),
                planned_end=datetime(2025 + i % 2, 1 + i % 12, 1 + i % 28, 11, tzinfo=tz),
                place=f"地点{i}",
                spent=Decimal("3500.00"),
                status="archived",
                plan_type="onsite",
            )
            for i in range(DRILLS)
        ],
        batch_size=2000,
    )
    by_ent: dict[int, list[int]] = {}
    for pk, ent, _cat in people:
        by_ent.setdefault(ent, []).append(pk)
    Participation.objects.bulk_create(
        [
            Participation(drill=d, person_id=pk)
            for d in drills
            for pk in by_ent[d.enterprise_id][:4]
        ],
        batch_size=5000,
    )
    user = User.objects.create(username="bench_supervisor", region=district)
    user.set_password("bench-pass-2026")
    user.save()
    user.groups.add(Group.objects.get_or_create(name=roles.SUPERVISOR)[0])
    return district, user


def timed(fn, repeat: int) -> float:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    global TRAINING_RECORDS, DRILLS
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--var-dir", default="/tmp/bench-dashboard")
    parser.add_argument("--records", type=int, default=TRAINING_RECORDS)
    parser.add_argument("--drills", type=int, default=DRILLS)
    args = parser.parse_args()
    TRAINING_RECORDS, DRILLS = args.records, args.drills
    setup(args.var_dir)
    from datetime import date

    from django.db import connection
    from django.test import Client

    from dashboard import services
    from portal.models import User

    t = time.perf_counter()
    district, _user = build()
    print(f"built in {time.perf_counter() - t:.1f} s")
    user = User.objects.get(username="bench_supervisor")
    period = services.parse_period({"period": "year", "year": "2026"}, today=date(2026, 11, 29))
    target = services.default_target(user)

    def raw():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT category, COUNT(*), SUM(hours) FROM courses_trainingrecord "
                "WHERE date BETWEEN %s AND %s GROUP BY category",
                ["2026-01-01", "2026-12-31"],
            )
            cur.fetchall()
            cur.execute(
                "SELECT form, COUNT(*), SUM(spent) FROM drills_drill "
                "WHERE planned_start >= %s AND planned_start < %s GROUP BY form",
                ["2026-01-01", "2027-01-01"],
            )
            cur.fetchall()

    def figures():
        services.dashboard_figures(target=target, period=period, today=date(2026, 11, 29))

    client = Client()
    client.force_login(user)

    def page():
        assert client.get("/dashboard/?period=year&year=2026").status_code == 200

    report = {}

    def annual():
        report["data"] = services.annual_report(target=target, year=2026)

    results = {
        "raw SQL aggregates (baseline)": timed(raw, args.repeat),
        "dashboard_figures (district, 2026)": timed(figures, args.repeat),
        "dashboard page GET /dashboard/": timed(page, args.repeat),
        "annual_report figures": timed(annual, args.repeat),
        "annual_report JSON rendering": timed(
            lambda: services.report_json(report["data"]), args.repeat
        ),
        "annual_report PDF rendering (WeasyPrint)": timed(
            lambda: services.report_pdf(report["data"]), max(1, args.repeat // 2)
        ),
    }
    base = results["raw SQL aggregates (baseline)"]
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    print(
        f"{time.strftime('%Y-%m-%d')} · {cpu} · {os.cpu_count()} CPUs · Python {platform.python_version()}"
    )
    print(f"data: {TRAINING_RECORDS:,} training records, {DRILLS:,} drills, {connection.vendor}")
    print("| measurement | median | ratio to raw SQL |")
    print("|---|---|---|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds * 1000:.0f} ms | {seconds / base:.1f}× |")
    print(
        "figures check:",
        report["data"]["training"]["person_times"],
        report["data"]["drills"]["count"],
    )


if __name__ == "__main__":
    main()
