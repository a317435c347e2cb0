"""Helpers shared by the system tests: seeding a throwaway database, starting attempts over HTTP,
saving in bursts and checking that every acknowledged save is stored."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import loadkit  # noqa: E402  (bench/loadkit.py: processes, throwaway databases, the HTTP client)


def seed(env: dict, people: int) -> tuple[int, list[str]]:
    data = json.loads(loadkit.run_django(env, "seed", "--people", str(people)))
    return data["paper"], data["keys"]


def start_attempts(port: int, paper: int, keys: list[str]) -> list[tuple[str, int, list[dict]]]:
    """Starts the exam for every key; returns (key, attempt id, questions)."""
    out = []
    for key in keys:
        status, body, _took = loadkit.request(port, "POST", f"/api/v1/exams/{paper}/attempts", key)
        assert status == 201, body[:500]
        data = json.loads(body)
        out.append((key, data["id"], data["questions"]))
    return out


def assert_acknowledged_saves_stored(env: dict, acked: dict) -> int:
    """acked: {(attempt, question): (seq, response)} acknowledged by the server. Every one must be
    in the database: its seq or a later one, and the same response when the seq is the same."""
    attempts = sorted({a for a, _q in acked})
    saved = json.loads(loadkit.run_django(env, "answers", *map(str, attempts)))
    missing = []
    for (attempt, question), (seq, response) in acked.items():
        held_seq, held_response = saved[str(attempt)][str(question)]
        if held_seq < seq or (held_seq == seq and held_response != response):
            missing.append((attempt, question, seq, response, held_seq, held_response))
    assert not missing, f"acknowledged saves not in the database: {missing[:10]}"
    return len(acked)


class Saver:
    """Client threads that save answers with a rising seq (one thread per attempt, keep-alive
    connections), retry each save until it is acknowledged (HTTP 200) and remember what was
    acknowledged and every refusal they met."""

    def __init__(self, port: int, attempts, *, pause: float = 0.02, retry_pause: float = 0.2):
        self.port, self.attempts = port, attempts
        self.pause, self.retry_pause = pause, retry_pause
        self.acked: dict = {}
        self.failures: list[tuple[int, str, bytes, str | None]] = []
        self.saves = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(a,), daemon=True) for a in attempts
        ]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self, timeout: float = 60) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "a client is still retrying"

    def _run(self, attempt) -> None:
        key, attempt_id, questions = attempt
        seq = 0
        give_up = None
        while not self.stop.is_set():
            seq += 1
            question = questions[seq % len(questions)]
            response = [question["options"][seq % len(question["options"])]["key"]]
            path = loadkit.save_path(attempt_id, question["id"])
            while True:  # until acknowledged; after stop(), for at most 45 s more
                status, body, _took = loadkit.request(
                    self.port, "PUT", path, key, {"response": response, "seq": seq}, timeout=20
                )
                if status == 200:
                    data = json.loads(body)
                    with self.lock:
                        self.saves += 1
                        self.acked[(attempt_id, question["id"])] = (data["seq"], data["response"])
                    break
                with self.lock:
                    self.failures.append((status, path, body[:300], None))
                if self.stop.is_set():
                    give_up = give_up or time.monotonic() + 45
                    if time.monotonic() > give_up:
                        return
                time.sleep(self.retry_pause)
            time.sleep(self.pause)
