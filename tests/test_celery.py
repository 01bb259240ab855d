"""Celery: configuration, and a round-trip through a real redis-server and a real worker."""

import pytest

from monitor.celery import app, ping


def test_celery_configuration_is_safe_for_redelivery():
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.broker_url.startswith("redis://")


@pytest.mark.services
def test_task_round_trip_through_real_redis_and_worker(celery_worker):
    result = ping.delay("hello from the suite")
    assert result.get(timeout=30) == "hello from the suite"
    assert result.status == "SUCCESS"
