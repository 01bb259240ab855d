"""Public pages of the framework: the objectives, one objective, one action."""

from django.shortcuts import get_object_or_404, render

from .models import Action, GuidingPrinciple, Instrument, Objective


def home(request):
    objectives = Objective.objects.all()
    return render(
        request,
        "commitments/home.html",
        {
            "instrument": Instrument.objects.first(),
            "objectives": objectives,
            "principles": GuidingPrinciple.objects.all(),
        },
    )


def objective_detail(request, number):
    objective = get_object_or_404(Objective, number=number)
    actions = objective.actions.all()
    return render(request, "commitments/objective.html", {"objective": objective, "actions": actions})


def action_detail(request, slug):
    number, letter = slug.rstrip("abcdefghijklmnopqrstuvwxyz"), slug.lstrip("0123456789")
    action = get_object_or_404(Action.objects.select_related("objective"), code=f"{number}({letter})")
    return render(request, "commitments/action.html", {"action": action, "objective": action.objective})
