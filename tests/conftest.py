"""Shared fixtures: the loaded framework, and the real services (redis-server, celery worker)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request to /fr/... activates French for the rest of the thread."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the compact's framework and the Member States loaded once.

    Loading them takes about a thousand writes; done once here instead of in every test that
    needs them, each test still sees them (and rolls back its own changes). A transactional
    test's flush empties the database: the `framework` fixture loads them again after it.
    """
    from commitments.loading import load_framework

    with django_db_blocker.unblock():
        load_framework()


@pytest.fixture
def framework(db):
    """The compact's framework and the Member States, loaded as `make run` loads them."""
    from commitments.loading import load_framework
    from commitments.models import Action

    if not Action.objects.exists():  # emptied by a transactional test's flush
        load_framework()


@pytest.fixture
def empty_database(db):
    """No framework and no States, as on a database that was just migrated (for tests of loading).

    Rows are deleted in SQL inside the test's transaction (foreign keys are checked at commit,
    which never comes: the test's transaction is rolled back and the loaded framework is back).
    """
    from commitments import models as core
    from commitments.indicators import models as indicators

    for model in (
        indicators.ActionTarget,
        indicators.FrameworkItem,
        indicators.IndicatorFramework,
        core.PublishedRollup,
        core.Paragraph,
        core.Action,
        core.Objective,
        core.GuidingPrinciple,
        core.Instrument,
        core.MemberState,
        core.StakeholderType,
        core.TargetGroup,
    ):
        model.objects.all()._raw_delete(model.objects.db)


def _redis_ping(port):
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=0.2).ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on the suite's own port (settings_test sets REDIS_URL to it)."""
    port = int(os.environ["TEST_REDIS_PORT"])
    if _redis_ping(port):
        yield port
        return
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: `make test` installs it (scripts/ensure-system.sh redis)"
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _redis_ping(port):
        assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


def start_worker(*extra):
    """A real celery worker process on the suite's redis and test database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "monitor.settings_test"}
    db = settings.DATABASES["default"]
    env["WORKER_TEST_DATABASE"] = db["NAME"]
    cmd = [sys.executable, "-m", "celery", "-A", "monitor", "worker", "--pool=solo", "--loglevel=INFO", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_worker(proc, timeout=60):
    from monitor.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"celery worker exited:\n{proc.stdout.read()}"
        if app.control.ping(timeout=0.5):
            return
    raise AssertionError("celery worker did not answer within the timeout")


def stop_worker(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def celery_worker(redis_server, transactional_db):
    """A real worker for one test; the test's data is committed so the worker sees it."""
    proc = start_worker()
    try:
        wait_for_worker(proc)
        yield proc
    finally:
        stop_worker(proc)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts and ends with an empty cache: cached pages never leak between tests (the data
    version goes back with each test's rollback, so a page kept under it would belong to another test)."""
    from django.core.cache import caches

    from commitments.readers import PROCESS_PAGES

    PROCESS_PAGES.clear()
    yield
    PROCESS_PAGES.clear()
    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture
def low_api_rates(settings):
    """The API limited to 3 anonymous / 5 signed-in requests a minute (the suite's rates are high).
    DRF's throttles read their rates once, at import: they are pointed at these and put back."""
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"}}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    cache.clear()
    yield
    SimpleRateThrottle.THROTTLE_RATES = original
    cache.clear()


@pytest.fixture
def redis_cache(redis_server, settings):
    """The production cache backend (monitor.cache on the suite's redis) instead of memory."""
    from django.core.cache import caches

    settings.CACHES = settings.REDIS_CACHES
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()
