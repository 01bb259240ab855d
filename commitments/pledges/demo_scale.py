"""Plans and pledges at benchmark scale: `seed_demo --pledges N --plan-items M`.

Deterministic for a seed and the two counts, and written like the demo evidence
(`commitments.demo`): ids assigned here, rows assembled as tuples and inserted in batches with
`executemany` (the many-to-many rows, partners and links with `bulk_create`), so 50,000 pledges
and 20,000 plan items take seconds. No review workflow runs: each row gets the history a
reader sees (created, submitted, validated events). Every plan and pledge is marked `is_demo`.

Realism: uneven, like the evidence. Every State with published evidence gets a plan (the States
with most evidence first, if there are fewer items than States); the items are spread over them
with a Zipf-like skew, over one to three revisions (superseded ones stay, a few States have a
revision in review). Pledges are by States (two thirds, the most active reporters most) and
demo organisations, of the four kinds, for several occasions (the IMRF 2022 ones further on);
most are validated and published, some are drafts, submitted, returned or withdrawn. About one
in twelve is a common pledge with partners, one in thirty matches an earlier one. Plan items
and published pledges link to published evidence of their own State or organisation (at most
three each, from the entity's first 200 published records).
"""

import datetime
import random
import uuid
from collections import Counter
from itertools import accumulate

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from commitments import dataversion
from commitments.demo import no_style, zipf_weights
from commitments.models import Action, Evidence, MemberState, Organisation

from . import demo
from .models import Delivery, Event, NationalPlan, OwnerStatus, PlanItem, Pledge, PledgePartner, ReviewState

# Bump when the generated plans and pledges change, so the benchmark reseeds its databases.
GENERATOR_VERSION = 2
BATCH = 5000
S = ReviewState
UTC = datetime.UTC

# The small demo's priorities, and two more for variety at scale.
PRIORITIES = [*demo.PRIORITIES, "Legal identity for all migrants", "Regular pathways for labour migration"]
QUALIFIERS = ["", " in border regions", " for women and girls", " at local level", " for children", " nationwide"]
INSTRUMENTS = ["strategy", "action_plan", "decree", "law", "other"]
INSTITUTIONS = ["Ministry of the Interior", "Ministry of Labour", "Ministry of Foreign Affairs", "National Statistics"]
MEANS = {
    "financial": ["funding", "a dedicated fund", "budget support", "grants to municipalities"],
    "human_resources": ["staff", "trained labour inspectors", "consular officers", "interpreters"],
    "process": ["a new procedure", "a referral mechanism", "a data-sharing protocol", "a one-stop portal"],
    "policy": ["a policy", "a law", "a national strategy", "a bilateral agreement"],
}
KIND_WEIGHTS = {"policy": 34, "process": 30, "human_resources": 20, "financial": 16}
SENTENCES = [
    "A concrete, measurable commitment made for the Forum.",
    "It builds on the priorities of the national implementation plan.",
    "Progress will be reported every year with the evidence of implementation.",
    "Civil society and migrant organisations were consulted on the commitment.",
    "The commitment is funded from the national budget and partners' contributions.",
    "Local authorities take part in its implementation.",
]
# Occasion: (weight, first and last day a pledge for it is made, status weights
# pledged / under way / fulfilled / not pursued: the older ones are further on).
OCCASIONS = {
    "IMRF 2022": (30, (datetime.date(2022, 2, 1), datetime.date(2022, 5, 20)), (12, 40, 38, 10)),
    "IMRF 2026": (38, (datetime.date(2026, 2, 1), datetime.date(2026, 5, 8)), (55, 36, 6, 3)),
    "Regional review": (12, (datetime.date(2024, 3, 1), datetime.date(2025, 6, 30)), (30, 45, 20, 5)),
    "GFMD": (8, (datetime.date(2023, 1, 15), datetime.date(2025, 12, 15)), (30, 45, 20, 5)),
    "": (12, (datetime.date(2021, 1, 10), datetime.date(2026, 11, 1)), (35, 40, 20, 5)),
}
# Review state of a pledge: most are published.
PLEDGE_REVIEW = {S.VALIDATED: 880, S.DRAFT: 50, S.SUBMITTED: 30, S.RETURNED: 20, S.WITHDRAWN: 20}
ITEM_STATUS_WEIGHTS = (25, 50, 20, 5)
STATE_SHARE = 0.66  # of pledges made by States; the rest by organisations
COMMON_SHARE = 0.08  # common pledges (with partners)
MATCHING_SHARE = 0.03  # matching an earlier published pledge
LINK_POOL = 200  # published records of an entity that links are drawn from
# Zipf exponent of plan sizes over the States. With 0.5, 20,000 items over 181 States gave the
# largest published plan 791 priorities, far longer than a national plan is likely to be; 0.3
# gives the largest about 400 items over its revisions.
PLAN_SKEW = 0.3


def _at(rng, day):
    return datetime.datetime.combine(day, datetime.time(8), tzinfo=UTC) + datetime.timedelta(
        seconds=rng.randint(0, 10 * 3600)
    )


def _day_between(rng, first, last):
    return first + datetime.timedelta(days=rng.randint(0, max((last - first).days, 0)))


class Inserter:
    """INSERT rows of a model with every concrete column; the fields not given get their defaults."""

    def __init__(self, model, names):
        meta = model._meta
        given = list(names)
        self.fields = [meta.get_field(name) for name in given]
        self.defaults = [
            (f, f.get_db_prep_save(f.get_default(), connection))
            for f in meta.concrete_fields
            if f.name not in given and f.attname not in given and not f.primary_key  # the database numbers those
        ]
        quote = connection.ops.quote_name
        columns = [f.column for f in self.fields] + [f.column for f, _v in self.defaults]
        # Only model metadata (quoted table and column names) goes into the SQL; values are parameters.
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(meta.db_table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
        )
        self.tail = tuple(value for _f, value in self.defaults)
        self.rows = []

    def add(self, *values):
        prepared = tuple(f.get_db_prep_save(v, connection) for f, v in zip(self.fields, values, strict=True))
        self.rows.append(prepared + self.tail)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self):
        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.rows = []


class Bulk:
    """bulk_create in batches, for rows whose ids the database assigns."""

    def __init__(self, model):
        self.model, self.rows = model, []

    def add(self, **fields):
        self.rows.append(self.model(**fields))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self):
        if self.rows:
            self.model.objects.bulk_create(self.rows, batch_size=BATCH)
            self.rows = []


def _next_id(model):
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


class ScaleSeeder:
    def __init__(self, seed, now=None):
        self.rng = random.Random(f"pledges-{seed}")
        self.now = now or timezone.now()
        self.actions = list(Action.objects.select_related("objective").order_by("objective__number", "letter"))
        # States by published evidence, most first (ties by code): the busiest reporters plan and pledge most.
        reporting = dict(
            Evidence.objects.filter(is_published=True, member_state__isnull=False)
            .values_list("member_state")
            .annotate(n=Count("id"))
            .order_by()
        )
        states = list(MemberState.objects.filter(is_observer=False).order_by("iso3").values_list("id", flat=True))
        self.states = sorted((s for s in states if s in reporting), key=lambda s: (-reporting[s], s)) or states
        self.orgs = list(Organisation.objects.filter(is_demo=True).order_by("id").values_list("id", flat=True))
        self.pools = {}
        rng = self.rng
        objectives = sorted({a.objective.number for a in self.actions})
        rng.shuffle(objectives)
        self.objective_cum = list(accumulate(zipf_weights(len(objectives), 0.7)))
        self.objective_order = objectives
        self.by_objective = {}
        for action in self.actions:
            self.by_objective.setdefault(action.objective.number, []).append(action)
        self.deliveries = Bulk(Delivery)
        self.item_objectives = Bulk(PlanItem.objectives.through)
        self.item_actions = Bulk(PlanItem.actions.through)
        self.pledge_objectives = Bulk(Pledge.objectives.through)
        self.pledge_actions = Bulk(Pledge.actions.through)
        event_fields = ["plan", "pledge", "kind", "at", "reason", "from_state", "to_state", "version", "changes"]
        self.events = Inserter(Event, [*event_fields, "snapshot"])
        self.counts = Counter()

    def uuid(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def pick_actions(self):
        """One to three actions, most of one objective (weighted); a few items name only the objective."""
        rng = self.rng
        number = rng.choices(self.objective_order, cum_weights=self.objective_cum)[0]
        if rng.random() < 0.08:
            return [], {self.by_objective[number][0].objective_id}
        siblings = self.by_objective[number]
        chosen = rng.sample(siblings, min(len(siblings), rng.choice([1, 1, 2])))
        if rng.random() < 0.1:
            chosen.append(rng.choice(self.actions))
        chosen = list({a.id: a for a in chosen}.values())
        return [a.id for a in chosen], {a.objective_id for a in chosen}

    def pool(self, field, entity_id):
        """Up to LINK_POOL published records of a State or an organisation (cached)."""
        key = (field, entity_id)
        if key not in self.pools:
            rows = Evidence.objects.filter(is_published=True, **{field: entity_id}).order_by("id")
            self.pools[key] = list(rows.values_list("id", flat=True)[:LINK_POOL])
        return self.pools[key]

    def link(self, field, entity_id, **target):
        rng = self.rng
        if rng.random() >= 0.55:
            return
        ids = self.pool(field, entity_id)
        for evidence_id in rng.sample(ids, min(len(ids), rng.randint(1, 3))):
            self.deliveries.add(evidence_id=evidence_id, **target)
            self.counts["links"] += 1

    def event(self, at, kind, *, plan=None, pledge=None, from_state="", to_state="", version=1):
        self.events.add(plan, pledge, kind, at, "Demo data", from_state, to_state, version, {}, {})

    # --- Plans ----------------------------------------------------------------------------------

    def plans(self, total):
        """Plans for the States with evidence (the first `total` if fewer), `total` items in all."""
        rng = self.rng
        states = self.states[: min(len(self.states), total)]
        if not states:
            return
        budgets = [1] * len(states)
        cum = list(accumulate(zipf_weights(len(states), PLAN_SKEW)))
        for index, n in Counter(rng.choices(range(len(states)), cum_weights=cum, k=total - len(states))).items():
            budgets[index] += n
        plans = Inserter(
            NationalPlan,
            [
                "id", "record", "revision", "member_state", "title", "adopted_on", "instrument", "period_start",
                "period_end", "lead_institution", "contributing_institutions", "review_state", "is_published",
                "version", "created_at", "updated_at", "submitted_at", "validated_at", "is_demo",
            ],
        )  # fmt: skip
        items = Inserter(
            PlanItem,
            [
                "id", "plan", "key", "order", "priority", "description", "target_what", "target_amount",
                "target_date", "status", "status_reason", "status_changed_at", "responsible_institution",
                "budget", "currency",
            ],
        )  # fmt: skip
        plan_id, item_id = _next_id(NationalPlan), _next_id(PlanItem)
        for state_id, budget in zip(states, budgets, strict=True):
            revisions = min(budget, rng.choices([1, 2, 3], [55, 30, 15])[0])
            sizes = [budget // revisions] * revisions
            for k in range(budget % revisions):
                sizes[-1 - k] += 1
            in_review = revisions > 1 and rng.random() < 0.15  # the latest revision is not validated yet
            record, keys = self.uuid(), []
            adopted = datetime.date(rng.choice([2019, 2020, 2021, 2022, 2023]), rng.randint(1, 12), 1)
            instrument = rng.choice(INSTRUMENTS)
            for revision, size in enumerate(sizes, start=1):
                latest = revision == revisions
                published = (latest and not in_review) or (in_review and revision == revisions - 1)
                if latest and in_review:
                    state = rng.choice([S.DRAFT, S.SUBMITTED])
                else:
                    state = S.VALIDATED if published else S.SUPERSEDED
                created = _at(rng, min(adopted + datetime.timedelta(days=400 * (revision - 1)), self.now.date()))
                validated = created + datetime.timedelta(days=rng.randint(5, 60)) if state != S.DRAFT else None
                if validated and validated > self.now:
                    validated = self.now
                submitted = validated if state != S.DRAFT else None
                plans.add(
                    plan_id, record, revision, state_id, "National Implementation Plan of the Global Compact",
                    adopted, instrument, datetime.date(2021, 1, 1), datetime.date(2030, 12, 31),
                    rng.choice(INSTITUTIONS), "Ministry of Labour\nMinistry of Foreign Affairs\nNational Statistics",
                    state, published, 1, created, validated or created, submitted,
                    validated if state in (S.VALIDATED, S.SUPERSEDED) else None, True,
                )  # fmt: skip
                self.event(created, Event.Kind.CREATED, plan=plan_id, version=revision)
                if state in (S.VALIDATED, S.SUPERSEDED):
                    self.event(validated, Event.Kind.VALIDATED, plan=plan_id, from_state=S.SUBMITTED,
                               to_state=S.VALIDATED, version=revision)  # fmt: skip
                keys = keys[:size] + [self.item_spec() for _ in range(max(0, size - len(keys)))]
                for order, spec in enumerate(keys):
                    status = spec["status"] if published or not latest else rng.choice(OwnerStatus.values)
                    items.add(
                        item_id, plan_id, spec["key"], order, spec["priority"], "", spec["what"], spec["amount"],
                        spec["date"], status, "Reported by the national focal point.", None, spec["institution"],
                        spec["budget"], "USD" if spec["budget"] else "",
                    )  # fmt: skip
                    for objective_id in spec["objectives"]:
                        self.item_objectives.add(planitem_id=item_id, objective_id=objective_id)
                    for action_id in spec["actions"]:
                        self.item_actions.add(planitem_id=item_id, action_id=action_id)
                    if published:
                        self.link("member_state_id", state_id, plan_item_id=item_id, item_key=spec["key"])
                    item_id += 1
                    self.counts["items"] += 1
                self.counts["revisions"] += 1
                plan_id += 1
            self.counts["plans"] += 1
        plans.flush()
        items.flush()

    def item_spec(self):
        rng = self.rng
        actions, objectives = self.pick_actions()
        return {
            "key": self.uuid(),
            "priority": rng.choice(PRIORITIES) + rng.choice(QUALIFIERS),
            "what": rng.choice(["people reached", "officials trained", "cases handled", "municipalities covered"]),
            "amount": str(rng.choice([50, 100, 500, 1000, 5000])),
            "date": datetime.date(rng.choice([2024, 2025, 2026, 2027, 2028, 2030]), rng.randint(1, 12), 28),
            "status": rng.choices(OwnerStatus.values, ITEM_STATUS_WEIGHTS)[0],
            "institution": rng.choice(INSTITUTIONS),
            "budget": rng.choice([None, None, 250000, 1200000]),
            "actions": actions,
            "objectives": objectives,
        }

    # --- Pledges --------------------------------------------------------------------------------

    def pledges(self, total):
        rng, now = self.rng, self.now
        rows = Inserter(
            Pledge,
            [
                "id", "identifier", "member_state", "organisation", "title", "description", "kind", "occasion",
                "matches", "target_what", "target_amount", "target_date", "status", "status_reason",
                "review_state", "is_published", "version", "created_at", "updated_at", "submitted_at",
                "validated_at", "is_demo",
            ],
        )  # fmt: skip
        partners = Bulk(PledgePartner)
        state_cum = list(accumulate(zipf_weights(len(self.states), 0.8)))
        orgs = self.orgs[:]
        rng.shuffle(orgs)
        org_cum = list(accumulate(zipf_weights(len(orgs), 0.8))) if orgs else []
        kinds, kind_cum = list(KIND_WEIGHTS), list(accumulate(KIND_WEIGHTS.values()))
        occasions, occasion_cum = list(OCCASIONS), list(accumulate(w for w, _d, _s in OCCASIONS.values()))
        reviews, review_cum = list(PLEDGE_REVIEW), list(accumulate(PLEDGE_REVIEW.values()))
        published_ids = []
        pk = _next_id(Pledge)
        for _ in range(total):
            if not orgs or rng.random() < STATE_SHARE:
                state_id, org_id = rng.choices(self.states, cum_weights=state_cum)[0], None
            else:
                state_id, org_id = None, rng.choices(orgs, cum_weights=org_cum)[0]
            kind = rng.choices(kinds, cum_weights=kind_cum)[0]
            occasion = rng.choices(occasions, cum_weights=occasion_cum)[0]
            _w, (first, last), status_weights = OCCASIONS[occasion]
            created = _at(rng, _day_between(rng, first, min(last, now.date())))
            review = rng.choices(reviews, cum_weights=review_cum)[0]
            matches = None
            if published_ids and rng.random() < MATCHING_SHARE:
                matches, kind = rng.choice(published_ids), Pledge.Kind.FINANCIAL
            submitted = created + datetime.timedelta(days=rng.randint(1, 20)) if review != S.DRAFT else None
            validated = submitted + datetime.timedelta(days=rng.randint(1, 40)) if review == S.VALIDATED else None
            if validated and validated > now:
                submitted = validated = now
            published = review == S.VALIDATED
            priority = rng.choice(PRIORITIES)
            rows.add(
                pk, f"GCM-P-{created:%Y}-{pk:06d}", state_id, org_id, f"{priority}: {rng.choice(MEANS[kind])}",
                " ".join(rng.sample(SENTENCES, rng.randint(1, 3))), kind, occasion, matches,
                rng.choice(["people reached", "officials trained", "migrants assisted"]),
                str(rng.choice([200, 1000, 5000, 20000])),
                datetime.date(created.year + rng.randint(1, 4), rng.randint(1, 12), 1),
                rng.choices(OwnerStatus.values, status_weights)[0] if published else OwnerStatus.PLEDGED,
                "Reported by the owner." if published else "", review, published, 1, created,
                validated or submitted or created, submitted if review != S.RETURNED else None, validated, True,
            )  # fmt: skip
            self.event(created, Event.Kind.CREATED, pledge=pk)
            if submitted:
                self.event(submitted, Event.Kind.SUBMITTED, pledge=pk, from_state=S.DRAFT, to_state=S.SUBMITTED)
            if validated:
                self.event(validated, Event.Kind.VALIDATED, pledge=pk, from_state=S.SUBMITTED, to_state=S.VALIDATED)
            actions, objectives = self.pick_actions()
            for objective_id in objectives:
                self.pledge_objectives.add(pledge_id=pk, objective_id=objective_id)
            for action_id in actions:
                self.pledge_actions.add(pledge_id=pk, action_id=action_id)
            if rng.random() < COMMON_SHARE:
                self.partners(partners, pk, state_id, org_id)
            if published:
                published_ids.append(pk)
                field, entity = ("member_state_id", state_id) if state_id else ("organisation_id", org_id)
                self.link(field, entity, pledge_id=pk)
            self.counts["matching"] += matches is not None
            self.counts["pledges"] += 1
            pk += 1
        rows.flush()
        partners.flush()

    def partners(self, partners, pk, state_id, org_id):
        rng = self.rng
        states = rng.sample(self.states, min(len(self.states), 3))
        orgs = [o for o in rng.sample(self.orgs, min(len(self.orgs), 2)) if o != org_id]
        chosen = [("member_state_id", s) for s in states if s != state_id][: rng.randint(1, 3)]
        if orgs and rng.random() < 0.3:
            chosen.append(("organisation_id", orgs[0]))
        for field, entity in chosen:
            answer = rng.choices(PledgePartner.Answer.values, [30, 60, 10])[0]
            partners.add(pledge_id=pk, answer=answer, **{field: entity})
        self.counts["common"] += 1

    def finish(self):
        self.events.flush()
        for bulk in (
            self.item_objectives,
            self.item_actions,
            self.pledge_objectives,
            self.pledge_actions,
            self.deliveries,
        ):
            bulk.flush()
        statements = connection.ops.sequence_reset_sql(no_style(), [NationalPlan, PlanItem, Pledge, Event])
        if statements:  # ids were assigned here: PostgreSQL's sequences move past them
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def seed(seed, pledges, plan_items):
    """Write `plan_items` plan items (over plans of the States with evidence) and `pledges`
    pledges for `seed`; returns the summary line."""
    seeder = ScaleSeeder(seed)
    with transaction.atomic():
        seeder.plans(plan_items)
        seeder.pledges(pledges)
        seeder.finish()
        dataversion.bump(public=True)  # rows written directly: cached pages must not outlive them
    c = seeder.counts
    return (
        f"Seeded {c['plans']:,} national plans ({c['revisions']:,} revisions, {c['items']:,} items), "
        f"{c['pledges']:,} pledges ({c['common']:,} common, {c['matching']:,} matching), {c['links']:,} links."
    )
