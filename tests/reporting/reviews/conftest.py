"""A State with published evidence in cycle 3 (and records that must stay out of its review)."""

import datetime
import uuid
from decimal import Decimal

import pytest

from commitments.models import Action, Evidence, EvidenceResult, MemberState, Role, StakeholderType
from reporting import cycle
from reporting.models import Milestone
from tests.factories import EvidenceFactory, OrganisationFactory, make_user

CYCLE = 3


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    return settings.REPORTS_ROOT


@pytest.fixture
def world(framework):
    """MAR: 6 published records in cycle 3 over objectives 1, 5 and 13, with results, a good practice
    and challenges; plus MAR's draft, MAR's cycle-2 record and MEX's record, none of which belong."""
    cycle.ensure_calendar(2031)
    mar, mex = MemberState.objects.get(iso3="MAR"), MemberState.objects.get(iso3="MEX")
    focal = make_user(Role.FOCAL_POINT, state=mar, username="mar-focal")
    contributor = make_user(Role.CONTRIBUTOR, state=mar, username="mar-contributor")
    civil = StakeholderType.objects.get(slug="civil-society")
    specs = [
        ("Migration data strategy", "1(a)", "completed", True, [("Surveys run", "12.0000", "surveys", 2027)], ""),
        ("Census migration module", "1(b)", "under_way", False, [], "Staff turnover in the statistics office."),
        (
            "Labour mobility agreements",
            "5(a)",
            "advanced",
            False,
            [("Workers placed", "1200.5000", "people", 2028)],
            "",
        ),
        ("Seasonal worker visas", "5(b)", "advanced", False, [], ""),
        ("Alternatives to detention for families", "13(a)", "completed", True, [], "Funding after 2028 is uncertain."),
        ("Detention monitoring", "13(b)", "planned", False, [], ""),
    ]
    records = []
    for index, (title, code, status, good, results, challenges) in enumerate(specs):
        ev = EvidenceFactory(
            published=True,
            cycle=CYCLE,
            member_state=mar,
            title=title,
            primary_action=Action.objects.get(code=code),
            status=status,
            good_practice=good,
            challenges=challenges,
            created_by=contributor if index % 2 else focal,
            validated_at=datetime.datetime(2027, 3, 1 + index, tzinfo=datetime.UTC),
        )
        ev.partners.set([civil])
        for indicator, value, unit, year in results:
            EvidenceResult.objects.create(evidence=ev, indicator=indicator, value=Decimal(value), unit=unit, year=year)
        records.append(ev)
    EvidenceFactory(member_state=mar, title="MAR unpublished draft", primary_action=Action.objects.get(code="2(a)"))
    EvidenceFactory(
        published=True,
        cycle=2,
        member_state=mar,
        title="MAR older cycle",
        primary_action=Action.objects.get(code="3(a)"),
    )
    EvidenceFactory(
        published=True,
        cycle=CYCLE,
        member_state=mex,
        title="MEX measure",
        primary_action=Action.objects.get(code="4(a)"),
    )
    based = OrganisationFactory(name="Rabat Migrant Forum", country=mar)
    elsewhere = OrganisationFactory(name="Mexico City Network", country=mex)
    EvidenceFactory(
        published=True, cycle=CYCLE, member_state=None, organisation=based, title="Legal clinic", record=uuid.uuid4()
    )
    return {
        "state": mar,
        "other_state": mex,
        "focal": focal,
        "contributor": contributor,
        "records": records,
        "milestone": Milestone.objects.get(kind=Milestone.Kind.REGIONAL_REVIEW, year=2028),
        "stakeholder": make_user(Role.STAKEHOLDER_EDITOR, organisation=based, username="rabat-editor"),
        "stakeholder_elsewhere": make_user(Role.STAKEHOLDER_EDITOR, organisation=elsewhere, username="mexico-editor"),
        "other_focal": make_user(Role.FOCAL_POINT, state=mex, username="mex-focal"),
        "evidence_model": Evidence,
    }


@pytest.fixture
def review(world, django_capture_on_commit_callbacks):
    """MAR's review for the 2028 regional reviews, drafted (tasks run inline in the test settings)."""
    from reporting.reviews import services

    with django_capture_on_commit_callbacks(execute=True):
        created = services.create_review(
            member_state=world["state"], milestone=world["milestone"], language="en", user=world["focal"]
        )
    created.refresh_from_db()
    return created
