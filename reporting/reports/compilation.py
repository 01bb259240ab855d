"""Compiling a report's files once, even when a worker dies half-way.

Compilation claims the version with a conditional UPDATE (queued -> running, with the task
id and the claim time), reads the evidence once into a temporary directory (the annex spool and
the content), then writes the formats there, each by its own task in parallel (a celery chord;
one after another when tasks run inline), each recording its size and checksum. When every
format is written, the directory is renamed into place in one step and only then is the report
marked complete: a report is never complete without all its files, and no file is published for
a report that is not complete. One format failing fails the report with its reason and removes
the run's files.
"""

import contextlib
import json
import logging
import os
import shutil
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import HEARTBEAT_STALE, Report, ReportPart
from . import sameness
from .annex import AnnexSpool
from .content import compile_content
from .publication import new_run_dir, publish, sha256_of
from .requests import report_language
from .scoping import report_evidence
from .snapshot import consistent_reads

log = logging.getLogger(__name__)
TRANSIENT_ERRORS = (OperationalError, OSError)
CONTENT_FILE = "content.json"
PREPARED = 20  # progress (%) once the evidence is read; the formats share the rest


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


def run_compile(report_id, task_id, dispatch=None):
    """Claim a report. If its data is that of a complete version, publish it with that version's
    files (`sameness`); else read its evidence once (the annex spool and the content, into the
    run's temporary directory), then write every format: with `dispatch`, each by its own task in
    parallel (dispatch(report_id, claimed_at, tmp, formats) queues them and then `finish`);
    without, here one after another (tests, TASKS_INLINE). Safe to run twice. Returns what happened."""
    claimed = claim(report_id, task_id)
    if claimed is None:
        return "not-claimed"
    report, claimed_at = claimed
    _clean_partial(report)
    os.makedirs(settings.REPORTS_ROOT, exist_ok=True)
    if sameness.eligible(report):
        # Taken before the data is read: a change during the read makes the next request differ.
        fingerprint = sameness.data_fingerprint(report)
        source = sameness.same_data(report, fingerprint)
        if source is not None and sameness.publish_same(report, claimed_at, source, fingerprint, file_stem(report)):
            return "complete"
        Report.objects.filter(pk=report.pk, started_at=claimed_at).update(data_fingerprint=fingerprint)
    tmp = new_run_dir(report)
    try:
        formats = _prepare(report, claimed_at, tmp)
        if dispatch is not None:
            dispatch(report.pk, claimed_at.isoformat(), tmp, formats)
            return "dispatched"
        for fmt in formats:
            render_part(report.pk, claimed_at, tmp, fmt)
        return finish(report.pk, claimed_at, tmp)
    except TRANSIENT_ERRORS:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:  # noqa: BLE001 - any other failure is the report's, recorded for its requester
        log.exception("Report %s failed", report_id)
        shutil.rmtree(tmp, ignore_errors=True)
        mark_failed(report_id, claimed_at, exc)
        return "failed"


def mark_failed(report_id, claimed_at, exc, fmt=None):
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        message = _("Compiling took longer than the time allowed. Try a narrower scope, or ask the secretariat.")
    else:
        message = _("The report could not be compiled: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
    if fmt is not None:
        message = _("The %(format)s file failed. %(reason)s") % {"format": fmt.upper(), "reason": message}
    query = Report.objects.filter(pk=report_id, status=Report.Status.RUNNING)
    if claimed_at is not None:
        query = query.filter(started_at=claimed_at)
    query.update(status=Report.Status.FAILED, error=message, finished_at=timezone.now())


def parse_claim(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _running(report_id, claimed_at):
    """The report if it is still being compiled by this run, else None (failed, or taken over)."""
    return (
        Report.objects.select_related("member_state", "objective", "stakeholder_type")
        .filter(pk=report_id, status=Report.Status.RUNNING, started_at=claimed_at)
        .first()
    )


def _prepare(report, claimed_at, tmp):
    """Read the report's evidence once, from one view of the data (`snapshot`): the annex spool
    and the content (JSON) into `tmp`, and a queued part per format. Returns the formats to write."""
    from ..render import FORMATS

    with consistent_reads():  # the annex and the figures from one view of the data
        spool = AnnexSpool(report_evidence(report), tmp)
        with translation.override(report_language(report)):  # labels computed into the content
            content = compile_content(report, spool=spool)
    content.pop("rows")
    with open(os.path.join(tmp, CONTENT_FILE), "w", encoding="utf-8") as handle:
        json.dump(content, handle, ensure_ascii=False)
    formats = [fmt for fmt, _extension, _render in FORMATS]
    with transaction.atomic():
        ReportPart.objects.filter(report=report).delete()
        ReportPart.objects.bulk_create(ReportPart(report=report, format=f, claimed_at=claimed_at) for f in formats)
    _progress(report, claimed_at, PREPARED)
    return formats


def render_part(report_id, claimed_at, tmp, fmt):
    """Write one format of a prepared report into `tmp`, with its size and checksum. A failure
    fails the report at once, with its reason, and removes this part's file; the other parts
    then stop, and `finish` removes the directory. Transient errors are raised (to retry)."""
    from ..render import FORMATS

    claimed_at = parse_claim(claimed_at)
    report = _running(report_id, claimed_at)
    if report is None:
        return "stale"
    parts = ReportPart.objects.filter(report_id=report_id, format=fmt, claimed_at=claimed_at)
    parts.update(state=ReportPart.State.RUNNING, error="")
    index, extension, render = next((i, e, r) for i, (f, e, r) in enumerate(FORMATS) if f == fmt)
    path = os.path.join(tmp, f"{file_stem(report)}.{extension}")
    started = time.monotonic()
    try:
        with open(os.path.join(tmp, CONTENT_FILE), encoding="utf-8") as handle:
            content = json.load(handle)
        content["rows"] = AnnexSpool.reopen(os.path.join(tmp, "annex.spool"))
        with translation.override(report_language(report)):  # headings, notes, labels, charts
            render(report, content, path)
        size, digest = os.path.getsize(path), sha256_of(path)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - the report fails with this format's reason
        log.exception("Report %s: the %s file failed", report_id, fmt)
        _remove(path)
        parts.update(state=ReportPart.State.FAILED, error=f"{type(exc).__name__}: {exc}")
        mark_failed(report_id, claimed_at, exc, fmt=fmt)
        return "failed"
    parts.update(
        state=ReportPart.State.DONE,
        filename=os.path.basename(path),
        size=size,
        sha256=digest,
        seconds=time.monotonic() - started,
    )
    done = ReportPart.objects.filter(report_id=report_id, claimed_at=claimed_at, state=ReportPart.State.DONE).count()
    _progress(report, claimed_at, PREPARED + (99 - PREPARED) * done // len(FORMATS))
    if index == 0:
        _test_pause()
    return "done"


def finish(report_id, claimed_at, tmp):
    """After every part: publish when all are written, else clean the run's directory."""
    claimed_at = parse_claim(claimed_at)
    report = _running(report_id, claimed_at)
    parts = list(ReportPart.objects.filter(report_id=report_id, claimed_at=claimed_at))
    if report is None or not parts or any(p.state != ReportPart.State.DONE for p in parts):
        if report is not None:  # a part was lost without saying why (e.g. its task gave up)
            missing = ", ".join(p.format for p in parts if p.state != ReportPart.State.DONE)
            mark_failed(report_id, claimed_at, RuntimeError(_("files not written: %(formats)s") % {"formats": missing}))
        shutil.rmtree(tmp, ignore_errors=True)
        return "failed"
    for name in (CONTENT_FILE, "annex.spool"):
        _remove(os.path.join(tmp, name))
    publish(report, claimed_at, tmp, parts)
    return "complete"


def _remove(path):
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
