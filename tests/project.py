"""The project's own code, found rather than listed, so a new top-level app falls under every scan."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def project_packages() -> tuple[str, ...]:
    """Names of the project's top-level packages (portal, cms, dashboard, the domain apps), not
    tests or bench."""
    return tuple(
        sorted(
            top.name
            for top in ROOT.iterdir()
            if top.is_dir()
            and not top.is_symlink()
            and (top / "__init__.py").exists()
            and top.name not in {"tests", "bench"}
        )
    )


def project_sources() -> list[Path]:
    """The project's Python files, without tests, benchmarks, migrations and the virtualenv."""
    return sorted(
        path
        for name in project_packages()
        for path in (ROOT / name).rglob("*.py")
        if "migrations" not in path.parts
    )
