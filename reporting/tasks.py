"""Celery tasks of the reporting app: thin, id-based, safe to run twice."""

import logging

from celery import chord, shared_task
from django.conf import settings
from django.utils import timezone

from monitor.queue import BrokerUnavailable, broker_available, enqueue

from . import reports, schedule

log = logging.getLogger(__name__)

# --- Compiled reports and the review calendar -----------------------------------------------------


@shared_task(bind=True, name="reporting.compile_report", acks_late=True, reject_on_worker_lost=True, max_retries=4)
def compile_report(self, report_id):
    """Compile one report version. A redelivered task (same id, after a lost worker) finishes it;
    a report already complete is left alone. Database and file-system hiccups retry with backoff."""
    # On a worker, the formats are written in parallel by their own tasks; run in-process
    # (TASKS_INLINE, task.apply), one after another here.
    dispatch = None if self.request.is_eager else _dispatch_formats
    try:
        return reports.run_compile(report_id, self.request.id or f"inline-{report_id}", dispatch=dispatch)
    except reports.TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            reports.mark_failed(report_id, None, exc)
            raise
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc


def _dispatch_formats(report_id, claimed_at, tmp, formats):
    """One task per format, in parallel on the workers; `finish_report` once they are all done."""
    header = [compile_report_format.si(report_id, claimed_at, tmp, fmt) for fmt in formats]
    chord(header)(finish_report.si(report_id, claimed_at, tmp))


@shared_task(
    bind=True, name="reporting.compile_report_format", acks_late=True, reject_on_worker_lost=True, max_retries=4
)
def compile_report_format(self, report_id, claimed_at, tmp, fmt):
    """Write one format of a prepared report (a redelivery writes it again). A format that fails
    fails the report; transient errors retry, and fail it when the retries run out."""
    try:
        return reports.render_part(report_id, claimed_at, tmp, fmt)
    except reports.TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            reports.mark_failed(report_id, reports.parse_claim(claimed_at), exc, fmt=fmt)
            return "failed"
        raise self.retry(exc=exc, countdown=2 * 2**self.request.retries) from exc


@shared_task(name="reporting.finish_report", acks_late=True, reject_on_worker_lost=True)
def finish_report(report_id, claimed_at, tmp):
    """Publish the report when every format is written, else remove the run's files."""
    return reports.finish(report_id, claimed_at, tmp)


def queue_compile(report_id):
    """Queue a compile; False if the broker is down (the report stays queued, not handed over, and
    `requeue_reports` hands it over within minutes of the broker's return)."""
    from .models import Report

    try:
        enqueue(compile_report, report_id)
    except BrokerUnavailable:
        return False
    Report.objects.filter(pk=report_id, status=Report.Status.QUEUED, queued_at=None).update(queued_at=timezone.now())
    return True


@shared_task(name="reporting.requeue_reports", ignore_result=True)
def requeue_reports():
    """Every two minutes: queue the reports the broker never got (it was down), those it lost, and
    those whose compilation died with its worker. Safe to run twice: each report is taken once."""
    queued = []
    for pk in schedule.stale_reports():
        if schedule.take_for_requeue(pk):
            if queue_compile(pk):
                queued.append(pk)
            else:  # the broker went away again: not handed over after all
                schedule.release_requeue(pk)
    return queued


@shared_task(name="reporting.compile_due_reports", ignore_result=True)
def compile_due_reports():
    """Daily: claim the reports the calendar's milestones call for, and queue them with any left behind."""
    created = schedule.claim_milestone_reports()
    for report_id in created:
        queue_compile(report_id)
    requeue_reports()
    return created


@shared_task(name="reporting.keep_national_reports_current", ignore_result=True)
def keep_national_reports_current():
    """Nightly: a national report of each State whose data changed, so tomorrow's requests are instant."""
    created = schedule.keep_national_reports_current()
    for report_id in created:
        queue_compile(report_id)
    return created


@shared_task(name="reporting.send_reminders", ignore_result=True, autoretry_for=(OSError,), retry_backoff=True)
def send_reminders():
    """Daily: remind focal points of submissions to validate, returned records and coming milestones."""
    return schedule.send_reminders()


# --- Open data ------------------------------------------------------------------------------------


# After a validation or withdrawal the package is rebuilt this long after, once for a burst of them.
OPEN_DATA_DEBOUNCE_SECONDS = 120
OPEN_DATA_PENDING_KEY = "opendata-refresh-pending"


def request_open_data_refresh(**signal_kwargs):
    """Debounced: the first change of a burst queues one refresh a little later; the others see the
    key and do nothing. A refresh that cannot be queued is left to the schedule."""
    from django.core.cache import cache

    if not cache.add(OPEN_DATA_PENDING_KEY, True, timeout=OPEN_DATA_DEBOUNCE_SECONDS):
        return False
    if getattr(settings, "TASKS_INLINE", False):
        return True  # the suite runs refresh_open_data itself; a build per validation would be slow
    try:
        if broker_available():
            refresh_open_data.apply_async(countdown=OPEN_DATA_DEBOUNCE_SECONDS, retry=False)
            return True
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds of connection errors
        log.warning("Open data refresh not queued (the hourly schedule catches up): %s", exc)
    cache.delete(OPEN_DATA_PENDING_KEY)
    return False


@shared_task(name="reporting.refresh_open_data", ignore_result=True)
def refresh_open_data():
    """Rebuild the open data package if it is missing or older than the last published change
    (scheduled every hour, and after validations); nothing to do otherwise. Safe to run twice."""
    from django.core.cache import cache

    from . import opendata

    cache.delete(OPEN_DATA_PENDING_KEY)
    if opendata.is_current():
        return None
    return str(opendata.publish())


@shared_task(name="reporting.build_open_data", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def build_open_data():
    """Rebuild the open data package; it replaces the previous zip atomically, so running twice is harmless."""
    from . import opendata

    return str(opendata.publish())


@shared_task(name="reporting.prebuild_pages", ignore_result=True)
def prebuild_pages():
    """The most read pages rendered into the cache for the current data version (reporting.prebuild)."""
    from . import prebuild

    return prebuild.prebuild()
