"""Evidence pages: the workspace, the evidence form, the record page, the review queue, people.

Thin views: they read input, ask `permissions` what the user may see, call `services` for every
write, and render. Records of other entities that the user may not see are 404; things the
user may see but not do are 403.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import cycles, extensions, permissions, services
from .forms import (
    EvidenceForm,
    InvitationForm,
    InviteContributorForm,
    LinkFormSet,
    ResultFormSet,
    ReturnForm,
    formset_rows,
)
from .indicators import evidence as framework_links
from .indicators import selectors as sdg_selectors
from .indicators.forms import SdgTargetsForm
from .models import (
    Action,
    Attachment,
    Evidence,
    EvidenceEvent,
    MemberState,
    Objective,
    Organisation,
    Profile,
    Role,
)
from .readers import reader_page

S = Evidence.ReviewState
REVIEW_STATES = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.VALIDATED]
LIST_RELATED = ["member_state", "organisation", "primary_action"]


# --- Workspace ----------------------------------------------------------------------------------


def current_cycle():
    return cycles.cycle_for(timezone.localdate())


def _entity_rows(entity, cycle):
    """The entity's live revisions of the cycle: published in it, or still in progress
    (a draft gets its cycle when it is validated)."""
    field = "member_state" if isinstance(entity, MemberState) else "organisation"
    return Evidence.objects.filter(**{field: entity}, review_state__in=REVIEW_STATES).filter(
        Q(cycle=cycle) | Q(cycle__isnull=True)
    )


def _state_counts():
    return {state.value: Count("id", filter=Q(review_state=state)) for state in REVIEW_STATES}


@login_required
def workspace(request):
    entity = permissions.can_record_for(request.user)
    cycle = current_cycle()
    context = {"entity": entity, "cycle": cycle, "imrf_year": cycles.imrf_year(cycle)}
    if entity is None:
        context["can_review"] = permissions.is_secretariat(request.user)
        return render(request, "commitments/workspace.html", context)
    per_objective = {
        row.pop("primary_action__objective__number"): row
        for row in _entity_rows(entity, cycle)
        .values("primary_action__objective__number")
        .annotate(actions=Count("primary_action", distinct=True), **_state_counts())
    }
    objectives = list(Objective.objects.annotate(n_actions=Count("actions")))
    for objective in objectives:
        objective.counts = per_objective.get(objective.number)
    totals = {state.value: sum(row[state.value] for row in per_objective.values()) for state in REVIEW_STATES}
    context.update(
        objectives=objectives,
        totals=totals,
        review_states=REVIEW_STATES,
        covered=sum(row["actions"] for row in per_objective.values()),
        can_review=permissions.managed_state(request.user) is not None,
        can_manage_people=permissions.managed_state(request.user) is not None,
        sections=extensions.sections(extensions.WORKSPACE_SECTIONS, request, entity),
    )
    return render(request, "commitments/workspace.html", context)


@login_required
def workspace_objective(request, number):
    entity = permissions.can_record_for(request.user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation have a workspace."))
    objective = get_object_or_404(Objective, number=number)
    cycle = current_cycle()
    rows = (
        _entity_rows(entity, cycle)
        .filter(primary_action__objective=objective)
        .select_related("primary_action")
        .order_by("title", "revision")
    )
    by_action = {}
    for row in rows:
        by_action.setdefault(row.primary_action_id, []).append(row)
    actions = list(objective.actions.all())
    for action in actions:
        action.records = by_action.get(action.pk, [])
    context = {"entity": entity, "cycle": cycle, "objective": objective, "actions": actions}
    return render(request, "commitments/workspace_objective.html", context)


# --- The evidence form --------------------------------------------------------------------------


def _action_from_slug(slug):
    number, letter = slug.rstrip("abcdefghijklmnopqrstuvwxyz"), slug.lstrip("0123456789")
    return Action.objects.filter(code=f"{number}({letter})").first()


def _forms(request, *, instance=None, initial=None, links=None, results=None):
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = EvidenceForm(data, files, instance=instance, initial=initial, user=request.user)
    link_set = LinkFormSet(data, prefix="links", initial=links)
    result_set = ResultFormSet(data, prefix="results", initial=results)
    form.sdg = _sdg_form(data, form, instance)
    return form, link_set, result_set


def _sdg_form(data, form, instance):
    """The SDG targets part, suggesting from the actions as posted (or as saved, or as asked)."""
    if data is not None:
        actions = [data.get("primary_action", ""), *data.getlist("other_actions")]
    elif instance is not None and instance.pk:
        actions = [instance.primary_action.code, *instance.other_actions.values_list("code", flat=True)]
    else:
        actions = [form.initial.get("primary_action") or ""]
    tagged = framework_links.target_codes(instance) if instance is not None and instance.pk else None
    return SdgTargetsForm(data, action_codes=actions, tagged=tagged)


def _all_valid(*forms):
    results = [f.is_valid() for f in forms]  # every form validated, so all errors show at once
    return all(results)


def _content(form, link_set, result_set):
    data = form.content()
    data["links"] = formset_rows(link_set, ["url", "label"])
    data["results"] = formset_rows(result_set, ["indicator", "value", "unit", "year", *framework_links.MEASURE_KEYS])
    data["sdg_targets"] = form.sdg.codes()
    return data


def _add_errors(form, exc):
    """Put a service's ValidationError on the form, by field where the form has that field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _attach(user, evidence, uploads):
    """Attach files inside the caller's transaction; on failure, remove files already stored."""
    stored = []
    try:
        for upload in uploads:
            stored.append(services.attachment_add(user=user, evidence=evidence, upload=upload))
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise


def _render_form(request, form, link_set, result_set, *, evidence=None, stale=None, status=200):
    context = {
        "form": form,
        "link_set": link_set,
        "result_set": result_set,
        "evidence": evidence,
        "stale": stale,
        "stale_changes": _readable_changes(stale.changes) if stale else [],
        "max_upload_mb": settings.MAX_UPLOAD_MB,
    }
    return render(request, "commitments/evidence_form.html", context, status=status)


@login_required
def evidence_new(request):
    entity = permissions.can_record_for(request.user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can record evidence."))
    action = _action_from_slug(request.GET.get("action", ""))
    form, link_set, result_set = _forms(request, initial={"primary_action": action.code if action else None})
    if request.method == "POST" and _all_valid(form, form.sdg, link_set, result_set):
        try:
            with transaction.atomic():
                evidence = services.evidence_create(user=request.user, data=_content(form, link_set, result_set))
                _attach(request.user, evidence, form.cleaned_data["attachments"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The record was saved as a draft. Submit it for review when it is ready."))
            return redirect(evidence)
    return _render_form(request, form, link_set, result_set, status=400 if request.method == "POST" else 200)


def _visible_revision(user, record, revision=None):
    """The revision shown to `user`: the one asked for, or the latest visible (404 if none)."""
    rows = permissions.visible_evidence(user, Evidence.objects.filter(record=record))
    if revision is not None:
        return get_object_or_404(rows.select_related(*LIST_RELATED), revision=revision)
    evidence = rows.select_related(*LIST_RELATED).live_first().first()
    if evidence is None:
        raise Http404
    return evidence


@login_required
def evidence_edit(request, record):
    evidence = _visible_revision(request.user, record)
    if not permissions.is_member(request.user, evidence):
        raise PermissionDenied(_("You can only edit your own entity's records."))
    if not evidence.is_editable:
        messages.error(
            request,
            _("This revision is %(state)s and cannot be edited.")
            % {"state": evidence.get_review_state_display().lower()},
        )
        return redirect(evidence)
    links = [{"url": x.url, "label": x.label} for x in evidence.links.all()]
    results = [
        {
            "indicator": r.indicator,
            "value": r.value,
            "unit": r.unit,
            "year": r.year,
            **framework_links.result_measure(r),
        }
        for r in evidence.results.select_related("measure__item")
    ]
    form, link_set, result_set = _forms(
        request, instance=evidence, initial={"version": evidence.version}, links=links, results=results
    )
    if request.method != "POST":
        return _render_form(request, form, link_set, result_set, evidence=evidence)
    if _all_valid(form, form.sdg, link_set, result_set):
        version = form.cleaned_data["version"] or 0
        try:
            with transaction.atomic():
                evidence = services.evidence_update(
                    user=request.user,
                    evidence=evidence,
                    data=_content(form, link_set, result_set),
                    expected_version=version,
                )
                _attach(request.user, evidence, form.cleaned_data["attachments"])
        except services.StaleEdit as exc:
            # Keep every word the user typed; the hidden version moves to the one now saved, so
            # sending again (after reading what changed) is a deliberate choice.
            data = request.POST.copy()
            data["version"] = exc.evidence.version
            sdg, form = form.sdg, EvidenceForm(data, instance=exc.evidence, user=request.user)
            form.sdg = sdg
            return _render_form(request, form, link_set, result_set, evidence=exc.evidence, stale=exc, status=409)
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect(evidence)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(evidence)
    return _render_form(request, form, link_set, result_set, evidence=evidence, status=400)


# --- The record page ----------------------------------------------------------------------------

FIELD_LABELS = {
    "title": _("Title"),
    "description": _("Description"),
    "primary_action": _("Primary action"),
    "other_actions": _("Other actions"),
    "status": _("Implementation status"),
    "level": _("Level"),
    "start_date": _("Start date"),
    "end_date": _("End date"),
    "principles": _("Guiding principles"),
    "partners": _("Partners"),
    "groups_reached": _("Groups reached"),
    "challenges": _("Challenges"),
    "good_practice": _("Good practice"),
    "links": _("Links"),
    "results": _("Quantitative results"),
    "sdg_targets": _("SDG targets"),
    "attachments": _("Attachments"),
}
CHOICE_LABELS = {"status": dict(Evidence.Status.choices), "level": dict(Evidence.Level.choices)}


def _label(field):
    parts = {part.name: part.label for part in extensions.EVIDENCE_PARTS}
    return FIELD_LABELS.get(field) or parts.get(field, field)


def _readable(field, value):
    """A history value as plain text for people (escaped by the template, never marked safe)."""
    if value in (None, "", []):
        return "—"
    if field in CHOICE_LABELS:
        return str(CHOICE_LABELS[field].get(value, value))
    if field == "good_practice":
        return _("yes") if value else _("no")
    if field == "links":
        return "; ".join(f"{x.get('label') or x.get('url')} <{x.get('url')}>" for x in value)
    if field == "results":
        return "; ".join(_readable_result(r) for r in value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _readable_result(r):
    text = f"{r['indicator']}: {r['value']} {r['unit']} ({r['year']})".replace("  ", " ")
    if r.get("sdg_indicator"):
        disaggregation = ", ".join(r.get(k, "_T") for k in ("sex", "age", "migratory_status"))
        text += f" [SDG {r['sdg_indicator']}: {disaggregation}]"
    return text


def _readable_changes(changes):
    return [
        {
            "field": _label(field),
            "before": _readable(field, pair[0]),
            "after": _readable(field, pair[1]),
        }
        for field, pair in (changes or {}).items()
    ]


def _history(user, evidence):
    events = EvidenceEvent.objects.filter(record=evidence.record).select_related("actor", "evidence")
    if not permissions.can_see_unpublished_history(user, evidence):
        events = events.filter(evidence__is_published=True)
    events = list(events)
    for event in events:
        event.readable_changes = [] if event.kind == EvidenceEvent.Kind.CREATED else _readable_changes(event.changes)
    return events


def _allowed(user, evidence, latest):
    """The workflow buttons this user may use on this revision (services check again)."""
    member, reviewer = permissions.is_member(user, evidence), permissions.can_review(user, evidence)
    state = evidence.review_state
    return {
        "edit": member and evidence.is_editable,
        "submit": member and state in (S.DRAFT, S.RETURNED),
        "return": reviewer and state == S.SUBMITTED,
        "validate": reviewer and state == S.SUBMITTED,
        "withdraw": permissions.can_withdraw(user, evidence),
        "reopen": member and state == S.VALIDATED and latest,
    }


@reader_page
def evidence_detail(request, record):
    revision = request.GET.get("revision")
    if revision is not None and not revision.isdigit():
        raise Http404
    evidence = _visible_revision(request.user, record, int(revision) if revision else None)
    revisions = list(
        permissions.visible_evidence(request.user, Evidence.objects.filter(record=record))
        .order_by("revision")
        .values("revision", "review_state", "is_published")
    )
    published = next((r for r in revisions if r["is_published"]), None)
    # The latest live revision: nothing newer but withdrawn revisions (an abandoned draft).
    latest = not any(r["revision"] > evidence.revision and r["review_state"] != S.WITHDRAWN for r in revisions)
    allowed = _allowed(request.user, evidence, latest)
    context = {
        "evidence": evidence,
        "revisions": revisions,
        "published": published,
        "newer_in_review": published is not None and published["revision"] < evidence.revision,
        "allowed": allowed,
        "any_action": any(allowed.values()),
        "return_form": ReturnForm(),
        "other_actions": evidence.other_actions.all(),
        "principles": evidence.principles.all(),
        "partners": evidence.partners.all(),
        "groups_reached": evidence.groups_reached.all(),
        "links": evidence.links.all(),
        "results": evidence.results.select_related("measure__item"),
        "sdg_targets": evidence.framework_targets.select_related("item"),
        "attachments": evidence.attachments.all(),
        "events": _history(request.user, evidence),
        "parts": [part.detail_html(request, evidence) for part in extensions.EVIDENCE_PARTS],
    }
    return render(request, "commitments/evidence_detail.html", context)


def evidence_history(request, record):
    evidence = _visible_revision(request.user, record)
    context = {"evidence": evidence, "events": _history(request.user, evidence)}
    return render(request, "commitments/evidence_history.html", context)


TRANSITIONS = {
    "submit": (
        lambda user, ev, post: services.evidence_submit(user=user, evidence=ev),
        _("The record was submitted for review."),
    ),
    "return": (
        lambda user, ev, post: services.evidence_return(user=user, evidence=ev, comment=post.get("comment", "")),
        _("The record was returned with your comment."),
    ),
    "validate": (
        lambda user, ev, post: services.evidence_validate(user=user, evidence=ev, comment=post.get("comment", "")),
        _("The record was validated and is now published."),
    ),
    "withdraw": (
        lambda user, ev, post: services.evidence_withdraw(user=user, evidence=ev, reason=post.get("reason", "")),
        _("The record was withdrawn."),
    ),
    "reopen": (
        lambda user, ev, post: services.evidence_reopen(user=user, evidence=ev, reason=post.get("reason", "")),
        _("A new revision was opened. The published version stays visible until this one is validated."),
    ),
}


@require_POST
@login_required
def evidence_transition(request, record, transition):
    if transition not in TRANSITIONS:
        raise Http404
    revision = request.POST.get("revision", "")
    if not revision.isdigit():
        raise Http404
    evidence = _visible_revision(request.user, record, int(revision))
    run, done = TRANSITIONS[transition]
    try:
        result = run(request.user, evidence, request.POST)
    except (services.WorkflowError, ValidationError) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return redirect(evidence)
    messages.success(request, done)
    if transition == "reopen":
        return redirect("commitments:evidence_edit", record=result.record)
    return redirect(f"{result.get_absolute_url()}?revision={result.revision}")


def attachment_download(request, pk):
    attachment = get_object_or_404(Attachment.objects.select_related("evidence"), pk=pk)
    if not permissions.can_view(request.user, attachment.evidence):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Review queue -------------------------------------------------------------------------------


def _review_scope(user, include_states):
    """The records this user reviews: a focal point's State; the secretariat's stakeholders."""
    state = permissions.managed_state(user)
    if state is not None:
        return Evidence.objects.filter(member_state=state)
    if permissions.is_secretariat(user):
        return Evidence.objects.all() if include_states else Evidence.objects.filter(organisation__isnull=False)
    raise PermissionDenied(_("Only national focal points and the secretariat review records."))


@login_required
def review_queue(request):
    include_states = request.GET.get("all") == "1"
    scope = _review_scope(request.user, include_states)
    counts = scope.aggregate(**_state_counts())
    queue = (
        scope.filter(review_state=S.SUBMITTED)
        .select_related(*LIST_RELATED, "submitted_by")
        .order_by("submitted_at", "id")
    )
    context = {
        "queue": queue,
        "counts": counts,
        "review_states": REVIEW_STATES,
        "is_secretariat": permissions.is_secretariat(request.user),
        "include_states": include_states,
        "today": timezone.now(),
    }
    return render(request, "commitments/review_queue.html", context)


@login_required
def single_reviewer(request):
    """Published revisions validated by one of their authors because nobody else could (secretariat)."""
    if not permissions.is_secretariat(request.user):
        raise PermissionDenied(_("Only the secretariat follows validations made without a second reviewer."))
    rows = (
        Evidence.objects.published()
        .filter(validated_without_second_reviewer=True)
        .select_related(*LIST_RELATED, "validated_by")
        .order_by("-validated_at", "-id")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "commitments/single_reviewer.html", {"page": page})


# --- People of a State --------------------------------------------------------------------------


def _managed_state_or_403(user):
    state = permissions.managed_state(user)
    if state is None:
        raise PermissionDenied(_("Only national focal points manage their State's contributors."))
    return state


@login_required
def people(request):
    state = _managed_state_or_403(request.user)
    form = InviteContributorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _invite(request, state, form.cleaned_data)
        messages.success(
            request,
            _("%(name)s was invited: an e-mail with a link to choose a password was sent to %(email)s.")
            % {"name": user.get_full_name() or user.username, "email": user.email},
        )
        return redirect("commitments:people")
    members = Profile.objects.filter(member_state=state).select_related("user").order_by("user__username")
    return render(
        request,
        "commitments/people.html",
        {"state": state, "members": members, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _invite(request, state, data):
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=data["username"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            password=None,  # unusable until the invited person chooses one
        )
        Profile.objects.create(user=user, role=Role.CONTRIBUTOR, member_state=state)
    invitation = InvitationForm(user)
    invitation.is_valid()
    invitation.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name="registration/invitation_subject.txt",
        email_template_name="registration/invitation_email.txt",
        extra_email_context={"state": state, "inviter": request.user},
    )
    return user


@require_POST
@login_required
def person_deactivate(request, user_id):
    state = _managed_state_or_403(request.user)
    profile = get_object_or_404(Profile.objects.select_related("user"), user_id=user_id, member_state=state)
    if profile.user_id == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
    elif profile.role != Role.CONTRIBUTOR:
        messages.error(request, _("Only contributors can be deactivated here; ask the secretariat for focal points."))
    else:
        profile.user.is_active = False
        profile.user.save(update_fields=["is_active"])
        messages.success(request, _("%(name)s can no longer sign in.") % {"name": profile.user.username})
    return redirect("commitments:people")


# --- States and organisations -------------------------------------------------------------------

RECENT = 20


def _entity_page(request, entity, evidence):
    published = evidence.published()
    context = {
        "entity": entity,
        "is_state": isinstance(entity, MemberState),
        "published_count": published.count(),
        "recent": published.select_related(*LIST_RELATED).order_by("-validated_at", "-id")[:RECENT],
        "today": datetime.date.today(),
        "sections": extensions.sections(extensions.ENTITY_SECTIONS, request, entity),
        "results_by_indicator": sdg_selectors.results_by_indicator(published),
    }
    return render(request, "commitments/entity.html", context)


@reader_page
def organisation_detail(request, pk):
    organisation = get_object_or_404(Organisation.objects.select_related("stakeholder_type", "country"), pk=pk)
    return _entity_page(request, organisation, Evidence.objects.filter(organisation=organisation))


@reader_page
def state_detail(request, iso3):
    state = get_object_or_404(MemberState, iso3=iso3.upper())
    return _entity_page(request, state, Evidence.objects.filter(member_state=state))
