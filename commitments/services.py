"""Writes to evidence: creation, edits and the review workflow.

Every function checks who may act and from which review state, runs in one transaction,
records an `EvidenceEvent` (who, when, what changed, why, and a full snapshot), and queues
e-mail after commit. Pages, the API and the workbook import all call these; nothing else
writes evidence.

    draft -> submitted -> validated (published)
                       -> returned (comment) -> submitted ...
    any but superseded -> withdrawn
    validated -> reopen: a new revision (draft) while the validated one stays published
"""

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import cycles, dataversion, extensions, permissions
from .indicators import evidence as framework_links
from .models import Attachment, Evidence, EvidenceEvent, EvidenceLink, EvidenceResult, Profile, Role

S = Evidence.ReviewState
SCALAR_FIELDS = [
    "title",
    "description",
    "primary_action",
    "status",
    "level",
    "start_date",
    "end_date",
    "challenges",
    "good_practice",
]
M2M_FIELDS = ["other_actions", "principles", "partners", "groups_reached"]
CONTENT_FIELDS = SCALAR_FIELDS + M2M_FIELDS + ["links", "results", "sdg_targets"]


class WorkflowError(Exception):
    """A transition that is not possible from the record's current state."""


class StaleEdit(WorkflowError):
    """The record changed since the editor loaded it; nothing was written."""

    def __init__(self, evidence, submitted_version):
        self.evidence = evidence
        self.submitted_version = submitted_version
        seen = (
            EvidenceEvent.objects.filter(evidence=evidence, version__lte=submitted_version).order_by("-version").first()
        )
        # What changed between the version the editor loaded and the one now saved.
        self.changes = _diff(seen.snapshot if seen else {}, snapshot(evidence))
        super().__init__(
            _(
                "Someone else saved this record (version %(current)s) after you opened it (version %(yours)s). "
                "Nothing was overwritten: review their changes and apply yours again."
            )
            % {"current": evidence.version, "yours": submitted_version}
        )


# --- Snapshots and history ----------------------------------------------------------------------


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "code"):
        return value.code
    return value


def snapshot(evidence):
    """The revision's whole content as plain JSON values (actions by code, others by name)."""
    data = {field: _plain(getattr(evidence, field)) for field in SCALAR_FIELDS}
    data["other_actions"] = sorted(a.code for a in evidence.other_actions.all())
    data["principles"] = sorted(f"({p.letter}) {p.name}" for p in evidence.principles.all())
    data["partners"] = sorted(p.name for p in evidence.partners.all())
    data["groups_reached"] = sorted(g.name for g in evidence.groups_reached.all())
    data["links"] = [{"url": link.url, "label": link.label} for link in evidence.links.all()]
    data["results"] = [
        {
            "indicator": r.indicator,
            "value": str(r.value),
            "unit": r.unit,
            "year": r.year,
            **framework_links.result_measure(r),
        }
        for r in evidence.results.select_related("measure__item")
    ]
    data["sdg_targets"] = framework_links.target_codes(evidence)
    data["attachments"] = [f"{a.original_name} ({a.sha256[:12]})" for a in evidence.attachments.all()]
    for part in extensions.EVIDENCE_PARTS:
        data[part.name] = part.snapshot(evidence)
    return data


def _diff(before, after):
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


# Transitions that change what the public sees (the published revision comes or goes).
PUBLIC_KINDS = (EvidenceEvent.Kind.VALIDATED, EvidenceEvent.Kind.WITHDRAWN)


def _record(evidence, kind, actor, *, before=None, reason="", from_state="", **extra):
    """The history entry of a write, and the data version's bump, in the write's transaction."""
    after = snapshot(evidence)
    dataversion.bump(public=kind in PUBLIC_KINDS or evidence.is_published)
    EvidenceEvent.objects.create(
        record=evidence.record,
        evidence=evidence,
        kind=kind,
        actor=actor,
        reason=reason,
        from_state=from_state,
        to_state=evidence.review_state,
        version=evidence.version,
        changes=_diff(before or {}, after),
        snapshot=after,
        **extra,
    )


# --- Content ------------------------------------------------------------------------------------


def validate_content(data):
    """Checks the forms also make, repeated here so the API and import cannot skip them."""
    errors = {}
    for link in data.get("links") or []:
        if not str(link.get("url", "")).lower().startswith(("http://", "https://")):
            errors.setdefault("links", []).append(_("Only http:// and https:// addresses can be linked."))
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        errors["end_date"] = [_("The end date is before the start date.")]
    primary = data.get("primary_action")
    if primary is not None and primary in (data.get("other_actions") or []):
        errors["other_actions"] = [_("The primary action is already linked; choose other actions here.")]
    for field, messages in framework_links.problems(data).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _apply(evidence, data):
    for field in SCALAR_FIELDS:
        if field in data:
            setattr(evidence, field, data[field])
    evidence.full_clean(exclude=["record", "member_state", "organisation", "created_by"])
    evidence.save()
    for field in M2M_FIELDS:
        if field in data:
            getattr(evidence, field).set(data[field])
    if "links" in data:
        evidence.links.all().delete()
        EvidenceLink.objects.bulk_create(
            EvidenceLink(evidence=evidence, url=link["url"], label=link.get("label", "")) for link in data["links"]
        )
    if "results" in data:
        evidence.results.all().delete()
        rows = [framework_links.split_result(r) for r in data["results"]]
        saved = EvidenceResult.objects.bulk_create(EvidenceResult(evidence=evidence, **fields) for fields, _m in rows)
        framework_links.save_measures(zip(saved, (measure for _f, measure in rows), strict=True))
    if "sdg_targets" in data:
        framework_links.set_targets(evidence, data["sdg_targets"])
    for part in extensions.EVIDENCE_PARTS:
        if part.name in data:
            part.apply(evidence, data[part.name])


def evidence_create(*, user, data, kind=EvidenceEvent.Kind.CREATED):
    """A new draft for the user's own entity. Entity, state and reviewer come from the system."""
    entity = permissions.can_record_for(user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can record evidence."))
    validate_content(data)
    extensions.clean_parts(user, entity, data)
    with transaction.atomic():
        evidence = Evidence(record=uuid.uuid4(), created_by=user)
        if permissions.profile_of(user).member_state_id:
            evidence.member_state = entity
        else:
            evidence.organisation = entity
        _apply(evidence, data)
        _record(evidence, kind, user)
    return evidence


def _locked(evidence):
    """Re-read the row inside the transaction, locked, so checks see the committed state."""
    return Evidence.objects.select_for_update().get(pk=evidence.pk)


def evidence_update(*, user, evidence, data, expected_version, reason="", kind=EvidenceEvent.Kind.EDITED):
    """Save an edit made on `expected_version`; refuse (StaleEdit) if the record moved on."""
    validate_content(data)
    with transaction.atomic():
        current = _locked(evidence)
        if not permissions.is_member(user, current):
            raise PermissionDenied(_("You can only edit your own entity's records."))
        if not current.is_editable:
            raise WorkflowError(
                _("This revision is %(state)s and cannot be edited.") % {"state": current.get_review_state_display()}
            )
        if current.version != expected_version:
            raise StaleEdit(current, expected_version)
        extensions.clean_parts(user, current.entity, data)
        before = snapshot(current)
        current.version += 1
        _apply(current, data)
        _record(current, kind, user, before=before, reason=reason)
    return current


def _transition(evidence, user, *, allowed_from, to, kind, check, reason="", fields=None, before_save=None):
    """Move a revision to review state `to`, if `check(user, row)` and its state allow it.

    Every rule is checked on the row locked inside the transaction, never on one read before:
    two requests on one record (submit and validate at the same moment) are serialised by the
    lock, and the second sees what the first wrote. `before_save(row)` may refuse (raise) and
    may return extra fields for the history step."""
    with transaction.atomic():
        current = _locked(evidence)
        if not check(user, current):
            raise PermissionDenied(_("You are not allowed to do this with this record."))
        if current.review_state not in allowed_from:
            raise WorkflowError(
                _("This record is %(state)s; it cannot be %(action)s now.")
                % {"state": current.get_review_state_display().lower(), "action": EvidenceEvent.Kind(kind).label}
            )
        from_state = current.review_state
        current.review_state = to
        current.version += 1
        for name, value in (fields or {}).items():
            setattr(current, name, value)
        event_fields = (before_save(current) if before_save else None) or {}
        current.save()
        _record(current, kind, user, before=snapshot(current), reason=reason, from_state=from_state, **event_fields)
        transaction.on_commit(lambda: _notify(kind, current.pk, user.pk))
    return current


def evidence_submit(*, user, evidence):
    return _transition(
        evidence,
        user,
        allowed_from=(S.DRAFT, S.RETURNED),
        to=S.SUBMITTED,
        kind=EvidenceEvent.Kind.SUBMITTED,
        check=permissions.is_member,
        fields={"submitted_by": user, "submitted_at": timezone.now()},
    )


def evidence_return(*, user, evidence, comment):
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what needs to change: a comment is required to return a record.")]})
    return _transition(
        evidence,
        user,
        allowed_from=(S.SUBMITTED,),
        to=S.RETURNED,
        kind=EvidenceEvent.Kind.RETURNED,
        reason=comment.strip(),
        check=permissions.can_review,
    )


CONTENT_EVENTS = (
    EvidenceEvent.Kind.CREATED,
    EvidenceEvent.Kind.EDITED,
    EvidenceEvent.Kind.IMPORTED,
    EvidenceEvent.Kind.REOPENED,
)


def authors(evidence):
    """Ids of whoever wrote this revision: created it, changed its content or files, submitted it."""
    editors = EvidenceEvent.objects.filter(evidence=evidence, kind__in=CONTENT_EVENTS).values_list("actor", flat=True)
    return ({evidence.created_by_id, evidence.submitted_by_id} | set(editors)) - {None}


def _independent_reviewer_exists(evidence, excluded):
    """Someone who did not write the revision could validate it (active accounts only)."""
    others = Profile.objects.exclude(user__in=excluded).filter(user__is_active=True)
    if evidence.member_state_id:
        return others.filter(role=Role.FOCAL_POINT, member_state_id=evidence.member_state_id).exists()
    return others.filter(role=Role.SECRETARIAT).exists()


def four_eyes(evidence, user):
    """True when `user` validates alone (an author, nobody independent exists); raises if someone does.

    Run on the locked row: who submitted or edited it is what was committed before the lock."""
    written_by = authors(evidence)
    if user.pk not in written_by:
        return False
    if _independent_reviewer_exists(evidence, written_by | {user.pk}):
        raise WorkflowError(_("You wrote or submitted this revision: another reviewer must validate it."))
    return True


def evidence_validate(*, user, evidence, comment="", ends=None):
    """Publish a submitted revision; it replaces the record's previously published revision."""
    now = timezone.now()

    def publish(row):
        alone = four_eyes(row, user)
        Evidence.objects.filter(record=row.record, is_published=True).exclude(pk=row.pk).update(
            is_published=False, review_state=S.SUPERSEDED
        )
        row.is_published = True
        row.validated_without_second_reviewer = alone
        row.cycle = cycles.cycle_for(now.date(), ends)
        return {"without_second_reviewer": alone}

    return _transition(
        evidence,
        user,
        allowed_from=(S.SUBMITTED,),
        to=S.VALIDATED,
        kind=EvidenceEvent.Kind.VALIDATED,
        reason=comment,
        check=permissions.can_review,
        fields={"validated_by": user, "validated_at": now},
        before_save=publish,
    )


def evidence_withdraw(*, user, evidence, reason=""):
    """Withdraw a revision; a published one is taken down by its reviewer, who says why."""

    def check(u, row):
        if not permissions.can_withdraw(u, row):
            return False
        if row.review_state == S.VALIDATED and not (reason or "").strip():
            raise ValidationError({"reason": [_("Say why the published record is taken down: a reason is required.")]})
        return True

    def unpublish(row):
        row.is_published = False

    return _transition(
        evidence,
        user,
        allowed_from=(S.DRAFT, S.SUBMITTED, S.RETURNED, S.VALIDATED),
        to=S.WITHDRAWN,
        kind=EvidenceEvent.Kind.WITHDRAWN,
        reason=(reason or "").strip(),
        check=check,
        before_save=unpublish,
    )


def evidence_reopen(*, user, evidence, reason=""):
    """Start a new revision of a validated record; the validated one stays published meanwhile."""
    with transaction.atomic():
        current = _locked(evidence)
        if not permissions.is_member(user, current):
            raise PermissionDenied(_("You can only revise your own entity's records."))
        if current.review_state != S.VALIDATED:
            raise WorkflowError(_("Only a validated record can be revised."))
        newer = Evidence.objects.filter(record=current.record, revision__gt=current.revision)
        if newer.exclude(review_state=S.WITHDRAWN).exists():
            raise WorkflowError(_("A newer revision of this record is already being prepared."))
        revision = Evidence.objects.get(pk=current.pk)
        revision.pk = None
        revision._state.adding = True
        # After the last revision ever made, withdrawn ones included: revision numbers are never reused.
        revision.revision = max(newer.values_list("revision", flat=True), default=current.revision) + 1
        revision.review_state = S.DRAFT
        revision.is_published = False
        revision.version = 1
        revision.created_by = user
        revision.submitted_by = revision.submitted_at = revision.validated_by = revision.validated_at = None
        revision.cycle = None
        revision.save()
        for field in M2M_FIELDS:
            getattr(revision, field).set(getattr(current, field).all())
        EvidenceLink.objects.bulk_create(
            EvidenceLink(evidence=revision, url=x.url, label=x.label) for x in current.links.all()
        )
        old_results = list(current.results.all())
        new_results = EvidenceResult.objects.bulk_create(
            EvidenceResult(evidence=revision, indicator=r.indicator, value=r.value, unit=r.unit, year=r.year)
            for r in old_results
        )
        framework_links.copy_to_revision(current, revision, zip(old_results, new_results, strict=True))
        # Files are shared, not copied: the old revision keeps its own Attachment rows.
        Attachment.objects.bulk_create(
            Attachment(
                evidence=revision,
                file=a.file.name,
                original_name=a.original_name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                uploaded_by=a.uploaded_by,
            )
            for a in current.attachments.all()
        )
        for part in extensions.EVIDENCE_PARTS:
            part.copy(current, revision)
        _record(revision, EvidenceEvent.Kind.REOPENED, user, before=snapshot(current), reason=reason)
    return revision


def latest_revision(record):
    return Evidence.objects.filter(record=record).live_first().first()


# --- Attachments --------------------------------------------------------------------------------

ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "text/csv": "CSV",
}


def sniff_type(head, name):
    """The content type read from the file's bytes; the file name is never trusted."""
    import filetype

    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
        if mime == "application/zip" or mime.startswith("application/vnd."):
            return _office_type(head) or mime
        return mime
    return "text/csv" if _looks_like_csv(head) else None


def _office_type(head):
    """DOCX/XLSX/ODT/ODS are zip files; tell them apart by their first member."""
    if b"mimetypeapplication/vnd.oasis.opendocument.text" in head[:200]:
        return "application/vnd.oasis.opendocument.text"
    if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head[:200]:
        return "application/vnd.oasis.opendocument.spreadsheet"
    if b"word/" in head:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if b"xl/" in head:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def _looks_like_csv(head):
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    return bool(lines) and "\x00" not in text and all("," in line or ";" in line for line in lines)


def check_upload(upload):
    """The upload's real content type, or ValidationError if it is too large or not accepted.

    Forms call this before writing anything, so one bad file among several stops them all."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is %(size).1f MB; files can be at most %(limit)s MB.")
            % {"name": upload.name, "size": upload.size / 1048576, "limit": settings.MAX_UPLOAD_MB}
        )
    head = upload.read(8192)
    upload.seek(0)
    mime = sniff_type(head, upload.name)
    if mime not in ALLOWED_TYPES:
        raise ValidationError(
            _("%(name)s is not a file type the monitor accepts. Attach PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG or CSV.")
            % {"name": upload.name}
        )
    return mime


def attachment_add(*, user, evidence, upload):
    """Attach an uploaded file to an editable revision, after checking its size and real type."""
    mime = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        current = _locked(evidence)
        if not permissions.can_edit(user, current):
            raise PermissionDenied(_("You can only attach files to your own entity's drafts or returned records."))
        before = snapshot(current)
        attachment = Attachment(
            evidence=current,
            original_name=upload.name[:255],
            content_type=mime,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
        )
        attachment.file.save("upload", upload, save=False)
        try:
            attachment.save()
            current.version += 1
            current.save(update_fields=["version", "updated_at"])
            _record(current, EvidenceEvent.Kind.EDITED, user, before=before, reason=_("File attached"))
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


# --- Notifications ------------------------------------------------------------------------------


def _notify(kind, evidence_id, actor_id):
    """Queue the e-mail for a transition; if the broker is down, send it from here instead."""
    from monitor.queue import enqueue

    from .tasks import send_evidence_notification

    enqueue(send_evidence_notification, kind, evidence_id, actor_id, inline_fallback=True)
