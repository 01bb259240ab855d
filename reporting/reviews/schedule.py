"""What the daily review task does: when a regional review or a Forum is REVIEW_LEAD_MONTHS away,
prepare a draft for each State that has a focal point (once: the unique constraint per State and
milestone claims it), and remind those focal points by e-mail once per review (a conditional
update on `reminded_at` claims each reminder, so two runs never send it twice)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from commitments.models import MemberState, Profile, Role
from reporting import cycle

from . import services
from .models import VoluntaryReview

STALE_QUEUED = timedelta(minutes=10)


def lead_days():
    return int(getattr(settings, "REVIEW_LEAD_MONTHS", 6) * 30.5)


def approaching_milestones(today):
    """Regional reviews and Forums within the lead time, not yet past."""
    return services.review_milestones(today).filter(date__lte=today + timedelta(days=lead_days()))


def _states_with_focal_points():
    return MemberState.objects.filter(
        pk__in=Profile.objects.filter(role=Role.FOCAL_POINT, user__is_active=True).values("member_state")
    )


def prepare_due_reviews(today=None):
    """[ids of reviews created now]; a State that already has its review is left alone."""
    today = today or timezone.localdate()
    cycle.ensure_calendar()
    created = []
    for milestone in approaching_milestones(today):
        existing = VoluntaryReview.objects.filter(milestone=milestone).values("member_state")
        for state in _states_with_focal_points().exclude(pk__in=existing):
            language = _language_of_focal_point(state) or settings.LANGUAGE_CODE
            try:
                review = services.create_review(member_state=state, milestone=milestone, language=language, today=today)
            except ValidationError:
                continue  # created meanwhile by the focal point or another run
            created.append(review.pk)
    return created


def _language_of_focal_point(state):
    profile = Profile.objects.filter(role=Role.FOCAL_POINT, member_state=state, user__is_active=True).first()
    return _profile_language(profile) if profile else None


def _profile_language(profile):
    """The language the person chose on the switcher (Profile.language), else None."""
    language = profile.language or ""
    return language if language in dict(settings.LANGUAGES) else None


def stale_drafts(now=None):
    """Drafts nobody is preparing: queued too long (broker down), or running past the time limit."""
    now = now or timezone.now()
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    return list(
        VoluntaryReview.objects.filter(
            Q(drafting=VoluntaryReview.Drafting.QUEUED, created_at__lt=now - STALE_QUEUED)
            | Q(drafting=VoluntaryReview.Drafting.RUNNING, drafting_started_at__lt=now - limit)
        ).values_list("pk", flat=True)
    )


def stale_finalisations(now=None):
    """Finalisations nobody is writing: queued or running with no progress for 10 minutes (the
    broker lost the task, or its worker died). Queued again, the task takes them over."""
    return list(
        VoluntaryReview.objects.filter(services.finalising_is_stale(now)).order_by("pk").values_list("pk", flat=True)
    )


def take_stale_finalisation(review_id, now=None):
    """Claim one stale finalisation for queueing again (of two runs, one wins): it is queued anew
    with its clock restarted, so it is queued once per 10 minutes at most; a dead run that wakes up
    records nothing (its updates ask for it running under its own task id)."""
    now = now or timezone.now()
    return bool(
        VoluntaryReview.objects.filter(services.finalising_is_stale(now), pk=review_id).update(
            finalising=VoluntaryReview.Finalising.QUEUED, finalising_progress=0, finalising_progress_at=now
        )
    )


def remind_focal_points(now=None):
    """E-mail the focal points of each scheduled review once; returns how many reviews were announced."""
    now = now or timezone.now()
    announced = 0
    for review in VoluntaryReview.objects.filter(scheduled=True, reminded_at__isnull=True).select_related(
        "member_state", "milestone"
    ):
        if not VoluntaryReview.objects.filter(pk=review.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue  # claimed by another run
        people = Profile.objects.filter(
            role=Role.FOCAL_POINT, member_state=review.member_state, user__is_active=True
        ).exclude(user__email="")
        for profile in people.select_related("user"):
            _mail(profile, review)
        announced += 1
    return announced


def _mail(profile, review):
    language = _profile_language(profile) or review.language
    with translation.override(language):
        context = {"review": review, "profile": profile, "site_url": settings.SITE_URL}
        subject = render_to_string("reviews/email/reminder_subject.txt", context).strip()
        body = render_to_string("reviews/email/reminder.txt", context)
    send_mail(subject, body, None, [profile.user.email])
