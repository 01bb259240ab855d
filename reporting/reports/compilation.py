"""Compiling a report's files once, even when a worker dies half-way.

Compilation claims the version with a conditional UPDATE (queued -> running, with the task
id), writes every file into a temporary directory, renames the directory into place in one
step, and only then marks the report complete: a report is never complete without its files,
and no file is published for a report that is not complete.
"""

import logging
import os
import shutil
import tempfile
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import HEARTBEAT_STALE, Report
from .annex import AnnexSpool
from .content import compile_content
from .publication import publish
from .scoping import report_evidence

log = logging.getLogger(__name__)
TRANSIENT_ERRORS = (OperationalError, OSError)


def claim(report_id, task_id):
    """(report, claim time) if this task may compile it now, else None.

    queued -> running with this task id; a running report is taken over only by the same task
    redelivered after its worker was lost, or when its run is older than the hard time limit."""
    now = timezone.now()
    fields = {
        "status": Report.Status.RUNNING,
        "task_id": task_id,
        "started_at": now,
        "heartbeat_at": now,
        "progress": 0,
        "error": "",
    }
    won = Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(**fields)
    if not won:
        stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
        won = (
            Report.objects.filter(pk=report_id, status=Report.Status.RUNNING)
            .filter(Q(task_id=task_id) | Q(started_at__lt=stale) | Q(heartbeat_at__lt=now - HEARTBEAT_STALE))
            .update(**fields)
        )
    if not won:
        return None
    return Report.objects.select_related("member_state", "objective", "stakeholder_type").get(pk=report_id), now


def _progress(report, claimed_at, percent):
    """Progress, and the heartbeat that tells a live compilation from one whose worker died."""
    Report.objects.filter(pk=report.pk, started_at=claimed_at).update(progress=percent, heartbeat_at=timezone.now())


def _clean_partial(report):
    """Temporary directories left by an earlier attempt that died (never published)."""
    parent, prefix = str(settings.REPORTS_ROOT), f"{report.pk}.tmp-"
    if os.path.isdir(parent):
        for name in os.listdir(parent):
            if name.startswith(prefix):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _test_pause():
    """A deliberate pause after the first file, for the suite's worker-crash test; never in production."""
    seconds = getattr(settings, "REPORT_TEST_PAUSE_SECONDS", 0)
    if seconds and (settings.DEBUG or getattr(settings, "TASKS_INLINE", False)):
        time.sleep(seconds)


def file_stem(report):
    return f"{report.kind}-{report.scope_key}-cycle{report.cycle}-v{report.version}".replace(" ", "_").lower()


def run_compile(report_id, task_id):
    """Compile a report's files and publish them; safe to run twice. Returns what happened."""
    claimed = claim(report_id, task_id)
    if claimed is None:
        return "not-claimed"
    report, claimed_at = claimed
    _clean_partial(report)
    os.makedirs(settings.REPORTS_ROOT, exist_ok=True)
    tmp = os.path.join(settings.REPORTS_ROOT, f"{report.pk}.tmp-{uuid.uuid4().hex}")
    os.makedirs(tmp)
    try:
        written = _write_files(report, claimed_at, tmp)
        publish(report, claimed_at, tmp, written)
    except TRANSIENT_ERRORS:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:  # noqa: BLE001 - any other failure is the report's, recorded for its requester
        log.exception("Report %s failed", report_id)
        shutil.rmtree(tmp, ignore_errors=True)
        mark_failed(report_id, claimed_at, exc)
        return "failed"
    return "complete"


def mark_failed(report_id, claimed_at, exc):
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        message = _("Compiling took longer than the time allowed. Try a narrower scope, or ask the secretariat.")
    else:
        message = _("The report could not be compiled: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
    query = Report.objects.filter(pk=report_id, status=Report.Status.RUNNING)
    if claimed_at is not None:
        query = query.filter(started_at=claimed_at)
    query.update(status=Report.Status.FAILED, error=message, finished_at=timezone.now())


def _write_files(report, claimed_at, tmp):
    """Render every format into the temporary directory: {format: path}."""
    from ..render import FORMATS

    with tempfile.TemporaryDirectory(prefix="spool-", dir=tmp) as spool_dir:
        spool = AnnexSpool(report_evidence(report), spool_dir)
        content = compile_content(report, spool=spool)
        _progress(report, claimed_at, 20)
        written = {}
        stem = file_stem(report)
        for i, (fmt, extension, render) in enumerate(FORMATS, start=1):
            path = os.path.join(tmp, f"{stem}.{extension}")
            render(report, content, path)
            written[fmt] = path
            _progress(report, claimed_at, 20 + 70 * i // len(FORMATS))
            if i == 1:
                _test_pause()
    return written
