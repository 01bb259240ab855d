"""Evidence pages. (Being built: workspace, forms, review queue, record page.)"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from . import permissions
from .models import Evidence, MemberState, Organisation


def evidence_detail(request, record):
    rows = permissions.visible_evidence(request.user, Evidence.objects.filter(record=record))
    evidence = rows.order_by("-is_published", "-revision").first()
    if evidence is None:
        raise Http404
    return render(request, "commitments/evidence_detail.html", {"evidence": evidence})


def organisation_detail(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    return render(request, "commitments/entity.html", {"entity": organisation})


def state_detail(request, iso3):
    state = get_object_or_404(MemberState, iso3=iso3.upper())
    return render(request, "commitments/entity.html", {"entity": state})
