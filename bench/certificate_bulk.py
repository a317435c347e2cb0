"""A bulk issue of N (500) certificates through the django-q2 cluster: wall time from submitting
the bulk issue to the last PDF stored, vs the same number of warm renders in one process measured
in the same run (ratio < 1 means the cluster's workers overlap usefully).

    .venv/bin/python bench/certificate_bulk.py [--n 500] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from certificate_common import ROOT, machine, make_people, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ["Q_WORKERS"] = str(args.workers)
    setup()
    from certificates import pdf, services
    from certificates.models import BulkIssue, Certificate

    template, people = make_people(args.n)

    # baseline: warm renders in this process (HTML + PDF, no storage), scaled to N
    sample = [pdf.sample_data(template, __import__("datetime").date(2026, 6, 1)) for _ in range(12)]
    pdf.html_to_pdf(pdf.render_html(template, sample[0]))
    times = []
    for data in sample[1:]:
        s = time.perf_counter()
        pdf.html_to_pdf(pdf.render_html(template, data))
        times.append(time.perf_counter() - s)
    per_render = statistics.median(times)

    env = {**os.environ}
    cluster = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # cluster start-up, not counted
        start = time.perf_counter()
        bulk = services.create_bulk_issue(
            user=None, template=template, subject="基准批量发证", reason="基准", people=people
        )
        last = -1
        while True:
            progress = services.bulk_progress(BulkIssue.objects.get(pk=bulk.pk))
            if progress["rendered"] != last:
                last = progress["rendered"]
            if progress["finished"]:
                break
            if time.perf_counter() - start > 3600:
                raise SystemExit("timed out")
            time.sleep(0.5)
        wall = time.perf_counter() - start
    finally:
        cluster.terminate()
        cluster.wait(30)
    assert Certificate.objects.count() == args.n
    sequential = per_render * args.n
    print(f"machine: {machine()}")
    print(
        f"{args.n} certificates through the cluster ({args.workers} workers): {wall:.1f} s, "
        f"{args.n / wall:.1f} certificates/s"
    )
    print(
        f"baseline, {args.n} warm renders in one process: {sequential:.1f} s "
        f"({per_render * 1000:.0f} ms each)"
    )
    print(f"ratio cluster/sequential: {wall / sequential:.2f}")


if __name__ == "__main__":
    main()
