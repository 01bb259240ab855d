"""Fast settings for the test suite: everything from settings.py, with quick hashing."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-" + "x" * 40)
os.environ.setdefault("SECURE_COOKIES", "false")
# One id per test run, inherited by the workers and servers the run starts, so that runs side
# by side (a developer's and a helper's) never share a database file or a redis-server.
os.environ.setdefault("TEST_RUN_ID", str(os.getpid()))


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


# The suite's own redis-server (started by tests/conftest.py), never a developer's.
os.environ.setdefault("TEST_REDIS_PORT", _free_port())
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:{os.environ['TEST_REDIS_PORT']}/0")

from .settings import *  # noqa: E402,F403
from .settings import BASE_DIR, DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a real celery worker started by the suite sees the same data.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.environ['TEST_RUN_ID']}.sqlite3")}
# Tasks queued through monitor.queue.enqueue run in the test process; the tests that prove the
# real worker path start one and turn this off.
TASKS_INLINE = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
if os.environ.get("WORKER_TEST_DATABASE"):
    # A celery worker started by the suite works on the suite's test database.
    DATABASES["default"]["NAME"] = os.environ["WORKER_TEST_DATABASE"]
# High API rates so the suite never trips the throttle; the throttle test lowers them itself.
# Tests use a cache in memory unless they ask for the suite's redis (tests/conftest.py
# `redis_cache`); an autouse fixture empties it after each test so nothing leaks between tests.
REDIS_CACHES = CACHES  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
# Pages kept in the process besides the shared cache (commitments.readers.ProcessPages) are off, so a
# test's cache.clear() means a fresh render; tests/commitments/test_readers.py turns them on.
READER_PROCESS_CACHE_MB = 0
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"}}  # noqa: F405
