"""Demo plans and pledges for `manage.py seed_demo`: a published plan for a dozen States (a few
items overdue, some revised), pledges by States and demo organisations (some common, some
matching), and links from demo evidence, so `make run` shows every part of the feature.
Rows are written directly (like the demo evidence) and all marked `is_demo`.

`seed_demo --pledges N --plan-items M` writes N pledges and M plan items instead, in bulk, for
the benchmark (`demo_scale`)."""

import datetime
import random
import uuid

from django.db import transaction
from django.utils import timezone

from commitments import dataversion
from commitments.models import Action, Evidence, MemberState, Organisation

from .models import Delivery, Event, NationalPlan, OwnerStatus, PlanItem, Pledge, PledgePartner, ReviewState

STATES = ["MAR", "MEX", "PHL", "DEU", "KEN", "COL", "BGD", "ECU", "GHA", "IDN", "ITA", "SEN"]
INSTRUMENTS = ["strategy", "action_plan", "decree", "law"]
PRIORITIES = [
    "Improve migration data collection",
    "Alternatives to immigration detention",
    "Fair and ethical recruitment",
    "Access to basic services for migrants",
    "Consular protection and assistance",
    "Cheaper, safer remittances",
    "Skills recognition",
    "Safe and dignified return and reintegration",
    "Combat trafficking in persons",
    "Search and rescue coordination",
]
OCCASIONS = ["IMRF 2022", "IMRF 2026", "Regional review", "GFMD"]


class Seeder:
    def seed(self, seed, pledges=None, plan_items=None):
        """The small demo set; with either count given, that many pledges / plan items in bulk
        (the other one: the small demo's size)."""
        if pledges is not None or plan_items is not None:
            from . import demo_scale

            small_pledges, small_items = len(STATES) * 3 + 25, len(STATES) * 5
            return demo_scale.seed(
                seed,
                pledges=small_pledges if pledges is None else pledges,
                plan_items=small_items if plan_items is None else plan_items,
            )
        rng = random.Random(seed)
        actions = list(Action.objects.select_related("objective"))
        states = list(MemberState.objects.filter(iso3__in=STATES))
        orgs = list(Organisation.objects.filter(is_demo=True).order_by("id")[:20])
        now = timezone.now()
        with transaction.atomic():
            items = [item for state in states for item in self._plan(rng, state, actions, now)]
            pledges = self._pledges(rng, states, orgs, actions, now)
            links = self._links(rng, items, pledges)
            dataversion.bump(public=True)  # rows written directly: cached pages must not outlive them
        return f"Seeded {len(states)} national plans ({len(items)} items), {len(pledges)} pledges, {links} links."

    def _plan(self, rng, state, actions, now):
        plan = NationalPlan.objects.create(
            record=uuid.uuid4(),
            member_state=state,
            title=f"National Implementation Plan of the GCM: {state.name}",
            adopted_on=datetime.date(rng.choice([2020, 2021, 2022, 2023]), rng.randint(1, 12), 1),
            instrument=rng.choice(INSTRUMENTS),
            period_start=datetime.date(2021, 1, 1),
            period_end=datetime.date(2030, 12, 31),
            lead_institution="Ministry of the Interior",
            contributing_institutions="Ministry of Labour\nMinistry of Foreign Affairs\nNational Statistics Office",
            review_state=ReviewState.VALIDATED,
            is_published=True,
            validated_at=now,
            is_demo=True,
        )
        Event.objects.create(plan=plan, kind=Event.Kind.CREATED, version=1, reason="Demo data")
        items = []
        for order, priority in enumerate(rng.sample(PRIORITIES, rng.randint(3, 6))):
            chosen = rng.sample(actions, 2)
            item = PlanItem.objects.create(
                plan=plan,
                key=uuid.uuid4(),
                order=order,
                priority=priority,
                target_what=priority.lower(),
                target_amount=str(rng.choice([50, 100, 500, 1000])),
                target_date=datetime.date(rng.choice([2024, 2025, 2026, 2027, 2028, 2030]), rng.randint(1, 12), 28),
                responsible_institution=rng.choice(["Ministry of the Interior", "Ministry of Labour"]),
                status=rng.choice(
                    [OwnerStatus.PLEDGED, OwnerStatus.UNDER_WAY, OwnerStatus.UNDER_WAY, OwnerStatus.FULFILLED]
                ),
                status_reason="Reported by the national focal point.",
                budget=rng.choice([None, 250000, 1200000]),
            )
            if item.budget:
                item.currency = "USD"
                item.save(update_fields=["currency"])
            item.actions.set(chosen)
            item.objectives.set({a.objective for a in chosen})
            items.append(item)
        return items

    def _pledge(self, rng, owner, actions, now, **extra):
        field = "member_state" if isinstance(owner, MemberState) else "organisation"
        action = rng.choice(actions)
        fields = {
            "title": f"{rng.choice(PRIORITIES)}: {rng.choice(['funding', 'staff', 'a new procedure', 'a policy'])}",
            "description": "A concrete, measurable commitment made for the Forum.",
            "kind": rng.choice(Pledge.Kind.values),
            "target_what": "people reached",
            "target_amount": str(rng.choice([200, 1000, 5000])),
            "target_date": datetime.date(rng.choice([2025, 2026, 2027, 2028]), rng.randint(1, 12), 1),
            "occasion": rng.choice(OCCASIONS),
            "status": rng.choice(OwnerStatus.values),
            "status_reason": "Reported by the owner.",
            "review_state": ReviewState.VALIDATED,
            "is_published": True,
            "validated_at": now,
            "is_demo": True,
        }
        fields[field] = owner
        pledge = Pledge.objects.create(**{**fields, **extra})
        pledge.identifier = f"GCM-P-{pledge.created_at:%Y}-{pledge.pk:06d}"
        pledge.save(update_fields=["identifier"])
        pledge.actions.set([action])
        pledge.objectives.set([action.objective])
        Event.objects.create(pledge=pledge, kind=Event.Kind.CREATED, version=1, reason="Demo data")
        return pledge

    def _pledges(self, rng, states, orgs, actions, now):
        pledges = [self._pledge(rng, owner, actions, now) for owner in states * 3 + orgs]
        for pledge in rng.sample(pledges, min(8, len(pledges))):  # common pledges
            partner = rng.choice([s for s in states if s != pledge.member_state])
            answer = rng.choice([PledgePartner.Answer.CONFIRMED, PledgePartner.Answer.INVITED])
            PledgePartner.objects.create(pledge=pledge, member_state=partner, answer=answer)
        for original in rng.sample(pledges, min(5, len(pledges))):  # matching pledges
            owner = rng.choice(orgs or states)
            pledges.append(self._pledge(rng, owner, actions, now, matches=original, kind=Pledge.Kind.FINANCIAL))
        return pledges

    def _links(self, rng, items, pledges):
        rows = []
        for target in items + pledges:
            owner = (
                {"member_state_id": target.plan.member_state_id}
                if isinstance(target, PlanItem)
                else (
                    {"member_state_id": target.member_state_id}
                    if target.member_state_id
                    else {"organisation_id": target.organisation_id}
                )
            )
            ids = list(
                Evidence.objects.filter(is_demo=True, is_published=True, **owner).values_list("id", flat=True)[:50]
            )
            for evidence_id in rng.sample(ids, min(len(ids), rng.randint(0, 3))):
                if isinstance(target, PlanItem):
                    rows.append(Delivery(evidence_id=evidence_id, plan_item=target, item_key=target.key))
                else:
                    rows.append(Delivery(evidence_id=evidence_id, pledge=target))
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)

    def delete(self):
        Delivery.objects.filter(evidence__is_demo=True).delete()
        Delivery.objects.filter(pledge__is_demo=True).delete()
        Delivery.objects.filter(plan_item__plan__is_demo=True).delete()
        demo_pledges = Pledge.objects.filter(is_demo=True) | Pledge.objects.filter(organisation__is_demo=True)
        PledgePartner.objects.filter(organisation__is_demo=True).delete()
        Event.objects.filter(pledge__in=demo_pledges).delete()
        Event.objects.filter(plan__is_demo=True).delete()
        Pledge.objects.filter(matches__in=demo_pledges).update(matches=None)
        demo_pledges.delete()
        NationalPlan.objects.filter(is_demo=True).delete()
