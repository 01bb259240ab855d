"""factory_boy factories shared by the whole suite. Use them with the `framework` fixture."""

import uuid
from itertools import islice

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from commitments.models import Action, Evidence, MemberState, Organisation, Profile, Role, StakeholderType

PASSWORD = "correct horse battery staple"  # every test user's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


def make_user(role, *, state=None, organisation=None, username=None, **kwargs):
    """A user with a Profile: make_user(Role.FOCAL_POINT, state="MAR")."""
    user = UserFactory(**({"username": username} if username else {}), **kwargs)
    member_state = MemberState.objects.get(iso3=state) if isinstance(state, str) else state
    Profile.objects.create(user=user, role=role, member_state=member_state, organisation=organisation)
    return user


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    stakeholder_type = factory.LazyFunction(lambda: StakeholderType.objects.get(slug="civil-society"))


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A row written directly (for read-side tests); workflow tests use the services."""

    class Meta:
        model = Evidence

    record = factory.LazyFunction(uuid.uuid4)
    member_state = factory.LazyFunction(lambda: MemberState.objects.get(iso3="MAR"))
    title = factory.Sequence(lambda n: f"Measure {n}")
    description = "A national strategy on migration data."
    primary_action = factory.LazyFunction(lambda: Action.objects.get(code="1(a)"))
    status = Evidence.Status.UNDER_WAY
    level = Evidence.Level.NATIONAL

    class Params:
        published = factory.Trait(
            review_state=Evidence.ReviewState.VALIDATED,
            is_published=True,
            cycle=3,
            validated_at=factory.LazyFunction(timezone.now),
        )


__all__ = ["Role", "UserFactory", "make_user", "OrganisationFactory", "EvidenceFactory"]


def make_open_data_world():
    """Published evidence of two States and an organisation, plus another State's unpublished
    records (draft, submitted, returned) and one of MAR's own drafts: for list, API and export tests."""
    import datetime

    from commitments.models import GuidingPrinciple, StakeholderType

    def action(code):
        return Action.objects.get(code=code)

    def principles(*letters):
        return list(GuidingPrinciple.objects.filter(letter__in=letters))

    day = timezone.now() - datetime.timedelta(days=30)
    org = OrganisationFactory(name="Migrant Rights Network", country=MemberState.objects.get(iso3="KEN"))
    specs = [
        ("MAR", "Alternatives to detention for families", "13(a)", ["13(h)"], "completed", "national", "fh"),
        ("MAR", "Migration data strategy", "1(a)", ["1(b)"], "under_way", "national", "a"),
        ("MAR", "Consular help desk", "14(a)", [], "planned", "local", "b"),
        ("MEX", "Detention monitoring by ombudsperson", "13(b)", ["13(a)", "13(c)"], "advanced", "national", "df"),
        ("MEX", "Regular pathways for workers", "5(a)", [], "completed", "regional", "e"),
        ("FRA", "Data on migrant women", "1(c)", ["13(a)"], "under_way", "global", "g"),
        (org, "Legal aid for people in detention", "13(d)", ["16(a)"], "completed", "local", "fj"),
    ]
    published = []
    for index, (entity, title, primary, others, status, level, letters) in enumerate(specs):
        entity_kwargs = (
            {"member_state": MemberState.objects.get(iso3=entity)}
            if isinstance(entity, str)
            else {"member_state": None, "organisation": entity}
        )
        ev = EvidenceFactory(
            published=True,
            title=title,
            description=f"{title}. Measures taken under the compact, record {index}.",
            primary_action=action(primary),
            status=status,
            level=level,
            validated_at=day + datetime.timedelta(hours=index),
            good_practice=index % 2 == 0,
            start_date=datetime.date(2019 + index % 4, 1, 1),
            **entity_kwargs,
        )
        ev.other_actions.set([action(c) for c in others])
        ev.principles.set(principles(*letters))
        ev.partners.set(StakeholderType.objects.filter(slug="civil-society"))
        published.append(ev)
    S = Evidence.ReviewState
    hidden = [
        EvidenceFactory(
            member_state=MemberState.objects.get(iso3="MEX"),
            title=f"Secret {state} detention plan",
            description="Unpublished detention measure of another State.",
            primary_action=action("13(a)"),
            review_state=state,
        )
        for state in (S.DRAFT, S.SUBMITTED, S.RETURNED)
    ]
    own_draft = EvidenceFactory(title="Own draft on detention", primary_action=action("13(a)"))
    return {"published": published, "hidden": hidden, "own_draft": own_draft, "organisation": org}


def bulk_published(n, *, state="MAR", action="1(a)", principle=None, start=0, good_practice_every=0, **fields):
    """n published records of one State, titled "Measure <start + i>", inserted in batches of
    5,000 without factories: fast enough for 100,000, memory bounded by one batch. `principle`
    links every record to that guiding principle; every `good_practice_every`-th is a good practice."""
    state = state if isinstance(state, MemberState) else MemberState.objects.get(iso3=state)
    action = action if isinstance(action, Action) else Action.objects.get(code=action)
    through = Evidence.principles.through
    rows = (
        Evidence(
            record=uuid.uuid4(),
            member_state=state,
            title=f"Measure {start + i}",
            description="A national strategy on migration data, with a long enough description to weigh something.",
            primary_action=action,
            status="under_way",
            level="national",
            review_state=Evidence.ReviewState.VALIDATED,
            is_published=True,
            cycle=3,
            good_practice=bool(good_practice_every) and i % good_practice_every == 0,
            **fields,
        )
        for i in range(n)
    )
    while batch := list(islice(rows, 5000)):
        created = Evidence.objects.bulk_create(batch)
        if principle is not None:
            through.objects.bulk_create([through(evidence_id=e.pk, guidingprinciple_id=principle.pk) for e in created])
