"""Who may see and do what with a voluntary review, on top of commitments.permissions' roles.

A draft (and its unpublished versions) belongs to its State: that State's contributors and focal
points read and edit it, the secretariat reads it. Only the focal points create, finalise,
publish and decide on contributions. Stakeholders based in the State (Organisation.country)
read the draft and contribute to its sections; anyone else sees published versions only.
"""

from django.db.models import Q

from commitments.models import Role
from commitments.permissions import is_secretariat, profile_of

from .models import ReviewVersion, VoluntaryReview


def _state_role(user, member_state_id, roles):
    profile = profile_of(user)
    return bool(profile and profile.role in roles and profile.member_state_id == member_state_id)


def is_state_member(user, review):
    return _state_role(user, review.member_state_id, (Role.CONTRIBUTOR, Role.FOCAL_POINT))


def is_focal_point(user, member_state_id):
    return _state_role(user, member_state_id, (Role.FOCAL_POINT,))


def based_stakeholder(user, review):
    """The user's organisation if it is based in the review's State, else None."""
    profile = profile_of(user)
    if profile and profile.role == Role.STAKEHOLDER_EDITOR and profile.organisation_id:
        organisation = profile.organisation
        if organisation.is_active and organisation.country_id == review.member_state_id:
            return organisation
    return None


def can_create(user, member_state):
    return member_state is not None and is_focal_point(user, member_state.pk)


def can_read_draft(user, review):
    return is_secretariat(user) or is_state_member(user, review) or based_stakeholder(user, review) is not None


def can_edit(user, review):
    return is_state_member(user, review)


def can_contribute(user, review):
    return based_stakeholder(user, review) is not None


def can_decide(user, review):
    """Accept a contribution into the text, keep it in the annex, finalise, publish."""
    return is_focal_point(user, review.member_state_id)


def visible_reviews(user, queryset=None):
    """Reviews whose draft the user may open."""
    queryset = VoluntaryReview.objects.all() if queryset is None else queryset
    if is_secretariat(user):
        return queryset
    profile = profile_of(user)
    if profile is None:
        return queryset.none()
    if profile.role in (Role.CONTRIBUTOR, Role.FOCAL_POINT):
        return queryset.filter(member_state_id=profile.member_state_id)
    if profile.role == Role.STAKEHOLDER_EDITOR and profile.organisation_id:
        return (
            queryset.filter(member_state_id=profile.organisation.country_id)
            if profile.organisation.country_id
            else queryset.none()
        )
    return queryset.none()


def visible_versions(user, queryset=None):
    """Published versions for everyone; the others for those who may read the draft."""
    queryset = ReviewVersion.objects.all() if queryset is None else queryset
    readable = visible_reviews(user).values("pk")
    return queryset.filter(Q(is_published=True) | Q(review__in=readable))


def can_view_version(user, version):
    return version.is_published or can_read_draft(user, version.review)
