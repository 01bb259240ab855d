"""Settings come from the environment and refuse unsafe values loudly."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def load_settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import monitor.settings as s; print(s.DATABASES['default']['ENGINE'])"],
        cwd=ROOT,
        env={**base, "ENV_FILE": "", **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_real_secret(tmp_path):
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_key():
    result = load_settings(DEBUG="false", SECRET_KEY="django-insecure-" + "x" * 40)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_debug_accepts_only_true_or_false():
    result = load_settings(DEBUG="yes please")
    assert result.returncode != 0 and "DEBUG must be 'true' or 'false'" in result.stderr


def test_sqlite_by_default_and_postgres_from_database_url():
    secret = "s" * 50
    assert load_settings(DEBUG="false", SECRET_KEY=secret).stdout.strip() == "django.db.backends.sqlite3"
    pg = load_settings(DEBUG="false", SECRET_KEY=secret, DATABASE_URL="postgres://u:p@localhost:5432/gcm")
    assert pg.stdout.strip() == "django.db.backends.postgresql"


def test_postgresql_plans_cursors_for_every_row():
    """Server-side cursors (exports, open data, reports) are read to the end: planned for all rows.
    No JIT compilation: it cost 0.2-0.5 s a statement, more than it saved (docs/benchmarks.md)."""
    code = "import monitor.settings as s; print(s.DATABASES['default']['OPTIONS']['options'])"
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")}
    url = "postgres://u:p@localhost:5432/gcm?sslmode=require"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "ENV_FILE": "", "DEBUG": "false", "SECRET_KEY": "s" * 50, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "-c cursor_tuple_fraction=1 -c jit=off", result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    import re

    settings_src = (ROOT / "monitor" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_src)) | set(
        re.findall(r'envbool\("([A-Z_]+)"', settings_src)
    )
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "the pattern found no variables"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_a_copied_env_example_with_empty_values_uses_the_defaults(tmp_path):
    example = (ROOT / ".env.example").read_text()
    env_file = tmp_path / "env"
    env_file.write_text(example.replace("DEBUG=false", "DEBUG=true"))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import monitor.settings as s; print(s.DATABASES['default']['ENGINE'], s.MEDIA_ROOT, s.CELERY_BROKER_URL)",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "SECRET_KEY")}
        | {"ENV_FILE": str(env_file)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    engine, media, broker = result.stdout.split()
    assert engine == "django.db.backends.sqlite3" and media.endswith("var/media") and broker.startswith("redis://")
