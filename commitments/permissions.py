"""Who may see and do what with evidence. One place, used by pages, API, import and exports.

A State's unpublished records are visible only to that State's people and the secretariat;
an organisation's only to its editors and the secretariat. Nobody writes to another entity's
records. State evidence is reviewed by the State's focal points; stakeholder evidence by the
secretariat.
"""

from django.db.models import Q

from .models import Evidence, Profile, Role


def profile_of(user):
    """The user's Profile, or None for anonymous users and users without one (cached)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_gcm_profile"):
        user._gcm_profile = Profile.objects.select_related("member_state", "organisation").filter(user=user).first()
    return user._gcm_profile


def is_secretariat(user):
    profile = profile_of(user)
    return bool(getattr(user, "is_superuser", False) or (profile and profile.role == Role.SECRETARIAT))


def entity_filter(profile):
    """A Q matching the records of the profile's own reporting entity (or nothing)."""
    if profile is None:
        return Q(pk__in=[])
    if profile.member_state_id:
        return Q(member_state_id=profile.member_state_id)
    if profile.organisation_id:
        return Q(organisation_id=profile.organisation_id)
    return Q(pk__in=[])


def visible_evidence(user, queryset=None):
    """Every evidence row the user may read: published ones, plus their own entity's."""
    queryset = Evidence.objects.all() if queryset is None else queryset
    if is_secretariat(user):
        return queryset
    profile = profile_of(user)
    if profile and profile.entity:
        return queryset.filter(Q(is_published=True) | entity_filter(profile))
    return queryset.filter(is_published=True)


def is_member(user, evidence):
    """The user reports for the entity that owns this record."""
    profile = profile_of(user)
    if profile is None:
        return False
    if evidence.member_state_id:
        return (
            profile.role in (Role.CONTRIBUTOR, Role.FOCAL_POINT) and profile.member_state_id == evidence.member_state_id
        )
    return profile.role == Role.STAKEHOLDER_EDITOR and profile.organisation_id == evidence.organisation_id


def can_view(user, evidence):
    return evidence.is_published or is_secretariat(user) or is_member(user, evidence)


def can_edit(user, evidence):
    """Content may be changed by the entity's own people while the revision is a draft or returned."""
    return is_member(user, evidence) and evidence.is_editable


def can_review(user, evidence):
    """State evidence: that State's focal points. Stakeholder evidence: the secretariat."""
    if evidence.member_state_id:
        profile = profile_of(user)
        return bool(
            profile and profile.role == Role.FOCAL_POINT and profile.member_state_id == evidence.member_state_id
        )
    return is_secretariat(user)


def can_withdraw(user, evidence):
    """A revision in progress: its entity's people or its reviewer. A published one is taken down
    only by its reviewer (the State's focal point) or the secretariat, never by a contributor."""
    if evidence.review_state == Evidence.ReviewState.VALIDATED:
        return can_review(user, evidence) or is_secretariat(user)
    if evidence.review_state in (Evidence.ReviewState.WITHDRAWN, Evidence.ReviewState.SUPERSEDED):
        return False
    return is_member(user, evidence) or can_review(user, evidence)


def can_record_for(user):
    """The entity the user records evidence for, or None."""
    profile = profile_of(user)
    if profile and profile.role in (Role.CONTRIBUTOR, Role.FOCAL_POINT, Role.STAKEHOLDER_EDITOR):
        return profile.entity
    return None


def can_see_unpublished_history(user, evidence):
    """Events of unpublished revisions (drafts, returns, comments) are for the entity and the secretariat."""
    return is_secretariat(user) or is_member(user, evidence)


def managed_state(user):
    """The Member State whose contributors this user manages (focal points only), or None."""
    profile = profile_of(user)
    if profile and profile.role == Role.FOCAL_POINT:
        return profile.member_state
    return None
