"""Time each statistics function on the database bench/dashboard.py built (no rebuild).

    .venv/bin/python bench/statistics_profile.py [--var-dir /tmp/bench-dashboard] [--repeat 2]

Prints the raw SQL baseline of bench/dashboard.py, then each function for the district of the
bench data and 2026, then `dashboard_figures` and `annual_report` as a whole.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", default="/tmp/bench-dashboard")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.environ["PORTAL_VAR_DIR"] = args.var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import date

    from django.db import connection

    from certificates.statistics import expiring_certificates
    from courses import statistics as courses
    from dashboard import services
    from drills import statistics as drills
    from exams.statistics import exam_figures
    from portal.models import User
    from portal.periods import Period

    user = User.objects.get(username="bench_supervisor")
    target = services.default_target(user)
    scope, period, today = target.scope, Period.of_year(2026), date(2026, 11, 29)

    def timed(name, fn, repeat=args.repeat):
        fn()
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        print(f"| {name} | {(time.perf_counter() - start) / repeat * 1000:,.0f} ms |", flush=True)

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

    print("| function | time |\n|---|---|")
    timed("raw SQL aggregates (baseline)", raw)
    timed("training_statistics", lambda: courses.training_statistics(scope, period))
    timed("compliance_summary", lambda: courses.compliance_summary(scope, period))
    timed("drill_statistics", lambda: drills.drill_statistics(scope, period))
    timed("corrective_actions", lambda: drills.corrective_actions(scope, period, today=today))
    timed("exam_figures", lambda: exam_figures(scope, period))
    timed("expiring_certificates", lambda: expiring_certificates(scope, today=today))
    timed(
        "dashboard_figures",
        lambda: services.dashboard_figures(target=target, period=period, today=today),
    )
    timed("annual_report", lambda: services.annual_report(target=target, year=2026), 1)


if __name__ == "__main__":
    main()
