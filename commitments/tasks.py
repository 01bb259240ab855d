"""Celery tasks of the commitments app: thin, id-based, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from monitor.languages import language_of

from .models import Evidence, EvidenceEvent, Profile, Role


def recipient_users(kind, evidence, actor_id):
    """Who hears about a transition: reviewers on submission, the authors on a decision."""
    if kind == EvidenceEvent.Kind.SUBMITTED:
        if evidence.member_state_id:
            people = Profile.objects.filter(role=Role.FOCAL_POINT, member_state_id=evidence.member_state_id)
        else:
            people = Profile.objects.filter(role=Role.SECRETARIAT)
        users = get_user_model().objects.filter(profile__in=people)
    else:
        ids = {evidence.created_by_id, evidence.submitted_by_id} - {None}
        users = get_user_model().objects.filter(pk__in=ids)
    return [u for u in users.filter(is_active=True).exclude(pk=actor_id).select_related("profile") if u.email]


def recipients_for(kind, evidence, actor_id):
    return sorted({u.email for u in recipient_users(kind, evidence, actor_id)})


def by_language(users):
    """{language: sorted e-mail addresses}: each person reads the mail in their own language."""
    groups = {}
    for user in users:
        groups.setdefault(language_of(user), set()).add(user.email)
    return {language: sorted(emails) for language, emails in sorted(groups.items())}


@shared_task(bind=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_evidence_notification(self, kind, evidence_id, actor_id):
    evidence = Evidence.objects.select_related("member_state", "organisation", "primary_action").get(pk=evidence_id)
    groups = by_language(recipient_users(kind, evidence, actor_id))
    if not groups:
        return 0
    event = evidence.events.filter(kind=kind).order_by("-at").first()
    context = {"evidence": evidence, "event": event, "site_url": settings.SITE_URL}
    sent = 0
    for language, to in groups.items():
        with translation.override(language):
            subject = render_to_string("commitments/email/subject.txt", context).strip()
            body = render_to_string("commitments/email/transition.txt", context)
            sent += send_mail(subject, body, None, to)
    return sent
