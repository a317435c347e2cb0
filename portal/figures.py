"""The figure catalogue: every number the product shows, each computed by exactly one function.

A figure is one quantity a supervisor may send upward (培训人次, 学时达标率, 演练场次 …). Its
definition lives in one function of an app's `statistics.py`, which takes a
`portal.scoping.Scope` and a `portal.periods.Period` (never a user). The function is declared
with `@computes(Figure(...), ...)`: one function may compute several figures at once (one query
per table), each figure names how to pick its value out of the result (`pick`).

    FIGURES: dict[str, Figure]                 key → figure (filled as the statistics modules load)
    @computes(*figures)                        declare the function that computes these figures
    recording() -> Recording                   record every catalogued call made inside the block
    Recording.values(key) -> list              the values of one figure computed in the block

`docs/figures.md` lists the same figures (a test keeps the two equal), and the every-surface test
(tests/dashboard/test_one_definition.py) renders each page, export, report and API endpoint that
shows a figure while recording, then checks that what the surface shows is what the function
computed — a surface that computes a catalogued figure itself shows a number never recorded and
fails.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from portal import snapshots


def percentage(part, whole) -> Decimal | None:
    """A rate in % with one decimal (学时达标率, 考试通过率 …); None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Figure:
    key: str  # "training.person_times"
    label: str  # 培训人次
    unit: str  # 人次
    definition: str
    source: str  # the records it counts
    audience: str  # who may see it
    surfaces: tuple[str, ...]  # where it appears
    pick: Callable[[Any], Any] = field(compare=False, repr=False, default=lambda r: r)
    function: str = ""  # "courses.statistics.training_statistics", set by @computes


FIGURES: dict[str, Figure] = {}
_local = threading.local()


@dataclass
class Call:
    function: str
    args: tuple
    kwargs: dict
    result: Any


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)

    def values(self, key: str) -> list:
        figure = FIGURES[key]
        return [figure.pick(c.result) for c in self.calls if c.function == figure.function]

    def keys(self) -> set[str]:
        called = {c.function for c in self.calls}
        return {key for key, figure in FIGURES.items() if figure.function in called}


def _recordings() -> list[Recording]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def record(function: Callable, args: tuple, kwargs: dict, result: Any) -> None:
    """Record `result` as a call of the catalogued `function`: a function computing the same
    figures for several periods at once (the annual report's two years, through the same code
    as `function`) records each period's result as that one function's."""
    for rec in _recordings():
        rec.calls.append(Call(function.figure_function, args, kwargs, result))


@contextmanager
def recording() -> Iterator[Recording]:
    """Record every call of a catalogued function made inside the block (tests)."""
    rec = Recording()
    _recordings().append(rec)
    try:
        yield rec
    finally:
        _recordings().remove(rec)


def computes(*figures: Figure) -> Callable[[Callable], Callable]:
    """Declare `fn` the one function computing `figures` and add them to the catalogue."""

    def decorate(fn: Callable) -> Callable:
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            # within a figure snapshot's computation, a part kept while its tables are unchanged
            result = snapshots.part(name, args, kwargs, lambda: fn(*args, **kwargs))
            for rec in _recordings():
                rec.calls.append(Call(name, args, kwargs, result))
            return result

        wrapper.figure_function = name
        for figure in figures:
            other = FIGURES.get(figure.key)
            if other is not None and other.function != name:
                raise ValueError(f"figure {figure.key} is computed by {other.function} already")
            FIGURES[figure.key] = replace(figure, function=name)
        return wrapper

    return decorate
