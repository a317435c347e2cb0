"""Spreadsheet bombs against the one .xlsx reader (portal.xlsx.read_rows), issue 13 finding 8.

Builds the bombs of tests/security/xlsx_bombs.py (and an ordinary 200-row roster as the baseline)
into a temporary folder, then reads each file in a fresh Python process (so each peak memory is its
own) and reports how long the reader took to answer and the peak memory it added over the process
before reading (peak RSS, reset after Django's set-up,
minus the RSS then). The baseline is measured in the same run.

    .venv/bin/python bench/xlsx_bomb.py [--repeat 3] [--unprotected]

--unprotected also reads the two bombs of the finding with openpyxl as the importers did before
(read-only mode, stopping at the row limit, no archive checks): expect about a minute and ~600 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["姓名", "身份证号", "手机号", "人员类别"]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _reset_peak() -> None:
    # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS, so the peak
    # measured after reading is the reader's, not Django's set-up.
    Path("/proc/self/clear_refs").write_text("5")


def child(path: str, mode: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from portal import xlsx

    data = Path(path).read_bytes()
    _reset_peak()
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    outcome = "read"
    rows = 0
    if mode == "protected":
        try:
            rows = len(list(xlsx.read_rows(data, HEADER[:2], required=[])))
        except xlsx.SpreadsheetError as exc:
            outcome = str(exc)
    else:
        import io

        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for number, _values in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
            if number > settings.IMPORT_MAX_ROWS:
                outcome = "row limit"
                break
            rows += 1
        workbook.close()
    elapsed = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "extra_mb": (peak - before) / 1024,
                "outcome": outcome,
                "rows": rows,
            }
        )
    )


def _chinese(length: int, *, seed: int) -> str:
    import random

    rng = random.Random(seed)
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(length))


def build(folder: Path) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT))
    from tests.security import xlsx_bombs

    files = {
        "baseline: ordinary roster, 200 rows": xlsx_bombs.rows_file(
            HEADER,
            [
                [f"张{n}", f"33010619900101{n:04d}", f"138{n:08d}", "其他从业人员"]
                for n in range(200)
            ],
        ),
        "finding: 2,000,000 rows": xlsx_bombs.row_bomb(HEADER),
        "finding: one 300 MB shared string": xlsx_bombs.string_bomb(HEADER),
        "300,000 identical rows (12 MB, under the size cap)": xlsx_bombs.row_bomb(
            HEADER, rows=300_000
        ),
        "one 400 KB cell of varied letters": xlsx_bombs.long_text(HEADER),
        "25,000 varied rows (row limit 20,000)": xlsx_bombs.many_rows(HEADER, 25_000),
        "one row at row 1,048,576": xlsx_bombs.far_row(HEADER),
        # Not a bomb: the longest cells Excel allows, which the text scan must pass in linear time.
        "20 cells of 32,767 varied Chinese characters (the Excel maximum)": xlsx_bombs.rows_file(
            HEADER, [[_chinese(32_767, seed=n), "x"] for n in range(20)]
        ),
    }
    paths = {}
    for number, (name, content) in enumerate(files.items()):
        path = folder / f"case{number}.xlsx"
        path.write_bytes(content)
        paths[name] = path
    return paths


def measure(path: Path, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--mode", mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--unprotected", action="store_true")
    parser.add_argument("--child")
    parser.add_argument("--mode", default="protected")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.mode)
        return
    with tempfile.TemporaryDirectory() as folder:
        paths = build(Path(folder))
        cases = [(name, path, "protected") for name, path in paths.items()]
        if args.unprotected:
            cases += [
                (f"{name} — openpyxl as before", path, "unprotected")
                for name, path in paths.items()
                if name.startswith(("baseline", "finding"))
            ]
        baseline = None
        print(
            "| file | packed | unpacked | answer | time (median) | extra peak memory | time vs baseline |"
        )
        print("|---|---|---|---|---|---|---|")
        for name, path, mode in cases:
            once = mode == "unprotected" and name.startswith("finding")  # a minute and 600 MB
            runs = [measure(path, mode) for _ in range(1 if once else args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            extra = max(r["extra_mb"] for r in runs)
            if baseline is None:
                baseline = seconds
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(i.file_size for i in archive.infolist())
            outcome = runs[0]["outcome"]
            if outcome == "read":
                outcome = f"read {runs[0]['rows']} rows"
            print(
                f"| {name} | {path.stat().st_size / 1024:,.0f} KB | {unpacked / 2**20:,.1f} MB "
                f"| {outcome} | {seconds * 1000:,.1f} ms | {extra:,.1f} MB "
                f"| {seconds / baseline:,.2f}× |"
            )


if __name__ == "__main__":
    main()
