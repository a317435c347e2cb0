"""Several nodes, proven (issue 21): the layout of docs/deployment.md on one machine — nginx (Debian's
package, on deploy/nginx/portal.conf rendered with this test's ports and paths) in front of two
gunicorn nodes, two django-q2 clusters on the Redis broker, one PostgreSQL database, media on one
shared directory. 100 simulated workers take an exam through nginx (start, autosave, submit, then
download their certificate) while

- web node A is killed with kill -9 (the whole node: master and workers) and later restarted on the
  same port; nginx sends what A did not answer to B (proxy_next_upstream) and takes A back;
- task cluster A is killed with kill -9 while one of its workers renders a certificate; the Redis
  broker loses the tasks that cluster held, the 10-minute schedule `requeue_stalled_renders` (run
  here once the queue is empty, as if its time had come) queues them again for cluster B.

Then: every acknowledged answer is in the database, every attempt has exactly one certificate with
one PDF, read from the shared media directory (which no node "owns") and downloaded through nginx
by its holder, and no request of any client needed more than one retry.

Paced by acknowledged saves, not by the clock. CI size: 100 workers (about a minute and a half);
full size by hand: MULTINODE_PEOPLE=500 MULTINODE_SAVES=2000 .venv/bin/pytest tests/system/test_multinode.py
with DATABASE_URL=postgres://… and REDIS_URL=redis://… (the PostgreSQL + Redis run of the suite only;
skipped on SQLite and the ORM broker, which one machine serves)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import loadkit
import pytest

from tests.system.support import assert_acknowledged_saves_stored

PEOPLE = int(os.environ.get("MULTINODE_PEOPLE", "100"))
# acknowledged saves before the kill, between the kill and the restart, after the restart
SAVES = int(os.environ.get("MULTINODE_SAVES", str(max(PEOPLE, 100))))
ARRIVAL, INTERVAL = 5.0, 1.5  # seconds: arrivals spread over, pause between a client's saves
SITE = loadkit.ROOT / "deploy" / "nginx" / "portal.conf"
RENDER = "render_certificate_pdf"
RETRYABLE = {502, 503, 504, 599}


def render_site(values: dict[str, str]) -> str:
    """deploy/nginx/portal.conf with its ${PORTAL_*} placeholders filled in (as envsubst does)."""
    text = SITE.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    left = re.findall(r"^[^#]*(\$\{PORTAL_\w+\})", text, re.M)
    assert not left, f"placeholders of deploy/nginx/portal.conf not filled in: {left}"
    return text


class Nginx(loadkit.ProcessGroup):
    """nginx as a child process (daemon off) with everything in `folder`: never /etc/nginx."""

    def __init__(self, folder: Path, web: list[int], media_root: Path, static_root: Path):
        self.port, self.folder = loadkit.free_port(), folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "portal.conf").write_text(
            render_site(
                {
                    "PORTAL_LISTEN": f"127.0.0.1:{self.port}",
                    "PORTAL_SERVER_NAME": "127.0.0.1",
                    "PORTAL_WEB_1": f"127.0.0.1:{web[0]}",
                    "PORTAL_WEB_2": f"127.0.0.1:{web[1]}",
                    "PORTAL_STATIC_ROOT": str(static_root),
                    "PORTAL_MEDIA_ROOT": str(media_root),
                    "PORTAL_LOG_DIR": str(folder),
                }
            )
        )
        temp = "\n".join(
            f"    {kind}_temp_path {folder}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # as root, the workers stay root: the test's files are in private temp directories
        (folder / "nginx.conf").write_text(
            ("user root root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\nworker_rlimit_nofile 8192;\npid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log warn;\nevents {{ worker_connections 4096; }}\n"
            f"http {{\n    include /etc/nginx/mime.types;\n{temp}\n"
            f"    include {folder}/portal.conf;\n}}\n"
        )
        super().__init__(
            [
                shutil.which("nginx") or "/usr/sbin/nginx",
                "-p",
                str(folder),
                "-c",
                str(folder / "nginx.conf"),
                "-e",
                str(folder / "error.log"),
                "-g",
                "daemon off;",
            ],
            os.environ.copy(),
            folder / "nginx.out",
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.alive(), self.error_log()
            if loadkit.request(self.port, "GET", "/healthz", fresh=True, timeout=5)[0] != 599:
                return
            time.sleep(0.2)
        raise AssertionError(f"nginx not answering:\n{self.error_log()}")

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def access(self) -> list[tuple[int, str]]:
        """(status, upstream addresses) of every request so far."""
        path = self.folder / "portal.access.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return [
            (int(m.group(1)), m.group(2))
            for m in re.finditer(r'" (\d{3}) \d+ upstream=(.*?) upstream_status=', text)
        ]


@pytest.fixture
def multinode(request, tmp_path):
    """The environment of the nodes: a copy of the migrated database on the shared PostgreSQL, a
    Redis database with a task queue and cache prefix of this test's own, one shared media
    directory and private media directory; each node gets its own var/ (as on its own machine)."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        pytest.skip(
            "several nodes share PostgreSQL and Redis: this test runs in the PostgreSQL + Redis "
            "run of the suite (DATABASE_URL=postgres://…, REDIS_URL=redis://…), not on SQLite"
        )
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx is not installed (make test-system-deps installs Debian's package)")
    from django.conf import settings

    db_url = request.getfixturevalue("system_db")
    name = f"portal-multinode-{secrets.token_hex(4)}"
    secret_key = secrets.token_urlsafe(50)  # the same on every node: tasks are signed with it
    shared = tmp_path / "shared"
    envs = [
        loadkit.django_env(
            var_dir=tmp_path / f"node{n}",
            database_url=db_url,
            redis_url=settings.REDIS_URL,  # the suite's (per pytest-xdist worker)
            settings="tests.system.multinode_settings",
            extra={
                "MEDIA_ROOT": str(shared / "media"),
                "PRIVATE_MEDIA_ROOT": str(shared / "private"),
                "SECRET_KEY": secret_key,
                "MULTINODE_Q_NAME": name,
                "CACHE_KEY_PREFIX": name,
                "QHOOK_DIR": str(tmp_path / f"running{n}"),
                "USE_X_FORWARDED_FOR": "1",
            },
        )
        for n in (1, 2)
    ]
    for n in (1, 2):
        (tmp_path / f"running{n}").mkdir()
    (shared / "media").mkdir(parents=True)
    yield envs, name
    import redis

    with contextlib.suppress(redis.RedisError):
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(f"*{name}*"):
            client.delete(key)


class Client(threading.Thread):
    """One worker: starts the exam, saves an answer every INTERVAL s (rising seq) until told to
    stop, submits, then waits for the certificate's PDF and downloads it — all through nginx, with
    a fresh connection per request. A request that gets no usable answer (502/503/504, or none at
    all) is repeated; `retries` counts the repeats of each request."""

    def __init__(self, index: int, key: str, port: int, paper: int, shared: Run):
        super().__init__(daemon=True)
        self.index, self.key, self.port, self.paper, self.shared = index, key, port, paper, shared
        self.rng = random.Random(index)
        self.retries: Counter = Counter()  # repeats needed per request (0 = first try answered)
        self.failures: list = []  # (status, method, path) of every try that was repeated
        self.error: str | None = None
        self.attempt = None
        self.acked: dict = {}
        self.pdf: tuple[str, str] | None = None  # (serial, sha256 of the downloaded PDF)

    def call(self, method, path, body=None, ok=(200,)):
        for tries in range(30):
            status, payload, _took = loadkit.request(
                self.port, method, path, self.key, body, fresh=True, timeout=30
            )
            if status in ok:
                self.retries[tries] += 1
                return status, payload
            if status not in RETRYABLE:
                raise AssertionError(f"{method} {path}: {status} {payload[:300]!r}")
            self.failures.append((status, method, path))
            time.sleep(0.5)
        raise AssertionError(f"{method} {path}: no answer after 30 tries")

    def run(self):
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = f"worker {self.index}: {exc}"

    def _run(self):
        time.sleep(self.rng.uniform(0, ARRIVAL))
        _status, body = self.call("POST", f"/api/v1/exams/{self.paper}/attempts", ok=(200, 201))
        self.attempt = json.loads(body)
        questions = self.attempt["questions"]
        seq = 0
        while not self.shared.stop_saving.is_set():
            seq += 1
            question = questions[self.rng.randrange(len(questions))]
            answer = [self.rng.choice(question["options"])["key"]]
            path = loadkit.save_path(self.attempt["id"], question["id"])
            _status, body = self.call("PUT", path, {"response": answer, "seq": seq})
            saved = json.loads(body)
            self.acked[(self.attempt["id"], question["id"])] = (saved["seq"], saved["response"])
            self.shared.saved()
            self.shared.stop_saving.wait(INTERVAL * self.rng.uniform(0.7, 1.3))
        _status, body = self.call("POST", f"/api/v1/attempts/{self.attempt['id']}/submit")
        assert json.loads(body)["state"] == "finished", body[:300]
        deadline = time.monotonic() + 240
        while True:
            _status, body = self.call("GET", "/api/v1/certificates/")
            ready = [c for c in json.loads(body) if c["pdf_ready"]]
            if ready:
                break
            assert time.monotonic() < deadline, "no certificate PDF after 240 s"
            time.sleep(3)
        _status, pdf = self.call("GET", ready[0]["pdf_url"])
        assert pdf[:5] == b"%PDF-", pdf[:40]
        self.pdf = (ready[0]["serial"], hashlib.sha256(pdf).hexdigest())


class Run:
    def __init__(self):
        self.saves = 0
        self.lock = threading.Lock()
        self.stop_saving = threading.Event()

    def saved(self):
        with self.lock:
            self.saves += 1

    def wait_for_saves(self, more: int, clients, timeout: float = 300) -> None:
        target = self.saves + more
        deadline = time.monotonic() + timeout
        while self.saves < target:
            errors = [c.error for c in clients if c.error]
            assert not errors, errors[:5]
            assert time.monotonic() < deadline, f"only {self.saves} of {target} saves acknowledged"
            time.sleep(0.1)


def _render_running(markers: Path) -> int | None:
    """The pid of a worker of that cluster that is inside a certificate render, if any."""
    for marker in markers.iterdir():
        with contextlib.suppress(FileNotFoundError, ValueError):
            if RENDER in marker.read_text():
                return int(marker.name)
    return None


def _shell(env: dict, code: str) -> str:
    return loadkit.run_django(env, "manage.py", "shell", "-c", code).strip().splitlines()[-1]


CERTIFICATES = """
import json
from certificates.models import Certificate
from exams.models import Attempt
rows = {a: [] for a in Attempt.objects.filter(paper_id=%d).values_list("pk", flat=True)}
for source, pdf, serial, status in Certificate.objects.values_list(
        "source_object_id", "pdf", "serial", "status"):
    rows.setdefault(source, []).append([pdf, serial, status])
print(json.dumps(rows))
"""
# The 10-minute schedule (certificates.tasks.requeue_stalled_renders), run as it would run once
# the lost renders are older than stalled_render_age().
REQUEUE = """
from django.utils import timezone
from certificates import services
print(services.requeue_stalled_renders(
    now=timezone.now() + services.stalled_render_age(), limit=10_000))
"""


def test_two_web_nodes_and_two_clusters_survive_kill_9_during_an_exam(multinode, tmp_path):
    import redis
    from django.conf import settings
    from pypdf import PdfReader

    envs, name = multinode
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    data = json.loads(loadkit.run_django(envs[0], "seed", "--people", str(PEOPLE), "--certificate"))
    paper, keys = data["paper"], data["keys"]
    media = Path(envs[0]["MEDIA_ROOT"])
    static = tmp_path / "static"
    static.mkdir()
    (static / "multinode.css").write_text("body{}")
    (media / "images").mkdir()
    (media / "images" / "rendition.txt").write_text("public")
    (media / "certificates").mkdir()
    (media / "certificates" / "guess.pdf").write_text("private")
    queue = redis.Redis.from_url(settings.REDIS_URL)
    queue_key = f"django_q:{name}:q"

    logs = tmp_path / "logs"
    logs.mkdir()
    processes: list[loadkit.ProcessGroup] = []  # each stopped at the end, whatever happens
    web: list[loadkit.Gunicorn] = []
    clusters: list[loadkit.QCluster] = []
    clients: list[Client] = []
    run = Run()
    try:
        for n in (0, 1):
            web.append(
                loadkit.Gunicorn(envs[n], workers=2, threads=4, log=logs / f"web{n + 1}.log")
            )
            processes.append(web[-1])
            clusters.append(loadkit.QCluster(envs[n], log=logs / f"cluster{n + 1}.log", nice=10))
            processes.append(clusters[-1])
        nginx = Nginx(tmp_path / "nginx", [w.port for w in web], media, static)
        processes.append(nginx)
        for node in web:
            node.wait_ready()
        nginx.wait_ready()
        # what nginx serves itself, and what it must not
        assert loadkit.request(nginx.port, "GET", "/static/multinode.css", fresh=True)[:2] == (
            200,
            b"body{}",
        )
        assert loadkit.request(nginx.port, "GET", "/media/images/rendition.txt", fresh=True)[
            :2
        ] == (200, b"public")
        status = loadkit.request(nginx.port, "GET", "/media/certificates/guess.pdf", fresh=True)[0]
        assert status == 404

        clients = [Client(i, k, nginx.port, paper, run) for i, k in enumerate(keys)]
        for client in clients:
            client.start()
        run.wait_for_saves(SAVES, clients)

        # web node A: kill -9, master and workers, in the middle of the saves
        os.killpg(web[0].pid, signal.SIGKILL)
        web[0].proc.wait(timeout=10)
        killed_at = len(nginx.access())
        run.wait_for_saves(SAVES, clients)  # B alone
        # the new A takes connections (its listen queue) as soon as it binds, before it is ready
        restarting_at = len(nginx.access())
        web[0] = loadkit.Gunicorn(
            envs[0], port=web[0].port, workers=2, threads=4, log=logs / "web1-restarted.log"
        )
        processes.append(web[0])
        web[0].wait_ready()
        restarted_at = len(nginx.access())
        run.wait_for_saves(SAVES, clients)
        deadline = time.monotonic() + 60
        a = f"127.0.0.1:{web[0].port}"
        while not any(u == a and s == 200 for s, u in nginx.access()[restarted_at:]):
            assert time.monotonic() < deadline, "nginx did not take node A back"
            run.wait_for_saves(10, clients)

        # submit: every submit issues a certificate; cluster A is killed inside a render
        run.stop_saving.set()
        deadline = time.monotonic() + 120
        while (killed := _render_running(Path(envs[0]["QHOOK_DIR"]))) is None:
            assert time.monotonic() < deadline, f"no render in A:\n{clusters[0].log_tail()}"
            time.sleep(0.01)
        os.killpg(clusters[0].pid, signal.SIGKILL)
        clusters[0].proc.wait(timeout=10)
        # B drains the queue; what A held is lost with the Redis broker
        deadline = time.monotonic() + 300
        while queue.llen(queue_key) or _render_running(Path(envs[1]["QHOOK_DIR"])):
            assert time.monotonic() < deadline, clusters[1].log_tail()
            time.sleep(0.5)
        requeued = int(_shell(envs[1], REQUEUE))
        clusters[0] = loadkit.QCluster(envs[0], log=logs / "cluster1-restarted.log", nice=10)
        processes.append(clusters[0])

        for client in clients:
            client.join(timeout=300)
        assert not any(c.is_alive() for c in clients), "clients still waiting after 300 s"
        assert all(p.alive() for p in (web[0], web[1], clusters[1], nginx))
        access = nginx.access()
    finally:
        run.stop_saving.set()
        for process in reversed(processes):
            process.stop()

    errors = [c.error for c in clients if c.error]
    assert not errors, errors[:10]
    # the processes that were not killed logged no error (e.g. a task signed with another key)
    for log in ("web2", "web1-restarted", "cluster2", "cluster1-restarted"):
        text = (logs / f"{log}.log").read_text(errors="replace")
        assert "Traceback" not in text, f"{log}:\n{text[-3000:]}"
    retries = sum((c.retries for c in clients), Counter())
    # no request of any client needed more than one retry
    assert set(retries) <= {0, 1}, (retries, [f for c in clients for f in c.failures][:20])
    # every acknowledged answer is in the database
    acked = {k: v for c in clients for k, v in c.acked.items()}
    assert assert_acknowledged_saves_stored(envs[0], acked) == len(acked) >= PEOPLE

    # nginx: A answered before its kill and after its restart; during the outage B alone did
    a, b = (f"127.0.0.1:{node.port}" for node in web)
    served = Counter(u.split(", ")[-1] for _s, u in access)
    assert served[a], served
    assert served[b], served
    assert not any(u == a for _s, u in access[killed_at + 20 : restarting_at]), "A was dead"
    assert any(u == a and s == 200 for s, u in access[restarted_at:])
    assert not [s for s, _u in access if s >= 500 and s != 503], Counter(s for s, _u in access)

    # every attempt: exactly one certificate, valid, with one PDF on the shared media directory,
    # the same bytes its holder downloaded through nginx
    certificates = json.loads(_shell(envs[1], CERTIFICATES % paper))
    assert len(certificates) == PEOPLE
    assert all(len(rows) == 1 for rows in certificates.values()), certificates
    downloaded = dict(c.pdf for c in clients)
    files = sorted((media / "certificates").rglob("*.pdf"))
    assert len(files) == PEOPLE + 1  # + guess.pdf: no render left a second file
    for [(pdf, serial, status)] in certificates.values():
        assert status == "valid"
        assert pdf
        data = (media / pdf).read_bytes()
        assert hashlib.sha256(data).hexdigest() == downloaded[serial]
        reader = PdfReader(io.BytesIO(data))
        assert serial in "".join(page.extract_text() or "" for page in reader.pages)
    print(
        f"\n{PEOPLE} workers, {len(acked)} answers kept, {sum(retries.values())} requests "
        f"({retries[1]} retried once), {len(access)} through nginx "
        f"(A {served[a]}, B {served[b]}, retried by nginx "
        f"{sum(', ' in u for _s, u in access)}), cluster worker {killed} killed mid-render, "
        f"{requeued} render(s) queued again"
    )
