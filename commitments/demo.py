"""Demonstration and scale data: organisations, demo users and evidence, generated deterministically.

`generate(records=N, seed=S)` gives the same database for the same seed and size. It is built
for volume (a million records in minutes on SQLite): rows are assembled as tuples and written
with `executemany` in batches, together with their many-to-many rows, with ids assigned here.
Demo evidence therefore BYPASSES the review workflow of `commitments.services`: no
EvidenceEvent history, no notifications. Every generated row is marked `is_demo=True` so it can
be told apart and removed (`delete_demo()`).

Realism: reporting is uneven (Zipf-like over States, organisations and objectives; a few States
never report, so "no evidence" shows), statuses advance with the cycles, ~10% of records are
unpublished (drafts, submitted, returned), published ones are validated inside their cycle.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from . import cycles, dataversion, rollups
from .models import (
    Action,
    Attachment,
    Evidence,
    EvidenceEvent,
    EvidenceLink,
    EvidenceResult,
    GuidingPrinciple,
    MemberState,
    Organisation,
    Profile,
    Role,
    StakeholderType,
    TargetGroup,
)

BATCH = 5000
# Bump when the generated data changes, so the benchmark reseeds its databases.
GENERATOR_VERSION = 3
CYCLE_WEIGHTS = {1: 35, 2: 45, 3: 20}
# Status weights per cycle (planned, under way, advanced, completed): later cycles are further on.
STATUS_WEIGHTS = {1: (30, 40, 20, 10), 2: (15, 35, 30, 20), 3: (10, 25, 35, 30)}
STATUSES = [value for value, _label in Evidence.Status.choices]
LEVELS = [value for value, _label in Evidence.Level.choices]
LEVEL_WEIGHTS = (25, 55, 15, 5)
UNPUBLISHED = [Evidence.ReviewState.DRAFT, Evidence.ReviewState.SUBMITTED, Evidence.ReviewState.RETURNED]
# Chance that a record applies each guiding principle (a)-(j) of para 15.
PRINCIPLE_CHANCES = (0.45, 0.30, 0.12, 0.35, 0.20, 0.55, 0.40, 0.25, 0.18, 0.33)
SILENT_STATES = 12  # States that never report, so the map always shows "no evidence"
STATE_SHARE = 0.75  # share of records reported by States; the rest by organisations

# Phrase lists: titles and texts are assembled from these, at realistic lengths.
MEASURES = [
    "National strategy",
    "Pilot programme",
    "Bilateral agreement",
    "Legislative reform",
    "Inter-ministerial task force",
    "Training programme",
    "Information campaign",
    "Data-sharing protocol",
    "Community dialogue",
    "Regional consultation",
    "Online one-stop portal",
    "Referral mechanism",
    "Action plan",
    "Skills partnership",
    "Fund",
]
TOPICS = [
    "on migration data",
    "for safe and regular pathways",
    "on fair and ethical recruitment",
    "for the protection of migrant children",
    "on alternatives to immigration detention",
    "for diaspora engagement",
    "on remittance costs",
    "for consular protection",
    "on the search for missing migrants",
    "against trafficking in persons",
    "on labour mobility",
    "for access to basic services",
    "on recognition of skills and qualifications",
    "for dignified return and reintegration",
    "on climate-related displacement",
    "on counter-smuggling cooperation",
    "for social inclusion and cohesion",
    "on portability of social security",
    "for integrated border management",
    "on legal identity and documentation",
]
PLACES = ["in border regions", "in three provinces", "in the capital", "nationwide", "with neighbouring States", ""]
SENTENCES = [
    "The measure was designed with the ministries of interior, labour and foreign affairs.",
    "It builds on the recommendations of the previous national review.",
    "Local authorities lead the implementation in cooperation with civil society organizations.",
    "A steering committee meets quarterly to follow progress and adjust the work plan.",
    "Migrant and diaspora organizations took part in the design through public consultations.",
    "Data are disaggregated by sex, age and migration status, in line with the compact.",
    "Front-line officials received training on human rights and child-sensitive approaches.",
    "The budget is shared between the national government and international partners.",
    "An independent evaluation is planned at the end of the current phase.",
    "Migrant workers can now file complaints in their own language.",
    "Bilateral consultations with countries of origin take place twice a year.",
    "The programme reached more people than planned in its first year.",
    "Procedures were simplified and fees were reduced for low-income applicants.",
    "A gender-responsive approach guides the selection of beneficiaries.",
    "Results are published in an annual report presented to parliament.",
    "Municipalities adapted the measure to local needs and languages.",
]
CHALLENGES = [
    "Funding remains short-term and depends on project grants.",
    "Coordination between national and local authorities is still being built.",
    "Data collection is uneven across regions.",
    "Staff turnover slowed down the training programme.",
    "The pandemic delayed field activities by a year.",
    "",
    "",
]
ORG_PARTS = {
    "civil-society": (
        ["Migrant Rights", "Open Borders", "Solidarity", "Human Mobility", "Refugee and Migrant"],
        ["Network", "Alliance", "Association", "Forum", "Centre"],
    ),
    "migrant-diaspora": (
        ["Diaspora", "Migrant Workers'", "Returnees'", "Expatriate", "Community"],
        ["Council", "Union", "Association", "Federation", "Network"],
    ),
    "faith-based": (
        ["Caritas", "Interfaith", "Jesuit", "Islamic Relief", "Lutheran"],
        ["Service", "Mission", "Foundation", "Council", "Outreach"],
    ),
    "local-authorities": (
        ["Metropolitan", "City", "Municipal", "Provincial", "District"],
        ["Council", "Government", "Office for Migrants", "Integration Office", "Authority"],
    ),
    "private-sector": (
        ["Fair Recruitment", "Global Talent", "Remittance", "Ethical Labour", "Business"],
        ["Group", "Partners", "Initiative", "Company", "Coalition"],
    ),
    "trade-unions": (
        ["General Workers'", "Domestic Workers'", "Construction Workers'", "Seafarers'", "Agricultural Workers'"],
        ["Union", "Confederation", "Federation", "Syndicate", "Congress"],
    ),
    "parliamentarians": (
        ["Parliamentary", "Inter-parliamentary", "Legislators'", "Cross-party", "Parliamentarians'"],
        ["Group on Migration", "Caucus", "Network", "Committee", "Forum"],
    ),
    "nhri": (
        ["National Human Rights", "Ombudsperson", "Human Rights", "Equality", "Public Defender"],
        ["Commission", "Office", "Institution", "Council", "Bureau"],
    ),
    "red-cross": (
        ["Red Cross", "Red Crescent", "Red Cross and Red Crescent", "Humanitarian", "Restoring Family Links"],
        ["Society", "Branch", "Service", "Programme", "Office"],
    ),
    "academia": (
        [
            "Institute for Migration",
            "Centre for Mobility",
            "Population Studies",
            "Migration Policy",
            "Borders and Society",
        ],
        ["Research", "Institute", "Centre", "Observatory", "Lab"],
    ),
    "media": (
        ["Migrant Voices", "Mobility", "Newsroom", "Inclusive", "Crossroads"],
        ["Media", "Network", "Press", "Radio", "Journalism Project"],
    ),
    "un-system": (
        ["UN Country Team", "Migration Network", "Joint Programme", "Regional Office", "Inter-agency"],
        ["Unit", "Office", "Secretariat", "Team", "Platform"],
    ),
    "other-international": (
        [
            "Regional Organization for Migration",
            "International Centre",
            "Intergovernmental",
            "Regional Consultative Process",
            "International Commission",
        ],
        ["Secretariat", "Office", "Programme", "Mission", "Forum"],
    ),
}
TYPE_WEIGHTS = {
    "civil-society": 30,
    "migrant-diaspora": 14,
    "faith-based": 8,
    "local-authorities": 10,
    "private-sector": 7,
    "trade-unions": 6,
    "parliamentarians": 3,
    "nhri": 3,
    "red-cross": 4,
    "academia": 8,
    "media": 3,
    "un-system": 2,
    "other-international": 2,
}

DEMO_STATE = "MAR"
DEMO_USERS = [
    ("demo-focal-point", Role.FOCAL_POINT, DEMO_STATE),
    ("demo-contributor", Role.CONTRIBUTOR, DEMO_STATE),
    ("demo-stakeholder", Role.STAKEHOLDER_EDITOR, None),
    ("demo-secretariat", Role.SECRETARIAT, None),
    ("demo-analyst", Role.ANALYST, None),
]


@dataclass
class Result:
    records: int = 0
    published: int = 0
    organisations: int = 0
    links: dict = field(default_factory=dict)
    users: list = field(default_factory=list)  # (username, role label, entity, password)


def zipf_weights(n, s=1.1):
    return [1 / (rank**s) for rank in range(1, n + 1)]


class Generator:
    """Everything random goes through one random.Random(seed), in a fixed order."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.states = list(MemberState.objects.filter(is_observer=False).order_by("iso3"))
        self.actions = list(Action.objects.select_related("objective").order_by("objective__number", "letter"))
        self.principles = list(GuidingPrinciple.objects.order_by("letter").values_list("id", flat=True))
        self.types = list(StakeholderType.objects.order_by("order"))
        self.groups = list(TargetGroup.objects.order_by("order").values_list("id", flat=True))
        if len(self.states) < 100 or len(self.actions) < 100:
            raise RuntimeError("Load the framework first: manage.py load_framework")

    def uuid(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def organisations(self, count):
        """About `count` organisations spread over the 13 types and the States, unique names."""
        rng, taken = self.rng, set(Organisation.objects.values_list("name", flat=True))
        weights = [TYPE_WEIGHTS.get(t.slug, 1) for t in self.types]
        rows = []
        for _ in range(count):
            stype = rng.choices(self.types, weights)[0]
            country = rng.choice(self.states)
            first, second = ORG_PARTS.get(stype.slug, (["Organisation"], ["Network"]))
            base = f"{rng.choice(first)} {rng.choice(second)} of {country.name}"
            name, n = base, 2
            while name in taken:
                name, n = f"{base} ({n})", n + 1
            taken.add(name)
            acronym = "".join(w[0] for w in base.split() if w[0].isupper())[:8]
            rows.append(Organisation(name=name, acronym=acronym, stakeholder_type=stype, country=country, is_demo=True))
        Organisation.objects.bulk_create(rows, batch_size=BATCH)
        return list(Organisation.objects.filter(is_demo=True).order_by("id").values_list("id", flat=True))

    def text(self, low, high):
        return " ".join(self.rng.sample(SENTENCES, self.rng.randint(low, high)))

    def title(self):
        rng = self.rng
        return " ".join(part for part in (rng.choice(MEASURES), rng.choice(TOPICS), rng.choice(PLACES)) if part)

    def validated_at(self, cycle, now):
        start = cycles.ADOPTION if cycle == 1 else cycles.default_cycle_end(cycle - 1) + timedelta(days=1)
        end = min(cycles.default_cycle_end(cycle), now.date() - timedelta(days=1))
        day = start + timedelta(days=self.rng.randint(0, max((end - start).days, 0)))
        return datetime.combine(day, time(9), tzinfo=UTC) + timedelta(seconds=self.rng.randint(0, 8 * 3600))


class Writer:
    """Raw batched inserts for Evidence and its through tables; portable across SQLite and PostgreSQL."""

    def __init__(self, fields):
        self.fields = fields
        meta = Evidence._meta
        self.columns = [meta.get_field(name).column for name in fields]
        quote = connection.ops.quote_name
        # Only model metadata (quoted table and column names) goes into the SQL; values are parameters.
        self.evidence_sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(meta.db_table), ", ".join(quote(c) for c in self.columns), ", ".join(["%s"] * len(fields))
        )
        self.through = {}
        for name in ("principles", "partners", "groups_reached", "other_actions"):
            model = meta.get_field(name).remote_field.through
            source, target = (f for f in model._meta.fields if f.is_relation)
            if source.related_model is not Evidence:
                source, target = target, source
            cols = ", ".join(quote(f.column) for f in (source, target))
            self.through[name] = f"INSERT INTO {quote(model._meta.db_table)} ({cols}) VALUES (%s, %s)"  # noqa: S608
        if connection.vendor == "sqlite":
            # A large page cache keeps the random-UUID and foreign-key indexes in memory while inserting.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")
        self.uuid_prep = meta.get_field("record").get_db_prep_save
        self.dt_prep = meta.get_field("validated_at").get_db_prep_save

    def write(self, rows, links):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(self.evidence_sql, rows)
            for name, pairs in links.items():
                if pairs:
                    cursor.executemany(self.through[name], pairs)


def _extra_defaults():
    """Concrete Evidence fields this generator does not set (added later by others): their defaults."""
    handled = set(EVIDENCE_FIELDS) | {"id"}
    return {
        f.name: f.get_db_prep_save(f.get_default(), connection)
        for f in Evidence._meta.concrete_fields
        if f.name not in handled
    }


EVIDENCE_FIELDS = [
    "id", "record", "revision", "member_state", "organisation", "title", "description", "primary_action", "status",
    "level", "start_date", "end_date", "challenges", "good_practice", "review_state", "is_published", "cycle",
    "version", "created_by", "created_at", "updated_at", "submitted_by", "submitted_at", "validated_by",
    "validated_at", "is_demo",
]  # fmt: skip


def generate(records, seed=1, organisations=2000, progress=None):
    """Write `records` evidence rows (and the organisations) for `seed`; returns a Result."""
    gen, now = Generator(seed), timezone.now()
    rng = gen.rng
    result = Result()
    org_ids = gen.organisations(organisations)
    result.organisations = len(org_ids)

    # Uneven reporting: a shuffled Zipf over States and organisations; a few States stay silent.
    states = gen.states[:]
    rng.shuffle(states)
    # The demo log-ins belong to Morocco: it always reports, a fair amount.
    states.sort(key=lambda state: state.iso3 != DEMO_STATE)
    states.insert(4, states.pop(0))
    reporting_states = states[:-SILENT_STATES] if len(states) > SILENT_STATES else states
    state_cum = list(accumulate(zipf_weights(len(reporting_states), 0.9)))
    orgs = org_ids[:]
    rng.shuffle(orgs)
    org_cum = list(accumulate(zipf_weights(len(orgs), 0.8)))
    objectives = sorted({a.objective.number for a in gen.actions})
    rng.shuffle(objectives)
    objective_weight = dict(zip(objectives, zipf_weights(len(objectives), 0.7), strict=True))
    actions_by_objective = {}
    for action in gen.actions:
        actions_by_objective.setdefault(action.objective.number, []).append(action.id)
    action_list = [a.id for a in gen.actions]
    action_cum = list(
        accumulate(
            objective_weight[a.objective.number] / len(actions_by_objective[a.objective.number]) for a in gen.actions
        )
    )
    objective_of = {a.id: a.objective.number for a in gen.actions}

    fields = EVIDENCE_FIELDS + list(_extra_defaults())
    extra = tuple(_extra_defaults().values())
    writer = Writer(fields)
    next_id = (Evidence.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    cycle_list, cycle_cum = list(CYCLE_WEIGHTS), list(accumulate(CYCLE_WEIGHTS.values()))
    status_cum = {c: list(accumulate(w)) for c, w in STATUS_WEIGHTS.items()}
    level_cum = list(accumulate(LEVEL_WEIGHTS))
    choices, randint, random_ = rng.choices, rng.randint, rng.random
    uuid_prep, dt_prep = writer.uuid_prep, writer.dt_prep

    rows, links = [], {"principles": [], "partners": [], "groups_reached": [], "other_actions": []}
    type_ids = [t.id for t in gen.types]
    # Some principles and groups are cited far more often than others.
    principle_chances = list(zip(gen.principles, PRINCIPLE_CHANCES, strict=False))
    group_chances = [(group, 0.5 / (rank + 1)) for rank, group in enumerate(gen.groups)]
    for n in range(records):
        pk = next_id + n
        if random_() < STATE_SHARE:
            state_id, org_id = choices(reporting_states, cum_weights=state_cum)[0].id, None
        else:
            state_id, org_id = None, choices(orgs, cum_weights=org_cum)[0]
        action_id = choices(action_list, cum_weights=action_cum)[0]
        cycle = choices(cycle_list, cum_weights=cycle_cum)[0]
        status = choices(STATUSES, cum_weights=status_cum[cycle])[0]
        published = random_() >= 0.1
        validated = gen.validated_at(cycle, now)
        start = validated.date() - timedelta(days=randint(60, 900))
        end = start + timedelta(days=randint(180, 1800)) if status == "completed" or random_() < 0.5 else None
        if published:
            review, pub_cycle, validated_value, submitted = (
                "validated",
                cycle,
                dt_prep(validated, connection),
                validated,
            )
        else:
            review, pub_cycle, validated_value, submitted = UNPUBLISHED[randint(0, 2)], None, None, None
        created = dt_prep(validated - timedelta(days=randint(5, 120)), connection)
        rows.append(
            (
                pk, uuid_prep(gen.uuid(), connection), 1, state_id, org_id, gen.title(), gen.text(2, 5), action_id,
                status, choices(LEVELS, cum_weights=level_cum)[0], start, end,
                rng.choice(CHALLENGES), random_() < 0.08, review, published, pub_cycle, 1, None, created, created,
                None, dt_prep(submitted, connection) if submitted and review != "draft" else None, None,
                validated_value, True, *extra,
            )
        )  # fmt: skip
        for principle, chance in principle_chances:
            if random_() < chance:
                links["principles"].append((pk, principle))
        for partner in rng.sample(type_ids, randint(0, 3)):
            links["partners"].append((pk, partner))
        for group, chance in group_chances:
            if random_() < chance:
                links["groups_reached"].append((pk, group))
        if random_() < 0.35:
            siblings = actions_by_objective[objective_of[action_id]]
            other = siblings[randint(0, len(siblings) - 1)]
            if other != action_id:
                links["other_actions"].append((pk, other))
        result.published += published
        if len(rows) >= BATCH:
            writer.write(rows, links)
            rows, links = [], {k: [] for k in links}
            if progress:
                progress(n + 1, records)
    if rows:
        writer.write(rows, links)
    result.records = records
    _reset_sequence()
    after_bulk_write()
    return result


def after_bulk_write():
    """Rows written in bulk send no signals: the rollups and readers' caches learn of them here."""
    rollups.rebuild()
    dataversion.bump(public=True, labels=True)


def _reset_sequence():
    """Ids were assigned here; PostgreSQL's sequence must move past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Evidence])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def no_style():
    from django.core.management.color import no_style as style

    return style()


def create_demo_users(password_factory):
    """One demo user per role (the State ones for Morocco); returns (username, role, entity, password)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    organisation = Organisation.objects.filter(is_demo=True).order_by("id").first()
    created = []
    for username, role, iso3 in DEMO_USERS:
        state = MemberState.objects.get(iso3=iso3) if iso3 else None
        org = organisation if role == Role.STAKEHOLDER_EDITOR else None
        password = password_factory()
        user, _new = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
        user.set_password(password)
        user.save()
        Profile.objects.update_or_create(user=user, defaults={"role": role, "member_state": state, "organisation": org})
        created.append((username, Role(role).label, str(state or org or ""), password))
    return created


def has_demo_data():
    return Evidence.objects.filter(is_demo=True).exists()


def delete_demo():
    """Remove demo evidence (with its through rows) and demo organisations."""
    demo = Evidence.objects.filter(is_demo=True)
    for name in ("principles", "partners", "groups_reached", "other_actions"):
        getattr(Evidence, name).through.objects.filter(evidence__is_demo=True).delete()
    # Demo records someone worked on through the UI have history and files: those go first.
    for model in (EvidenceEvent, EvidenceLink, EvidenceResult, Attachment):
        model.objects.filter(evidence__is_demo=True).delete()
    demo._raw_delete(demo.db)
    Profile.objects.filter(organisation__is_demo=True).delete()
    Organisation.objects.filter(is_demo=True).delete()
    after_bulk_write()
