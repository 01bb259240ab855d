"""Public pages of the framework: the objectives, one objective, one action."""

from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from .models import Action, Evidence, GuidingPrinciple, Instrument, Objective
from .readers import reader_page


@reader_page
def home(request):
    objectives = list(Objective.objects.all())  # a list: the template reads the first one's language
    return render(
        request,
        "commitments/home.html",
        {
            "instrument": Instrument.objects.first(),
            "objectives": objectives,
            "principles": GuidingPrinciple.objects.all(),
        },
    )


@reader_page
def objective_detail(request, number):
    objective = get_object_or_404(Objective, number=number)
    actions = list(objective.actions.all())  # a list: the template reads the first one's language
    return render(request, "commitments/objective.html", {"objective": objective, "actions": actions})


@reader_page
def action_detail(request, slug):
    number, letter = slug.rstrip("abcdefghijklmnopqrstuvwxyz"), slug.lstrip("0123456789")
    action = get_object_or_404(Action.objects.select_related("objective"), code=f"{number}({letter})")
    # Published evidence that implements the action, as primary or linked action: one query.
    evidence = (
        Evidence.objects.published()
        .filter(Q(primary_action=action) | Q(other_actions=action))
        .distinct()
        .select_related("member_state", "organisation", "primary_action")
        .order_by("-validated_at", "-id")[:50]
    )
    sdg_links = action.framework_links.filter(active=True, item__framework__code="sdg").select_related("item")
    context = {"action": action, "objective": action.objective, "evidence": evidence, "sdg_links": sdg_links}
    return render(request, "commitments/action.html", context)
