"""Shared pieces of the load scripts and the system tests (tests/system): a throwaway database,
exam data with API tokens, gunicorn and a django-q2 cluster as process groups, and an HTTP client.

Used by bench/exam_load.py, bench/load_exam.py and tests/system/. The Django side (seeding,
reading back what the database holds) runs in a subprocess through this file's command line:

    python bench/loadkit.py seed --people 30 [--certificate]      -> JSON {"paper": id, "keys": [...]}
    python bench/loadkit.py answers ATTEMPT_ID...                 -> JSON {attempt: {question: [seq, response]}}
    python bench/loadkit.py bulk-certificates --people 12         -> JSON {"bulk": id, "items": [...]}
    python bench/loadkit.py certificates BULK_ID                  -> JSON {item: [certificates, with PDF]}

with the environment from `django_env()` (DATABASE_URL, PORTAL_VAR_DIR, MEDIA_ROOT, ...).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


# --- processes and ports ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def django_env(
    *,
    var_dir: Path | str,
    database_url: str,
    redis_url: str | None = None,
    settings: str = "exam_bench_settings",
    extra: dict | None = None,
) -> dict:
    """The environment of every subprocess: a private var/ and media/, DEBUG off, the given
    database; REDIS_URL only when given (otherwise the embedded cache and the ORM task broker)."""
    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.pop("REDIS_URL", None)
    env.update(
        PORTAL_VAR_DIR=str(var_dir),
        MEDIA_ROOT=str(var_dir / "media"),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE=settings,
        PYTHONPATH=f"{ROOT}:{ROOT / 'bench'}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra or {})
    return env


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc)."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(p) for p in (task / "children").read_text().split()]
    return out


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


class ProcessGroup:
    """A subprocess in its own session; stop() ends the whole group (SIGTERM, then SIGKILL)."""

    def __init__(self, args: list[str], env: dict, log: Path | str | None = None):
        self.log_path = Path(log) if log else None
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=self._log, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # the group may outlive its leader (workers); SIGKILL whatever is left
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        if self._log is not subprocess.DEVNULL:
            self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Gunicorn(ProcessGroup):
    def __init__(
        self,
        env: dict,
        *,
        port: int | None = None,
        workers: int = 2,
        threads: int = 4,
        log=None,
        timeout: int = 60,
    ):
        self.port = port or free_port()
        super().__init__(
            [
                GUNICORN,
                "portal.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                str(timeout),
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            env,
            log,
        )

    def wait_ready(self, path: str = "/healthz", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail()}")
            status, _body, _took = request(self.port, "GET", path, timeout=5, fresh=True)
            if status in (200, 503):  # 503: up, a health check failed (e.g. fonts)
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready in {timeout} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        return children(self.pid)


class QCluster(ProcessGroup):
    """`manage.py qcluster`; name="render": the cluster PDF renders are queued for
    (settings.Q_RENDER_CLUSTER), as scripts/run.sh runs it (under nice=19)."""

    def __init__(self, env: dict, log=None, nice: int = 0, name: str | None = None):
        prefix = ["nice", "-n", str(nice)] if nice else []
        if name:
            env = {**env, "Q_CLUSTER_NAME": name}
        super().__init__([*prefix, PYTHON, "manage.py", "qcluster"], env, log)


def run_django(env: dict, *args: str, timeout: float = 300) -> str:
    """Runs this file's command line (or manage.py when args[0] == "manage.py") in a subprocess."""
    argv = [PYTHON, *args] if args[0] == "manage.py" else [PYTHON, __file__, *args]
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode:
        raise RuntimeError(
            f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def migrate(env: dict) -> None:
    run_django(env, "manage.py", "migrate", "--no-input", "-v", "0", timeout=600)


# --- PostgreSQL throwaway databases ---------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _psql(url: str, sql: str) -> None:
    subprocess.run(
        ["psql", with_database(url, "postgres"), "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
        timeout=120,
    )


def create_pg_database(url: str, name: str, template: str | None = None) -> str:
    """Drops and creates database `name` on the server of `url`; returns its URL."""
    drop_pg_database(url, name)
    _psql(url, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return with_database(url, name)


def pg_databases(url: str, like: str) -> list[str]:
    """The names of the databases on the server of `url` that match the LIKE pattern `like`."""
    done = subprocess.run(
        ["psql", with_database(url, "postgres"), "-v", "ON_ERROR_STOP=1", "-tA"]
        + ["-v", f"pattern={like}"],  # psql quotes it (:'pattern'), read from stdin
        input="SELECT datname FROM pg_database WHERE datname LIKE :'pattern';",
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.split()


def drop_pg_database(url: str, name: str, wait: bool = True) -> subprocess.Popen | None:
    """Drops database `name`; wait=False returns the running psql (wait() on it later)."""
    sql = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    if wait:
        _psql(url, sql)
        return None
    return subprocess.Popen(
        ["psql", with_database(url, "postgres"), "-qc", sql],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- HTTP client ------------------------------------------------------------------------------------

_local = threading.local()


def request(
    port: int,
    method: str,
    path: str,
    token: str | None = None,
    body: dict | None = None,
    *,
    timeout: float = 60,
    fresh: bool = False,
    headers: dict | None = None,
) -> tuple[int, bytes, float]:
    """One request; returns (status, body, seconds). Status 599 = no HTTP answer (connection
    refused, reset, timed out). fresh=True opens a new connection (like a phone every 20 s);
    otherwise each thread keeps one keep-alive connection."""
    conn = None if fresh else getattr(_local, "conn", None)
    if conn is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        if not fresh:
            _local.conn = conn
    sent = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    if fresh:
        sent["Connection"] = "close"
    data = json.dumps(body).encode() if body is not None else None
    started = time.perf_counter()
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        payload = response.read()
        status = response.status
    except (http.client.HTTPException, OSError):
        conn.close()
        _local.conn = None
        return 599, b"", time.perf_counter() - started
    if fresh:
        conn.close()
    return status, payload, time.perf_counter() - started


def save_path(attempt_id: int, question_id: int) -> str:
    return f"/api/v1/attempts/{attempt_id}/answers/{question_id}"


# --- the Django side (subprocess) -------------------------------------------------------------------


def make_data(
    people: int, *, certificate: bool = False, do_migrate: bool = True
) -> tuple[int, list[str]]:
    """`people` workers of one enterprise with API tokens, a 62-question bank and a published paper
    drawing 50 questions (30 single, 10 judge, 10 multiple). certificate=True: pass score 0 and a
    certificate template, so every submit issues a certificate rendered by the task cluster."""
    for path in (str(ROOT), str(ROOT / "bench")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
    from django.core.management import call_command

    if do_migrate:
        call_command("migrate", verbosity=0)
    from django.db import connections
    from django.utils import timezone

    from exams.demo_questions import QUESTIONS
    from exams.models import DrawRule, Paper, Question, QuestionBank
    from portal.api import _hash
    from portal.models import ApiToken, Enterprise, Person, Region, User
    from tests.factories import credit_code, id_number

    district = Region.objects.create(name="压测区", code="339900", level="district")
    street = Region.objects.create(
        name="压测街道", code="339900001", level="street", parent=district
    )
    enterprise = Enterprise.objects.create(
        name="压测企业", credit_code=credit_code(1), street=street
    )
    User.objects.bulk_create([User(username=f"bench{i}") for i in range(people)])
    users = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    Person.objects.bulk_create(
        [
            Person(name=f"压测{i}", id_number=id_number(10_000 + i), enterprise=enterprise, user=u)
            for i, u in enumerate(users)
        ]
    )
    keys = [secrets.token_urlsafe(24) for _u in users]
    expires = timezone.now() + timedelta(days=1)
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, key_hash=_hash(k), expires_at=expires)
            for u, k in zip(users, keys, strict=True)
        ]
    )
    bank = QuestionBank.objects.create(name="压测题库", region=district)
    Question.objects.bulk_create(
        [
            Question(
                bank=bank,
                type=t,
                stem=s,
                options=o,
                answer=a,
                explanation=e,
                difficulty=d,
                knowledge_points=k,
            )
            for t, s, o, a, e, d, k in QUESTIONS
        ]
    )
    template = _certificate_template() if certificate else None
    paper = Paper.objects.create(
        title="压测考试",
        region=district,
        selection="draw",
        pass_score=0 if certificate else 60,
        duration_minutes=60,
        attempts_allowed=1,
        published=True,
        certificate_template=template,
    )
    for order, (qtype, count) in enumerate([("single", 30), ("judge", 10), ("multiple", 10)]):
        DrawRule.objects.create(
            paper=paper, bank=bank, type=qtype, count=count, points=2, sort_order=order
        )
    connections.close_all()
    return paper.pk, keys


def _certificate_template():
    from certificates.models import CertificateTemplate

    return CertificateTemplate.objects.create(
        name="压测证书模板",
        title="安全培训合格证书",
        body="{holder_name}（身份证号 {id_number}）于 {issued_on} 参加“{subject}”，成绩 {score}，经考核合格，特发此证。",
        issuer="压测区应急管理局",
        signatory="张主任",
        validity_months=36,
        serial_format="YC-{year}-{seq:06d}",
    )


def _answers(attempt_ids: list[int]) -> dict:
    import django

    django.setup()
    from exams.models import AttemptQuestion

    out: dict = {}
    for attempt_id, question_id, seq, response in AttemptQuestion.objects.filter(
        attempt_id__in=attempt_ids
    ).values_list("attempt_id", "question_id", "seq", "response"):
        out.setdefault(str(attempt_id), {})[str(question_id)] = [seq, list(response or [])]
    return out


def _bulk_certificates(people: int) -> dict:
    """`people` workers and one bulk issue for them (queued: run_bulk_issue, then one render each)."""
    import django

    django.setup()
    from certificates.services import create_bulk_issue
    from portal.models import Enterprise, Person, Region, User
    from tests.factories import credit_code, id_number

    district = Region.objects.create(name="证书区", code="339800", level="district")
    street = Region.objects.create(
        name="证书街道", code="339800001", level="street", parent=district
    )
    enterprise = Enterprise.objects.create(
        name="证书企业", credit_code=credit_code(2), street=street
    )
    admin = User.objects.create(username="bulk-admin", is_superuser=True)
    persons = [
        Person.objects.create(
            name=f"证书{i}", id_number=id_number(20_000 + i), enterprise=enterprise
        )
        for i in range(people)
    ]
    bulk = create_bulk_issue(
        user=admin,
        template=_certificate_template(),
        subject="危险化学品安全作业培训",
        reason="系统测试：批量发证",
        people=persons,
    )
    return {"bulk": bulk.pk, "items": list(bulk.items.values_list("pk", flat=True))}


def _certificates(bulk_id: int) -> dict:
    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType

    from certificates.models import BulkIssue, Certificate, ManualIssue

    bulk = BulkIssue.objects.get(pk=bulk_id)
    content_type = ContentType.objects.get_for_model(ManualIssue)
    out = {str(pk): [0, 0] for pk in bulk.items.values_list("pk", flat=True)}
    for source_id, pdf in Certificate.objects.filter(
        source_content_type=content_type, source_object_id__in=[int(k) for k in out]
    ).values_list("source_object_id", "pdf"):
        out[str(source_id)][0] += 1
        out[str(source_id)][1] += 1 if pdf else 0
    return out


def main(argv: list[str]) -> None:
    import argparse

    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed")
    seed.add_argument("--people", type=int, required=True)
    seed.add_argument("--certificate", action="store_true")
    answers = sub.add_parser("answers")
    answers.add_argument("attempts", type=int, nargs="+")
    bulk = sub.add_parser("bulk-certificates")
    bulk.add_argument("--people", type=int, required=True)
    certs = sub.add_parser("certificates")
    certs.add_argument("bulk", type=int)
    args = parser.parse_args(argv)
    if args.command == "seed":
        paper, keys = make_data(args.people, certificate=args.certificate, do_migrate=False)
        out = {"paper": paper, "keys": keys}
    elif args.command == "answers":
        out = _answers(args.attempts)
    elif args.command == "bulk-certificates":
        out = _bulk_certificates(args.people)
    else:
        out = _certificates(args.bulk)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
