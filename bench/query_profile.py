"""Where the dashboard's and the annual report's time goes, query by query (no rebuild).

    DATABASE_URL=… .venv/bin/python bench/query_profile.py --var-dir /tmp/dash-pg-100k [--repeat 5]

Times, on a database bench/dashboard.py built, `dashboard_figures`, the dashboard page and
`annual_report` for the district supervisor and 2026, computed (no figure snapshots; with
--changed N after N new training records, as the first request after a change), with a per-query timer
(connection.execute_wrapper): for each the median wall time, the SQL time (cursor.execute and
fetch inside Django) and the rest (Python: ORM compilation, row conversion, template, SVG), then the
queries of the last run, slowest first, each with the function that ran it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", default="/tmp/bench-dashboard")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument(
        "--changed",
        type=int,
        default=0,
        help="write this many new 2026 training records first (as after a change; deleted after)",
    )
    args = parser.parse_args()
    os.environ["PORTAL_VAR_DIR"] = args.var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import date

    from django.db import connection
    from django.test import Client

    from dashboard import services
    from portal.models import User

    user = User.objects.get(username="bench_supervisor")
    target = services.default_target(user)
    period = services.parse_period({"period": "year", "year": "2026"}, today=date(2026, 11, 29))
    client = Client()
    client.force_login(user)

    log: list[tuple[float, str, str]] = []

    def wrapper(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - start
            where = next(
                (
                    f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
                    for f in reversed(traceback.extract_stack()[:-2])
                    if "statistics" in f.filename
                    or "services" in f.filename
                    or "rollups" in f.filename
                    or "views" in f.filename
                ),
                "?",
            )
            log.append((took, where, " ".join(sql.split())[:160]))

    def page():
        assert client.get("/dashboard/?period=year&year=2026").status_code == 200  # nosec B101

    cases = {
        "dashboard_figures": lambda: services.dashboard_figures(
            target=target, period=period, today=date(2026, 11, 29)
        ),
        "dashboard page": page,
        "annual_report": lambda: services.annual_report(target=target, year=2026),
    }
    from courses.models import TrainingRecord
    from portal import snapshots

    written = []
    sample = TrainingRecord.objects.filter(date__year=2026).order_by("pk").first()
    for _ in range(args.changed):
        sample.pk = None
        sample.save()
        written.append(sample.pk)
    print(f"load average {os.getloadavg()[0]:.1f}; {connection.vendor}; computed (no snapshots)")
    try:
        with snapshots.live():
            _profile(cases, args, log, connection, wrapper)
    finally:
        TrainingRecord.objects.filter(pk__in=written).delete()


def _profile(cases, args, log, connection, wrapper) -> None:
    for name, fn in cases.items():
        fn()
        walls, sqls = [], []
        for _ in range(args.repeat):
            log.clear()
            with connection.execute_wrapper(wrapper):
                start = time.perf_counter()
                fn()
                walls.append(time.perf_counter() - start)
            sqls.append(sum(t for t, _, _ in log))
        wall, sql = statistics.median(walls), statistics.median(sqls)
        print(
            f"\n## {name}: {wall * 1000:.1f} ms, SQL {sql * 1000:.1f} ms, "
            f"Python {(wall - sql) * 1000:.1f} ms, {len(log)} queries"
        )
        for took, where, text in sorted(log, reverse=True)[: args.top]:
            print(f"{took * 1000:7.2f} ms  {where:55.55}  {text}")


if __name__ == "__main__":
    main()
