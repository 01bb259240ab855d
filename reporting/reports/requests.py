"""Requesting a new version of a report: its scope checked, its version numbered."""

from datetime import UTC, datetime
from datetime import time as dtime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import MemberState
from monitor.languages import language_of

from ..models import Report, ReportKind
from .access import compile_allowed


def scope_key(kind, member_state=None, region="", objective=None, stakeholder_type=None):
    if kind == ReportKind.NATIONAL:
        return member_state.iso3
    if kind == ReportKind.REGIONAL:
        return region
    if kind == ReportKind.OBJECTIVE:
        return f"objective-{objective.number}"
    if kind == ReportKind.STAKEHOLDER:
        return stakeholder_type.slug if stakeholder_type else "stakeholders"
    return "global"


def _check_scope(kind, member_state, region, objective, include_unpublished):
    errors = {}
    if kind not in ReportKind.values:
        errors["kind"] = [_("Choose a kind of report.")]
    if kind == ReportKind.NATIONAL and member_state is None:
        errors["member_state"] = [_("A national report needs a Member State.")]
    if kind == ReportKind.REGIONAL and not MemberState.objects.filter(region=region).exists():
        errors["region"] = [_("A regional report needs one of the M49 regions.")]
    if kind == ReportKind.OBJECTIVE and objective is None:
        errors["objective"] = [_("An objective report needs an objective.")]
    if include_unpublished and kind != ReportKind.NATIONAL:
        errors["include_unpublished"] = [_("Only a national report can include unpublished records.")]
    if errors:
        raise ValidationError(errors)


def request_report(
    *,
    kind,
    cycle,
    user=None,
    member_state=None,
    region="",
    objective=None,
    stakeholder_type=None,
    include_unpublished=False,
    data_cutoff=None,
    milestone=None,
    language=None,
):
    """A new queued version of a report. Raises PermissionDenied, ValidationError, or IntegrityError
    when the milestone's report was already claimed."""
    _check_scope(kind, member_state, region, objective, include_unpublished)
    if user is not None and not compile_allowed(user, kind, member_state, include_unpublished):
        raise PermissionDenied(_("You are not allowed to compile this report."))
    language = _report_language(language, user)
    key = scope_key(kind, member_state, region, objective, stakeholder_type)
    cutoff = data_cutoff or timezone.now()
    fields = {
        "kind": kind,
        "scope_key": key,
        "cycle": cycle,
        "member_state": member_state if kind == ReportKind.NATIONAL else None,
        "region": region if kind == ReportKind.REGIONAL else "",
        "objective": objective if kind == ReportKind.OBJECTIVE else None,
        "stakeholder_type": stakeholder_type if kind == ReportKind.STAKEHOLDER else None,
        "include_unpublished": include_unpublished,
        "data_cutoff": cutoff,
        "milestone": milestone,
        "requested_by": user,
        "scheduled": user is None,
        "parameters": {
            "include_unpublished": include_unpublished,
            "data_cutoff": cutoff.isoformat(),
            # A cut-off given (a milestone's, or chosen) is not "the data as it stands" (sameness).
            "cutoff_chosen": data_cutoff is not None,
            "language": language,
        },
    }
    for _attempt in range(5):
        last = Report.objects.filter(kind=kind, scope_key=key, cycle=cycle).aggregate(v=Max("version"))["v"]
        try:
            with transaction.atomic():
                return Report.objects.create(version=(last or 0) + 1, **fields)
        except IntegrityError:
            if (
                milestone is not None
                and Report.objects.filter(kind=kind, scope_key=key, cycle=cycle, milestone=milestone).exists()
            ):
                raise
    raise IntegrityError("could not number the report version")


def _report_language(language, user):
    """One of the six languages; by default the requester's (a scheduled report: the site's)."""
    if not language:
        return language_of(user) if user is not None else settings.LANGUAGE_CODE
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": [_("Choose one of the six languages.")]})
    return language


def report_language(report):
    """The language a report is written in (reports requested before languages existed: English)."""
    return (report.parameters or {}).get("language") or settings.LANGUAGE_CODE


def cutoff_of(day):
    """A milestone's cut-off day as the instant it begins (UTC): evidence validated before it."""
    return datetime.combine(day, dtime.min, tzinfo=UTC)
