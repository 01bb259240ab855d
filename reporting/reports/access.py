"""Who may see a compiled report, and who may ask for one."""

from django.db.models import Q

from commitments import permissions
from commitments.models import Role

from ..models import Report, ReportKind


def visible_reports(user, queryset=None):
    """Reports compiled from published evidence: everyone. With unpublished records: the State's people
    and the secretariat."""
    queryset = Report.objects.all() if queryset is None else queryset
    if permissions.is_secretariat(user):
        return queryset
    profile = permissions.profile_of(user)
    own_state = Q(member_state_id=profile.member_state_id) if profile and profile.member_state_id else Q(pk__in=[])
    return queryset.filter(Q(include_unpublished=False) | own_state)


def can_view_report(user, report):
    return visible_reports(user, Report.objects.filter(pk=report.pk)).exists()


def compile_allowed(user, kind, member_state=None, include_unpublished=False):
    """Secretariat: any report. Focal point: their own State's national report. Analyst: published-only."""
    if permissions.is_secretariat(user):
        return True
    profile = permissions.profile_of(user)
    if profile is None:
        return False
    if profile.role == Role.FOCAL_POINT:
        return kind == ReportKind.NATIONAL and member_state is not None and member_state.pk == profile.member_state_id
    return profile.role == Role.ANALYST and not include_unpublished
