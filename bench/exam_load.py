"""Exam engine under load against a real server, vs a bare Django view in the same run.

    .venv/bin/python bench/exam_load.py [--db sqlite|postgres] [--people 500] [--threads 16]
                                        [--saves 4] [--port 8158] [--workers 2] [--gthreads 4]

Sets up a throwaway database (SQLite under --var, or the PostgreSQL database --pg-database,
portal_exams_bench by default),
creates --people workers with API tokens, a 62-question bank and a paper drawing 50 questions, then
starts gunicorn (--workers processes × 4 threads) on --port and drives it from --threads client
threads (keep-alive connections):

- bare:        GET /bench-bare/ (constant response through every middleware), 2 × people requests;
- start-spike: every person POSTs /api/v1/exams/{paper}/attempts once (500 attempts started as
               fast as the server takes them; the run is refused if it exceeds 60 s);
- autosave:    every person PUTs --saves answers (/api/v1/attempts/{id}/answers/{q}, rising seq);
- the bare view again between the two scenarios and after the last: each scenario's ratios are
  to the mean of the bare runs just before and just after it (the machine's speed drifts).

Everything is bounded in count and in time (each scenario stops at --max-seconds). Prints
throughput and p50/p95/p99 latencies per scenario and the ratio to the bare view, and the server's
CPU time per request (gunicorn's processes plus, on PostgreSQL, the database's backends for the
bench database; `cpu_seconds`) with its ratio to the bare view's: on a machine shared with other
work throughput follows the other loads, the CPU a request costs much less. Numbers are only
comparable within one run on one machine; see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import loadkit  # shared with bench/load_exam.py and tests/system
from loadkit import make_data

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def setup_env(args) -> dict:
    env = dict(os.environ)
    if Path(args.var).exists():
        shutil.rmtree(args.var)
    env["PORTAL_VAR_DIR"] = args.var
    env["DJANGO_SETTINGS_MODULE"] = "exam_bench_settings"
    env["PYTHONPATH"] = f"{ROOT}:{ROOT / 'bench'}"
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    if args.db == "postgres":
        env["DATABASE_URL"] = loadkit.create_pg_database(
            PG_SERVER, args.pg_database, template=args.pg_template
        )
    else:
        env.pop("DATABASE_URL", None)
    os.environ.update(env)
    return env


def request(port: int, method: str, path: str, token: str | None = None, body: dict | None = None):
    """loadkit.request (one keep-alive connection per thread), as (seconds, status, body)."""
    status, payload, seconds = loadkit.request(port, method, path, token, body)
    return seconds, status, payload


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(server_pid: int, database: str | None) -> tuple[float, float]:
    """CPU time (user + system) used so far by the server: gunicorn's processes and, on
    PostgreSQL, the backends connected to the bench database (persistent connections, so they
    live through a scenario). On a shared machine throughput follows the other loads; the CPU a
    request costs does not, and on a quiet machine a closed loop's throughput is its inverse."""
    pids = [server_pid, *loadkit.descendants(server_pid)]
    db_pids = []
    if database:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
                    db_pids.append(int(entry.name))

    def ticks(pid_list):
        total = 0
        for pid in pid_list:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / _TICK

    return ticks(pids), ticks(db_pids)


def run(name: str, jobs: list, threads: int, max_seconds: float, cpu=None) -> dict:
    latencies, statuses, results = [], {}, {}
    app_before, db_before = cpu() if cpu else (0.0, 0.0)
    deadline = time.perf_counter() + max_seconds
    lock = threading.Lock()

    def one(indexed):
        index, job = indexed
        if time.perf_counter() > deadline:
            return
        took, status, payload = job()
        with lock:
            latencies.append(took)
            statuses[status] = statuses.get(status, 0) + 1
            results[index] = payload

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, enumerate(jobs)))
    wall = time.perf_counter() - started
    app_after, db_after = cpu() if cpu else (0.0, 0.0)
    app_used, db_used = app_after - app_before, db_after - db_before
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    row = {
        "name": name,
        "requests": len(latencies),
        "wall": wall,
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "cpu_ms": (app_used + db_used) * 1000 / max(1, len(latencies)),
        "db_cpu_ms": db_used * 1000 / max(1, len(latencies)),
        "statuses": statuses,
        "results": results,
    }
    print(
        f"{name:12} {row['requests']:5d} req in {wall:6.2f} s  {row['rps']:7.1f} req/s  "
        f"p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  p99 {row['p99']:6.1f} ms  "
        f"server CPU {row['cpu_ms']:5.2f} ms/req (database {row['db_cpu_ms']:5.2f})  {statuses}"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--saves", type=int, default=4)
    parser.add_argument("--port", type=int, default=8158)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gthreads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--var", default="/tmp/bench-exams")
    parser.add_argument("--pg-database", default="portal_exams_bench")
    parser.add_argument(
        "--pg-template",
        help="copy this migrated, empty database instead of migrating (much faster on a busy box)",
    )
    args = parser.parse_args()
    env = setup_env(args)
    paper_id, keys = make_data(args.people)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.gthreads),
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        # connections kept through the run (the default 60 s would replace some during the
        # autosave: their backends' CPU time would leave the sum, sampled before and after)
        env={**env, "DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "DB_CONN_MAX_AGE": "600"},
    )
    try:
        for _i in range(100):
            try:
                if request(args.port, "GET", "/bench-bare/")[1] == 200:
                    break
            except OSError:
                pass
            loadkit._local.conn = None
            time.sleep(0.2)
        print(
            f"# {args.db}, {args.people} people, {args.threads} client threads, "
            f"gunicorn {args.workers}×{args.gthreads}"
        )
        database = args.pg_database if args.db == "postgres" else None

        def cpu():
            return cpu_seconds(server.pid, database)

        # every gunicorn worker and thread past its first requests (lazy imports, connections)
        run("warm-up", [lambda: request(args.port, "GET", "/bench-bare/")] * 500, args.threads, 30)

        def bare_view(name):
            return run(
                name,
                [lambda: request(args.port, "GET", "/bench-bare/")] * (2 * args.people),
                args.threads,
                args.max_seconds,
                cpu,
            )

        # The bare view before and after each scenario: each scenario's baseline is the mean of
        # the two around it, so a change of the machine's speed during the run (a shared box's
        # CPU does change within a minute) moves the scenario and its baseline alike.
        bare = bare_view("bare")
        spike = run(
            "start-spike",
            [
                (lambda k=k: request(args.port, "POST", f"/api/v1/exams/{paper_id}/attempts", k))
                for k in keys
            ],
            args.threads,
            min(args.max_seconds, 60),
            cpu,
        )
        attempts = []
        for index, key in enumerate(keys):
            try:
                data = json.loads(spike["results"][index])
                attempts.append((key, data["id"], [q["id"] for q in data["questions"]]))
            except (ValueError, KeyError):
                continue
        save_jobs = []
        for round_ in range(args.saves):
            for key, attempt_id, qids in attempts:
                q = qids[round_ % len(qids)]
                save_jobs.append(
                    lambda key=key, a=attempt_id, q=q, s=round_ + 1: request(
                        args.port,
                        "PUT",
                        f"/api/v1/attempts/{a}/answers/{q}",
                        key,
                        {"response": ["A"], "seq": s},
                    )
                )
        bare_between = bare_view("bare (2)")
        save = run("autosave", save_jobs, args.threads, args.max_seconds, cpu)
        bare_after = bare_view("bare (3)")
        print()
        print(
            "| scenario | requests | throughput (req/s) | p50 ms | p95 ms | p99 ms "
            "| vs bare (throughput) | server CPU ms/req | vs bare (CPU per request) |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        rows = [
            (bare, [bare]),
            (spike, [bare, bare_between]),
            (bare_between, [bare_between]),
            (save, [bare_between, bare_after]),
            (bare_after, [bare_after]),
        ]
        for row, around in rows:
            base_rps = statistics.mean(b["rps"] for b in around)
            base_cpu = statistics.mean(b["cpu_ms"] for b in around)
            print(
                f"| {row['name']} | {row['requests']} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p95']:.1f} | "
                f"{row['p99']:.1f} | {row['rps'] / base_rps:.2f} | {row['cpu_ms']:.2f} "
                f"| {base_cpu / row['cpu_ms'] if row['cpu_ms'] else 0:.2f} |"
            )
        ok = spike["statuses"].get(201, 0)
        print(
            f"\nstarted {ok} of {args.people} attempts in {spike['wall']:.1f} s; saves ok {save['statuses'].get(200, 0)} of {len(save_jobs)}"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a busy box: the figures are printed, stop it now
            server.kill()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
