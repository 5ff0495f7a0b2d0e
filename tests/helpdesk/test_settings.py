import json
import os
import subprocess
import sys

import pytest

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/helpdesk"


def database_options(**environ: str) -> dict:
    """The default database's OPTIONS as the settings module builds them from `environ`."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_STATEMENT_TIMEOUT"}
    env.update(environ)
    code = (
        "import json, helpdesk.settings as s; "
        "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "-c statement_timeout=20s -c lock_timeout=5s -c jit=off"),
        (
            {"DATABASE_STATEMENT_TIMEOUT": "5s", "DATABASE_LOCK_TIMEOUT": "1s"},
            "-c statement_timeout=5s -c lock_timeout=1s -c jit=off",
        ),
        (
            {"DATABASE_STATEMENT_TIMEOUT": "0"},
            "-c statement_timeout=0 -c lock_timeout=5s -c jit=off",
        ),
    ],
)
def test_postgresql_statements_have_a_time_limit(environ, expected):
    assert database_options(DATABASE_URL=POSTGRES_URL, **environ)["options"] == expected


def test_sqlite_has_no_statement_time_limit():
    options = database_options(DATABASE_URL="sqlite:///demo.sqlite3")
    assert "options" not in options
    assert options["transaction_mode"] == "IMMEDIATE"


def test_the_health_checks_are_exempt_from_the_https_redirect():
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_STATEMENT_TIMEOUT"}
    env.update(DEBUG="false", SECRET_KEY="k" * 60, ALLOWED_HOSTS="help.example.com")
    code = "import json, helpdesk.settings as s; print(json.dumps(s.SECURE_REDIRECT_EXEMPT))"
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    exempt = json.loads(result.stdout)
    assert {"^healthz$", "^readyz$"} <= set(exempt)
