from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_choice, env_int

ROOT = Path(__file__).resolve().parents[2]


def test_a_bad_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG")


def test_a_bad_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("Q_WORKERS", "two")
    with pytest.raises(ImproperlyConfigured, match="Q_WORKERS"):
        env_int("Q_WORKERS", 2)


def test_a_bad_choice_names_the_variable(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "staging")
    with pytest.raises(ImproperlyConfigured, match="PORTAL_ENV"):
        env_choice("PORTAL_ENV", ("development", "production"), "development")


def _manage(*args, **env):
    # The subprocess gets this machine's environment less what the test must control, and less
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the browser tests set for their own process.
    dropped = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_profile_passes_check_deploy_without_warnings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PORTAL_ENV="production",
        SECRET_KEY="x7Gq2LmP9vR4sT8wY1zA3bC6dE0fH5jK" * 2,
        ALLOWED_HOSTS="portal.example.cn",
        PORTAL_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage(
        "check", PORTAL_ENV="production", ALLOWED_HOSTS="x", PORTAL_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_retry_is_longer_than_the_task_timeout(settings):
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]
    assert settings.Q_CLUSTER["max_attempts"] >= 1
    assert settings.Q_CLUSTER["recycle"] > 0


@pytest.mark.parametrize(
    ("worker", "url", "expected"),
    [
        ("", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15"),
        ("gw0", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15"),
        ("gw1", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/0"),
        ("gw3", "redis://127.0.0.1:6379", "redis://127.0.0.1:6379/3"),
        ("gw1", "", ""),
    ],
)
def test_each_xdist_worker_has_its_own_redis_database(monkeypatch, worker, url, expected):
    from portal.env import redis_url_per_test_worker

    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    assert redis_url_per_test_worker(url) == expected
