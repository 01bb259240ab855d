"""Celery tasks of the reporting app: thin, id-based, safe to run twice."""

from celery import chord, shared_task

from monitor.queue import BrokerUnavailable, enqueue

from . import reports, schedule

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
    """Queue a compile; False if the broker is down (the report stays queued and the schedule retries it)."""
    try:
        enqueue(compile_report, report_id)
    except BrokerUnavailable:
        return False
    return True


@shared_task(name="reporting.compile_due_reports", ignore_result=True)
def compile_due_reports():
    """Daily: claim the reports the calendar's milestones call for, and queue them with any left behind."""
    created = schedule.claim_milestone_reports()
    for report_id in sorted(set(created) | set(schedule.stale_reports())):
        queue_compile(report_id)
    return created


@shared_task(name="reporting.send_reminders", ignore_result=True, autoretry_for=(OSError,), retry_backoff=True)
def send_reminders():
    """Daily: remind focal points of submissions to validate, returned records and coming milestones."""
    return schedule.send_reminders()


# --- Open data ------------------------------------------------------------------------------------


@shared_task(name="reporting.build_open_data", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def build_open_data():
    """Rebuild the open data package; it replaces the previous zip atomically, so running twice is harmless."""
    from . import opendata

    return str(opendata.publish())
