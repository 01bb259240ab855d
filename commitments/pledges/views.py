"""Plan and pledge pages: permalinks, forms, the workflow buttons, the public pledge list.

Thin views: read input, ask `permissions` what the user may see (404 for what they may not
see, 403 for what they may see but not do), call `services` for every write, render.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from commitments import dataversion
from commitments.models import MemberState
from commitments.paginator import CountCachingPaginator
from commitments.readers import reader_page

from . import exports, permissions, selectors, services
from .filters import filter_plans, filter_pledges
from .forms import PlanForm, PlanItemFormSet, PledgeForm, StatusForm, item_initial, item_rows
from .models import Event, NationalPlan, OwnerStatus, PlanItem, Pledge, PledgePartner, ReviewState

S = ReviewState
PAGE_SIZE = 25


def _allowed(user, obj, latest=True):
    member, reviewer = permissions.is_member(user, obj), permissions.can_review(user, obj)
    state = obj.review_state
    return {
        "edit": member and obj.is_editable,
        "submit": member and state in (S.DRAFT, S.RETURNED),
        "return": reviewer and state == S.SUBMITTED,
        "validate": reviewer and state == S.SUBMITTED,
        "withdraw": (member or reviewer) and state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.VALIDATED),
        "reopen": isinstance(obj, NationalPlan) and member and state == S.VALIDATED and latest,
        "status": permissions.can_set_status(user, obj),
    }


def _history(user, events, obj):
    events = events.select_related("actor", "plan")
    if not (permissions.is_secretariat(user) or permissions.is_member(user, obj)):
        events = events.filter(to_state=S.VALIDATED) | events.filter(kind=Event.Kind.STATUS)
    return list(events)


def _transition(run, obj, user, post):
    """Run a workflow step named in the URL; returns the (new) object or None after a message."""
    steps = {
        "submit": lambda: services.submit(user=user, obj=obj),
        "return": lambda: services.return_(user=user, obj=obj, comment=post.get("comment", "")),
        "validate": lambda: services.validate(user=user, obj=obj, comment=post.get("comment", "")),
        "withdraw": lambda: services.withdraw(user=user, obj=obj, reason=post.get("reason", "")),
        "reopen": lambda: services.plan_reopen(user=user, plan=obj, reason=post.get("reason", "")),
    }
    if run not in steps or (run == "reopen" and not isinstance(obj, NationalPlan)):
        raise Http404
    return steps[run]()


DONE = {
    "submit": gettext_lazy("Submitted for review."),
    "return": gettext_lazy("Returned with your comment."),
    "validate": gettext_lazy("Validated and published."),
    "withdraw": gettext_lazy("Withdrawn."),
    "reopen": gettext_lazy(
        "A new version was opened. The published version stays visible until this one is validated."
    ),
}


def _errors_text(exc):
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


# --- Plans --------------------------------------------------------------------------------------


def _plan_revision(user, record, revision=None):
    rows = permissions.visible_plans(user, NationalPlan.objects.filter(record=record)).select_related("member_state")
    if revision is not None:
        return get_object_or_404(rows, revision=revision)
    plan = rows.order_by("-revision").first()
    if plan is None:
        raise Http404
    return plan


def plan_detail(request, record):
    revision = request.GET.get("revision")
    if revision is not None and not revision.isdigit():
        raise Http404
    plan = _plan_revision(request.user, record, int(revision) if revision else None)
    revisions = list(
        permissions.visible_plans(request.user, NationalPlan.objects.filter(record=record))
        .order_by("revision")
        .values("revision", "review_state", "is_published")
    )
    items = list(plan.items.prefetch_related("objectives", "actions"))
    keys = [item.key for item in items]
    says, linked = selectors.evidence_says(item_keys=keys), selectors.linked_evidence(item_keys=keys)
    today = datetime.date.today()
    for item in items:
        item.says = says.get(("item", item.key))
        item.evidence = linked.get(("item", item.key), [])
        item.overdue = selectors.is_overdue(item, today)
    allowed = _allowed(request.user, plan, revisions[-1]["revision"] == plan.revision)
    context = {
        "plan": plan,
        "items": items,
        "revisions": revisions,
        "published": next((r for r in revisions if r["is_published"]), None),
        "allowed": allowed,
        "any_action": any(allowed.values()),
        "status_form": StatusForm(),
        "events": _history(request.user, Event.objects.filter(plan__record=record), plan),
    }
    return render(request, "pledges/plan_detail.html", context)


def _plan_forms(request, plan=None):
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    initial = {"version": plan.version} if plan else None
    form = PlanForm(data, files, instance=plan, initial=initial)
    items = [item_initial(i) for i in plan.items.prefetch_related("objectives", "actions")] if plan else None
    return form, PlanItemFormSet(data, prefix="items", initial=items)


def _save_plan(request, form, item_set, plan=None):
    with transaction.atomic():
        if plan is None:
            plan = services.plan_create(user=request.user, data=form.content(), items=item_rows(item_set))
        else:
            plan = services.plan_update(
                user=request.user,
                plan=plan,
                data=form.content(),
                items=item_rows(item_set),
                expected_version=form.cleaned_data["version"] or 0,
            )
        for upload in form.cleaned_data["document_file"]:
            plan = services.plan_attach_document(user=request.user, plan=plan, upload=upload)
    return plan


def _plan_form_page(request, plan=None):
    form, item_set = _plan_forms(request, plan)
    if request.method == "POST":
        if form.is_valid() & item_set.is_valid():
            try:
                saved = _save_plan(request, form, item_set, plan)
            except services.StaleEdit as exc:
                form.add_error(None, str(exc))
                return render(
                    request, "pledges/plan_form.html", {"form": form, "item_set": item_set, "plan": plan}, status=409
                )
            except services.WorkflowError as exc:
                messages.error(request, str(exc))
                return redirect(plan)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request, _("The plan was saved as a draft. Submit it for validation when it is ready.")
                )
                return redirect(saved)
        return render(request, "pledges/plan_form.html", {"form": form, "item_set": item_set, "plan": plan}, status=400)
    return render(request, "pledges/plan_form.html", {"form": form, "item_set": item_set, "plan": plan})


@login_required
def plan_new(request):
    if permissions.can_record_plan(request.user) is None:
        raise PermissionDenied(_("Only people reporting for a Member State can record its implementation plan."))
    return _plan_form_page(request)


@login_required
def plan_edit(request, record):
    plan = _plan_revision(request.user, record)
    if not permissions.is_member(request.user, plan):
        raise PermissionDenied(_("You can only edit your own entity's plans and pledges."))
    if not plan.is_editable:
        messages.error(
            request,
            _("This version is %(state)s and cannot be edited.") % {"state": plan.get_review_state_display().lower()},
        )
        return redirect(plan)
    return _plan_form_page(request, plan)


@require_POST
@login_required
def plan_transition(request, record, transition):
    revision = request.POST.get("revision", "")
    if not revision.isdigit():
        raise Http404
    plan = _plan_revision(request.user, record, int(revision))
    try:
        result = _transition(transition, plan, request.user, request.POST)
    except (services.WorkflowError, ValidationError) as exc:
        messages.error(request, _errors_text(exc))
        return redirect(plan)
    messages.success(request, DONE[transition])
    if transition == "reopen":
        return redirect("pledges:plan_edit", record=result.record)
    return redirect(f"{result.get_absolute_url()}?revision={result.revision}")


@require_POST
@login_required
def item_status(request, record, key):
    plan = _plan_revision(request.user, record)
    plan = (
        permissions.visible_plans(request.user, NationalPlan.objects.filter(record=record, is_published=True)).first()
        or plan
    )
    item = get_object_or_404(PlanItem, plan=plan, key=key)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(plan)
    try:
        services.item_set_status(
            user=request.user, item=item, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"]
        )
    except (services.WorkflowError, ValidationError) as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("The status was changed."))
    return redirect(plan)


def plan_document(request, record):
    revision = request.GET.get("revision")
    plan = _plan_revision(request.user, record, int(revision) if revision and revision.isdigit() else None)
    if not plan.document:
        raise Http404
    try:
        handle = plan.document.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=plan.document_name, content_type=plan.document_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Pledges ------------------------------------------------------------------------------------


def _pledge(user, identifier):
    rows = permissions.visible_pledges(user, Pledge.objects.filter(identifier=identifier))
    pledge = rows.select_related("member_state", "organisation", "matches").first()
    if pledge is None:
        raise Http404
    return pledge


def pledge_detail(request, identifier):
    pledge = _pledge(request.user, identifier)
    says = selectors.evidence_says(pledge_ids=[pledge.pk]).get(("pledge", pledge.pk))
    partners = list(pledge.partners.select_related("member_state", "organisation"))
    for partner in partners:
        partner.can_answer = permissions.can_answer(request.user, partner) and pledge.review_state != S.WITHDRAWN
    allowed = _allowed(request.user, pledge)
    context = {
        "pledge": pledge,
        "partners": partners,
        "says": says,
        "evidence": selectors.linked_evidence(pledge_ids=[pledge.pk]).get(("pledge", pledge.pk), []),
        "matched_by": permissions.visible_pledges(request.user, pledge.matched_by.all()),
        "overdue": selectors.is_overdue(pledge, datetime.date.today()),
        "allowed": allowed,
        "any_action": any(allowed.values()),
        "status_form": StatusForm(initial={"status": pledge.status}),
        "events": _history(request.user, pledge.events.all(), pledge),
    }
    return render(request, "pledges/pledge_detail.html", context)


def _pledge_form_page(request, pledge=None):
    initial = {"version": pledge.version} if pledge else None
    form = PledgeForm(request.POST if request.method == "POST" else None, instance=pledge, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if pledge is None:
                saved = services.pledge_create(user=request.user, data=form.content())
            else:
                saved = services.pledge_update(
                    user=request.user,
                    pledge=pledge,
                    data=form.content(),
                    expected_version=form.cleaned_data["version"] or 0,
                )
        except services.StaleEdit as exc:
            form.add_error(None, str(exc))
            return render(request, "pledges/pledge_form.html", {"form": form, "pledge": pledge}, status=409)
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect(pledge)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The pledge %(id)s was saved as a draft.") % {"id": saved.identifier})
            return redirect(saved)
    status = 400 if request.method == "POST" else 200
    return render(request, "pledges/pledge_form.html", {"form": form, "pledge": pledge}, status=status)


@login_required
def pledge_new(request):
    if permissions.can_record_pledge(request.user) is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can make pledges."))
    return _pledge_form_page(request)


@login_required
def pledge_edit(request, identifier):
    pledge = _pledge(request.user, identifier)
    if not permissions.can_edit(request.user, pledge):
        raise PermissionDenied(_("You can only edit your own entity's draft or returned pledges."))
    return _pledge_form_page(request, pledge)


@require_POST
@login_required
def pledge_transition(request, identifier, transition):
    pledge = _pledge(request.user, identifier)
    try:
        result = _transition(transition, pledge, request.user, request.POST)
    except (services.WorkflowError, ValidationError) as exc:
        messages.error(request, _errors_text(exc))
        return redirect(pledge)
    messages.success(request, DONE[transition])
    return redirect(result)


@require_POST
@login_required
def pledge_status(request, identifier):
    pledge = _pledge(request.user, identifier)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(pledge)
    try:
        services.pledge_set_status(
            user=request.user, pledge=pledge, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"]
        )
    except (services.WorkflowError, ValidationError) as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("The status was changed."))
    return redirect(pledge)


@require_POST
@login_required
def partner_answer(request, identifier, pk, answer):
    pledge = _pledge(request.user, identifier)
    partner = get_object_or_404(PledgePartner, pk=pk, pledge=pledge)
    try:
        services.partner_answer(user=request.user, partner=partner, confirm=answer == "confirm")
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your answer was recorded."))
    return redirect(pledge)


@reader_page
def pledge_list(request):
    """Like the evidence list: the whole page cached for anonymous readers under the data
    version, and counts of large results cached under it for everyone."""
    filterset, queryset = filter_pledges(request.GET, request.user)
    rows = queryset.select_related("member_state", "organisation")
    version = dataversion.for_request(request)
    page = CountCachingPaginator(rows, PAGE_SIZE, version=version).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "pledges/pledge_list.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page": page,
            "pledges": page.object_list,
            "query": params.urlencode(),
        },
    )


def _invalid_filters(filterset):
    """A 400 in words naming each invalid parameter, or None when the filters are valid."""
    if filterset.is_valid():
        return None
    lines = [f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()]
    message = _("The export was not made because some filters are not valid:") + "\n" + "\n".join(lines)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def pledge_export(request, fmt):
    filterset, queryset = filter_pledges(request.GET, request.user)
    return _invalid_filters(filterset) or exports.response(queryset, fmt)


def plan_item_export(request, fmt):
    """The items of the plans the same filters as the plans API select (published unless mine=true)."""
    filterset, plans = filter_plans(request.GET, request.user)
    refused = _invalid_filters(filterset)
    if refused is not None:
        return refused
    items = PlanItem.objects.filter(plan__in=plans.values("pk")).order_by(
        "plan__member_state__iso3", "-plan__revision", "plan_id", "order", "id"
    )
    return exports.items_response(items, fmt)


# --- Workbook -----------------------------------------------------------------------------------


@login_required
def workbook_page(request):
    """The plans and pledges sheets are part of the entity's workbook now: go there."""
    return redirect("commitments:workbook", permanent=True)


# --- The State page's section -------------------------------------------------------------------


def plan_section_context(request, entity):
    """Published plan items by objective, with their evidence and target dates (overdue marked)."""
    today = datetime.date.today()
    context = {"entity": entity, "is_state": isinstance(entity, MemberState), "today": today}
    field = "member_state" if context["is_state"] else "organisation"
    context["pledge_count"] = Pledge.objects.filter(**{field: entity}, is_published=True).count()
    if not context["is_state"]:
        return context
    plans = list(selectors.published_plans(entity))
    items = list(
        PlanItem.objects.filter(plan__in=plans)
        .prefetch_related("objectives")
        .select_related("plan")
        .order_by("target_date", "id")
    )
    says = selectors.evidence_says(item_keys=[i.key for i in items])
    by_objective = {}
    for item in items:
        item.says = says.get(("item", item.key))
        item.overdue = selectors.is_overdue(item, today)
        numbers = [o.number for o in item.objectives.all()] or [None]
        for number in numbers:
            by_objective.setdefault(number, []).append(item)
    context.update(
        plans=plans,
        by_objective=sorted(by_objective.items(), key=lambda pair: (pair[0] is None, pair[0] or 0)),
        statuses=OwnerStatus,
    )
    return context
