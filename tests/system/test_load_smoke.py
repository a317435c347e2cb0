"""The CI smoke of bench/load_exam.py: 30 simulated workers against gunicorn (2 workers × 4 threads)
on a throwaway copy of the suite's database engine arrive within 3 s, start the exam, save an answer
about every second (rising seq) for 6 rounds and submit. Zero errors, every acknowledged save in the
database, all within a minute."""

from __future__ import annotations

import json
import random
import threading
import time

import loadkit

from tests.system.support import assert_acknowledged_saves_stored, seed

PEOPLE, ROUNDS, ARRIVAL, INTERVAL = 30, 6, 3.0, 1.0


def test_thirty_workers_take_the_exam_with_zero_errors(system_env, tmp_path):
    paper, keys = seed(system_env, PEOPLE)
    server = loadkit.Gunicorn(system_env, workers=2, threads=4, log=tmp_path / "gunicorn.log")
    errors, acked, submitted, lock = [], {}, [], threading.Lock()

    def person(index: int, key: str, begin: float) -> None:
        rng = random.Random(index)
        time.sleep(max(0.0, begin + rng.uniform(0, ARRIVAL) - time.monotonic()))
        arrived = time.monotonic()

        def call(method, path, body=None, ok=(200,)):
            status, payload, _took = loadkit.request(
                server.port, method, path, key, body, fresh=True, timeout=30
            )
            if status not in ok:
                with lock:
                    errors.append((method, path, status, payload[:300]))
                return None
            return json.loads(payload)

        attempt = call("POST", f"/api/v1/exams/{paper}/attempts", ok=(201,))
        if attempt is None:
            return
        questions = attempt["questions"]
        for seq in range(1, ROUNDS + 1):
            time.sleep(max(0.0, arrived + seq * INTERVAL - time.monotonic()))
            question = questions[rng.randrange(len(questions))]
            answer = [rng.choice(question["options"])["key"]]
            path = loadkit.save_path(attempt["id"], question["id"])
            saved = call("PUT", path, {"response": answer, "seq": seq})
            if saved is not None:
                with lock:
                    acked[(attempt["id"], question["id"])] = (saved["seq"], saved["response"])
        result = call("POST", f"/api/v1/attempts/{attempt['id']}/submit")
        if result is not None:
            with lock:
                submitted.append(result["state"])

    started = time.monotonic()
    try:
        server.wait_ready()
        begin = time.monotonic() + 0.5
        threads = [
            threading.Thread(target=person, args=(i, k, begin), daemon=True)
            for i, k in enumerate(keys)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(0.1, started + 50 - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "clients still running after 50 s"
    finally:
        server.stop()
    assert errors == []
    assert len(submitted) == PEOPLE
    assert set(submitted) == {"finished"}
    assert assert_acknowledged_saves_stored(system_env, acked) == len(acked) > PEOPLE * ROUNDS // 2
    assert time.monotonic() - started < 60
