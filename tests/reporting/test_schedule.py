"""The schedule: periodic tasks declared once, milestone reports compiled once, daily reminders once."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from commitments.models import Evidence, MemberState
from monitor.celery import app
from reporting.models import Milestone, ReminderLog, Report, ReportKind
from tests.factories import EvidenceFactory, Role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"


@pytest.fixture(autouse=True, scope="module")
def task_modules():
    """Import every app's tasks module, as a worker or beat does on start."""
    app.loader.import_default_modules()


def test_setup_periodic_tasks_is_idempotent_and_keeps_operator_schedules():
    call_command("setup_periodic_tasks")
    tasks = dict(PeriodicTask.objects.values_list("task", "crontab__hour"))
    assert tasks == {
        "reporting.compile_due_reports": "2",
        "reporting.keep_national_reports_current": "1",
        "reporting.send_reminders": "6",
        "reviews.prepare_due_reviews": "2",
        "reviews.requeue_finalising": "*",
        "reporting.requeue_reports": "*",
        "reporting.refresh_open_data": "*",
        "reporting.prebuild_pages": "*",
    }
    reminder = PeriodicTask.objects.get(task="reporting.send_reminders")
    reminder.crontab.hour = "7"
    reminder.crontab.save()
    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.filter(task__startswith="reporting.").count() == 6
    assert PeriodicTask.objects.get(task="reporting.send_reminders").crontab.hour == "7"
    assert Milestone.objects.filter(kind=Milestone.Kind.SG_REPORT, year=2026).exists()


def test_the_scheduled_task_compiles_the_biennial_report_once_at_the_sg_cutoff(framework):
    with time_machine.travel("2025-06-01 02:15Z", tick=False):
        call_command("setup_periodic_tasks")
    milestone = Milestone.objects.get(kind=Milestone.Kind.SG_REPORT, year=2026)
    with time_machine.travel("2025-06-01 02:15Z", tick=False):
        EvidenceFactory(published=True, cycle=2)
    entry = PeriodicTask.objects.get(name__startswith="Compile the reports due")
    task = app.tasks[entry.task]
    with time_machine.travel("2025-12-30 02:15Z", tick=False):
        task.apply()
    assert not Report.objects.exists()  # the day before the cut-off
    with time_machine.travel(f"{milestone.data_cutoff.isoformat()} 02:15Z", tick=False):
        task.apply()
        task.apply()
    report = Report.objects.get()
    assert (report.kind, report.cycle, report.milestone, report.scheduled) == (ReportKind.GLOBAL, 2, milestone, True)
    assert report.status == Report.Status.COMPLETE and report.files.count() == 4
    assert report.data_cutoff.date() == milestone.data_cutoff
    with time_machine.travel("2026-01-02 02:15Z", tick=False):
        task.apply()
    assert Report.objects.count() == 1


def test_regional_and_national_milestones(framework):
    with time_machine.travel("2023-06-01 02:15Z", tick=False):
        call_command("setup_periodic_tasks")
        EvidenceFactory(published=True, cycle=2)  # Morocco, cycle 2
    with time_machine.travel("2024-01-01 02:15Z", tick=False):
        app.tasks["reporting.compile_due_reports"].apply()
    regions = sorted(Report.objects.filter(kind=ReportKind.REGIONAL).values_list("region", flat=True))
    assert regions == sorted(set(MemberState.objects.values_list("region", flat=True)))
    imrf = Milestone.objects.get(kind=Milestone.Kind.IMRF, year=2026)
    with time_machine.travel(f"{imrf.data_cutoff.isoformat()} 02:15Z", tick=False):
        app.tasks["reporting.compile_due_reports"].apply()
        app.tasks["reporting.compile_due_reports"].apply()
    national = Report.objects.get(kind=ReportKind.NATIONAL)
    assert (national.member_state.iso3, national.cycle, national.status) == ("MAR", 2, Report.Status.COMPLETE)


def test_a_report_left_queued_is_compiled_by_the_daily_task(framework):
    from reporting import reports

    with time_machine.travel("2025-03-01 10:00Z", tick=False):
        report = reports.request_report(kind=ReportKind.GLOBAL, cycle=2)
    with time_machine.travel("2025-03-01 10:30Z", tick=False):
        app.tasks["reporting.compile_due_reports"].apply()
    report.refresh_from_db()
    assert report.status == Report.Status.COMPLETE


def test_reminders_go_to_focal_points_once_a_day(framework):
    focal = make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    make_user(Role.FOCAL_POINT, state="MEX", username="lucia")  # nothing waits for Mexico
    EvidenceFactory(review_state=Evidence.ReviewState.SUBMITTED)
    EvidenceFactory(review_state=Evidence.ReviewState.RETURNED)
    send = app.tasks["reporting.send_reminders"]
    with time_machine.travel("2025-03-03 06:00Z", tick=False):
        call_command("setup_periodic_tasks")
        assert send.apply().get() == 1
        assert send.apply().get() == 0
    assert [m.to for m in mail.outbox] == [["youssef@example.org"]]
    body = mail.outbox[0].body
    assert "1 record is waiting for your validation." in body and "1 returned record" in body
    with time_machine.travel("2025-12-10 06:00Z", tick=False):
        assert send.apply().get() == 2  # both: a milestone (the SG report cut-off) is within 30 days
    assert "Report of the Secretary-General 2026" in mail.outbox[-1].body
    assert ReminderLog.objects.filter(user=focal).values_list("day", flat=True).count() == 2
    assert set(ReminderLog.objects.values_list("day", flat=True)) == {date(2025, 3, 3), date(2025, 12, 10)}
