"""Settings come from the environment and bad values stop the start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, database_url, env_bool, env_choice, env_int, env_list, env_url

ROOT = Path(__file__).resolve().parents[2]


def test_booleans():
    assert env_bool("X", environ={"X": "true"}) is True
    assert env_bool("X", environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True
    with pytest.raises(ImproperlyConfigured, match="X must be a boolean"):
        env_bool("X", environ={"X": "maybe"})


def test_integers_with_bounds():
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": "7"}) == 7
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("N", 5, environ={"N": "seven"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})


def test_lists_and_choices():
    assert env_list("H", ["a"], environ={"H": "x.org, y.org,"}) == ["x.org", "y.org"]
    assert env_choice("B", ("postgres", "elasticsearch"), "postgres", environ={}) == "postgres"
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        env_choice("B", ("postgres", "elasticsearch"), "postgres", environ={"B": "solr"})


def test_urls():
    assert env_url("U", ("redis",), environ={"U": "redis://127.0.0.1:6379/0"}).startswith("redis://")
    with pytest.raises(ImproperlyConfigured, match="must start with"):
        env_url("U", ("redis",), environ={"U": "http://x"})
    with pytest.raises(ImproperlyConfigured, match="names no host"):
        env_url("U", ("http",), environ={"U": "http://"})


def test_database_url_with_socket_directory():
    db = database_from_url("postgresql://postgres:@/unioncat?host=/tmp/pgdata")
    assert db["HOST"] == "/tmp/pgdata" and db["NAME"] == "unioncat" and db["USER"] == "postgres"
    db = database_from_url("postgres://u:p%40ss@db.example:6543/cat")
    assert (db["HOST"], db["PORT"], db["PASSWORD"], db["NAME"]) == ("db.example", "6543", "p@ss", "cat")


@pytest.mark.parametrize(
    "entry",
    [
        # The embedded server: HOST is the directory of its unix socket.
        {"USER": "postgres", "PASSWORD": "", "HOST": "/srv/uni cat/var/pgdata", "PORT": "", "NAME": "test_unioncat"},
        {"USER": "postgres", "PASSWORD": "", "HOST": "/run/pg", "PORT": "5433", "NAME": "cat"},
        {"USER": "lib@rian", "PASSWORD": "p@ss:/?#&=w", "HOST": "db.example", "PORT": "6543", "NAME": "cat"},
        {"USER": "u", "PASSWORD": "", "HOST": "::1", "PORT": 5432, "NAME": "cat"},
        {"USER": "u", "PASSWORD": "", "HOST": "", "PORT": "", "NAME": "cat"},
    ],
)
def test_a_database_entry_survives_the_trip_through_a_url(entry):
    url = database_url(entry)
    assert env_url("DATABASE_URL", ("postgres", "postgresql"), environ={"DATABASE_URL": url}) == url
    back = database_from_url(url)
    assert {key: back[key] for key in entry} == {**entry, "PORT": str(entry["PORT"])}


def test_a_socket_directory_is_not_taken_for_a_host_name():
    url = database_url({"USER": "postgres", "HOST": "/tmp/pgdata", "PORT": "", "NAME": "unioncat"})
    assert url == "postgresql://postgres@/unioncat?host=/tmp/pgdata"


def _start(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "UNIONCAT_TESTING", "UNIONCAT_DEMO", "UNIONCAT_DEV"}}
    env.update({"DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/x"), **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); "
         "from django.conf import settings; settings.INSTALLED_APPS"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
        ({"SECRET_KEY": "x" * 40, "DEBUG": "perhaps"}, "DEBUG must be a boolean"),
        ({"SECRET_KEY": "x" * 40, "DATABASE_URL": "mysql://h/db"}, "DATABASE_URL must start with"),
        ({"SECRET_KEY": "x" * 40, "CELERY_BROKER_URL": "kafka://h"}, "CELERY_BROKER_URL must start with"),
        ({"SECRET_KEY": "x" * 40, "SEARCH_BACKEND": "solr"}, "SEARCH_BACKEND must be one of"),
        ({"SECRET_KEY": "x" * 40, "SEARCH_BACKEND": "elasticsearch"}, "needs ELASTICSEARCH_URL"),
        ({"SECRET_KEY": "x" * 40, "IMPORT_MAX_UPLOAD_MB": "0"}, "IMPORT_MAX_UPLOAD_MB must be at least 1"),
    ],
)
def test_bad_settings_stop_the_start_up(overrides, message):
    result = _start(overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_settings_start():
    result = _start({"SECRET_KEY": "x" * 40, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"})
    assert result.returncode == 0, result.stderr


def test_no_broker_means_tasks_run_in_process(settings):
    from django.conf import settings as live

    assert live.CELERY_TASK_ALWAYS_EAGER is (live.CELERY_BROKER_URL.startswith("memory://"))


def test_the_console_script_names_the_bad_setting():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "UNIONCAT_DEV", "UNIONCAT_TESTING"}}
    result = subprocess.run(
        [sys.executable, "-c", "from config.cli import main; main(['unioncat', 'check'])"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "configuration error: SECRET_KEY must be set" in result.stderr


def test_manage_py_in_a_checkout_runs_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "UNIONCAT_DEV", "UNIONCAT_TESTING"}}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("host", "backend"), [("", "console.EmailBackend"), ("mail.school.example", "smtp.EmailBackend")])
def test_mail_goes_to_the_log_without_a_mail_server(host, backend):
    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_HOST"}}
    env.update({"DEBUG": "true", "EMAIL_HOST": host,
                "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/x")})
    result = subprocess.run(
        [sys.executable, "-c", "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); "
         "from django.conf import settings; print(settings.EMAIL_BACKEND)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith(backend), result.stderr
