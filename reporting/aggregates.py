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
    # Joined from the filtered evidence, not `evidence_id IN (subquery)`: PostgreSQL without fresh
    # statistics planned the subquery form as a nested loop (minutes at 40k rows), and SQLite ran it
    # 16x slower with two filters at 1M rows (6.5 s against 0.4 s).
    rows = (
        qs.order_by()
        .values(letter=F("principles__letter"), name=F("principles__name"))
        .annotate(n=Count("id"))
        .order_by("letter")
    )
    return {(r["letter"], r["name"]): r["n"] for r in rows if r["letter"] is not None}


def linked_action_codes(qs):
    """Codes of the actions linked (not primary) to the records, joined as in principles_applied."""
    codes = qs.order_by().values_list("other_actions__code", flat=True).distinct()
    return {code for code in codes if code is not None}


def actions_covered(qs):
    """Codes of actions with evidence, as primary or linked action."""
    primary = set(qs.order_by().values_list("primary_action__code", flat=True).distinct())
    return primary | linked_action_codes(qs)


# --- The dashboard cube: every global chart from one grouped query -----------------------------
#
# The global dashboard needs status by objective, objectives x regions, records by State, status
# by cycle and participation by kind. Running those five GROUP BYs scans the evidence five
# times; `dashboard_cube` scans it once, grouped by every key the charts need, and folds the
# (at most a few tens of thousands of) rows in Python. Key ids are mapped to names with the small
# reference tables, read once per call.


def dashboard_cube(qs):
    """One grouped query: rows of (objective, state id, org type id, org region, cycle, status, n)."""
    rows = (
        qs.order_by()
        .values_list(
            "primary_action__objective__number",
            "member_state_id",
            "organisation__stakeholder_type_id",
            "organisation__country__region",
            "cycle",
            "status",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    return list(rows)


def fold_cube(rows, states, types):
    """The cube folded into the shapes of the single-figure selectors above, plus totals.

    `states` maps a MemberState id to (iso3, region); `types` a StakeholderType id to its slug.
    """
    out = {
        "by_objective_status": {},
        "by_objective_region": {},
        "by_state": {},
        "by_cycle_status": {},
        "participation": {},
        "by_status": {},
    }
    records = 0
    for objective, state_id, type_id, org_region, cycle, status, n in rows:
        records += n
        if state_id is not None:
            iso3, region = states[state_id]
            out["by_state"][iso3] = out["by_state"].get(iso3, 0) + n
            kind = "member-state"
        else:
            region, kind = org_region, types.get(type_id)
        _bump(out["by_objective_status"], objective, status, n)
        if region:
            _bump(out["by_objective_region"], objective, region, n)
        _bump(out["by_cycle_status"], cycle, status, n)
        out["participation"][kind] = out["participation"].get(kind, 0) + n
        out["by_status"][status] = out["by_status"].get(status, 0) + n
    out["totals"] = {
        "records": records,
        "states": len(out["by_state"]),
        "objectives": len(out["by_objective_status"]),
    }
    return out


def add_counts(a, b):
    """{key: count} + {key: count}: the counts of two disjoint sets of records."""
    out = dict(a)
    for key, n in b.items():
        out[key] = out.get(key, 0) + n
    return out


def add_tables(a, b):
    """{row: {column: count}} + the same: the tables of two disjoint sets of records."""
    out = {row: dict(cells) for row, cells in a.items()}
    for row, cells in b.items():
        for column, n in cells.items():
            _bump(out, row, column, n)
    return out


def _bump(table, row, column, n):
    cells = table.setdefault(row, {})
    cells[column] = cells.get(column, 0) + n


def reference_maps():
    """(states: id -> (iso3, region), types: id -> slug): two small queries."""
    from commitments.models import MemberState, StakeholderType

    states = {pk: (iso3, region) for pk, iso3, region in MemberState.objects.values_list("id", "iso3", "region")}
    types = dict(StakeholderType.objects.values_list("id", "slug"))
    return states, types


def dashboard_data(qs):
    """Everything the global dashboard draws, from two aggregate queries (cube + principles)."""
    states, types = reference_maps()
    data = fold_cube(dashboard_cube(qs), states, types)
    data["principles"] = principles_applied(qs)
    return data


def by_sdg_target(qs):
    """{SDG target code: records tagged with it}, most first: one grouped query."""
    from commitments.indicators.models import EvidenceTarget
    from commitments.indicators.selectors import among

    rows = (
        EvidenceTarget.objects.filter(among(qs), item__framework__code="sdg")
        .values("item__code", "item__order")
        .annotate(n=Count("evidence", distinct=True))
        .order_by("-n", "item__order")
    )
    return {row["item__code"]: row["n"] for row in rows}


def by_sdg_indicator(qs):
    """{SDG indicator code: {"results", "entities", "first_year", "last_year"}} in framework order."""
    from django.db.models import Max, Min

    from commitments.indicators.models import ResultMeasure
    from commitments.indicators.selectors import among

    rows = (
        ResultMeasure.objects.filter(among(qs, "result__evidence_id"), item__framework__code="sdg")
        .values("item__code", "item__order")
        .annotate(
            results=Count("pk"),
            states=Count("result__evidence__member_state", distinct=True),
            organisations=Count("result__evidence__organisation", distinct=True),
            first_year=Min("result__year"),
            last_year=Max("result__year"),
        )
        .order_by("item__order")
    )
    return {
        row["item__code"]: {
            "results": row["results"],
            "entities": row["states"] + row["organisations"],
            "first_year": row["first_year"],
            "last_year": row["last_year"],
        }
        for row in rows
    }


def by_action_status(qs):
    """{action code: {status: count}} by primary action."""
    result = {}
    for row in count_by(qs, "status", code=F("primary_action__code")):
        result.setdefault(row["code"], {})[row["status"]] = row["n"]
    return result


# --- A compiled report's figures from one grouped query per cycle -------------------------------


def report_cube(qs):
    """One grouped query: rows of (primary action id, State id, organisation id, status, n)."""
    rows = (
        qs.order_by()
        .values_list("primary_action_id", "member_state_id", "organisation_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return list(rows)


def report_figures(qs):
    """totals, by_status, by_objective_status, participation and the primary actions' codes of a
    report's records, folded from `report_cube` (the same figures as the single selectors above:
    tests/reporting/test_aggregates.py compares them) plus the linked actions (one more query)."""
    from commitments.models import Action, Organisation

    actions = {
        pk: (code, objective) for pk, code, objective in Action.objects.values_list("id", "code", "objective__number")
    }
    kinds = dict(Organisation.objects.values_list("id", "stakeholder_type__slug"))
    states, organisations, action_ids = set(), set(), set()
    out = {"by_status": {}, "by_objective_status": {}, "participation": {}}
    records = 0
    for action_id, state_id, organisation_id, status, n in report_cube(qs):
        records += n
        action_ids.add(action_id)
        if state_id is not None:
            states.add(state_id)
        if organisation_id is not None:
            organisations.add(organisation_id)
        kind = kinds.get(organisation_id) if organisation_id is not None else None
        kind = kind or "member-state"
        out["by_status"][status] = out["by_status"].get(status, 0) + n
        _bump(out["by_objective_status"], actions[action_id][1], status, n)
        out["participation"][kind] = out["participation"].get(kind, 0) + n
    out["totals"] = {
        "records": records,
        "states": len(states),
        "organisations": len(organisations),
        "actions": len(action_ids),
        "objectives": len({actions[pk][1] for pk in action_ids}),
    }
    out["actions_covered"] = {actions[pk][0] for pk in action_ids} | linked_action_codes(qs)
    return out
