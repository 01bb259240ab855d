"""What a review is drafted from, as plain data (no ORM objects leave this module).

Every fact carries the record identifiers it comes from (the evidence `record` UUID), so each
sentence drafted from it can cite them. Only the State's published evidence of the review's
cycle is used; plans and pledges come in through `plan_and_pledge_facts`.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from commitments.models import Action, Evidence, EvidenceResult, Objective, Organisation, Profile, Role
from commitments.pledges import selectors as pledge_selectors
from commitments.pledges.models import PlanItem, Pledge

# Records listed one by one per objective (in the text and its table); all are counted, and the
# annex of the files lists up to ANNEX_ROWS. A State with 40,000 records would otherwise get a
# document of thousands of pages (WeasyPrint: about 6 minutes for 6,600 table rows on the bench
# machine; with these bounds about a quarter of that). Every record stays in the open data.
LISTED_PER_OBJECTIVE = 50
ANNEX_ROWS = 500


def published_evidence(member_state_id, cycle):
    """The State's published evidence validated in the cycle."""
    return Evidence.objects.published().filter(member_state_id=member_state_id, cycle=cycle)


def _number(value):
    """A Decimal as people write it: 1200, 3.5 (no trailing zeros, no exponent)."""
    value = Decimal(value)
    text = format(value.normalize(), "f")
    return text


def _results_by_record(queryset, records):
    """{record id: [results]} for the listed records only (one query)."""
    found = defaultdict(list)
    rows = (
        EvidenceResult.objects.filter(evidence__in=queryset.filter(record__in=records))
        .order_by("evidence__record", "id")
        .values_list("evidence__record", "indicator", "value", "unit", "year")
    )
    for record, indicator, value, unit, year in rows:
        found[str(record)].append({"indicator": indicator, "value": _number(value), "unit": unit, "year": year})
    return found


def objective_facts(member_state_id, cycle):
    """{objective number: facts} for all 23 objectives; an objective without evidence has total 0.

    facts = {number, title, total, status_counts {status: n}, status_records {status: [ids]},
    records [{id, title, action, status, good_practice, results}], good_practices [ids]}
    (record lists hold at most LISTED_PER_OBJECTIVE identifiers; totals count every record)."""
    facts = {
        number: {
            "number": number,
            "title": title,
            "total": 0,
            "status_counts": {},
            "status_records": {},
            "records": [],
            "good_practices": [],
        }
        for number, title in Objective.objects.order_by("number").values_list("number", "title")
    }
    queryset = published_evidence(member_state_id, cycle)
    rows = queryset.order_by(
        "primary_action__objective__number", "primary_action__letter", "title", "record"
    ).values_list(
        "record", "title", "primary_action__code", "primary_action__objective__number", "status", "good_practice"
    )
    listed = []
    for record, title, action, number, status, good_practice in rows.iterator(chunk_size=5000):
        entry, record = facts[number], str(record)
        entry["total"] += 1
        entry["status_counts"][status] = entry["status_counts"].get(status, 0) + 1
        cited = entry["status_records"].setdefault(status, [])
        if len(cited) < LISTED_PER_OBJECTIVE:
            cited.append(record)
        if len(entry["records"]) < LISTED_PER_OBJECTIVE:
            item = {"id": record, "title": title, "action": action, "status": status, "good_practice": good_practice}
            entry["records"].append(item)
            listed.append(record)
            if good_practice:
                entry["good_practices"].append(record)
    results = _results_by_record(queryset, listed) if listed else {}
    for entry in facts.values():
        for item in entry["records"]:
            item["results"] = results.get(item["id"], [])
    return facts


def participation_facts(member_state_id, cycle):
    """Who took part: the State's people who recorded its published evidence, the stakeholders based
    in the State that published evidence in the cycle, and the partners the records name."""
    queryset = published_evidence(member_state_id, cycle)
    authors = Profile.objects.filter(
        member_state_id=member_state_id,
        role__in=(Role.CONTRIBUTOR, Role.FOCAL_POINT),
        user__in=queryset.values("created_by"),
    ).count()
    organisations = [
        {"name": name, "records": n}
        for name, n in Organisation.objects.filter(
            country_id=member_state_id, evidence__is_published=True, evidence__cycle=cycle
        )
        .annotate(n=Count("evidence"))
        .order_by("name")
        .values_list("name", "n")
    ]
    partners = [
        {"type": name, "records": n}
        for name, n in queryset.filter(partners__isnull=False)
        .values_list("partners__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "partners__name")
        .values_list("partners__name", "n")
    ]
    return {"records": queryset.count(), "authors": authors, "organisations": organisations, "partners": partners}


def challenge_facts(member_state_id, cycle, limit=LISTED_PER_OBJECTIVE):
    """[{id, title, challenges}] of records that name challenges (the first `limit`, by objective)."""
    rows = (
        published_evidence(member_state_id, cycle)
        .exclude(challenges="")
        .order_by("primary_action__objective__number", "primary_action__letter", "title", "record")
        .values_list("record", "title", "challenges")[:limit]
    )
    return [{"id": str(record), "title": title, "challenges": text} for record, title, text in rows]


def annex_facts(member_state_id, cycle, limit=ANNEX_ROWS):
    """The records the review draws on: [{id, title, action, status}] (the first `limit`) and the total."""
    queryset = published_evidence(member_state_id, cycle)
    rows = queryset.order_by("primary_action__objective__number", "primary_action__letter", "title", "record")
    rows = rows.values_list("record", "title", "primary_action__code", "status")[:limit]
    return {
        "total": queryset.count(),
        "records": [{"id": str(r), "title": t, "action": a, "status": s} for r, t, a, s in rows],
    }


def plan_and_pledge_facts(member_state, cycle):
    """{objective number: [{kind, kind_label, identifier, title, status, status_label, evidence_total,
    evidence_by_status}]} of the State's published plan items and its published pledges, with the
    owner's status and, beside it, what linked published evidence says (counted, never a status).
    Objectives come from the item's or pledge's objectives and from the objectives of its actions.
    Plans and pledges are not dated to a cycle: the current published ones count (`cycle` is kept
    for the caller's symmetry with the other facts). Call it under the review's language: labels
    are translated here."""
    actions = Prefetch("actions", queryset=Action.objects.select_related("objective"))
    items = (
        PlanItem.objects.filter(plan__member_state=member_state, plan__is_published=True)
        .select_related("plan")
        .prefetch_related("objectives", actions)
        .order_by("plan__title", "order", "id")
    )
    pledges = (
        Pledge.objects.filter(member_state=member_state, is_published=True)
        .prefetch_related("objectives", actions)
        .order_by("identifier")
    )
    items, pledges = list(items), list(pledges)
    says = pledge_selectors.evidence_says(item_keys=[i.key for i in items], pledge_ids=[p.pk for p in pledges])
    facts = {}
    for kind, label, target, identifier, title, key in [
        *(
            ("plan_item", _("Plan item"), i, str(i.key), f"{i.priority} ({i.plan.title})", ("item", i.key))
            for i in items
        ),
        *(("pledge", _("Pledge"), p, p.identifier, p.title, ("pledge", p.pk)) for p in pledges),
    ]:
        evidence = says.get(key, {"total": 0, "by_status": []})
        entry = {
            "kind": kind,
            "kind_label": str(label),
            "identifier": identifier,
            "title": title,
            "status": target.status,
            "status_label": str(target.get_status_display()),
            "evidence_total": evidence["total"],
            "evidence_by_status": [[str(s), n] for s, n in evidence["by_status"]],
        }
        numbers = {o.number for o in target.objectives.all()} | {a.objective.number for a in target.actions.all()}
        for number in sorted(numbers):
            facts.setdefault(number, []).append(entry)
    return facts
