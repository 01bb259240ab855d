"""Declare the periodic tasks in one reviewed place (django-celery-beat's database scheduler).

Idempotent: a task that exists keeps the schedule an operator set in the admin; only its task
name is corrected. Also makes sure the review calendar exists, since the tasks read it.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from reporting.cycle import ensure_calendar

# name -> (task, crontab fields (UTC), description). Append new tasks here.
PERIODIC_TASKS = {
    "Compile the reports due at the review calendar's milestones": (
        "reporting.compile_due_reports",
        {"minute": "15", "hour": "2"},
        "Global biennial report at each SG report cut-off, regional reports as a regional review year opens, "
        "national reports 90 days before each IMRF; each once. Also re-queues reports left queued.",
    ),
    "Compile overnight the national reports whose data changed": (
        "reporting.keep_national_reports_current",
        {"minute": "30", "hour": "1"},
        "For each State whose records, plans or pledges changed since its last national report of the data as it "
        "stands, a new one in the site's language and its people's languages. A request the next day for the same "
        "data is then published with those files at once instead of compiling for seconds to minutes.",
    ),
    "Remind focal points of what waits for them": (
        "reporting.send_reminders",
        {"minute": "0", "hour": "6"},
        "Submissions to validate, returned records, milestones within 30 days; one e-mail a day at most.",
    ),
    "Prepare voluntary national reviews ahead of regional reviews and Forums": (
        "reviews.prepare_due_reviews",
        {"minute": "45", "hour": "2"},
        "REVIEW_LEAD_MONTHS (default 6) before each regional review and IMRF: a first draft for each State with a "
        "focal point, drafted from its published evidence, and one e-mail to its focal points; each once.",
    ),
    "Queue again the reports waiting for the task service, or whose compilation died": (
        "reporting.requeue_reports",
        {"minute": "*/2"},
        "Reports requested while redis was down, lost by the broker, or whose worker died mid-compilation "
        "(no heartbeat for 10 minutes). Each is taken once, so two runs never queue a report twice.",
    ),
    "Queue again the review finalisations the task service lost, or whose worker died": (
        "reviews.requeue_finalising",
        {"minute": "*/2"},
        "A focal point's new review version queued or being written with no progress for 10 minutes (the broker "
        "lost it, or its worker died) is queued again; each once per 10 minutes, and a duplicate does nothing.",
    ),
    "Pre-build the most read pages after a change": (
        "reporting.prebuild_pages",
        {"minute": "*"},
        "Renders the home page, the dashboards, the objective pages and the evidence list in every language into "
        "the cache when readers' data changed (or a new day began); does nothing otherwise.",
    ),
    "Keep the open data package current": (
        "reporting.refresh_open_data",
        {"minute": "40"},
        "Builds the package if it is missing or older than the last validation or withdrawal; does nothing "
        "otherwise. Validations also ask for a rebuild two minutes later.",
    ),
}


class Command(BaseCommand):
    help = "Create the periodic tasks (and the review calendar) if they are missing."

    @transaction.atomic
    def handle(self, *args, **options):
        ensure_calendar()
        for name, (task, crontab, description) in PERIODIC_TASKS.items():
            schedule, _ = CrontabSchedule.objects.get_or_create(
                day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC", **crontab
            )
            periodic, created = PeriodicTask.objects.get_or_create(
                name=name, defaults={"task": task, "crontab": schedule, "description": description}
            )
            if not created and periodic.task != task:
                periodic.task = task
                periodic.save(update_fields=["task"])
            self.stdout.write(f"{'created' if created else 'kept'}: {name} ({task})")
