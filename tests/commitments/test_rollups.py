"""The published-evidence rollups equal a recount from the evidence after any sequence of writes."""

import random

import pytest
from django.core.management import call_command

from commitments import rollups, services
from commitments.models import (
    Action,
    Evidence,
    GuidingPrinciple,
    MemberState,
    PrincipleRollup,
    PublishedRollup,
    StakeholderType,
)
from tests.factories import EvidenceFactory, OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db
S = Evidence.ReviewState


@pytest.fixture
def people(framework):
    orgs = [OrganisationFactory(name=f"NGO {n}") for n in range(2)]
    return {
        "MAR": (make_user(Role.CONTRIBUTOR, state="MAR"), make_user(Role.FOCAL_POINT, state="MAR")),
        "MEX": (make_user(Role.CONTRIBUTOR, state="MEX"), make_user(Role.FOCAL_POINT, state="MEX")),
        "org0": (make_user(Role.STAKEHOLDER_EDITOR, organisation=orgs[0]), make_user(Role.SECRETARIAT)),
        "org1": (make_user(Role.STAKEHOLDER_EDITOR, organisation=orgs[1]), make_user(Role.SECRETARIAT)),
        "orgs": orgs,
    }


def _content(rng, actions):
    principles = list(GuidingPrinciple.objects.order_by("letter"))
    return {
        "title": f"Measure {rng.randint(1, 10**6)}",
        "description": "A measure.",
        "primary_action": rng.choice(actions),
        "status": rng.choice(list(Evidence.Status.values)),
        "level": rng.choice(list(Evidence.Level.values)),
        "principles": rng.sample(principles, rng.randint(0, 3)),
    }


def _step(rng, people, actions, mine):
    """One random write, through the services (or a direct row, or an organisation edit)."""
    entity = rng.choice(["MAR", "MEX", "org0", "org1"])
    author, reviewer = people[entity]
    rows = mine[entity]
    move = rng.choice(["create", "create", "submit", "validate", "validate", "reopen", "withdraw", "return", "edit"])
    latest = {e.record: e for e in Evidence.objects.filter(pk__in=[r.pk for r in rows]).order_by("revision", "pk")}
    candidates = list(latest.values())
    pick = rng.choice(candidates) if candidates else None
    try:
        if move == "create" or pick is None:
            rows.append(services.evidence_create(user=author, data=_content(rng, actions)))
        elif move == "submit":
            services.evidence_submit(user=author, evidence=pick)
        elif move == "validate":
            services.evidence_validate(user=reviewer, evidence=pick)
        elif move == "reopen":
            rows.append(services.evidence_reopen(user=author, evidence=pick))
        elif move == "withdraw":
            services.evidence_withdraw(user=author, evidence=pick)
        elif move == "return":
            services.evidence_return(user=reviewer, evidence=pick, comment="More detail, please.")
        elif move == "edit":
            services.evidence_update(
                user=author, evidence=pick, data=_content(rng, actions), expected_version=pick.version
            )
    except (services.WorkflowError, services.PermissionDenied):
        pass  # a move the record's state does not allow: refused, nothing changes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_a_recount_after_random_workflows(people, seed):
    rng = random.Random(seed)
    # In a fixed order: the walk must be the same on every database (PostgreSQL returns rows unordered).
    actions = list(Action.objects.filter(objective__number__in=[1, 2, 13, 23]).order_by("code"))
    mine = {"MAR": [], "MEX": [], "org0": [], "org1": []}
    kinds = list(StakeholderType.objects.order_by("slug"))
    for step in range(120):
        _step(rng, people, actions, mine)
        if step % 40 == 39:  # the secretariat changes an organisation's kind or country in the admin
            org = rng.choice(people["orgs"])
            org.stakeholder_type = rng.choice(kinds)
            org.country = rng.choice([None, *MemberState.objects.filter(iso3__in=["KEN", "FRA"]).order_by("iso3")])
            org.save()
        if step % 30 == 29:
            row = EvidenceFactory(published=True, primary_action=rng.choice(actions))
            row.principles.set(GuidingPrinciple.objects.filter(letter__in=rng.sample("abcdefghij", 2)))
        if step % 50 == 49:  # the secretariat corrects the principles of published rows in the admin
            row = Evidence.objects.filter(is_published=True).order_by("pk").first()
            if row is not None:
                row.principles.add(GuidingPrinciple.objects.get(letter="c"))
                row.principles.remove(*row.principles.filter(letter="a"))
            principle = GuidingPrinciple.objects.get(letter=rng.choice("bdefg"))
            principle.evidence_set.clear()
            principle.evidence_set.add(*Evidence.objects.filter(is_published=True).order_by("pk")[:2])
    counted, recount = rollups.matches_base()
    walked = [r.record for rows in mine.values() for r in rows]
    published = Evidence.objects.filter(is_published=True)
    # Four records published directly, and at least one through the workflow, with its actions,
    # principles and organisation edits: enough for the rollups to differ from a recount if wrong.
    assert published.count() >= 4 and published.filter(record__in=walked).exists(), "the walk published too little"
    assert counted == recount
    assert sum(recount["PrincipleRollup"].values()) >= 4, "too few principles applied for the check to mean much"


def test_rebuild_rollups_command(people):
    EvidenceFactory.create_batch(3, published=True)
    for row in Evidence.objects.all():
        row.principles.set(GuidingPrinciple.objects.filter(letter__in="ab"))
    PublishedRollup.objects.update(n=99)
    PrincipleRollup.objects.update(n=99)
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counted, recount = rollups.matches_base()
    assert counted == recount
    assert sum(counted["PublishedRollup"].values()) == 3 and sum(counted["PrincipleRollup"].values()) == 6


QUERIES = [
    "",
    "region=Africa",
    "region=Europe&status=completed&status=planned",
    "cycle=3",
    "entity_kind=state",
    "entity_kind=civil-society",
    "state=MAR&state=MEX",
    "subregion=Northern+Africa",
]


def test_dashboards_read_the_rollups_and_get_the_same_figures(people, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from reporting import aggregates
    from reporting.views_dashboards import Reference, filtered

    rng = random.Random(9)
    # In a fixed order: the walk must be the same on every database (PostgreSQL returns rows unordered).
    actions = list(Action.objects.filter(objective__number__in=[1, 2, 13, 23]).order_by("code"))
    kenya = MemberState.objects.get(iso3="KEN")
    for org in people["orgs"]:
        org.country = kenya
        org.save()
    for _ in range(25):
        letters = rng.sample("abcdefghij", rng.randint(0, 3))
        row = EvidenceFactory(
            published=True, primary_action=rng.choice(actions), status=rng.choice(Evidence.Status.values)
        )
        row.principles.set(GuidingPrinciple.objects.filter(letter__in=letters))
        org = rng.choice(people["orgs"])
        row = EvidenceFactory(published=True, member_state=None, organisation=org, primary_action=rng.choice(actions))
        row.principles.set(GuidingPrinciple.objects.filter(letter__in=letters[:1]))
    ref, seen = Reference(), []
    for query in QUERIES:
        filterset, queryset = filtered(QueryDict(query), AnonymousUser())
        q = rollups.query_for(filterset)
        assert q is not None, query
        with django_assert_num_queries(1):
            rows = rollups.cube(q)
        from_rollups = aggregates.fold_cube(rows, ref.state_keys, ref.type_slugs)
        from_evidence = aggregates.fold_cube(aggregates.dashboard_cube(queryset), ref.state_keys, ref.type_slugs)
        assert from_rollups == from_evidence, query
        with django_assert_num_queries(1):
            principles = rollups.principle_counts(q)
        assert principles == aggregates.principles_applied(queryset), query
        seen.append(from_rollups["totals"]["records"])
    assert seen[0] == 50 and len(set(seen)) >= 3, seen  # the queries did select different records
    for query in ["q=detention", "objective=13", "organisation=1", "level=national", "principle=a"]:
        assert rollups.query_for(filtered(QueryDict(query), AnonymousUser())[0]) is None, query
