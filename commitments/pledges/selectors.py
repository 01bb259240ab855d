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


def evidence_says(*, item_keys=(), pledge_ids=()):
    """{("item", key) or ("pledge", id): {"counts": {status: n}, "total": n, "latest": date}}
    over linked published evidence; one grouped query."""
    rows = (
        Delivery.objects.filter(evidence__is_published=True)
        .filter(Q(item_key__in=list(item_keys)) | Q(pledge_id__in=list(pledge_ids)))
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
