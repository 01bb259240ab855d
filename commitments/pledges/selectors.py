"""Reads for plans and pledges: current plan versions, what linked evidence says, what is due.

Plain values out, one grouped query per question, so pages, reports and dashboards never loop
over the ORM. "What the evidence says" is counted, never turned into a status: the owner's
status and these counts are shown side by side.
"""

import datetime

from django.db.models import Count, Max, Q

from commitments.models import Evidence

from .models import Delivery, NationalPlan, OwnerStatus, PlanItem, Pledge, PledgePartner, ReviewState

S = ReviewState
LIVE = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.VALIDATED)
OPEN = (OwnerStatus.PLEDGED, OwnerStatus.UNDER_WAY)
DUE_WINDOW = datetime.timedelta(days=183)  # "the next 6 months"


def published_plans(state):
    return NationalPlan.objects.filter(member_state=state, is_published=True).order_by("-adopted_on", "-id")


def current_items(state):
    """Each live plan item of the State once (the latest live version of its plan)."""
    items = (
        PlanItem.objects.filter(plan__member_state=state, plan__review_state__in=LIVE)
        .select_related("plan")
        .order_by("key", "-plan__revision")
    )
    seen, result = set(), []
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            result.append(item)
    return result


def deliverable_pledges(entity):
    """The entity's own live pledges and the common pledges it confirmed taking part in."""
    field = "member_state" if entity._meta.model_name == "memberstate" else "organisation"
    confirmed = PledgePartner.objects.filter(**{field: entity}, answer=PledgePartner.Answer.CONFIRMED)
    return Pledge.objects.filter(Q(**{field: entity}) | Q(pk__in=confirmed.values("pledge_id"))).filter(
        review_state__in=LIVE
    )


def evidence_says(*, item_keys=(), pledge_ids=(), cutoff=None):
    """{("item", key) or ("pledge", id): {"counts": {status: n}, "total": n, "latest": date}}
    over linked published evidence (validated before `cutoff` if given); one grouped query."""
    links = Delivery.objects.filter(evidence__is_published=True)
    if cutoff:
        links = links.filter(evidence__validated_at__lt=cutoff)
    rows = (
        links.filter(Q(item_key__in=list(item_keys)) | Q(pledge_id__in=list(pledge_ids)))
        .values("item_key", "pledge_id", "evidence__status")
        .annotate(n=Count("evidence_id", distinct=True), latest=Max("evidence__validated_at"))
        .order_by()
    )
    result = {}
    for row in rows:
        key = ("item", row["item_key"]) if row["item_key"] else ("pledge", row["pledge_id"])
        entry = result.setdefault(key, {"counts": {}, "total": 0, "latest": None})
        entry["counts"][row["evidence__status"]] = entry["counts"].get(row["evidence__status"], 0) + row["n"]
        entry["total"] += row["n"]
        if row["latest"] and (entry["latest"] is None or row["latest"] > entry["latest"]):
            entry["latest"] = row["latest"]
    labels = dict(Evidence.Status.choices)
    for entry in result.values():
        entry["by_status"] = [(labels[s], entry["counts"][s]) for s in Evidence.Status.values if s in entry["counts"]]
    return result


def linked_evidence(*, item_keys=(), pledge_ids=(), user=None):
    """{target key: [published evidence]} for listing on plan and pledge pages."""
    rows = (
        Delivery.objects.filter(evidence__is_published=True)
        .filter(Q(item_key__in=list(item_keys)) | Q(pledge_id__in=list(pledge_ids)))
        .select_related("evidence__member_state", "evidence__organisation")
        .order_by("-evidence__validated_at", "id")
    )
    result = {}
    for row in rows:
        key = ("item", row.item_key) if row.item_key else ("pledge", row.pledge_id)
        result.setdefault(key, []).append(row.evidence)
    return result


def is_overdue(target, today):
    return bool(target.target_date and target.target_date < today and target.status in OPEN)


def due(entity, today=None):
    """The entity's open plan items and pledges due in the next 6 months, and those overdue."""
    today = today or datetime.date.today()
    horizon = today + DUE_WINDOW
    targets = []
    if entity._meta.model_name == "memberstate":
        targets += [i for i in current_items(entity) if i.target_date]
    field = "member_state" if entity._meta.model_name == "memberstate" else "organisation"
    targets += list(Pledge.objects.filter(**{field: entity}, review_state__in=LIVE, target_date__isnull=False))
    targets = [t for t in targets if t.status in OPEN and t.target_date <= horizon]
    targets.sort(key=lambda t: t.target_date)
    return {
        "overdue": [t for t in targets if t.target_date < today],
        "soon": [t for t in targets if t.target_date >= today],
    }


# --- Reports and dashboards: plain values out ---------------------------------------------------


def _published_by(queryset, cutoff):
    """Published, and validated before `cutoff` (a report's data cut-off, a datetime) if given."""
    queryset = queryset.filter(is_published=True)
    return queryset.filter(validated_at__lt=cutoff) if cutoff else queryset


def _target_text(target):
    parts = [target.target_what, target.target_amount]
    return ": ".join(p for p in parts if p)


def _says_columns(says):
    return {
        "evidence_records": says["total"] if says else 0,
        "evidence_by_status": "; ".join(f"{label}: {n}" for label, n in says["by_status"]) if says else "",
        "latest_evidence": says["latest"].date().isoformat() if says and says["latest"] else "",
    }


def national_section(state, cutoff=None, today=None):
    """A State's published plan items and pledges with the owner's status beside the evidence."""
    today = today or datetime.date.today()
    plans = list(_published_by(NationalPlan.objects.filter(member_state=state), cutoff).order_by("-adopted_on", "id"))
    items = list(
        PlanItem.objects.filter(plan__in=plans).select_related("plan").prefetch_related("objectives", "actions")
    )
    pledges = list(
        _published_by(Pledge.objects.filter(member_state=state), cutoff).prefetch_related("objectives").order_by("id")
    )
    says = evidence_says(item_keys=[i.key for i in items], pledge_ids=[p.pk for p in pledges], cutoff=cutoff)
    labels = dict(OwnerStatus.choices)
    kinds = dict(Pledge.Kind.choices)
    return {
        "plans": [
            {
                "title": p.title,
                "instrument": str(p.get_instrument_display()),
                "adopted_on": p.adopted_on.isoformat() if p.adopted_on else "",
                "version": p.revision,
                "record": str(p.record),
            }
            for p in plans
        ],
        "items": [
            {
                "plan": i.plan.title,
                "priority": i.priority,
                "objectives": "; ".join(str(o.number) for o in i.objectives.all()),
                "actions": "; ".join(a.code for a in i.actions.all()),
                "target": _target_text(i),
                "target_date": i.target_date.isoformat() if i.target_date else "",
                "overdue": is_overdue(i, today),
                "status": str(labels[i.status]),
                "status_reason": i.status_reason,
                **_says_columns(says.get(("item", i.key))),
            }
            for i in items
        ],
        "pledges": [
            {
                "identifier": p.identifier,
                "title": p.title,
                "kind": str(kinds[p.kind]),
                "objectives": "; ".join(str(o.number) for o in p.objectives.all()),
                "target": _target_text(p),
                "target_date": p.target_date.isoformat() if p.target_date else "",
                "overdue": is_overdue(p, today),
                "status": str(labels[p.status]),
                "status_reason": p.status_reason,
                **_says_columns(says.get(("pledge", p.pk))),
            }
            for p in pledges
        ],
    }


def pledge_counts(queryset):
    """Published pledges by type, by status and by objective: three grouped queries."""
    queryset = queryset.filter(is_published=True).order_by()
    kinds, labels = dict(Pledge.Kind.choices), dict(OwnerStatus.choices)
    by_kind = dict(queryset.values_list("kind").annotate(n=Count("id")))
    by_status = dict(queryset.values_list("status").annotate(n=Count("id")))
    through = Pledge.objectives.through.objects.filter(pledge__in=queryset)
    by_objective = dict(through.values_list("objective__number").annotate(n=Count("pledge_id", distinct=True)))
    return {
        "by_kind": [{"kind": k, "label": str(kinds[k]), "pledges": by_kind.get(k, 0)} for k in Pledge.Kind.values],
        "by_status": [
            {"status": s, "label": str(labels[s]), "pledges": by_status.get(s, 0)} for s in OwnerStatus.values
        ],
        "by_objective": [{"objective": n, "pledges": c} for n, c in sorted(by_objective.items())],
        "total": sum(by_kind.values()),
    }


def plan_adoption_by_region(cutoff=None):
    """Per M49 region: Member States, and those with a published national implementation plan."""
    from commitments.models import MemberState

    states = dict(
        MemberState.objects.filter(is_observer=False).values_list("region").annotate(n=Count("id")).order_by()
    )
    with_plan = dict(
        _published_by(NationalPlan.objects.all(), cutoff)
        .values_list("member_state__region")
        .annotate(n=Count("member_state", distinct=True))
        .order_by()
    )
    return [{"region": r, "states": n, "with_plan": with_plan.get(r, 0)} for r, n in sorted(states.items()) if r]


def plan_coverage(state):
    """The actions a State prioritised in its published plans, with and without published evidence."""
    items = PlanItem.objects.filter(plan__member_state=state, plan__is_published=True)
    codes = sorted(set(items.values_list("actions__code", flat=True)) - {None})
    evidenced = set(
        Evidence.objects.filter(member_state=state, is_published=True, primary_action__code__in=codes).values_list(
            "primary_action__code", flat=True
        )
    )
    return {
        "prioritised": len(codes),
        "with_evidence": len(evidenced & set(codes)),
        "without": sorted(set(codes) - evidenced),
    }


def targets_for_reminder(state, today, days=30):
    """A State's open, published plan items and pledges whose target date is within `days` either
    side of today (near, or recently past: an old overdue target does not e-mail every day)."""
    window = (today - datetime.timedelta(days=days), today + datetime.timedelta(days=days))
    items = PlanItem.objects.filter(
        plan__member_state=state, plan__is_published=True, status__in=OPEN, target_date__range=window
    )
    pledges = Pledge.objects.filter(member_state=state, is_published=True, status__in=OPEN, target_date__range=window)
    rows = [(i.priority, i.target_date) for i in items] + [
        (f"{p.identifier} {p.title}", p.target_date) for p in pledges
    ]
    return [
        {"title": title, "target_date": day.isoformat(), "overdue": day < today}
        for title, day in sorted(rows, key=lambda row: row[1])
    ]
