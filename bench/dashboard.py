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
Each is timed three times: as asked again with nothing changed (served from its figure
snapshot, portal.snapshots), as the first request after a change (a new training record written
just before, untimed: the training figures are computed, the others' parts served) and as the
first request after a drill's spending is corrected (the drill figures computed).

    .venv/bin/python bench/dashboard.py [--repeat 5] [--records 100000] [--drills 5000] [--reuse]
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


def setup(var_dir: str, *, reuse: bool = False) -> None:
    import shutil

    if reuse:
        os.environ["PORTAL_VAR_DIR"] = var_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        return
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


def _record_rows(people, start: int, stop: int):
    """Training record i: person i mod n, 2025 or 2026, a date spread over the year, 1–8 hours."""
    from datetime import date

    n = len(people)
    for i in range(start, stop):
        pk, ent, cat = people[i % n]
        yield (
            pk,
            ent,
            cat,
            date(2025 + i % 2, 1 + i % 12, 1 + i % 28),
            1 + i % 8,
        )


def _insert_records(people, chunk: int = 50_000) -> None:
    """The training records by raw inserts in chunks (COPY on PostgreSQL, executemany on SQLite):
    1,000,000 model instances would not fit a bulk_create on this machine's time or memory."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    columns = (
        "person_id, enterprise_id, category, date, hours, kind, source_kind, title, created_at"
    )
    for start in range(0, TRAINING_RECORDS, chunk):
        stop = min(start + chunk, TRAINING_RECORDS)
        rows = [
            (*row, "topic", "external", "基准培训", now)
            for row in _record_rows(people, start, stop)
        ]
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                raw = cur.cursor if hasattr(cur, "cursor") else cur
                with raw.copy(f"COPY courses_trainingrecord ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(
                    f"INSERT INTO courses_trainingrecord ({columns}) "  # nosec B608 # fixed names
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )
        print(f"  {stop:,} training records", flush=True)


def build():
    from datetime import date, datetime, timedelta
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.utils import timezone

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
    _insert_records(people)
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


def measure(fns: dict, repeat: int) -> dict[str, list[float]]:
    """Each function once to warm, then `repeat` rounds running every function in turn: the
    baseline and the figures share each round's machine load (a shared machine's load moves).
    A value may be (prepare, fn): prepare() runs untimed just before each fn()."""
    steps = {name: fn if isinstance(fn, tuple) else (None, fn) for name, fn in fns.items()}
    for prepare, fn in steps.values():
        if prepare:
            prepare()
        fn()
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, (prepare, fn) in steps.items():
            if prepare:
                prepare()
            t = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - t)
    return runs


def main() -> None:
    global TRAINING_RECORDS, DRILLS
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--var-dir", default="/tmp/bench-dashboard")
    parser.add_argument("--records", type=int, default=TRAINING_RECORDS)
    parser.add_argument("--drills", type=int, default=DRILLS)
    parser.add_argument(
        "--reuse", action="store_true", help="time the database a previous run built (no rebuild)"
    )
    parser.add_argument("--build-only", action="store_true", help="build the database and stop")
    args = parser.parse_args()
    TRAINING_RECORDS, DRILLS = args.records, args.drills
    setup(args.var_dir, reuse=args.reuse)
    from datetime import date

    from django.db import connection
    from django.db.models import F
    from django.test import Client

    from dashboard import services
    from drills.models import Drill
    from portal.models import User

    if not args.reuse:
        t = time.perf_counter()
        build()
        print(f"built in {time.perf_counter() - t:.1f} s")
    from courses import rollups

    t = time.perf_counter()
    rollups.refresh()
    refresh_seconds = time.perf_counter() - t
    print(f"training rollups refreshed in {refresh_seconds:.1f} s (the scheduled task)")
    if connection.vendor == "postgresql":
        # The database as the schedule and autovacuum keep it: the data version's rows summed
        # (portal.tasks, every few minutes), the rows the refresh rewrote vacuumed, statistics
        # fresh. (Without: a database reused by many runs carries the rollups' dead rows of
        # every refresh and thousands of version rows, and times 20-40 % slower.)
        from portal.db import changes

        changes.compact(connection)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    if args.build_only:
        return
    from courses.models import TrainingRecord

    TRAINING_RECORDS = TrainingRecord.objects.count()
    DRILLS = Drill.objects.count()
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

    from courses.models import TrainingRecord

    sample = TrainingRecord.objects.filter(date__year=2026).order_by("pk").first()
    written: list[int] = []

    def a_change():
        """A worker finishes a course: one new training record (the figures' snapshots are then
        older than the data, and the next request computes them)."""
        sample.pk = None
        sample.save()
        written.append(sample.pk)

    drill = Drill.objects.filter(planned_start__year=2026).order_by("pk").first()

    def a_drill_change():
        """A manager corrects a 2026 drill's spending: the drills' figure parts are computed
        again, the training ones served (portal.snapshots.part)."""
        Drill.objects.filter(pk=drill.pk).update(spent=F("spent") + 1)

    load_before = os.getloadavg()
    # Asked again with nothing changed in between, then each the first request after a change;
    # each phase with the baseline in every round.
    phases = [
        {
            "raw SQL aggregates (baseline)": raw,
            "dashboard_figures (district, 2026)": figures,
            "dashboard page GET /dashboard/": page,
            "annual_report figures": annual,
        },
        {
            "raw SQL aggregates (baseline), second phase": raw,
            "dashboard_figures, first after a change": (a_change, figures),
            "dashboard page, first after a change": (a_change, page),
            "annual_report figures, first after a change": (a_change, annual),
        },
        {
            "raw SQL aggregates (baseline), third phase": raw,
            "dashboard_figures, first after a drill change": (a_drill_change, figures),
            "dashboard page, first after a drill change": (a_drill_change, page),
            "annual_report figures, first after a drill change": (a_drill_change, annual),
        },
    ]
    results = {}
    for phase in phases:
        interleaved = measure(phase, args.repeat)
        base_runs = next(iter(interleaved.values()))
        results.update(
            {
                name: (
                    statistics.median(runs),
                    statistics.median(r / b for r, b in zip(runs, base_runs, strict=True)),
                )
                for name, runs in interleaved.items()
            }
        )
    load_after = os.getloadavg()
    TrainingRecord.objects.filter(pk__in=written).delete()
    Drill.objects.filter(pk=drill.pk).update(spent=drill.spent)
    base = results["raw SQL aggregates (baseline)"][0]
    for name, fn, repeat in (
        ("annual_report JSON rendering", lambda: services.report_json(report["data"]), args.repeat),
        (
            "annual_report PDF rendering (WeasyPrint)",
            lambda: services.report_pdf(report["data"]),
            max(1, args.repeat // 2),
        ),
    ):
        seconds = timed(fn, repeat)
        results[name] = (seconds, seconds / base)
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {cpu} · {os.cpu_count()} CPUs · Python {platform.python_version()}"
    )
    print(f"data: {TRAINING_RECORDS:,} training records, {DRILLS:,} drills, {connection.vendor}")
    print(
        f"load average before {load_before[0]:.1f} / {load_before[1]:.1f}, "
        f"after {load_after[0]:.1f} / {load_after[1]:.1f} (1 / 5 min); {args.repeat} rounds"
    )
    print("| measurement | median | median ratio to raw SQL (per round) |")
    print("|---|---|---|")
    for name, (seconds, ratio) in results.items():
        print(f"| {name} | {seconds * 1000:.0f} ms | {ratio:.2f}× |")
    print(
        "figures check:",
        report["data"]["training"]["person_times"],
        report["data"]["drills"]["count"],
    )


if __name__ == "__main__":
    main()
