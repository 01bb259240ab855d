"""Pages of the voluntary reviews: the public list of published reviews, a State's draft with its
sections, editing and contributing, finalising, publishing and downloads. Thin: forms in, services
and selectors out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commitments.permissions import profile_of
from reporting import cycle

from . import markdown, permissions, services
from .filters import published_reviews
from .forms import ContributionForm, ReviewNewForm, SectionForm
from .models import Contribution, ReviewFile, ReviewVersion, Section, VoluntaryReview


def review_list(request):
    """Published reviews by State, year and language, with downloads; and the user's own drafts."""
    filterset, published = published_reviews(request.GET)
    drafts = permissions.visible_reviews(request.user).select_related("member_state", "milestone")
    profile = profile_of(request.user)
    can_create = bool(profile and profile.member_state and permissions.can_create(request.user, profile.member_state))
    context = {"published": published, "drafts": drafts, "can_create": can_create, "filterset": filterset}
    return render(request, "reviews/review_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request):
    profile = profile_of(request.user)
    state = profile.member_state if profile else None
    if not permissions.can_create(request.user, state):
        raise PermissionDenied(_("Only a national focal point starts the State's review."))
    cycle.ensure_calendar()
    initial = {
        "language": get_language() if get_language() in dict(ReviewNewForm.base_fields["language"].choices) else "en"
    }
    form = ReviewNewForm(request.POST or None, milestones=services.review_milestones(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.create_review(user=request.user, member_state=state, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect(review)
    return render(
        request, "reviews/review_new.html", {"form": form, "state": state}, status=400 if form.errors else 200
    )


def _readable(request, pk):
    review = get_object_or_404(VoluntaryReview.objects.select_related("member_state", "milestone"), pk=pk)
    if not permissions.can_read_draft(request.user, review):
        raise Http404(_("No such review."))
    return review


def _abilities(user, review):
    return {
        "can_edit": permissions.can_edit(user, review),
        "can_contribute": permissions.can_contribute(user, review),
        "can_decide": permissions.can_decide(user, review),
    }


def review_detail(request, pk):
    review = _readable(request, pk)
    sections = list(review.sections.select_related("objective"))
    pending = {}
    for contribution in Contribution.objects.filter(section__review=review, decision=Contribution.Decision.PENDING):
        pending[contribution.section_id] = pending.get(contribution.section_id, 0) + 1
    for section in sections:
        section.html = markdown.to_html(section.narrative, heading_level=4)
        section.pending = pending.get(section.pk, 0)
    versions = review.versions.prefetch_related("files").order_by("-number")
    finished = review.drafting in (VoluntaryReview.Drafting.READY, VoluntaryReview.Drafting.FAILED)
    finalising = review.finalising in services.FINALISING_ACTIVE
    context = {
        "review": review,
        "sections": sections,
        "versions": versions,
        "finished": finished,
        "finalising": finalising,
        "finalising_failure": _finalising_failure(review),
        "poll": not finished or finalising,  # one progress box at a time: finalising needs a finished draft
        **_abilities(request.user, review),
    }
    return render(request, "reviews/review_detail.html", context)


def _progress(status, done, label, progress, error, finished):
    """A task's progress for the page's poll (static/.../report-progress.js reads this shape)."""
    return JsonResponse(
        {
            "status": "complete" if done else status,
            "status_label": str(label),
            "progress": progress,
            "error": error,
            "finished": finished,
        }
    )


def review_status(request, pk):
    review = _readable(request, pk)
    ready = review.drafting == VoluntaryReview.Drafting.READY
    finished = ready or review.drafting == VoluntaryReview.Drafting.FAILED
    return _progress(review.drafting, ready, review.get_drafting_display(), review.progress, review.error, finished)


def _finalising_failure(review):
    """What the page says when the last finalisation failed: the reason and what to do."""
    if review.finalising != VoluntaryReview.Finalising.FAILED:
        return ""
    advice = _(
        "No version was recorded and the files of the attempt were removed. Try again; if it fails again, "
        "send this message to the secretariat."
    )
    return f"{review.finalising_error} {advice}".strip()


def review_finalising_status(request, pk):
    """The finalisation's progress for the page's poll (same shape as the drafting's status)."""
    review = _readable(request, pk)
    return _progress(
        review.finalising,
        review.finalising == VoluntaryReview.Finalising.DONE,
        review.get_finalising_display(),
        review.finalising_progress,
        _finalising_failure(review),
        review.finalising not in services.FINALISING_ACTIVE,
    )


def _section(request, pk, section_pk):
    review = _readable(request, pk)
    return review, get_object_or_404(Section.objects.select_related("objective"), pk=section_pk, review=review)


@require_http_methods(["GET", "POST"])
def section_detail(request, pk, section_pk):
    """One section: its text, history and contributions; the edit and contribution forms."""
    review, section = _section(request, pk, section_pk)
    abilities = _abilities(request.user, review)
    form = SectionForm(initial={"narrative": section.narrative, "version": section.version})
    contribution_form = ContributionForm()
    stale = None
    status = 200
    if request.method == "POST" and "narrative" in request.POST:
        form = SectionForm(request.POST)
        if form.is_valid():
            try:
                services.edit_section(
                    request.user, section, form.cleaned_data["narrative"], form.cleaned_data["version"]
                )
            except services.StaleSectionEdit as exc:
                stale = exc  # the editor's text stays in the form; the saved one is shown beside it
                form = SectionForm(
                    initial={"narrative": form.cleaned_data["narrative"], "version": exc.section.version}
                )
                section = exc.section
                status = 409
            except (services.ReviewError, ValidationError) as exc:
                form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
                status = 400
            else:
                messages.success(request, _("Section saved (version %(n)s).") % {"n": section.version})
                return redirect("reviews:section", review.pk, section.pk)
    elif request.method == "POST":
        contribution_form = ContributionForm(request.POST)
        if contribution_form.is_valid():
            try:
                services.contribute(request.user, section, contribution_form.cleaned_data["text"])
            except (services.ReviewError, ValidationError) as exc:
                contribution_form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
                status = 400
            else:
                messages.success(request, _("Thank you: your contribution was sent to the focal point."))
                return redirect("reviews:section", review.pk, section.pk)
        else:
            status = 400
    contributions = section.contributions.select_related("organisation")
    for contribution in contributions:
        contribution.html = markdown.to_html(contribution.text)
    context = {
        "review": review,
        "section": section,
        "html": markdown.to_html(section.narrative),
        "form": form,
        "contribution_form": contribution_form,
        "stale": stale,
        "contributions": contributions,
        "revisions": section.revisions.select_related("actor").order_by("-version"),
        **abilities,
    }
    return render(request, "reviews/section.html", context, status=status)


@require_POST
def contribution_decide(request, pk, contribution_pk):
    review = _readable(request, pk)
    contribution = get_object_or_404(
        Contribution.objects.select_related("section"), pk=contribution_pk, section__review=review
    )
    try:
        services.decide_contribution(request.user, contribution, request.POST.get("decision", ""))
    except (services.ReviewError, ValidationError) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, str(contribution.get_decision_display()))
    return redirect("reviews:section", review.pk, contribution.section_id)


@require_POST
def review_finalise(request, pk):
    """Check at once what can be refused, then hand the writing to the task (reviews.finalise_review):
    the review page shows its progress, then the new version or why it failed."""
    review = _readable(request, pk)
    try:
        review = services.request_finalising(request.user, review)
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        if review.finalising == VoluntaryReview.Finalising.DONE:  # already written (tasks run in the request)
            number = review.versions.order_by("-number").values_list("number", flat=True).first()
            messages.success(request, _("Version %(n)s finalised: its Word and PDF files are ready.") % {"n": number})
        elif review.finalising in services.FINALISING_ACTIVE:
            messages.info(request, _("The new version is being written: this page shows its progress."))
    return redirect(review)


@require_POST
def version_publish(request, pk, version_pk):
    review = _readable(request, pk)
    version = get_object_or_404(ReviewVersion, pk=version_pk, review=review)
    try:
        services.publish(request.user, version)
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Version %(n)s is published.") % {"n": version.number})
    return redirect(review)


def version_download(request, version_pk, fmt):
    version = get_object_or_404(ReviewVersion.objects.select_related("review"), pk=version_pk)
    if not permissions.can_view_version(request.user, version):
        raise Http404(_("No such review."))
    review_file = get_object_or_404(ReviewFile, version=version, format=fmt)
    try:
        handle = open(services.file_path(review_file), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError as exc:
        raise Http404(_("The file of this review is missing on the server.")) from exc
    return FileResponse(handle, as_attachment=True, filename=review_file.filename)
