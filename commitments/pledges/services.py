"""Writes to plans and pledges: creation, edits, the review workflow, owner status, partners.

As in `commitments.services`: every function checks who may act and from which state, runs in
one transaction, records an `Event` (who, when, what changed, why, and a full snapshot), and
refuses an edit made on an out-of-date version (`StaleEdit`, nothing overwritten).

    draft -> submitted -> validated (published)   [validator is not the submitter when a second
                       -> returned (comment) -> submitted ...      reviewer exists: four eyes]
    any live state -> withdrawn
    plan: validated -> reopen: a new version (draft); the validated one stays published until
          the new one is validated, then stays readable as superseded.
"""

import hashlib
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import dataversion
from commitments.models import Profile, Role
from commitments.services import WorkflowError, check_upload

from . import permissions
from .models import Delivery, Event, NationalPlan, OwnerStatus, PlanItem, Pledge, PledgePartner, ReviewState

S = ReviewState
PLAN_FIELDS = [
    "title",
    "adopted_on",
    "instrument",
    "period_start",
    "period_end",
    "document_url",
    "lead_institution",
    "contributing_institutions",
]
TARGET_FIELDS = ["target_what", "target_amount", "target_date"]
ITEM_FIELDS = ["priority", "description", *TARGET_FIELDS, "responsible_institution", "budget", "currency"]
PLEDGE_FIELDS = ["title", "description", "kind", *TARGET_FIELDS, "occasion", "matches"]


class StaleEdit(WorkflowError):
    """The plan or pledge changed since the editor loaded it; nothing was written."""

    stale = True  # the API answers 409 stale_edit, as for evidence

    def __init__(self, obj, submitted_version):
        self.obj = obj
        self.submitted_version = submitted_version
        subject = {"plan": obj} if isinstance(obj, NationalPlan) else {"pledge": obj}
        seen = Event.objects.filter(**subject, version__lte=submitted_version).order_by("-version", "-id").first()
        # What changed between the version the editor loaded and the one now saved.
        self.changes = _diff(seen.snapshot if seen else {}, snapshot(obj))
        super().__init__(
            _(
                "Someone else saved this (version %(current)s) after you opened it (version %(yours)s). "
                "Nothing was overwritten: review their changes and apply yours again."
            )
            % {"current": obj.version, "yours": submitted_version}
        )


# --- Snapshots and history ----------------------------------------------------------------------


def _plain(value):
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Pledge):
        return value.identifier
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


def _item_snapshot(item):
    data = {field: _plain(getattr(item, field)) for field in ITEM_FIELDS}
    data["objectives"] = sorted(o.number for o in item.objectives.all())
    data["actions"] = sorted(a.code for a in item.actions.all())
    data["status"] = item.status
    data["status_reason"] = item.status_reason
    return data


def snapshot(obj):
    """The plan revision or pledge as plain JSON values."""
    if isinstance(obj, NationalPlan):
        data = {field: _plain(getattr(obj, field)) for field in PLAN_FIELDS}
        data["document"] = f"{obj.document_name} ({obj.document_sha256[:12]})" if obj.document_name else ""
        data["items"] = [_item_snapshot(item) for item in obj.items.all()]
        return data
    data = {field: _plain(getattr(obj, field)) for field in PLEDGE_FIELDS}
    data["objectives"] = sorted(o.number for o in obj.objectives.all())
    data["actions"] = sorted(a.code for a in obj.actions.all())
    data["partners"] = [f"{p.entity} ({p.answer})" for p in obj.partners.all()]
    data["status"] = obj.status
    data["status_reason"] = obj.status_reason
    return data


def _diff(before, after):
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


# Transitions that change what the public sees (a published version comes or goes).
PUBLIC_KINDS = (Event.Kind.VALIDATED, Event.Kind.WITHDRAWN)


def _record(obj, kind, actor, *, before=None, reason="", from_state=""):
    """The history entry of a write, and the data version's bump (cached pages), in its transaction."""
    after = snapshot(obj)
    dataversion.bump(public=kind in PUBLIC_KINDS or obj.is_published)
    subject = {"plan": obj} if isinstance(obj, NationalPlan) else {"pledge": obj}
    return Event.objects.create(
        **subject,
        kind=kind,
        actor=actor,
        reason=reason,
        from_state=from_state,
        to_state=obj.review_state,
        version=obj.version,
        changes=_diff(before or {}, after),
        snapshot=after,
    )


def _locked(obj):
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def _check_dates(data, start, end, field):
    if data.get(start) and data.get(end) and data[end] < data[start]:
        raise ValidationError({field: [_("The end date is before the start date.")]})


# --- Plans --------------------------------------------------------------------------------------


def _apply_plan(plan, data):
    for field in PLAN_FIELDS:
        if field in data:
            setattr(plan, field, data[field])
    plan.full_clean(exclude=["record", "member_state", "created_by", "document"])
    plan.save()


def _set_items(plan, items):
    """Make the plan's items exactly `items`, updating in place by key so evidence links survive."""
    existing = {str(item.key): item for item in plan.items.all()}
    keep = set()
    for order, row in enumerate(items):
        key = str(row.get("key") or "")
        item = existing.get(key) or PlanItem(plan=plan, key=uuid.UUID(key) if key else uuid.uuid4())
        keep.add(str(item.key))
        item.order = order
        for field in ITEM_FIELDS:
            if field in row:
                setattr(item, field, row[field])
        if item.budget is not None and not item.currency:
            raise ValidationError({"items": [_("Give the currency of the budget of “%(item)s”.") % {"item": item}]})
        item.full_clean(exclude=["plan", "key"])
        item.save()
        if "objectives" in row:
            item.objectives.set(row["objectives"])
        if "actions" in row:
            item.actions.set(row["actions"])
    for key, item in existing.items():
        if key in keep:
            continue
        if Delivery.objects.filter(plan_item=item).exists():
            raise ValidationError(
                {"items": [_("“%(item)s” cannot be removed: evidence says it delivers on it.") % {"item": item}]}
            )
        item.delete()


def plan_create(*, user, data, items=(), kind=Event.Kind.CREATED):
    """A new plan (version 1, draft) for the user's own State."""
    state = permissions.can_record_plan(user)
    if state is None:
        raise PermissionDenied(_("Only people reporting for a Member State can record its implementation plan."))
    _check_dates(data, "period_start", "period_end", "period_end")
    with transaction.atomic():
        plan = NationalPlan(record=uuid.uuid4(), member_state=state, created_by=user)
        _apply_plan(plan, data)
        _set_items(plan, items)
        _record(plan, kind, user)
    return plan


def plan_update(*, user, plan, data, expected_version, items=None, reason="", kind=Event.Kind.EDITED):
    """Save an edit made on `expected_version` (items replaced when given)."""
    _check_dates(data, "period_start", "period_end", "period_end")
    with transaction.atomic():
        current = _locked(plan)
        _check_editable(user, current)
        if current.version != expected_version:
            raise StaleEdit(current, expected_version)
        before = snapshot(current)
        current.version += 1
        _apply_plan(current, data)
        if items is not None:
            _set_items(current, items)
        _record(current, kind, user, before=before, reason=reason)
    return current


def _check_editable(user, current):
    if not permissions.is_member(user, current):
        raise PermissionDenied(_("You can only edit your own entity's plans and pledges."))
    if not current.is_editable:
        raise WorkflowError(
            _("This is %(state)s and cannot be edited.") % {"state": current.get_review_state_display().lower()}
        )


def plan_attach_document(*, user, plan, upload):
    """Attach the plan's document (checked like evidence attachments: size and real type)."""
    mime = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        current = _locked(plan)
        _check_editable(user, current)
        before = snapshot(current)
        current.document.save(f"{current.record}-{uuid.uuid4().hex}", upload, save=False)
        current.document_name = upload.name[:255]
        current.document_type = mime
        current.document_sha256 = digest.hexdigest()
        current.version += 1
        current.save()
        _record(current, Event.Kind.EDITED, user, before=before, reason=_("Document attached"))
    return current


def plan_reopen(*, user, plan, reason=""):
    """A new version of a validated plan (draft); the validated one stays published meanwhile."""
    with transaction.atomic():
        current = _locked(plan)
        if not permissions.is_member(user, current):
            raise PermissionDenied(_("You can only revise your own State's plan."))
        if current.review_state != S.VALIDATED:
            raise WorkflowError(_("Only a validated plan can be revised."))
        if NationalPlan.objects.filter(record=current.record, revision__gt=current.revision).exclude(
            review_state=S.WITHDRAWN
        ):
            raise WorkflowError(_("A newer version of this plan is already being prepared."))
        items = list(current.items.prefetch_related("objectives", "actions"))
        revision = NationalPlan.objects.get(pk=current.pk)
        revision.pk = None
        revision._state.adding = True
        revision.revision = NationalPlan.objects.filter(record=current.record).count() + 1
        revision.review_state = S.DRAFT
        revision.is_published = False
        revision.version = 1
        revision.created_by = user
        revision.submitted_by = revision.submitted_at = revision.validated_by = revision.validated_at = None
        revision.save()
        for item in items:
            objectives, actions = list(item.objectives.all()), list(item.actions.all())
            item.pk = None
            item._state.adding = True
            item.plan = revision
            item.save()
            item.objectives.set(objectives)
            item.actions.set(actions)
        _record(revision, Event.Kind.REOPENED, user, before=snapshot(current), reason=reason)
    return revision


# --- Pledges ------------------------------------------------------------------------------------


def _check_pledge(entity, data, pledge=None):
    errors = {}
    match = data.get("matches")
    if match is not None:
        if pledge is not None and match.pk == pledge.pk:
            errors["matches"] = [_("A pledge cannot match itself.")]
        elif not match.is_published:
            errors["matches"] = [_("Only a published pledge can be matched; %(id)s is not.") % {"id": match}]
    states, orgs = data.get("partner_states") or [], data.get("partner_organisations") or []
    if entity in states or entity in orgs:
        errors["partners"] = [_("The pledge's own entity cannot also be its partner.")]
    if errors:
        raise ValidationError(errors)


def _apply_pledge(pledge, data):
    for field in PLEDGE_FIELDS:
        if field in data:
            setattr(pledge, field, data[field])
    pledge.full_clean(exclude=["member_state", "organisation", "created_by", "identifier", "matches"])
    pledge.save()
    if not pledge.identifier:
        # Assigned once, from the row's own number: unique and never reused.
        pledge.identifier = f"GCM-P-{pledge.created_at:%Y}-{pledge.pk:06d}"
        pledge.save(update_fields=["identifier"])
    for field in ("objectives", "actions"):
        if field in data:
            getattr(pledge, field).set(data[field])
    if "partner_states" in data or "partner_organisations" in data:
        _set_partners(pledge, data.get("partner_states") or [], data.get("partner_organisations") or [])


def _set_partners(pledge, states, organisations):
    """Partners named by the owner; those already named keep their own answer."""
    wanted = {("s", s.pk): s for s in states} | {("o", o.pk): o for o in organisations}
    current = {
        ("s" if p.member_state_id else "o", p.member_state_id or p.organisation_id): p for p in pledge.partners.all()
    }
    for key, partner in current.items():
        if key not in wanted:
            partner.delete()
    for key, entity in wanted.items():
        if key not in current:
            field = "member_state" if key[0] == "s" else "organisation"
            PledgePartner.objects.create(pledge=pledge, **{field: entity})


def pledge_create(*, user, data, kind=Event.Kind.CREATED):
    entity = permissions.can_record_pledge(user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can make pledges."))
    _check_pledge(entity, data)
    with transaction.atomic():
        pledge = Pledge(created_by=user)
        if permissions.profile_of(user).member_state_id:
            pledge.member_state = entity
        else:
            pledge.organisation = entity
        _apply_pledge(pledge, data)
        _record(pledge, kind, user)
    return pledge


def pledge_update(*, user, pledge, data, expected_version, reason="", kind=Event.Kind.EDITED):
    with transaction.atomic():
        current = _locked(pledge)
        _check_editable(user, current)
        if current.version != expected_version:
            raise StaleEdit(current, expected_version)
        _check_pledge(current.entity, data, current)
        before = snapshot(current)
        current.version += 1
        _apply_pledge(current, data)
        _record(current, kind, user, before=before, reason=reason)
    return current


def partner_answer(*, user, partner, confirm, reason=""):
    """The partner entity's own people confirm (or decline) its participation in a common pledge."""
    with transaction.atomic():
        partner = PledgePartner.objects.select_for_update().select_related("pledge").get(pk=partner.pk)
        if not permissions.can_answer(user, partner):
            raise PermissionDenied(_("Only the partner's own people can answer for its participation."))
        pledge = _locked(partner.pledge)
        if pledge.review_state == S.WITHDRAWN:
            raise WorkflowError(_("This pledge was withdrawn."))
        before = snapshot(pledge)
        partner.answer = PledgePartner.Answer.CONFIRMED if confirm else PledgePartner.Answer.DECLINED
        partner.answered_by, partner.answered_at = user, timezone.now()
        partner.save()
        pledge.version += 1
        pledge.save(update_fields=["version", "updated_at"])
        _record(pledge, Event.Kind.PARTNER, user, before=before, reason=reason)
    return partner


def pledge_by_identifier(identifier):
    return Pledge.objects.filter(identifier=(identifier or "").strip().upper()).first()


# --- Owner status -------------------------------------------------------------------------------


def _status_checked(status, reason):
    if status not in OwnerStatus.values:
        raise ValidationError({"status": [_("Choose pledged, under way, fulfilled or not pursued.")]})
    if not (reason or "").strip():
        raise ValidationError({"status_reason": [_("Say why the status is what it is: a reason is required.")]})


def pledge_set_status(*, user, pledge, status, reason):
    """The owner's status of a published pledge, with its reason, kept in the history."""
    _status_checked(status, reason)
    with transaction.atomic():
        current = _locked(pledge)
        if not permissions.can_set_status(user, current):
            raise PermissionDenied(_("Only the pledge's own people can set the status of a published pledge."))
        before = snapshot(current)
        current.status, current.status_reason, current.status_changed_at = status, reason.strip(), timezone.now()
        current.version += 1
        current.save()
        _record(current, Event.Kind.STATUS, user, before=before, reason=reason.strip())
    return current


def item_set_status(*, user, item, status, reason):
    """The owner's status of an item of a published plan; the item's draft successor follows."""
    _status_checked(status, reason)
    with transaction.atomic():
        plan = _locked(item.plan)
        if not permissions.can_set_status(user, plan):
            raise PermissionDenied(_("Only the State's own people can set the status of a published plan's items."))
        before = snapshot(plan)
        PlanItem.objects.filter(key=item.key, plan__record=plan.record, plan__revision__gte=plan.revision).update(
            status=status, status_reason=reason.strip(), status_changed_at=timezone.now()
        )
        plan.version += 1
        plan.save(update_fields=["version", "updated_at"])
        _record(plan, Event.Kind.STATUS, user, before=before, reason=reason.strip())
    return PlanItem.objects.get(pk=item.pk)


# --- The review workflow, shared by plans and pledges -------------------------------------------


def _transition(obj, user, *, allowed_from, to, kind, check, reason="", fields=None, before_save=None):
    with transaction.atomic():
        current = _locked(obj)
        if not check(user, current):
            raise PermissionDenied(_("You are not allowed to do this."))
        if current.review_state not in allowed_from:
            raise WorkflowError(
                _("This is %(state)s; it cannot be %(action)s now.")
                % {"state": current.get_review_state_display().lower(), "action": Event.Kind(kind).label}
            )
        from_state = current.review_state
        before = snapshot(current)
        current.review_state = to
        current.version += 1
        for name, value in (fields or {}).items():
            setattr(current, name, value)
        if before_save:
            before_save(current)
        current.save()
        _record(current, kind, user, before=before, reason=reason, from_state=from_state)
    return current


def submit(*, user, obj):
    return _transition(
        obj,
        user,
        allowed_from=(S.DRAFT, S.RETURNED),
        to=S.SUBMITTED,
        kind=Event.Kind.SUBMITTED,
        check=permissions.is_member,
        fields={"submitted_by": user, "submitted_at": timezone.now()},
    )


def return_(*, user, obj, comment):
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what needs to change: a comment is required to return it.")]})
    return _transition(
        obj,
        user,
        allowed_from=(S.SUBMITTED,),
        to=S.RETURNED,
        kind=Event.Kind.RETURNED,
        reason=comment.strip(),
        check=permissions.can_review,
    )


def _second_reviewer_exists(obj, user):
    others = Profile.objects.exclude(user=user).filter(user__is_active=True)
    if obj.member_state_id:
        return others.filter(role=Role.FOCAL_POINT, member_state_id=obj.member_state_id).exists()
    return others.filter(role=Role.SECRETARIAT).exists()


def validate(*, user, obj, comment=""):
    """Publish a submitted plan version or pledge; a plan's earlier published version is superseded."""
    current = type(obj).objects.get(pk=obj.pk)
    if not permissions.can_review(user, current):
        raise PermissionDenied(_("You are not allowed to validate this."))
    if current.submitted_by_id == user.pk and _second_reviewer_exists(current, user):
        raise WorkflowError(_("You submitted this: another reviewer must validate it."))

    def publish(row):
        if isinstance(row, NationalPlan):
            NationalPlan.objects.filter(record=row.record, is_published=True).exclude(pk=row.pk).update(
                is_published=False, review_state=S.SUPERSEDED
            )
        row.is_published = True

    return _transition(
        obj,
        user,
        allowed_from=(S.SUBMITTED,),
        to=S.VALIDATED,
        kind=Event.Kind.VALIDATED,
        reason=comment,
        check=permissions.can_review,
        fields={"validated_by": user, "validated_at": timezone.now()},
        before_save=publish,
    )


def withdraw(*, user, obj, reason=""):
    def unpublish(row):
        row.is_published = False

    return _transition(
        obj,
        user,
        allowed_from=(S.DRAFT, S.SUBMITTED, S.RETURNED, S.VALIDATED),
        to=S.WITHDRAWN,
        kind=Event.Kind.WITHDRAWN,
        reason=reason,
        check=lambda u, o: permissions.is_member(u, o) or permissions.can_review(u, o),
        before_save=unpublish,
    )
