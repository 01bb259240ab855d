"""Aggregates give plain numbers, one grouped query each, and no zeros for missing data."""

import pytest

from commitments.models import Action, GuidingPrinciple, MemberState
from reporting import aggregates
from tests.factories import EvidenceFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(framework):
    mar, mex = MemberState.objects.get(iso3="MAR"), MemberState.objects.get(iso3="MEX")
    a13, a1 = Action.objects.get(code="13(a)"), Action.objects.get(code="1(a)")
    e1 = EvidenceFactory(published=True, member_state=mar, primary_action=a13, status="completed")
    e1.principles.set(GuidingPrinciple.objects.filter(letter__in=["f", "h"]))
    e1.other_actions.set([Action.objects.get(code="13(h)")])
    EvidenceFactory(published=True, member_state=mex, primary_action=a13, status="planned", cycle=2)
    org = OrganisationFactory(country=mex)
    EvidenceFactory(published=True, member_state=None, organisation=org, primary_action=a1, status="planned")
    EvidenceFactory(member_state=mar, primary_action=a1)  # a draft: never counted
    from commitments.models import Evidence

    return Evidence.objects.published()


def test_figures(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert aggregates.by_objective_status(data) == {1: {"planned": 1}, 13: {"completed": 1, "planned": 1}}
    with django_assert_num_queries(1):
        assert aggregates.by_objective_region(data) == {1: {"Americas": 1}, 13: {"Africa": 1, "Americas": 1}}
    assert aggregates.by_state(data) == {"MAR": 1, "MEX": 1}
    assert aggregates.by_cycle_status(data) == {2: {"planned": 1}, 3: {"completed": 1, "planned": 1}}
    assert aggregates.participation(data) == {"civil-society": 1, "member-state": 2}
    assert aggregates.principles_applied(data) == {("f", "Human rights"): 1, ("h", "Child-sensitive"): 1}
    assert aggregates.actions_covered(data) == {"13(a)", "13(h)", "1(a)"}
    assert aggregates.totals(data) == {"records": 3, "states": 2, "organisations": 1, "actions": 2, "objectives": 2}


def test_report_figures_fold_the_same_numbers_as_the_single_selectors(data, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # the cube, the linked actions, two small reference tables
        figures = aggregates.report_figures(data)
    assert figures["totals"] == aggregates.totals(data)
    assert figures["by_status"] == aggregates.by_status(data)
    assert figures["by_objective_status"] == aggregates.by_objective_status(data)
    assert figures["participation"] == aggregates.participation(data)
    assert figures["actions_covered"] == aggregates.actions_covered(data)
