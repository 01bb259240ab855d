"""The evidence a report uses: the published records of its scope validated in its cycle
before its cut-off, and, for a State's own preparation, its working revisions."""

from django.db.models import DateTimeField, Exists, Func, OuterRef, Q

from commitments.filters import filter_evidence
from commitments.models import Evidence

from ..models import ReportKind

S = Evidence.ReviewState
WORKING_STATES = (S.DRAFT, S.SUBMITTED, S.RETURNED)


def _scope_params(report):
    if report.kind == ReportKind.NATIONAL:
        return {"state": [report.member_state.iso3]}
    if report.kind == ReportKind.REGIONAL:
        return {"region": report.region}
    if report.kind == ReportKind.OBJECTIVE:
        return {"objective": [str(report.objective.number)]}
    if report.kind == ReportKind.STAKEHOLDER:
        return {"entity_kind": report.stakeholder_type.slug} if report.stakeholder_type_id else {}
    return {}


class NotIndexed(Func):
    """A column SQLite's planner may not drive an index from (its documented unary `+`); the
    plain column elsewhere.

    A report's cut-off is usually "now": `validated_at < cut-off` matches nearly every row, yet
    SQLite, without statistics, took it as selective and walked the `validated_at` index,
    fetching each row at random (the global report's figures at 1M records: 13.0 s; with the
    term kept off the index, 6.3 s)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


def _published(report, cycle):
    """Published evidence of the report's scope, validated in `cycle` before the cut-off."""
    _filterset, queryset = filter_evidence(_scope_params(report), None)
    queryset = queryset.alias(validated=NotIndexed("validated_at", output_field=DateTimeField())).filter(
        cycle=cycle, validated__lt=report.data_cutoff
    )
    if report.kind == ReportKind.STAKEHOLDER:
        queryset = queryset.filter(organisation__isnull=False)
    return queryset.order_by()


def report_evidence(report):
    """The records the report uses (its data annex)."""
    published = _published(report, report.cycle)
    if not report.include_unpublished:
        return published
    # The State's working revisions replace their published predecessors in its own preparation.
    working = Evidence.objects.filter(member_state_id=report.member_state_id, review_state__in=WORKING_STATES)
    newer = working.filter(record=OuterRef("record"))
    return Evidence.objects.filter(
        Q(pk__in=published.exclude(Exists(newer)).values("pk")) | Q(pk__in=working.values("pk"))
    ).order_by()


def previous_evidence(report):
    return _published(report, report.cycle - 1) if report.cycle > 1 else Evidence.objects.none()
