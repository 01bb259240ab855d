"""REVIEW_LEAD_MONTHS before a regional review or a Forum, each State with a focal point gets a draft
and its focal points one e-mail; running the task twice changes nothing."""

import time_machine
from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from monitor.celery import app
from reporting.models import Milestone
from reporting.reviews import schedule
from reporting.reviews.models import VoluntaryReview


def run_task():
    app.loader.import_default_modules()
    entry = PeriodicTask.objects.get(task="reviews.prepare_due_reviews")
    return app.tasks[entry.task].apply().get()


def test_a_draft_is_prepared_six_months_ahead_once_and_the_focal_point_reminded(world, settings):
    settings.REVIEW_LEAD_MONTHS = 6
    call_command("setup_periodic_tasks")
    milestone = world["milestone"]  # regional reviews 2028, on 30 June 2028
    assert milestone.date.isoformat() == "2028-06-30"
    with time_machine.travel("2027-12-01 02:45Z", tick=False):  # seven months before: nothing yet
        assert run_task() == []
    assert not VoluntaryReview.objects.exists() and not mail.outbox
    with time_machine.travel("2028-01-05 02:45Z", tick=False):
        created = run_task()
        again = run_task()
    assert again == []
    reviews = VoluntaryReview.objects.filter(pk__in=created)
    states = set(reviews.values_list("member_state__iso3", flat=True))
    assert states == {"MAR", "MEX"}  # the States that have a focal point
    mar = reviews.get(member_state__iso3="MAR")
    assert (mar.milestone, mar.scheduled, mar.drafting, mar.language) == (milestone, True, "ready", "en")
    assert mar.sections.count() == 28
    assert sorted(m.to[0] for m in mail.outbox) == ["mar-focal@example.org", "mex-focal@example.org"]
    message = next(m for m in mail.outbox if m.to == ["mar-focal@example.org"])
    assert "Regional reviews 2028" in message.body and mar.get_absolute_url() in message.body


def test_the_lead_time_is_a_setting(world, settings):
    settings.REVIEW_LEAD_MONTHS = 1
    with time_machine.travel("2028-01-05 02:45Z", tick=False):
        assert not list(schedule.approaching_milestones(__import__("datetime").date(2028, 1, 5)))
        assert schedule.prepare_due_reviews() == []
    with time_machine.travel("2028-06-10 02:45Z", tick=False):
        assert len(schedule.prepare_due_reviews()) == 2
    assert Milestone.objects.get(pk=world["milestone"].pk).kind == Milestone.Kind.REGIONAL_REVIEW


def test_a_review_the_focal_point_started_is_kept(review, world):
    with time_machine.travel("2028-01-05 02:45Z", tick=False):
        created = schedule.prepare_due_reviews()
        reminded = schedule.remind_focal_points()
    assert VoluntaryReview.objects.filter(member_state=world["state"]).count() == 1
    assert VoluntaryReview.objects.get(pk__in=created).member_state == world["other_state"]
    assert reminded == 1 and [m.to for m in mail.outbox] == [["mex-focal@example.org"]]


def test_the_reminder_is_written_in_the_focal_points_language(world, monkeypatch):
    from django.utils import translation

    from commitments.models import Profile

    Profile.objects.filter(user=world["focal"]).update(language="fr")
    languages = []
    original = schedule.render_to_string

    def spy(template, context):
        languages.append((template, translation.get_language()))
        return original(template, context)

    monkeypatch.setattr(schedule, "render_to_string", spy)
    with time_machine.travel("2028-01-05 02:45Z", tick=False):
        schedule.prepare_due_reviews()
        schedule.remind_focal_points()
    mar = VoluntaryReview.objects.get(member_state=world["state"])
    assert mar.language == "fr"  # the draft is prepared in the focal point's language too
    assert ("reviews/email/reminder.txt", "fr") in languages
    assert ("reviews/email/reminder.txt", "en") in languages  # Mexico's focal point chose none
