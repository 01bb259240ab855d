"""factory_boy factories shared by the whole suite. Use them with the `framework` fixture."""

import uuid

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from commitments.models import Action, Evidence, MemberState, Organisation, Profile, Role, StakeholderType


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


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
