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


# --------------------------------------------------------------------------- scope kinds

ROOT = TESTS.parent
SCOPE_KINDS = {"all", "region", "enterprise", "self", "none"}
SKIPPED_DIRS = {"tests", "migrations", "node_modules", "static", "templates", "locale"}


def _source_modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(p.startswith(".") or p in SKIPPED_DIRS for p in parts[:-1]):
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _kind_literals(node) -> list[str]:
    """The scope-kind string literals of a comparison operand ("region", ("all", "region"))."""
    if isinstance(node, ast.Constant) and node.value in SCOPE_KINDS:
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in SCOPE_KINDS
        ]
    return []


def scope_kind_string_switches(tree) -> list[int]:
    """Lines comparing a `.kind` with a scope kind spelled as a string (`scope.kind == "region"`,
    `target.kind in ("all", "region")`, `match scope.kind: case "self"`) or building a Scope from
    one (`Scope("region", …)`)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Attribute) and o.attr == "kind" for o in operands) and any(
                _kind_literals(o) for o in operands
            ):
                lines.append(node.lineno)
        elif isinstance(node, ast.Match) and isinstance(node.subject, ast.Attribute):
            if node.subject.attr == "kind" and any(
                isinstance(c.pattern, ast.MatchValue) and _kind_literals(c.pattern.value)
                for c in node.cases
            ):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Scope"
            and node.args
            and _kind_literals(node.args[0])
        ):
            lines.append(node.lineno)
    return lines


def test_the_convention_check_sees_string_switches():
    tree = ast.parse(
        'if scope.kind == "region": pass\n'
        'if target.kind in ("all", "enterprise"): pass\n'
        "if scope.is_region or scope.kind == Scope.Kind.ALL: pass\n"
        'if period.kind == "month": pass\n'
        's = Scope("self", person_id=1)\n'
    )
    assert scope_kind_string_switches(tree) == [1, 2, 5]


def test_scope_kinds_are_compared_through_the_enum_outside_scoping():
    """`scope.kind == "region"` by hand was written about a hundred times; rows owned by a region or
    an enterprise are filtered by portal.ownership (owned_q, reach_q, owns), and a genuine per-kind
    branch asks the Scope (scope.is_region, scope.is_supervising …) or compares with Scope.Kind."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path, tree in _source_modules()
        if path.relative_to(ROOT).as_posix() != "portal/scoping.py"
        for line in scope_kind_string_switches(tree)
    ]
    assert not offenders, "use portal.ownership or Scope's properties / Scope.Kind:\n" + "\n".join(
        offenders
    )
