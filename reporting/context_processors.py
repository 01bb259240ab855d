"""`review_cycle` in every template: the current cycle and the next milestones, for the banner.

Lazy: nothing is read unless a page shows the banner, and the banner is one cached query.
"""

from django.utils.functional import SimpleLazyObject

from commitments.permissions import profile_of


def _banner_for(user):
    if profile_of(user) is None and not getattr(user, "is_superuser", False):
        return None
    from .cycle import banner
    from .models import Milestone

    data = banner()  # cached for every language: titles are rendered here, in the reader's
    milestones = [{**m, "title": Milestone.title_for(m["kind"], m["year"]) or m["title"]} for m in data["milestones"]]
    return {**data, "milestones": milestones}


def review_cycle(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"review_cycle": None}
    return {"review_cycle": SimpleLazyObject(lambda: _banner_for(user))}
