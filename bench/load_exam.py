"""Load: 500 workers take the same exam — gunicorn + PostgreSQL + Redis + a django-q2 cluster.

    .venv/bin/python bench/load_exam.py [--people 500] [--arrival 60] [--interval 20] [--rounds 4]
                                        [--workers 3] [--threads 4] [--db postgres|sqlite]
                                        [--no-certificate] [--cluster-nice N] [--render-nice N]
                                        [--pg-database NAME] [--redis-url URL] [--json FILE]

A realistic scenario next to bench/exam_load.py's closed-loop one (same data, from bench/loadkit.py):

1. a throwaway database (PostgreSQL --pg-database, `portal_load_bench` by default, on 127.0.0.1, or
   SQLite under --var) and --redis-url, Redis db 14 by default (cache, sessions and the django-q2
   broker; flushed first) — nothing else is touched;
2. --people workers with API tokens, a paper drawing 50 of 62 questions with a certificate template
   and pass score 0 (every submit issues a certificate the task cluster renders);
3. gunicorn (--workers × --threads), `manage.py qcluster` and the render cluster
   (`Q_CLUSTER_NAME=render`, under `nice -n --render-nice`, as scripts/run.sh) running;
4. "bare": a constant Django view through every middleware, 2 × people requests from 16 threads,
   each request on a new connection like the phones below (the floor);
5. the exam: each simulated worker is a thread that arrives at a random moment in the first
   --arrival seconds, starts the exam, saves an answer every --interval seconds (rising seq) for
   --rounds rounds and submits; a probe thread requests the bare view 4 times a second meanwhile;
6. then waits (bounded) until the cluster has rendered every certificate, and checks that every
   acknowledged save is in the database (response and seq).

Prints a Markdown table: requests, errors, throughput and p50/p95/p99 per phase. Zero errors is the
bar. Numbers are comparable only within one run on one machine (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import loadkit
from loadkit import request

PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
PG_NAME = "portal_load_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"


class Phase:
    def __init__(self, name: str):
        self.name = name
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.first = self.last = None
        self.lock = threading.Lock()

    def record(self, started: float, status: int, took: float, ok: bool) -> None:
        with self.lock:
            self.latencies.append(took)
            key = status if ok else -status
            self.statuses[key] = self.statuses.get(key, 0) + 1
            self.first = started if self.first is None else min(self.first, started)
            end = started + took
            self.last = end if self.last is None else max(self.last, end)

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s < 0)

    def row(self, bare_p50: float | None = None, bare_p95: float | None = None) -> dict:
        lat = sorted(self.latencies)
        n = len(lat)

        def pct(p):
            return lat[min(n - 1, int(n * p))] * 1000 if n else 0.0

        wall = (self.last - self.first) if n else 0.0
        p50 = statistics.median(lat) * 1000 if n else 0.0
        return {
            "phase": self.name,
            "requests": n,
            "errors": self.errors,
            "wall": wall,
            "rps": n / wall if wall else 0.0,
            "p50": p50,
            "p95": pct(0.95),
            "p99": pct(0.99),
            "p50_vs_bare": p50 / bare_p50 if bare_p50 else None,
            "p95_vs_bare": pct(0.95) / bare_p95 if bare_p95 else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def timed(phase: Phase, port: int, method: str, path: str, token=None, body=None, ok=(200,)):
    started = time.perf_counter()
    status, payload, took = request(port, method, path, token, body, fresh=True, timeout=120)
    phase.record(started, status, took, status in ok)
    return status, payload


def setup_database(args, var: Path) -> str:
    if args.db == "sqlite":
        return f"sqlite:///{var / 'load.sqlite3'}"
    return loadkit.create_pg_database(PG_SERVER, args.pg_database, template=args.pg_template)


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def machine() -> dict:
    mem = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    from importlib.metadata import version

    dists = ("Django", "wagtail", "django-q2", "gunicorn", "psycopg", "weasyprint", "redis")
    versions = {("redis-py" if name == "redis" else name): version(name) for name in dists}
    pg = subprocess.run(
        ["psql", PG_SERVER, "-tAc", "SHOW server_version"], capture_output=True, text=True
    ).stdout.strip()
    redis_v = subprocess.run(
        ["redis-cli", "-u", REDIS_URL, "INFO", "server"], capture_output=True, text=True
    ).stdout
    redis_v = next(
        (line.split(":")[1].strip() for line in redis_v.splitlines() if "redis_version" in line),
        "?",
    )
    return {
        "nproc": len(__import__("os").sched_getaffinity(0)),
        "cpu": cpu,
        "ram_mib": mem,
        "python": platform.python_version(),
        "postgresql": pg,
        "redis-server": redis_v,
        "load_before": Path("/proc/loadavg").read_text().split()[:3],
        **versions,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--arrival", type=float, default=60, help="arrivals spread over N s")
    parser.add_argument("--interval", type=float, default=20, help="seconds between saves")
    parser.add_argument("--rounds", type=int, default=4, help="saves per worker")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--var", default="/tmp/bench-load")
    parser.add_argument("--render-wait", type=float, default=600)
    parser.add_argument("--json", help="also write the summary here")
    parser.add_argument(
        "--cluster-nice",
        type=int,
        default=0,
        help="run the task cluster under `nice -n N` (PDF renders yield the CPUs to requests)",
    )
    parser.add_argument(
        "--render-nice",
        type=int,
        default=19,
        help="niceness of the render cluster (default 19, as scripts/run.sh and the systemd unit)",
    )
    parser.add_argument("--pg-database", default=PG_NAME)
    parser.add_argument(
        "--pg-template",
        help="copy this migrated, empty database instead of migrating (much faster on a busy box)",
    )
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument(
        "--no-certificate",
        action="store_true",
        help="no certificate template on the paper (submits queue no PDF renders)",
    )
    args = parser.parse_args()
    var = Path(args.var)
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    info = machine()
    database_url = setup_database(args, var)
    flush_redis(args.redis_url)
    env = loadkit.django_env(var_dir=var, database_url=database_url, redis_url=args.redis_url)
    t0 = time.monotonic()
    loadkit.migrate(env)
    data = json.loads(
        loadkit.run_django(
            env,
            "seed",
            "--people",
            str(args.people),
            *([] if args.no_certificate else ["--certificate"]),
        )
    )
    print(f"# database ready in {time.monotonic() - t0:.0f} s: {args.db}, {args.people} people")
    paper, keys = data["paper"], data["keys"]

    server = loadkit.Gunicorn(
        env, workers=args.workers, threads=args.threads, log=var / "gunicorn.log", timeout=120
    )
    cluster = loadkit.QCluster(env, log=var / "qcluster.log", nice=args.cluster_nice)
    # the render cluster (settings.Q_RENDER_CLUSTER) as scripts/run.sh and the systemd unit run it
    renders = loadkit.QCluster(env, log=var / "render.log", nice=args.render_nice, name="render")
    try:
        server.wait_ready("/bench-bare/")
        port = server.port
        warm = Phase("warm-up")
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _i: timed(warm, port, "GET", "/bench-bare/"), range(100)))
        bare = Phase("bare")
        with ThreadPoolExecutor(16) as pool:
            list(
                pool.map(
                    lambda _i: timed(bare, port, "GET", "/bench-bare/"), range(2 * args.people)
                )
            )

        start, save, submit, probe = Phase("start"), Phase("save"), Phase("submit"), Phase("probe")
        acked: dict[int, dict[int, tuple[int, list[str]]]] = {}
        acked_lock = threading.Lock()
        rng = random.Random(2026)
        arrivals = sorted(rng.uniform(0, args.arrival) for _k in keys)
        begin = time.monotonic() + 1
        stop_probe = threading.Event()

        def person(index: int, key: str) -> None:
            time.sleep(max(0.0, begin + arrivals[index] - time.monotonic()))
            arrived = time.monotonic()
            status, payload = timed(
                start, port, "POST", f"/api/v1/exams/{paper}/attempts", key, ok=(200, 201)
            )
            if status not in (200, 201):
                return
            attempt = json.loads(payload)
            questions = attempt["questions"]
            prng = random.Random(index)
            for round_ in range(1, args.rounds + 1):
                time.sleep(
                    max(
                        0.0,
                        arrived + round_ * args.interval + prng.uniform(-1, 1) - time.monotonic(),
                    )
                )
                question = questions[(round_ - 1) % len(questions)]
                qid = question["id"]
                answer = [prng.choice([o["key"] for o in question["options"]])]
                status, payload = timed(
                    save,
                    port,
                    "PUT",
                    loadkit.save_path(attempt["id"], qid),
                    key,
                    {"response": answer, "seq": round_},
                )
                if status == 200:
                    body = json.loads(payload)
                    with acked_lock:
                        acked.setdefault(attempt["id"], {})[qid] = (body["seq"], body["response"])
            time.sleep(max(0.0, prng.uniform(1, 5)))
            timed(submit, port, "POST", f"/api/v1/attempts/{attempt['id']}/submit", key)

        def probing() -> None:
            while not stop_probe.is_set():
                timed(probe, port, "GET", "/bench-bare/")
                stop_probe.wait(0.25)

        load_avg = []
        prober = threading.Thread(target=probing, daemon=True)
        prober.start()
        threads = [
            threading.Thread(target=person, args=(i, k), daemon=True) for i, k in enumerate(keys)
        ]
        for t in threads:
            t.start()
        deadline = begin + args.arrival + (args.rounds + 1) * args.interval + 300
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic()))
            load_avg.append(float(Path("/proc/loadavg").read_text().split()[0]))
        stop_probe.set()
        prober.join(timeout=5)
        exam_wall = time.monotonic() - begin
        stuck = sum(t.is_alive() for t in threads)

        # the certificate renders queued by the submits
        render_started = time.monotonic()
        # pass score 0: every submitted attempt earns a certificate
        passed = 0 if args.no_certificate else submit.statuses.get(200, 0)
        issued = rendered = 0
        while time.monotonic() - render_started < args.render_wait:
            out = loadkit.run_django(
                env,
                "manage.py",
                "shell",
                "-c",
                "from certificates.models import Certificate as C; "
                "print(C.objects.count(), C.objects.exclude(pdf='').count())",
            ).split()
            issued, rendered = int(out[-2]), int(out[-1])
            if rendered >= passed:
                break
            time.sleep(2)
        render_wait = time.monotonic() - render_started

        saved = json.loads(loadkit.run_django(env, "answers", *map(str, acked)))
        lost = [
            (a, q)
            for a, items in acked.items()
            for q, (seq, response) in items.items()
            if saved.get(str(a), {}).get(str(q), [0, None])[0] < seq
            or (saved[str(a)][str(q)][0] == seq and saved[str(a)][str(q)][1] != response)
        ]
    finally:
        server.stop()
        cluster.stop()
        renders.stop()

    bare_row = bare.row()
    rows = [bare_row] + [
        p.row(bare_row["p50"], bare_row["p95"]) for p in (start, save, submit, probe)
    ]
    print(
        f"\n# {args.people} workers, arrivals over {args.arrival:.0f} s, {args.rounds} saves every "
        f"{args.interval:.0f} s, gunicorn {args.workers}×{args.threads}, {args.db}, Redis, qcluster"
    )
    print(
        "| phase | requests | errors | req/s | p50 ms | p95 ms | p99 ms | p50 vs bare | p95 vs bare |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['p50_vs_bare']:.1f}×" if r["p50_vs_bare"] else "1.0×"
        ratio95 = f"{r['p95_vs_bare']:.1f}×" if r["p95_vs_bare"] else "1.0×"
        print(
            f"| {r['phase']} | {r['requests']} | {r['errors']} | {r['rps']:.1f} | {r['p50']:.1f} "
            f"| {r['p95']:.1f} | {r['p99']:.1f} | {ratio} | {ratio95} |"
        )
    summary = {
        "machine": info,
        "args": vars(args),
        "rows": rows,
        "exam_wall_s": exam_wall,
        "stuck_clients": stuck,
        "max_load_avg": max(load_avg or [0]),
        "certificates_expected": passed,
        "certificates_issued": issued,
        "certificates_rendered": rendered,
        "render_wait_after_last_submit_s": render_wait,
        "acked_saves": sum(len(v) for v in acked.values()),
        "acked_saves_missing": len(lost),
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    errors = sum(r["errors"] for r in rows) + len(lost) + stuck + (passed - rendered)
    print("ZERO ERRORS" if errors == 0 else f"ERRORS: {errors}")
    if args.db == "postgres":
        loadkit.drop_pg_database(PG_SERVER, args.pg_database)
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
