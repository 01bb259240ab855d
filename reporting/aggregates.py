"""Aggregates of evidence, as selectors: one grouped query each, plain numbers out.

Each function takes an Evidence queryset already narrowed by the shared filters (and by
visibility) and returns plain Python data, so charts, tables, reports and exports never touch
the ORM. Dashboards and compiled reports both use these; there is one definition of each
figure. "No evidence" is the absence of a key, never a zero written in.
"""

from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce

from commitments.models import Evidence

STATUS_ORDER = [value for value, _label in Evidence.Status.choices]


def _region():
    """The M49 region of a record's entity: the State's, or the organisation's country's."""
    return Coalesce(F("member_state__region"), F("organisation__country__region"))


def totals(qs):
    """Records, reporting States and organisations, actions and objectives with evidence."""
    row = qs.aggregate(
        records=Count("id"),
        states=Count("member_state", distinct=True),
        organisations=Count("organisation", distinct=True),
        actions=Count("primary_action", distinct=True),
        objectives=Count("primary_action__objective", distinct=True),
    )
    return row


def count_by(qs, *fields, **expressions):
    """Rows of {field: value, ..., "n": count} grouped by the given fields or expressions."""
    grouped = qs.annotate(**expressions) if expressions else qs
    keys = [*fields, *expressions]
    return list(grouped.order_by().values(*keys).annotate(n=Count("id")).order_by(*keys))


def by_objective_status(qs):
    """{objective number: {status: count}}."""
    result = {}
    for row in count_by(qs, "status", objective=F("primary_action__objective__number")):
        result.setdefault(row["objective"], {})[row["status"]] = row["n"]
    return result


def by_objective_region(qs):
    """{objective number: {M49 region: count}}."""
    result = {}
    for row in count_by(qs, objective=F("primary_action__objective__number"), region=_region()):
        if row["region"]:
            result.setdefault(row["objective"], {})[row["region"]] = row["n"]
    return result


def by_state(qs):
    """{ISO3: count} of State records."""
    rows = count_by(qs.filter(member_state__isnull=False), iso3=F("member_state__iso3"))
    return {row["iso3"]: row["n"] for row in rows}


def by_cycle_status(qs):
    """{cycle: {status: count}}."""
    result = {}
    for row in count_by(qs, "cycle", "status"):
        result.setdefault(row["cycle"], {})[row["status"]] = row["n"]
    return result


def by_status(qs):
    return {row["status"]: row["n"] for row in count_by(qs, "status")}


def participation(qs):
    """{entity kind: count}: "member-state" for States, else the stakeholder type slug."""
    kind = Coalesce(F("organisation__stakeholder_type__slug"), Value("member-state"))
    return {row["kind"]: row["n"] for row in count_by(qs, kind=kind)}


def principles_applied(qs):
    """{(letter, name): count of records applying the principle}."""
    through = Evidence.principles.through.objects.filter(evidence__in=qs.order_by().values("pk"))
    rows = (
        through.values("guidingprinciple__letter", "guidingprinciple__name")
        .annotate(n=Count("evidence_id"))
        .order_by("guidingprinciple__letter")
    )
    return {(r["guidingprinciple__letter"], r["guidingprinciple__name"]): r["n"] for r in rows}


def actions_covered(qs):
    """Codes of actions with evidence, as primary or linked action."""
    primary = set(qs.order_by().values_list("primary_action__code", flat=True).distinct())
    linked_through = Evidence.other_actions.through.objects.filter(evidence__in=qs.order_by().values("pk"))
    linked = set(linked_through.values_list("action__code", flat=True).distinct())
    return primary | linked
