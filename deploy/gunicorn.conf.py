"""Gunicorn settings of the GCM Implementation Monitor: `gunicorn -c deploy/gunicorn.conf.py monitor.wsgi:application`.

Every value can be changed from the environment (systemd: /etc/gcm/env; compose: `environment:`).
An empty variable counts as unset, so a line like `GUNICORN_WORKERS=` keeps the default.

GUNICORN_BIND         address to listen on (default 127.0.0.1:8000, behind nginx; compose uses 0.0.0.0:8000)
GUNICORN_WORKERS      worker processes (default CPU cores + 1, capped at GUNICORN_MAX_WORKERS)
GUNICORN_MAX_WORKERS  the cap on the default number of workers (default 8)
GUNICORN_THREADS      threads per worker (default 4)
GUNICORN_MAX_REQUESTS requests a worker serves before it is replaced (default 50000, plus up to half again)
FORWARDED_ALLOW_IPS   proxies trusted to set X-Forwarded-Proto (default 127.0.0.1,::1: nginx on the same host)
GUNICORN_LOG_LEVEL    gunicorn's own log level (default info)
"""

import os


def _env_str(name, default):
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be 1 or more, not {value}")
    return value


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may actually run on
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = _env_str("GUNICORN_BIND", "127.0.0.1:8000")
# One worker per core and one more, each with its threads: requests are mostly CPU (pages kept in
# redis, rendered, compressed), so more processes than that only take turns on the same cores.
# Paired against 2 x cores + 1 at 1M (docs/benchmarks.md, ninth round): p99 lower in 5 of 6 rounds,
# 169 against 197 ms median, the same throughput, and a process fewer per core to warm and keep.
workers = _env_int("GUNICORN_WORKERS", min(_cpu_count() + 1, _env_int("GUNICORN_MAX_WORKERS", 8)))
# Threaded workers: the worker's main loop keeps sending its heartbeat while a request thread
# streams a long download (an export of every record), so `timeout` no longer cuts a download
# off at 60 s (the sync worker's heartbeat stops while it serves one request). A request thread
# that is stuck still holds only one of the worker's threads.
worker_class = "gthread"
threads = _env_int("GUNICORN_THREADS", 4)
# Long work (reports, imports) runs in celery; a worker whose main loop stalls a minute is stuck.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow leaks cannot grow. The jitter is half the count, so workers
# that share the load evenly reach their count at different times: with 1000 and a jitter of 100,
# the five workers of a 2-core machine under steady load restarted within seconds of each other,
# and requests waited up to 7-10 s (p99) while every worker warmed up at once (make bench). With
# 5000, a worker under 50 readers was still replaced every minute, each time warming up again with
# its kept pages gone (the p99 of the load bench); 50000 is every ten minutes at that load.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = max_requests // 2
# Only these addresses may tell gunicorn a request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = _env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Logs go to stdout/stderr: the journal under systemd, `docker compose logs` under compose.
accesslog = "-"
errorlog = "-"
loglevel = _env_str("GUNICORN_LOG_LEVEL", "info")
capture_output = True
proc_name = "gcm-web"
# Worker heartbeats on tmpfs, not on a possibly slow disk (recommended in containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (tmpfs, not a temp file)


def post_worker_init(worker):
    """Warm each worker before it takes traffic: import every view (the URL configuration pulls
    in ~790 modules, 2-4 s) and load the base templates, so no user's request pays for start-up,
    also when workers are recycled (max_requests) or replaced by a reload (HUP). The app is not
    preloaded in the master, so a HUP still loads new code."""
    import time

    started = time.monotonic()
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    for name in ("base.html", "commitments/evidence_list.html", "reporting/dashboard.html"):
        try:
            get_template(name)
        except Exception:  # noqa: BLE001, S112 - a template renamed elsewhere must not stop the worker
            continue
    worker.log.info("Worker warmed up in %.1f s", time.monotonic() - started)
