"""What the daily scheduled tasks do: compile the reports each milestone calls for (once), pick up
reports left queued, and remind focal points of what waits for them.

A milestone's reports are claimed by the unique constraint (kind, scope, cycle, milestone), so the
schedule running twice, or on two machines, compiles each once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import STATE_ROLES, Evidence, MemberState, Profile, Role
from commitments.pledges import selectors as pledge_selectors
from monitor.languages import in_language_of

from . import cycle, reports
from .models import HEARTBEAT_STALE, Milestone, ReminderLog, Report, ReportKind

log = logging.getLogger(__name__)
# How long after its cut-off a milestone's reports may still be compiled (if the schedule was down).
CATCH_UP_DAYS = 30
# A queued report older than this was not picked up by a worker (the broker was down): queue it again.
STALE_QUEUED = timedelta(minutes=10)
NOT_HANDED_OVER_GRACE = timedelta(minutes=1)
DEAD_COMPILATION = _(
    "The previous compilation stopped at %(progress)s%% without finishing (its worker was lost); "
    "the report was queued again."
)
REMINDER_HORIZON_DAYS = 30


def due_milestones(today):
    """Milestones whose data cut-off has come and whose window has not closed."""
    window = Q(date__gte=today) | Q(data_cutoff__gte=today - timedelta(days=CATCH_UP_DAYS))
    kinds = [Milestone.Kind.SG_REPORT, Milestone.Kind.REGIONAL_REVIEW, Milestone.Kind.IMRF]
    return Milestone.objects.filter(window, kind__in=kinds, data_cutoff__lte=today).order_by("data_cutoff")


def scopes_for(milestone, cycle_number, cutoff):
    """[(kind, scope fields)] a milestone calls for."""
    if milestone.kind == Milestone.Kind.SG_REPORT:
        return [(ReportKind.GLOBAL, {})]
    if milestone.kind == Milestone.Kind.REGIONAL_REVIEW:
        regions = MemberState.objects.order_by("region").values_list("region", flat=True).distinct()
        return [(ReportKind.REGIONAL, {"region": r}) for r in regions if r]
    # Ahead of the IMRF: a national report for each State with published evidence in the cycle.
    states = MemberState.objects.filter(
        evidence__is_published=True, evidence__cycle=cycle_number, evidence__validated_at__lt=cutoff
    ).distinct()
    return [(ReportKind.NATIONAL, {"member_state": s}) for s in states]


def claim_milestone_reports(today=None):
    """Create the queued reports due today that no earlier run claimed: [report ids]."""
    today = today or timezone.localdate()
    cycle.ensure_calendar()
    created = []
    for milestone in due_milestones(today):
        number = cycle.milestone_cycle(milestone)
        cutoff = reports.cutoff_of(milestone.data_cutoff)
        for kind, scope in scopes_for(milestone, number, cutoff):
            try:
                report = reports.request_report(
                    kind=kind, cycle=number, data_cutoff=cutoff, milestone=milestone, **scope
                )
            except IntegrityError:
                continue  # claimed by an earlier run
            created.append(report.pk)
    return created


def _edition_languages():
    """{State id: languages}: the site's, and each of the State's people's own."""
    languages = {}
    people = Profile.objects.filter(role__in=STATE_ROLES).exclude(language="")
    for state_id, language in people.values_list("member_state_id", "language").distinct():
        languages.setdefault(state_id, set()).add(language)
    return languages


def keep_national_reports_current(now=None):
    """Nightly: queue, in the site's language and in each language the State's people chose, the
    national report of every State whose data changed since its last report of the data as it
    stands (`reports.sameness`), so a focal point's request the next day is published with its
    files at once. A State with a report of the same scope still queued or compiling is left to it.
    Returns the new reports' ids."""
    from commitments.pledges.models import NationalPlan, Pledge

    now = now or timezone.now()
    number = cycle.current_cycle(now.date())
    published = Evidence.objects.filter(is_published=True, cycle=number, member_state=OuterRef("pk"))
    states = MemberState.objects.filter(
        Exists(published)
        | Exists(NationalPlan.objects.filter(is_published=True, member_state=OuterRef("pk")))
        | Exists(Pledge.objects.filter(is_published=True, member_state=OuterRef("pk")))
    ).order_by("iso3")
    busy = set(
        Report.objects.filter(
            kind=ReportKind.NATIONAL, cycle=number, status__in=[Report.Status.QUEUED, Report.Status.RUNNING]
        ).values_list("scope_key", flat=True)
    )
    people = _edition_languages()
    created = []
    for state in states:
        key = reports.scope_key(ReportKind.NATIONAL, state)
        if key in busy:
            continue
        for language in sorted({settings.LANGUAGE_CODE} | people.get(state.pk, set())):
            probe = Report(
                kind=ReportKind.NATIONAL,
                member_state=state,
                scope_key=key,
                cycle=number,
                data_cutoff=now,
                parameters={"language": language, "cutoff_chosen": False},
            )
            if reports.same_data(probe, reports.data_fingerprint(probe)) is None:
                report = reports.request_report(
                    kind=ReportKind.NATIONAL, cycle=number, member_state=state, language=language
                )
                created.append(report.pk)
    return created


def stale_reports(now=None):
    """Reports nobody is compiling: never handed to the broker (it was down), handed over but not
    picked up, or compiling with a dead worker (no heartbeat) or past the hard time limit."""
    now = now or timezone.now()
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    return list(Report.objects.filter(stale_condition(now, limit)).order_by("pk").values_list("pk", flat=True))


def stale_condition(now, limit=None):
    limit = limit or timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    queued, running = Report.Status.QUEUED, Report.Status.RUNNING
    return (
        # A minute's grace: the request that created it may still be queueing it.
        Q(status=queued, queued_at__isnull=True, requested_at__lt=now - NOT_HANDED_OVER_GRACE)
        | Q(status=queued, queued_at__lt=now - STALE_QUEUED)
        | Q(status=running, heartbeat_at__lt=now - HEARTBEAT_STALE)
        | Q(status=running, started_at__lt=now - limit)
    )


def take_for_requeue(report_id, now=None):
    """Claim one stale report for queueing again (conditional update: of two runs, one wins).
    A dead compilation goes back to queued, saying so on its page."""
    now = now or timezone.now()
    query = Report.objects.filter(stale_condition(now), pk=report_id)
    dead = query.filter(status=Report.Status.RUNNING).first()
    fields = {"status": Report.Status.QUEUED, "queued_at": now}
    if dead is not None:
        fields["error"] = DEAD_COMPILATION % {"progress": dead.progress}
    return bool(query.update(**fields))


def release_requeue(report_id):
    Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(queued_at=None)


# --- Reminders ---------------------------------------------------------------------------------


def reminder_for(profile, today):
    """What one focal point should hear about today, or None."""
    mine = Evidence.objects.filter(member_state_id=profile.member_state_id)
    counts = mine.aggregate(
        submitted=Count("id", filter=Q(review_state=Evidence.ReviewState.SUBMITTED)),
        returned=Count("id", filter=Q(review_state=Evidence.ReviewState.RETURNED)),
    )
    horizon = today + timedelta(days=REMINDER_HORIZON_DAYS)
    milestones = [
        {
            "title": m.title,
            "kind": m.kind,
            "year": m.year,
            "date": m.date.isoformat(),
            "data_cutoff": m.data_cutoff.isoformat(),
        }
        for m in Milestone.objects.filter(Q(date__range=(today, horizon)) | Q(data_cutoff__range=(today, horizon)))
    ]
    targets = pledge_selectors.targets_for_reminder(profile.member_state_id, today)
    if not (counts["submitted"] or counts["returned"] or milestones or targets):
        return None
    return {**counts, "milestones": milestones, "targets": targets}


def send_reminders(today=None):
    """E-mail each active focal point at most once a day; returns how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    people = Profile.objects.filter(role=Role.FOCAL_POINT, user__is_active=True).select_related("user", "member_state")
    for profile in people.exclude(user__email=""):
        summary = reminder_for(profile, today)
        if summary is None:
            continue
        try:
            with transaction.atomic():
                ReminderLog.objects.create(user=profile.user, day=today, summary=summary)
                _mail(profile, summary)
        except IntegrityError:
            continue  # already reminded today
        sent += 1
    return sent


def _mail(profile, summary):
    with in_language_of(profile.user):
        milestones = [{**m, "title": Milestone.title_for(m["kind"], m["year"])} for m in summary["milestones"]]
        context = {"profile": profile, "summary": {**summary, "milestones": milestones}, "site_url": settings.SITE_URL}
        subject = render_to_string("reporting/email/reminder_subject.txt", context).strip()
        body = render_to_string("reporting/email/reminder.txt", context)
    send_mail(subject, body, None, [profile.user.email])
