"""Where a start's and an autosave's Python time goes, in process (the Django test client).

    .venv/bin/python bench/exam_profile.py --pg-database h_x_prof [--people 200] [--profile save]

Builds bench/loadkit.make_data's data in a fresh PostgreSQL database (or SQLite under --var
without --pg-database), then times (time.process_time, no profiler) the bare view, a start per
person and --saves autosaves per person through the test client with each person's token, and
with --profile start|save|bare prints cProfile's top functions of a second pass of that kind.
The server's own CPU (gunicorn, PostgreSQL's backends) is bench/exam_load.py's.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--saves", type=int, default=4)
    parser.add_argument("--var", default="/tmp/bench-exam-profile")
    parser.add_argument("--pg-database")
    parser.add_argument("--pg-template", help="a migrated, empty database to copy")
    parser.add_argument("--profile", choices=["start", "save", "bare"])
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    if Path(args.var).exists():
        shutil.rmtree(args.var)
    os.environ["PORTAL_VAR_DIR"] = args.var
    os.environ["DJANGO_SETTINGS_MODULE"] = "exam_bench_settings"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    import loadkit

    if args.pg_database:
        os.environ["DATABASE_URL"] = loadkit.create_pg_database(
            "postgres://postgres@127.0.0.1:5432",
            args.pg_database,
            template=args.pg_template,
        )
    else:
        os.environ.pop("DATABASE_URL", None)
    paper_id, keys = loadkit.make_data(args.people, do_migrate=not args.pg_template)
    from django.test import Client

    half = len(keys) // 2
    # one client (one handler: a Client loads the middleware, whitenoise's file scan included, on
    # its first request), each person's token as a header
    bare = Client()
    auth = [{"HTTP_AUTHORIZATION": f"Bearer {k}"} for k in keys]

    def bare_pass(n):
        for _ in range(n):
            assert bare.get("/bench-bare/").status_code == 200

    attempts: dict[int, tuple[int, list[int]]] = {}

    def start_pass(indexes):
        for i in indexes:
            r = bare.post(
                f"/api/v1/exams/{paper_id}/attempts", content_type="application/json", **auth[i]
            )
            assert r.status_code == 201, (r.status_code, r.content[:300])
            data = r.json()
            attempts[i] = (data["id"], [(q["id"], q["options"]) for q in data["questions"]])

    seqs = {}

    def save_pass(indexes):
        for i in indexes:
            attempt_id, questions = attempts[i]
            for n in range(args.saves):
                qid, options = questions[n % len(questions)]
                seq = seqs[i] = seqs.get(i, 0) + 1
                r = bare.put(
                    f"/api/v1/attempts/{attempt_id}/answers/{qid}",
                    {"response": [options[0]["key"]], "seq": seq},
                    content_type="application/json",
                    **auth[i],
                )
                assert r.status_code == 200, (r.status_code, r.content[:300])

    def timed(label, fn, arg, count):
        t0 = time.process_time()
        fn(arg)
        ms = (time.process_time() - t0) * 1000 / count
        print(f"{label:8} {ms:7.2f} ms/request ({count})")
        return ms

    bare_pass(50)  # warm up
    first, second = range(half), range(half, len(keys))
    timed("bare", bare_pass, 1000, 1000)
    timed("start", start_pass, first, len(first))
    timed("save", save_pass, first, len(first) * args.saves)
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU only: no waits for the database
        fn, arg = {
            "bare": (bare_pass, 1000),
            "start": (start_pass, second),
            "save": (save_pass, first),
        }[args.profile]
        profiler.enable()
        fn(arg)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    else:
        timed("start", start_pass, second, len(second))
        timed("save", save_pass, second, len(second) * args.saves)
        timed("bare", bare_pass, 1000, 1000)


if __name__ == "__main__":
    main()
