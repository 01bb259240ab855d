"""The celery application: broker and result backend on redis, configured from settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")

app = Celery("monitor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="monitor.ping")
def ping(value="pong"):
    """A trivial task; the suite and `make run` use it to prove a worker answers."""
    return value
