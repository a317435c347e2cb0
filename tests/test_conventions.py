"""How the tests are written, checked like the code: builders live in factories modules (never
imported from a conftest, which pytest loads by itself), and SQL is counted one way, through the
`queries` fixture (tests/queries.py)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _modules():
    for path in sorted(TESTS.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_no_test_module_imports_from_a_conftest():
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("conftest"):
                offenders.append(f"{path.relative_to(TESTS)}: from {node.module} import …")
    assert not offenders, "move the builder to a factories module:\n" + "\n".join(offenders)


def test_conftest_files_hold_fixtures_and_hooks_only():
    offenders = []
    for path, tree in _modules():
        if path.name != "conftest.py":
            continue
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                continue
            decorators = [ast.unparse(d) for d in node.decorator_list]
            if node.name.startswith("pytest_") or any("fixture" in d for d in decorators):
                continue
            if node.name.startswith("_"):  # private machinery of the conftest's own hooks
                continue
            offenders.append(f"{path.relative_to(TESTS)}: {node.name}")
    assert not offenders, "builders belong in a factories module:\n" + "\n".join(offenders)


def test_sql_is_counted_through_the_queries_fixture_only():
    offenders = [
        str(path.relative_to(TESTS))
        for path, tree in _modules()
        if path.name != "queries.py"
        and any(
            isinstance(node, ast.ImportFrom)
            and any(alias.name == "CaptureQueriesContext" for alias in node.names)
            for node in ast.walk(tree)
        )
    ]
    assert not offenders, "use the `queries` fixture (tests/queries.py):\n" + "\n".join(offenders)
