"""Writes to voluntary reviews: creation, drafting from the data, editing, contributions,
finalisation and publication.

Every function checks who may act and from which state, runs in one transaction and records
history; side effects (queueing the drafting task) run after commit.

    created (drafting queued) -> drafting -> ready: sections edited, contributions decided
    ready -> finalising queued -> running -> version 1, 2, ... (immutable: content, DOCX, PDF, SHA-256)
    a finalised version -> published (by the State's focal point)

Drafting and finalising are long (a large State's PDF takes minutes): the request checks and
claims, a celery task does the work with progress, and a failure is recorded for the page.
"""

import logging
import os
import shutil
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reporting import cycle as review_cycle
from reporting.models import Milestone
from reporting.reports.publication import sha256_of as sha256_of_file  # the compiled reports' checksum, reused
from reporting.reports.snapshot import consistent_reads

from . import drafting, permissions, selectors
from .models import (
    Contribution,
    ReviewFile,
    ReviewVersion,
    Section,
    SectionKind,
    SectionRevision,
    VoluntaryReview,
)

log = logging.getLogger(__name__)
REVIEW_MILESTONES = (Milestone.Kind.REGIONAL_REVIEW, Milestone.Kind.IMRF)
MAX_TEXT = 100_000
POSITIONS = {"methodology": 10, "policy": 20, "objective": 30, "means": 60, "challenges": 70, "annex": 80}


class ReviewError(Exception):
    """A step that is not possible in the review's current state."""


class StaleSectionEdit(ReviewError):
    """The section changed since the editor opened it; nothing was written."""

    def __init__(self, section, submitted_version):
        self.section = section
        self.submitted_version = submitted_version
        super().__init__(
            _(
                "Someone else saved this section (version %(current)s) after you opened it (version %(yours)s). "
                "Nothing was overwritten: read their text and apply your changes again."
            )
            % {"current": section.version, "yours": submitted_version}
        )


# --- Creating and drafting ------------------------------------------------------------------------


def review_milestones(today=None):
    """Milestones a review can be prepared for: regional reviews and Forums not yet past."""
    today = today or timezone.localdate()
    return Milestone.objects.filter(kind__in=REVIEW_MILESTONES, date__gte=today).order_by("date")


def create_review(*, member_state, milestone, language, user=None, today=None):
    """A new review (drafting queued after commit). `user` None means the schedule.
    Raises PermissionDenied, or ValidationError when the State already has one for the milestone."""
    if user is not None and not permissions.can_create(user, member_state):
        raise PermissionDenied(_("Only the State's national focal point can start its review."))
    errors = {}
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the six UN languages.")]
    if milestone is None or milestone.kind not in REVIEW_MILESTONES:
        errors["milestone"] = [_("Choose a regional review or an International Migration Review Forum.")]
    if errors:
        raise ValidationError(errors)
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            review = VoluntaryReview.objects.create(
                member_state=member_state,
                milestone=milestone,
                cycle=review_cycle.milestone_cycle(milestone),
                year=today.year,
                language=language,
                created_by=user,
                scheduled=user is None,
            )
            transaction.on_commit(lambda: _queue_drafting(review.pk))
    except IntegrityError as exc:
        raise ValidationError(
            {"milestone": [_("%(state)s already has a review for this milestone.") % {"state": member_state.name}]}
        ) from exc
    return review


def _queue_drafting(review_id):
    from .tasks import queue_drafting

    queue_drafting(review_id)


def claim_drafting(review_id, task_id):
    """The review if this task may draft it now (queued -> running), else None. A running draft is
    taken over only by the same task redelivered, or when its run is older than the time limit."""
    now = timezone.now()
    fields = {"drafting": VoluntaryReview.Drafting.RUNNING, "task_id": task_id, "drafting_started_at": now}
    won = VoluntaryReview.objects.filter(pk=review_id, drafting=VoluntaryReview.Drafting.QUEUED).update(
        progress=0, **fields
    )
    if not won:
        stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
        running = VoluntaryReview.objects.filter(pk=review_id, drafting=VoluntaryReview.Drafting.RUNNING)
        won = running.filter(Q(task_id=task_id) | Q(drafting_started_at__lt=stale)).update(progress=0, **fields)
    if not won:
        return None
    return VoluntaryReview.objects.select_related("member_state", "milestone").get(pk=review_id)


def _progress(review, percent):
    VoluntaryReview.objects.filter(pk=review.pk, task_id=review.task_id).update(progress=percent)


def run_drafting(review_id, task_id):
    """Draft every section from the data; safe to run twice. Returns what happened."""
    review = claim_drafting(review_id, task_id)
    if review is None:
        return "not-claimed"
    try:
        sections = draft_sections(review, progress=lambda p: _progress(review, p))
        with transaction.atomic():
            _write_drafted(review, sections)
    except Exception as exc:  # noqa: BLE001 - recorded on the review for the focal point to see
        log.exception("Drafting review %s failed", review_id)
        VoluntaryReview.objects.filter(pk=review_id, task_id=task_id).update(
            drafting=VoluntaryReview.Drafting.FAILED,
            error=_("The draft could not be prepared: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"},
        )
        return "failed"
    return "ready"


def draft_sections(review, progress=lambda p: None):
    """[(kind, objective number or None, narrative, facts)] in document order, in the review's language."""
    state, number = review.member_state, review.cycle
    objectives = selectors.objective_facts(state.pk, number)
    progress(40)
    participation = selectors.participation_facts(state.pk, number)
    challenges = selectors.challenge_facts(state.pk, number)
    annex = selectors.annex_facts(state.pk, number)
    progress(70)
    with translation.override(review.language):
        plans = selectors.plan_and_pledge_facts(state, number)  # its labels in the review's language
        result = [
            (
                SectionKind.METHODOLOGY,
                None,
                drafting.methodology_text(state.name, number, participation),
                participation,
            ),
            (SectionKind.POLICY, None, "", {}),
        ]
        for n, facts in objectives.items():
            items = plans.get(n, [])
            text = drafting.objective_text(state.name, number, facts, items)
            result.append((SectionKind.OBJECTIVE, n, text, {**facts, "plan_items": items}))
        result += [
            (SectionKind.MEANS, None, drafting.means_text(participation), {"partners": participation["partners"]}),
            (SectionKind.CHALLENGES, None, drafting.challenges_text(challenges), {"records": challenges}),
            (SectionKind.ANNEX, None, drafting.annex_text(annex), annex),
        ]
    progress(85)
    return result


def _write_drafted(review, sections):
    from commitments.models import Objective

    objective_ids = dict(Objective.objects.values_list("number", "pk"))
    Section.objects.filter(review=review).delete()  # only a draft that never became ready had any
    rows = Section.objects.bulk_create(
        Section(
            review=review,
            kind=kind,
            objective_id=objective_ids.get(number) if number else None,
            position=POSITIONS[kind] + (number or 0),
            narrative=text,
            facts=facts,
        )
        for kind, number, text, facts in sections
    )
    SectionRevision.objects.bulk_create(
        SectionRevision(section=row, version=1, kind=SectionRevision.Kind.DRAFTED, narrative=row.narrative)
        for row in rows
    )
    done = VoluntaryReview.objects.filter(
        pk=review.pk, drafting=VoluntaryReview.Drafting.RUNNING, task_id=review.task_id
    ).update(drafting=VoluntaryReview.Drafting.READY, progress=100, error="")
    if not done:
        raise IntegrityError("another run took this review over")


# --- Editing together -----------------------------------------------------------------------------


def _check_ready(review):
    if review.drafting != VoluntaryReview.Drafting.READY:
        raise ReviewError(_("The draft is still being prepared from the data."))


def _clean_text(text, field):
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MAX_TEXT:
        raise ValidationError({field: [_("The text is longer than %(n)s characters.") % {"n": MAX_TEXT}]})
    return text


def edit_section(user, section, narrative, version):
    """Save a section's narrative if nobody saved it since `version`; else StaleSectionEdit."""
    review = section.review
    if not permissions.can_edit(user, review):
        raise PermissionDenied(_("Only the State's contributors and focal points edit its review."))
    _check_ready(review)
    narrative = _clean_text(narrative, "narrative")
    with transaction.atomic():
        saved = Section.objects.filter(pk=section.pk, version=version).update(
            narrative=narrative, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
        )
        if not saved:
            raise StaleSectionEdit(Section.objects.get(pk=section.pk), version)
        SectionRevision.objects.create(
            section=section, version=version + 1, kind=SectionRevision.Kind.EDITED, narrative=narrative, actor=user
        )
    section.refresh_from_db()
    return section


def contribute(user, section, text):
    """A stakeholder based in the State submits a contribution to a section."""
    review = section.review
    organisation = permissions.based_stakeholder(user, review)
    if organisation is None:
        raise PermissionDenied(
            _("Only stakeholders based in %(state)s contribute to its review.") % {"state": review.member_state.name}
        )
    _check_ready(review)
    text = _clean_text(text, "text").strip()
    if not text:
        raise ValidationError({"text": [_("Write the contribution first.")]})
    return Contribution.objects.create(section=section, organisation=organisation, author=user, text=text)


def decide_contribution(user, contribution, decision):
    """The focal point accepts a contribution into the section's text (appended, attributed) or keeps
    it in the annex of stakeholder views. Either way it stays with the review; it is decided once."""
    section = contribution.section
    review = section.review
    if not permissions.can_decide(user, review):
        raise PermissionDenied(_("Only the State's focal point decides on contributions."))
    if decision not in (Contribution.Decision.ACCEPTED, Contribution.Decision.ANNEXED):
        raise ValidationError({"decision": [_("Accept the contribution or keep it in the annex.")]})
    with transaction.atomic():
        decided = Contribution.objects.filter(pk=contribution.pk, decision=Contribution.Decision.PENDING).update(
            decision=decision, decided_by=user, decided_at=timezone.now()
        )
        if not decided:
            raise ReviewError(_("This contribution was already decided on."))
        if decision == Contribution.Decision.ACCEPTED:
            _append_contribution(user, section, contribution)
    contribution.refresh_from_db()
    return contribution


def _append_contribution(user, section, contribution):
    section = Section.objects.select_for_update().get(pk=section.pk)
    with translation.override(section.review.language):
        heading = _("Contribution from %(organisation)s:") % {"organisation": contribution.organisation.name}
    section.narrative = f"{section.narrative.rstrip()}\n\n*{heading}*\n\n{contribution.text}\n"
    section.version += 1
    section.updated_by = user
    section.save(update_fields=["narrative", "version", "updated_by", "updated_at"])
    SectionRevision.objects.create(
        section=section,
        version=section.version,
        kind=SectionRevision.Kind.ACCEPTED,
        narrative=section.narrative,
        actor=user,
        note=contribution.organisation.name,
    )


# --- Finalising and publishing --------------------------------------------------------------------


def snapshot(review):
    """Everything a finalised version says, as plain data in the review's language."""
    sections = list(review.sections.select_related("objective"))
    contributions = Contribution.objects.filter(section__review=review).select_related(
        "organisation", "section__objective"
    )
    with translation.override(review.language):
        return {
            "title": str(review.title),
            "state": review.member_state.name,
            "iso3": review.member_state.iso3,
            "milestone": review.milestone.title,
            "cycle": review.cycle,
            "year": review.year,
            "language": review.language,
            "headings": {
                "objectives": str(SectionKind.OBJECTIVE.label),
                "stakeholder_views": _("Annex: stakeholder views"),
                "notes": _("Notes: the records cited"),
                "records": _("Records"),
                "measure": _("Measure"),
                "action": _("Action"),
                "status": _("Status"),
                "results": _("Results"),
                "note": _("Note"),
                "no_evidence": _(drafting.NO_EVIDENCE),
                "version": _("Version %(n)s, finalised %(day)s"),
            },
            "sections": [_section_content(s) for s in sections],
            "stakeholder_views": [
                {
                    "organisation": c.organisation.name,
                    "section": str(c.section.heading),
                    "decision": c.decision,
                    "decision_label": str(c.get_decision_display()),
                    "text": c.text,
                }
                for c in contributions
            ],
        }


def _section_content(section):
    facts = section.facts or {}
    return {
        "kind": section.kind,
        "heading": str(section.heading),
        "objective": section.objective.number if section.objective_id else None,
        "narrative": section.narrative,
        "records": _labelled(facts.get("records", [])) if section.kind == SectionKind.OBJECTIVE else [],
        "annex_records": _labelled(facts.get("records", [])) if section.kind == SectionKind.ANNEX else [],
        "total": facts.get("total"),
    }


def _labelled(records):
    return [{**r, "status_label": drafting.status_label(r["status"])} for r in records]


FINALISING_STALE = timedelta(minutes=10)
FINALISING_ACTIVE = (VoluntaryReview.Finalising.QUEUED, VoluntaryReview.Finalising.RUNNING)
_FINALISING_FIELDS = (
    "finalising",
    "finalising_progress",
    "finalising_task_id",
    "finalising_error",
    "finalising_by",
    "finalising_started_at",
    "finalising_progress_at",
)


class FinalisingUnderWay(ReviewError):
    """A version of this review is already queued or being written."""


def check_finalisable(user, review):
    """Everything that refuses a finalisation before any work: PermissionDenied or ReviewError."""
    if not permissions.can_decide(user, review):
        raise PermissionDenied(_("Only the State's focal point finalises its review."))
    _check_ready(review)
    pending = Contribution.objects.filter(section__review=review, decision=Contribution.Decision.PENDING).count()
    if pending:
        raise ReviewError(
            _(
                "Decide on the %(n)s stakeholder contributions awaiting you first: "
                "accept them or keep them in the annex."
            )
            % {"n": pending}
        )


def finalising_is_stale(now=None):
    """Q: a finalisation queued or running that gave no sign of progress for FINALISING_STALE."""
    now = now or timezone.now()
    return Q(finalising__in=FINALISING_ACTIVE) & (
        Q(finalising_progress_at__lt=now - FINALISING_STALE) | Q(finalising_progress_at__isnull=True)
    )


def _claim_request(user, review, now):
    """Mark the review queued for finalising by `user` (one transaction); the values it had before,
    to put back if the task cannot be queued. FinalisingUnderWay if one is queued or running."""
    with transaction.atomic():
        rows = VoluntaryReview.objects.select_for_update().filter(pk=review.pk)
        previous = rows.values(*_FINALISING_FIELDS).get()
        claimed = rows.filter(~Q(finalising__in=FINALISING_ACTIVE) | finalising_is_stale(now)).update(
            finalising=VoluntaryReview.Finalising.QUEUED,
            finalising_progress=0,
            finalising_task_id="",
            finalising_error="",
            finalising_by=user,
            finalising_started_at=now,
            finalising_progress_at=now,
        )
    if not claimed:
        raise FinalisingUnderWay(
            _(
                "A version of this review is already being finalised. "
                "Wait until it is ready: this page shows its progress."
            )
        )
    previous["finalising_by_id"] = previous.pop("finalising_by")
    return previous


def request_finalising(user, review):
    """Check, mark the review as finalising and queue the task (reviews.finalise_review); returns
    the review as it is then (with TASKS_INLINE the task has already run). Refused at once with
    nothing claimed: PermissionDenied, ReviewError (not ready, contributions pending, the task
    queue down) or FinalisingUnderWay (one queued or running, with progress in the last minutes)."""
    from .tasks import queue_finalising

    check_finalisable(user, review)
    now = timezone.now()
    previous = _claim_request(user, review, now)
    if not queue_finalising(review.pk):
        # Put the review back as it was, unless a task took it meanwhile.
        VoluntaryReview.objects.filter(
            pk=review.pk,
            finalising=VoluntaryReview.Finalising.QUEUED,
            finalising_task_id="",
            finalising_started_at=now,
        ).update(**previous)
        raise ReviewError(
            _(
                "The task queue is not available right now, so the new version was not started. "
                "Nothing was changed: try again in a few minutes."
            )
        )
    return VoluntaryReview.objects.select_related("member_state", "milestone").get(pk=review.pk)


def claim_finalising(review_id, task_id):
    """The review if this task may finalise it now (queued -> running), else None. A running
    finalisation is taken over only by the same task redelivered, or when it made no progress for
    FINALISING_STALE (its worker died); the run that lost it records nothing."""
    now = timezone.now()
    fields = {
        "finalising": VoluntaryReview.Finalising.RUNNING,
        "finalising_task_id": task_id,
        "finalising_started_at": now,
        "finalising_progress_at": now,
        "finalising_progress": 0,
    }
    won = VoluntaryReview.objects.filter(pk=review_id, finalising=VoluntaryReview.Finalising.QUEUED).update(**fields)
    if not won:
        running = VoluntaryReview.objects.filter(pk=review_id, finalising=VoluntaryReview.Finalising.RUNNING)
        won = running.filter(Q(finalising_task_id=task_id) | finalising_is_stale(now)).update(**fields)
    if not won:
        return None
    return VoluntaryReview.objects.select_related("member_state", "milestone", "finalising_by").get(pk=review_id)


def run_finalising(review_id, task_id):
    """Write the next version of a review claimed for this task; safe to run twice. Returns what
    happened: "done", "failed" (the reason is on the review) or "not-claimed"."""
    review = claim_finalising(review_id, task_id)
    if review is None:
        return "not-claimed"
    return "done" if _write_version(review, task_id) else "failed"


def _write_version(review, task_id):
    """The new version, or None with the reason recorded on the review (finalising failed).

    The files are rendered outside any transaction (a large review takes a while, and SQLite would
    be locked meanwhile) into a directory of their own; the version, its files and the review's
    state are then recorded in one short transaction. Two finalisations racing for the same number:
    the second is refused by the unique constraint. A failed attempt's files are removed."""
    directory = None
    running = VoluntaryReview.objects.filter(
        pk=review.pk, finalising=VoluntaryReview.Finalising.RUNNING, finalising_task_id=task_id
    )
    try:
        # One view of the data for the checks and the content: a contribution sent meanwhile is
        # in neither (it waits for the next version), never in the text unchecked.
        with consistent_reads():
            check_finalisable(review.finalising_by, review)  # a contribution may have come in since the request
            # Numbers are never reused: the highest ever given, plus one.
            number = (ReviewVersion.objects.filter(review=review).aggregate(n=Max("number"))["n"] or 0) + 1
            content = {**snapshot(review), "version": number, "finalised_on": timezone.localdate().isoformat()}

        def progress(percent):
            running.update(finalising_progress=percent, finalising_progress_at=timezone.now())

        progress(10)
        directory, files = _write_files(review, number, content, progress=progress)
        try:
            with transaction.atomic():
                version = ReviewVersion.objects.create(
                    review=review,
                    number=number,
                    language=review.language,
                    content=content,
                    finalised_by=review.finalising_by,
                )
                ReviewFile.objects.bulk_create(ReviewFile(version=version, **f) for f in files)
                done = running.update(
                    finalising=VoluntaryReview.Finalising.DONE,
                    finalising_progress=100,
                    finalising_progress_at=timezone.now(),
                    finalising_error="",
                )
                if not done:
                    raise IntegrityError("another run took this finalisation over")
        except IntegrityError as exc:
            raise ReviewError(_("Another version was finalised at the same moment. Try again.")) from exc
    except Exception as exc:  # noqa: BLE001 - recorded on the review for the focal point to see
        if directory:
            shutil.rmtree(directory, ignore_errors=True)
        if isinstance(exc, (ReviewError, PermissionDenied)):
            message = str(exc)
        else:
            log.exception("Finalising review %s failed", review.pk)
            message = _("The new version could not be written: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
        running.update(finalising=VoluntaryReview.Finalising.FAILED, finalising_error=message)
        return None
    return version


def finalise(user, review):
    """Finalise in this process, for scripts and tests: the same checks, claim and work as the task
    the pages queue. Returns the new version; ReviewError with the recorded reason if it failed."""
    check_finalisable(user, review)
    _claim_request(user, review, timezone.now())
    task_id = f"direct-{uuid.uuid4().hex}"
    claimed = claim_finalising(review.pk, task_id)
    version = _write_version(claimed, task_id) if claimed else None
    if version is None:
        review.refresh_from_db()
        raise ReviewError(review.finalising_error or _("Another version was finalised at the same moment. Try again."))
    review.refresh_from_db()
    return version


def file_path(review_file):
    return os.path.join(settings.REPORTS_ROOT, review_file.path)


def file_stem(content):
    return f"gcm-review-{content['iso3']}-{content['year']}-{content['language']}-v{content['version']}".lower()


def _write_files(review, number, content, progress=lambda p: None):
    """Render the DOCX and the PDF into a temporary directory, then move it into place in one step:
    (directory, [ReviewFile fields]). `progress` hears 50 once the DOCX is written, 90 after the PDF."""
    from . import render

    parent = os.path.join(settings.REPORTS_ROOT, "reviews", str(review.pk))
    os.makedirs(parent, exist_ok=True)
    final = os.path.join(parent, f"v{number}-{uuid.uuid4().hex[:12]}")
    tmp = f"{final}.tmp"
    os.makedirs(tmp)
    try:
        written = []
        for fmt, writer, percent in (("docx", render.write_docx, 50), ("pdf", render.write_pdf, 90)):
            name = f"{file_stem(content)}.{fmt}"
            writer(content, os.path.join(tmp, name))
            written.append((fmt, name))
            progress(percent)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    relative = os.path.relpath(final, settings.REPORTS_ROOT)
    return final, [
        {
            "format": fmt,
            "path": f"{relative}/{name}",
            "size": os.path.getsize(os.path.join(final, name)),
            "sha256": sha256_of_file(os.path.join(final, name)),
        }
        for fmt, name in written
    ]


def publish(user, version):
    """Make a finalised version public (the State's choice)."""
    if not permissions.can_decide(user, version.review):
        raise PermissionDenied(_("Only the State's focal point publishes its review."))
    updated = ReviewVersion.objects.filter(pk=version.pk, is_published=False).update(
        is_published=True, published_at=timezone.now(), published_by=user
    )
    if not updated:
        raise ReviewError(_("This version is already published."))
    return ReviewVersion.objects.get(pk=version.pk)
