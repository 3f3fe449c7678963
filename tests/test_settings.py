"""Settings come from the environment and fail loudly on bad values; production is clean."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kanagawa_ict.env import env_bool, env_int


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="kanagawa_ict.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x7Gk2pQ9" * 6,
        DJANGO_ALLOWED_HOSTS="ict.example.jp",
    )
    assert result.returncode == 0, result.stdout + result.stderr


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "kanagawa_ict.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x7Gk2pQ9" * 6,
}


def test_production_settings_do_not_install_the_benchmarks():
    result = run_manage("benchmark", "--help", **PRODUCTION)
    assert result.returncode != 0
    assert "Unknown command: 'benchmark'" in result.stderr


def test_the_benchmarks_are_installed_on_request_to_time_the_production_settings():
    result = run_manage("benchmark", "--help", **PRODUCTION, DJANGO_BENCHMARKS="1")
    assert result.returncode == 0, result.stderr
    assert "--sizes" in result.stdout


def test_production_without_a_secret_key_refuses_to_start():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="kanagawa_ict.settings", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("raw", ["maybe", "2"])
def test_a_bad_boolean_fails_loudly(monkeypatch, raw):
    monkeypatch.setenv("SOME_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG")


def test_a_bad_integer_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)


def test_language_and_time_zone():
    assert (settings.LANGUAGE_CODE, settings.TIME_ZONE) == ("ja", "Asia/Tokyo")


TWO_WRITERS = """
import threading
import django
django.setup()
from django.db import connection, transaction

connection.cursor().execute("CREATE TABLE counter (n INTEGER)")
connection.cursor().execute("INSERT INTO counter VALUES (0)")
connection.close()
both_read = threading.Barrier(2, timeout=1)
failures = []

def save():
    try:
        with transaction.atomic():
            n = connection.cursor().execute("SELECT n FROM counter").fetchone()[0]
            try:
                both_read.wait()  # deferred: both have read; immediate: the other waits to begin
            except threading.BrokenBarrierError:
                pass
            connection.cursor().execute("UPDATE counter SET n = %s", [n + 1])
    except Exception as error:
        failures.append(repr(error))
    finally:
        connection.close()

writers = [threading.Thread(target=save) for _ in range(2)]
for writer in writers:
    writer.start()
for writer in writers:
    writer.join(30)
print(failures, connection.cursor().execute("SELECT n FROM counter").fetchone()[0])
"""


def test_two_writers_on_the_embedded_database_wait_for_each_other_instead_of_failing(tmp_path):
    """runserver serves each request in its own thread. With SQLite's default (deferred)
    transactions, two saves that have both read and then both write deadlock, and one fails
    with "database is locked" (a clerk's save lost to a 500); begun IMMEDIATE, the second
    waits for the first. Run with the project's settings on a scratch SQLite file."""
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    clean.update(
        DJANGO_SETTINGS_MODULE="kanagawa_ict.settings_test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'two-writers.sqlite3'}",
    )
    done = subprocess.run(
        [sys.executable, "-c", TWO_WRITERS],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "2"]  # no failure, and neither update lost


def _cache_backend(**env: str) -> subprocess.CompletedProcess:
    return run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        DJANGO_SETTINGS_MODULE="kanagawa_ict.settings",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x7Gk2pQ9" * 6,
        **env,
    )


def test_the_cache_is_local_memory_unless_a_redis_url_is_given():
    clean = {k: "" for k in ("CACHE_URL", "REDIS_URL")}
    assert _cache_backend(**clean).stdout.splitlines()[-1] == "django.core.cache.backends.locmem.LocMemCache"
    for name in ("CACHE_URL", "REDIS_URL"):
        shared = _cache_backend(**{**clean, name: "redis://127.0.0.1:6379/1"})
        assert shared.stdout.splitlines()[-1] == "django.core.cache.backends.redis.RedisCache", shared.stderr


def test_a_cache_url_that_is_not_redis_fails_loudly():
    result = _cache_backend(CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0
    assert "is not a Redis URL" in result.stderr
