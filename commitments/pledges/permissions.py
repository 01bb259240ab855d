"""Who may see and do what with plans and pledges; built on `commitments.permissions`.

Same rules as evidence: unpublished plans and pledges are visible to their own entity's people
and the secretariat only (plus, for a pledge, the entities named as its partners, who must read
it to confirm); nobody writes to another entity's. A State's plans and pledges are reviewed by
its focal points, an organisation's pledges by the secretariat. A partner of a common pledge
answers only for its own participation.
"""

from django.db.models import Exists, OuterRef, Q

from commitments.permissions import can_review, entity_filter, is_member, is_secretariat, profile_of

from .models import NationalPlan, Pledge, PledgePartner, ReviewState

__all__ = ["can_review", "is_member", "is_secretariat", "profile_of"]
LIVE = (ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.RETURNED, ReviewState.VALIDATED)


def visible_plans(user, queryset=None):
    queryset = NationalPlan.objects.all() if queryset is None else queryset
    if is_secretariat(user):
        return queryset
    profile = profile_of(user)
    if profile and profile.member_state_id:
        return queryset.filter(Q(is_published=True) | Q(member_state_id=profile.member_state_id))
    return queryset.filter(is_published=True)


def _partner_of(profile):
    rows = PledgePartner.objects.filter(pledge_id=OuterRef("pk"))
    return Exists(rows.filter(entity_filter(profile)))


def visible_pledges(user, queryset=None):
    queryset = Pledge.objects.all() if queryset is None else queryset
    if is_secretariat(user):
        return queryset
    profile = profile_of(user)
    if profile and profile.entity:
        return queryset.filter(Q(is_published=True) | entity_filter(profile) | _partner_of(profile))
    return queryset.filter(is_published=True)


def can_record_plan(user):
    """The State whose plan this user may draft (State contributors and focal points), or None."""
    profile = profile_of(user)
    return profile.member_state if profile and profile.member_state_id else None


def can_record_pledge(user):
    """The entity this user makes pledges for, or None."""
    from commitments.permissions import can_record_for

    return can_record_for(user)


def can_edit(user, obj):
    return is_member(user, obj) and obj.is_editable


def can_set_status(user, obj):
    """The owner's people set the status of a published plan item or pledge."""
    return is_member(user, obj) and obj.review_state == ReviewState.VALIDATED


def can_answer(user, partner):
    """Only the partner entity's own people confirm or decline its participation."""
    return is_member(user, partner)


def can_view(user, obj, visible):
    return visible(user, type(obj).objects.filter(pk=obj.pk)).exists()
