"""docs/figures.md, written from the figure catalogue (`portal.figures.FIGURES`).

    python manage.py figures_doc [--check]

A test (tests/dashboard/test_one_definition.py) fails when the file and the catalogue differ, so a
figure added to a statistics function without its doc line — or a doc line without its function —
does not pass.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import translation

from portal.figures import FIGURES

INTRO = """# Figures: one definition each

Every number the product shows that a supervisor may report upward. Each is computed by exactly
one function (the **function** column), declared with `@portal.figures.computes(...)` in an app's
`statistics.py` (or, for the public site's figures, in `cms`); every surface — the dashboard, the
compliance pages, the annual report (PDF, xlsx, JSON), the API, the home and campaign live
figures, the xlsx exports — calls that function with a `portal.scoping.Scope` and a
`portal.periods.Period`. `tests/dashboard/test_one_definition.py` renders each surface for a
district, a street and an enterprise over two periods, records the catalogued calls, and checks
that the surface shows what the function computed and that every surface agrees.

The dashboard and the annual report keep what these functions returned as a snapshot
(`portal.snapshots`) and show it again while the data version is unchanged: database triggers
move the version with every committed write to a table a figure may read, so a snapshot is
never older than the data it shows (`tests/dashboard/test_snapshots.py` checks it against the
live figures after every kind of change, and that every table the figures read is watched).
Within a computation, each function's result is kept as a part with the versions of the tables
it read, and served again while those tables are unchanged: still that function's result.

This file is generated from the catalogue: `python manage.py figures_doc > docs/figures.md`
(a test fails when the two differ).
"""


def render() -> str:
    with translation.override("zh-hans"):
        by_function: dict[str, list] = defaultdict(list)
        for figure in FIGURES.values():
            by_function[figure.function].append(figure)
        lines = [INTRO]
        for function in sorted(by_function):
            lines.append(f"\n## `{function}`\n")
            lines.append("| key | 名称 | 单位 | 定义 | 数据来源 | 可查看人员 | 出现位置 |")
            lines.append("|---|---|---|---|---|---|---|")
            for f in sorted(by_function[function], key=lambda f: f.key):
                surfaces = "；".join(str(s) for s in f.surfaces)
                cells = [
                    f"`{f.key}`",
                    str(f.label),
                    str(f.unit),
                    str(f.definition),
                    str(f.source),
                    str(f.audience),
                    surfaces,
                ]
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines) + "\n"
