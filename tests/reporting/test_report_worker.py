"""Reports compiled by a real celery worker on a real redis: every format, and a worker killed mid-compile."""

import hashlib
import signal
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest

from commitments.models import MemberState
from monitor.celery import app
from reporting import reports
from reporting.models import Report, ReportKind
from reporting.tasks import queue_compile
from tests.conftest import start_worker, stop_worker, wait_for_worker
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def reports_root(monkeypatch, settings, tmp_path):
    """The worker and the test agree on where files go; tasks go through the broker, not inline."""
    root = tmp_path / "reports"
    monkeypatch.setenv("REPORTS_ROOT", str(root))
    settings.REPORTS_ROOT = root
    settings.TASKS_INLINE = False
    return root


def wait_for(report, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if condition(report):
            return report
        time.sleep(0.2)
    raise AssertionError(f"report {report.pk} stayed {report.status} ({report.progress}%): {report.error}")


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_a_real_worker_produces_every_format(framework, celery_worker, tmp_path):
    EvidenceFactory.create_batch(3, published=True)
    report = reports.request_report(kind=ReportKind.GLOBAL, cycle=3)
    assert queue_compile(report.pk) is True
    report = wait_for(report, lambda r: r.is_finished, 90)
    assert report.status == Report.Status.COMPLETE, report.error
    files = {f.format: reports.file_path(f) for f in report.files.all()}
    assert set(files) == {"html", "pdf", "xlsx", "data"}
    subprocess.run(["pdftoppm", "-png", "-f", "1", "-l", "1", files["pdf"], str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 1000
    assert openpyxl.load_workbook(files["xlsx"])["records"].max_row == 4
    html = Path(files["html"]).read_text()
    assert "Plotly.newPlot" in html and '<script src="http' not in html and 'src="https' not in html
    assert all(f.sha256 == sha256(reports.file_path(f)) for f in report.files.all())
    # Each format was written by its own task of the chord, and the files are those parts' files.
    parts = {p.format: p for p in report.parts.all()}
    assert set(parts) == set(files) and all(p.state == "done" and p.seconds is not None for p in parts.values())
    assert {f.format: f.sha256 for f in report.files.all()} == {k: p.sha256 for k, p in parts.items()}
    log = stop_worker_log(celery_worker)
    assert log.count("Task reporting.compile_report_format[") >= 2 * len(files)  # received, succeeded
    assert "Task reporting.finish_report[" in log


def stop_worker_log(proc):
    stop_worker(proc)
    return proc.stdout.read()


def test_a_worker_killed_mid_compile_leaves_nothing_published_and_the_redelivery_finishes_it(
    framework, redis_server, transactional_db, monkeypatch, reports_root
):
    # Short limits so redis redelivers the unacknowledged task quickly (visibility > hard > soft limit).
    for name, value in {
        "CELERY_TASK_SOFT_TIME_LIMIT": "10",
        "CELERY_TASK_TIME_LIMIT": "12",
        "CELERY_VISIBILITY_TIMEOUT": "14",
        "REPORT_TEST_PAUSE_SECONDS": "4",
    }.items():
        monkeypatch.setenv(name, value)
    app.control.purge()
    EvidenceFactory.create_batch(3, published=True)
    report = reports.request_report(kind=ReportKind.NATIONAL, cycle=3, member_state=MemberState.objects.get(iso3="MAR"))
    first = start_worker()
    try:
        wait_for_worker(first)
        assert queue_compile(report.pk) is True
        # The first file is written; the worker pauses before the next one: kill it there.
        report = wait_for(report, lambda r: r.status == Report.Status.RUNNING and r.progress > 20, 60)
        delivered = time.time()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        stop_worker(first)
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING and not report.files.exists()
    assert not Path(reports.report_dir(report)).exists()
    partial = [p.name for p in reports_root.iterdir()]
    assert partial and all(".tmp-" in name for name in partial)  # unpublished leftovers only
    task_id = report.task_id

    time.sleep(max(0, delivered + 15 - time.time()))  # past the visibility timeout: redis gives it back
    second = start_worker()
    try:
        wait_for_worker(second)
        report = wait_for(report, lambda r: r.is_finished, 90)
    finally:
        stop_worker(second)
    assert report.status == Report.Status.COMPLETE and report.task_id == task_id
    assert Report.objects.filter(kind=ReportKind.NATIONAL).count() == 1 and report.version == 1
    files = list(report.files.all())
    assert len(files) == 4 and all(f.sha256 == sha256(reports.file_path(f)) for f in files)
    assert [p.name for p in reports_root.iterdir()] == [str(report.pk)]
