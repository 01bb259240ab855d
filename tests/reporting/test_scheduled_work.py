"""Scheduled work that heals itself: reports the broker never got, compilations whose worker died, and
an open data package that follows the published evidence."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from commitments import services
from commitments.models import Evidence, MemberState
from monitor.queue import BrokerUnavailable
from reporting import opendata, reports, tasks
from reporting.models import Report, ReportKind
from reporting.reports.compilation import _progress, claim
from tests.factories import EvidenceFactory, Role, make_user

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def roots(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def broker(monkeypatch):
    """A broker that can be down or up; what was queued while it was up."""

    class Broker:
        up = False
        queued = []

    def enqueue(task, *args, **kwargs):
        if not Broker.up:
            raise BrokerUnavailable(task.name)
        Broker.queued.append((task.name, args))

    monkeypatch.setattr(tasks, "enqueue", enqueue)
    monkeypatch.setattr(tasks, "broker_available", lambda: Broker.up)
    return Broker


def test_a_report_requested_while_redis_was_down_is_queued_within_minutes_of_its_return(framework, broker):
    with time_machine.travel(T0, tick=False):
        report = reports.request_report(kind=ReportKind.GLOBAL, cycle=3)
        assert tasks.queue_compile(report.pk) is False
    with time_machine.travel(T0 + timedelta(minutes=1, seconds=30), tick=False):
        assert tasks.requeue_reports() == []  # redis is still down
    broker.up = True
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert tasks.requeue_reports() == [report.pk]
        # Run twice (two beats, or a beat and the daily task): queued once.
        assert tasks.requeue_reports() == []
    assert broker.queued == [("reporting.compile_report", (report.pk,))]
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED and report.queued_at == T0 + timedelta(minutes=2)


def test_a_report_handed_to_the_broker_is_not_queued_again(framework, broker):
    broker.up = True
    with time_machine.travel(T0, tick=False):
        report = reports.request_report(kind=ReportKind.GLOBAL, cycle=3)
        assert tasks.queue_compile(report.pk) is True
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert tasks.requeue_reports() == []
    assert len(broker.queued) == 1


def test_a_compilation_whose_worker_died_says_so_and_is_queued_again(framework, broker, client):
    broker.up = True
    client.force_login(make_user(Role.SECRETARIAT))
    with time_machine.travel(T0, tick=False):
        report = reports.request_report(kind=ReportKind.GLOBAL, cycle=3)
        claimed, claimed_at = claim(report.pk, "task-on-a-worker-that-will-die")
        _progress(claimed, claimed_at, 40)
    # Five minutes of silence: still a live compilation (a stage of a large report takes minutes).
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        page = client.get(report.get_absolute_url()).content.decode()
        assert "no sign of life" not in page
        assert tasks.requeue_reports() == []
    # Eleven minutes: dead. The page says so, then the beat queues it again.
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        page = client.get(report.get_absolute_url()).content.decode()
        assert "no sign of life for several minutes" in page
        status = client.get(reverse("reporting:report_status", args=[report.pk])).json()
        assert "no sign of life" in status["error"] and status["finished"] is False
        assert tasks.requeue_reports() == [report.pk]
        assert tasks.requeue_reports() == []
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert "stopped at 40%" in report.error
    # The queued task compiles it; the dead worker's task, redelivered an hour later, finds nothing to do.
    with time_machine.travel(T0 + timedelta(minutes=12)):
        assert reports.run_compile(report.pk, "a-new-task") == "complete"
        assert reports.run_compile(report.pk, "task-on-a-worker-that-will-die") == "not-claimed"
    report.refresh_from_db()
    assert report.status == Report.Status.COMPLETE and report.error == ""


def test_a_live_compilation_beats_and_is_never_taken_over(framework):
    with time_machine.travel(T0, tick=False):
        report = reports.request_report(kind=ReportKind.GLOBAL, cycle=3)
        claimed, claimed_at = claim(report.pk, "live")
    with time_machine.travel(T0 + timedelta(minutes=9), tick=False):
        _progress(claimed, claimed_at, 60)
    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        assert not Report.objects.get(pk=report.pk).is_stalled
        assert claim(report.pk, "another") is None


# --- The open data package follows the published evidence --------------------------------------------


def validate_one(state="MAR"):
    member_state = MemberState.objects.get(iso3=state)
    record = EvidenceFactory(member_state=member_state, review_state=Evidence.ReviewState.SUBMITTED)
    focal_point = make_user(Role.FOCAL_POINT, state=state)
    return services.evidence_validate(user=focal_point, evidence=record)


def test_validations_ask_for_one_debounced_rebuild(
    framework, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.delete(tasks.OPEN_DATA_PENDING_KEY)
    settings.TASKS_INLINE = False
    queued = []
    monkeypatch.setattr(tasks, "broker_available", lambda: True)
    monkeypatch.setattr(tasks.refresh_open_data, "apply_async", lambda **kwargs: queued.append(kwargs))
    monkeypatch.setattr(services, "_notify", lambda *args: None)
    with django_capture_on_commit_callbacks(execute=True):
        validate_one()
    with django_capture_on_commit_callbacks(execute=True):
        validate_one()
    assert queued == [{"countdown": tasks.OPEN_DATA_DEBOUNCE_SECONDS, "retry": False}]
    # The refresh clears the key: the next validation asks again.
    tasks.refresh_open_data()
    with django_capture_on_commit_callbacks(execute=True):
        validate_one()
    assert len(queued) == 2


def test_the_schedule_builds_a_missing_or_stale_package_and_leaves_a_current_one(framework, client):
    assert "has not been built yet" in client.get(reverse("opendata:page")).content.decode()
    with time_machine.travel(T0, tick=False):
        assert tasks.refresh_open_data() is not None  # a fresh install: built
    built = opendata.built_at()
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        assert tasks.refresh_open_data() is None  # nothing changed: left alone
        page = client.get(reverse("opendata:page")).content.decode()
        assert "30\xa0minutes ago" in page and "every validation and withdrawal up to now" in page
    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        validate_one()
        page = client.get(reverse("opendata:page")).content.decode()
        assert "rebuilt automatically within the hour" in page
    with time_machine.travel(T0 + timedelta(minutes=41), tick=False):
        assert tasks.refresh_open_data() is not None
    assert opendata.built_at() > built and opendata.is_current()


def test_setup_periodic_tasks_declares_the_self_healing_tasks():
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks")
    minutes = dict(PeriodicTask.objects.values_list("task", "crontab__minute"))
    assert minutes["reporting.requeue_reports"] == "*/2"
    assert minutes["reporting.refresh_open_data"] == "40"
