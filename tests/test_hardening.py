"""Hardening seen from outside: a frozen redis, the Content-Security-Policy, `check --deploy`."""

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

from django.urls import reverse

from commitments.models import Role
from reporting.models import Report
from tests.conftest import ROOT
from tests.factories import make_user

# --- A frozen redis: accepts connections, never answers --------------------------------------------


@contextmanager
def frozen_server():
    """A TCP server that accepts every connection and never sends a byte (a paused or swapping redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_frozen_redis_does_not_hold_a_report_request(framework, client, settings):
    settings.TASKS_INLINE = False
    client.force_login(make_user(Role.SECRETARIAT))
    assert client.get(reverse("reporting:report_new")).status_code == 200  # imports and URLs loaded: not timed
    with frozen_server() as (port, accepted):
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
        started = time.monotonic()
        response = client.post(reverse("reporting:report_new"), {"kind": "global", "cycle": 3}, follow=True)
        elapsed = time.monotonic() - started
    assert accepted, "the request never reached the frozen server: the test proves nothing"
    assert response.status_code == 200
    assert "it will be compiled when it is back" in response.content.decode()
    assert Report.objects.get().status == Report.Status.QUEUED
    assert elapsed < 2, f"the request waited {elapsed:.1f} s on a redis that never answers"


def test_celery_reads_from_redis_time_out_as_fast_as_connects():
    from monitor.celery import app

    conf = app.conf
    options = conf.broker_transport_options
    assert options["socket_timeout"] <= options["socket_connect_timeout"] <= 2
    assert conf.redis_socket_timeout <= conf.redis_socket_connect_timeout <= 2


# --- manage.py check --deploy with the documented production environment ---------------------------


def test_check_deploy_is_clean_with_the_production_example(tmp_path):
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env = {
        **keep,
        "ENV_FILE": str(ROOT / "deploy" / "env.production.example"),
        "DJANGO_SETTINGS_MODULE": "monitor.settings",
        # The example's placeholders: a real-looking key; the database is not reached by the checks.
        "SECRET_KEY": "k" * 20 + "-production-example-only-" + "k" * 20,
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REPORTS_ROOT": str(tmp_path / "reports"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- Content-Security-Policy on every response --------------------------------------------------------


def test_every_kind_of_response_carries_the_content_security_policy(framework, client):
    for path in ("/", "/evidence/", "/api/v1/objectives/", "/api/v1/schema/", "/api/v1/docs/", "/data/", "/nope/"):
        policy = client.get(path).headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], path
    assert "frame-ancestors 'none'" in client.get("/").headers["Content-Security-Policy"]
    # Swagger UI's start-up script is a file of its own, not inline.
    swagger = client.get("/api/v1/docs/").content.decode()
    assert "<script>" not in swagger and "?script=" in swagger
    redoc = client.get("/api/v1/redoc/").content.decode()
    assert "fonts.googleapis" not in redoc and "<script>" not in redoc


# --- What a new user meets on the command line --------------------------------------------------------


def test_management_commands_print_no_axes_banner():
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    # The development settings, as `make run` uses them (the test settings log warnings only).
    env = {**keep, "ENV_FILE": "", "DJANGO_SETTINGS_MODULE": "monitor.settings", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "AXES" not in result.stdout + result.stderr


def test_every_pinned_runtime_package_is_used():
    """django-simple-history was pinned and never used; the evidence history is our own."""
    pins = (ROOT / "requirements.txt").read_text()
    assert "django-simple-history" not in pins
