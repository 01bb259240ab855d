"""Sending tasks to celery without letting a missing broker hang or break a request."""

import logging

import redis
from django.conf import settings

log = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """Redis does not answer: the task was not queued."""


def broker_available(timeout=0.5):
    """True if redis answers a PING within `timeout`; a redis that accepts the connection but
    never answers (frozen) counts as down, as one that refuses it does."""
    try:
        url = settings.CELERY_BROKER_URL
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        return bool(client.ping())
    except (redis.exceptions.RedisError, OSError):
        return False


def enqueue(task, *args, inline_fallback=False, **kwargs):
    """Queue `task`; run it here instead if TASKS_INLINE, or if the broker is down and
    `inline_fallback` is set; otherwise raise BrokerUnavailable for the caller to explain."""
    if getattr(settings, "TASKS_INLINE", False):
        return task.apply(args=args, kwargs=kwargs, throw=True)
    if broker_available():
        try:
            return task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception as exc:  # noqa: BLE001 - kombu raises many kinds of connection errors
            log.warning("Could not queue %s: %s", task.name, exc)
    if inline_fallback:
        log.warning("Broker unavailable: running %s in the request", task.name)
        return task.apply(args=args, kwargs=kwargs, throw=True)
    raise BrokerUnavailable(task.name)
