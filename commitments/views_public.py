"""The public evidence list, its exports, and nothing that writes.

The list and the exports read the same query string through `filters.filter_evidence`, so an
export holds exactly the records the list shows, in the same order.
"""

import functools
import re

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import dataversion, exports, permissions
from .filters import (
    facet_counts,
    facet_counts_of_parts,
    filter_evidence,
    linked_parts,
    organisations_for,
    search_organisations,
)
from .paginator import CountCachingPaginator
from .readers import kept_fragment, reader_page, remember

PAGE_SIZE = 25
BLANK_BETWEEN_TAGS = re.compile(rb">[ \t]*\n\s*<")


def _query_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@reader_page
def evidence_list(request):
    filterset, queryset = filter_evidence(request.GET, request.user)
    rows = queryset.select_related("member_state", "organisation", "primary_action")
    version = dataversion.for_request(request)
    # Only when a count or the facets are not kept: a small query and a second filter set.
    parts = functools.cache(functools.partial(linked_parts, request.GET, request.user, filterset))
    paginator = CountCachingPaginator(rows, PAGE_SIZE, version=version, parts=parts)
    page = paginator.get_page(request.GET.get("page"))
    profile = permissions.profile_of(request.user)
    can_see_own = permissions.is_secretariat(request.user) or bool(profile and profile.entity)
    query = _query_without(request, "page")
    response = render(
        request,
        "commitments/evidence_list.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page": page,
            "records": page.object_list,
            "facets": _facets(filterset, queryset, version, parts),
            "query": query,
            "can_see_own": can_see_own,
            "filters": _filters(request, filterset, version, query, can_see_own),
        },
    )
    # The filter form's widgets leave blank lines around each of ~400 options: one newline does.
    response.content = BLANK_BETWEEN_TAGS.sub(b">\n<", response.content)
    return response


def _filters(request, filterset, version, query, can_see_own):
    """The filter form (~400 options), rendered once per data version, language and filter and
    shared by every page of the list: it was half the time of a page not yet cached. Signed-in
    people get it afresh (the organisations they may filter by are their own); None: the template
    renders it."""
    if request.user.is_authenticated:
        return None
    return kept_fragment(
        version,
        ("evidence-filters", get_language(), can_see_own, query),
        lambda: render_to_string(
            "commitments/_evidence_filters.html",
            {"form": filterset.form, "can_see_own": can_see_own},
            request,
        ),
    )


def _facets(filterset, queryset, version, parts=None):
    """The facet counts, cached under the data version (drafts in `mine` use its private counter);
    read in the query's two parts (`parts()`: `linked_parts`) when it filters by objective or action."""
    if not filterset.is_valid():
        return {}
    public = not filterset.form.cleaned_data.get("mine")

    def compute():
        split = parts() if parts is not None else None
        return facet_counts_of_parts([split.primary, split.linked]) if split else facet_counts(queryset)

    return remember(version, "facets", queryset, compute, public=public)


def organisation_search(request):
    """Up to 20 organisations the user may filter by, matching `q`: the filter's suggestions."""
    queryset = organisations_for(request)
    rows = search_organisations(queryset, request.GET.get("q", "").replace("\x00", ""))
    return JsonResponse({"results": rows})


def evidence_export(request, fmt):
    filterset, queryset = filter_evidence(request.GET, request.user)
    if not filterset.is_valid():
        lines = [f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()]
        message = _("The export was not made because some filters are not valid:") + "\n" + "\n".join(lines)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    if not request.GET:  # the whole published set: the file written for this data version, if there is one
        prebuilt = exports.prebuilt_response(fmt, dataversion.for_request(request))
        if prebuilt is not None:
            return prebuilt
    return exports.response(queryset, fmt)
