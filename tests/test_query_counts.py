"""Queries per page do not depend on the amount of data: 5 records or 50, the same count.

Each list and dashboard page is requested cold (empty cache) by a signed-in reader (so no
page cache hides the queries) with 5 published records, then with 50 (more States, more
organisations, more principles and linked actions), and the query counts must be equal.
"""

import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commitments.models import Action, Evidence, GuidingPrinciple, MemberState, StakeholderType
from tests.factories import EvidenceFactory, OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db

PAGES = [
    "/evidence/",
    "/evidence/?page=2",
    "/evidence/?objective=1&status=under_way&principle=a",
    "/dashboards/",
    "/dashboards/?region=Africa&status=under_way",
    "/dashboards/states/MAR/",
    "/dashboards/objectives/1/",
    "/dashboards/actions/1a/",
    "/dashboards/organisations/{org}/",
    "/api/v1/evidence/",
    "/api/v1/evidence/?objective=1",
    "/states/MAR/",
    "/organisations/{org}/",
    "/actions/1a/",
]


def add_records(n, start):
    states = itertools.cycle(MemberState.objects.filter(iso3__in=["MAR", "MEX", "KEN", "FRA", "PHL"]))
    actions = itertools.cycle(Action.objects.filter(objective__number__in=[1, 2, 13]))
    principles = list(GuidingPrinciple.objects.all())
    civil = StakeholderType.objects.get(slug="civil-society")
    for i in range(start, start + n):
        if i % 3 == 0:
            org = OrganisationFactory(name=f"NGO {i}", stakeholder_type=civil)
            ev = EvidenceFactory(published=True, member_state=None, organisation=org, primary_action=next(actions))
        else:
            ev = EvidenceFactory(published=True, member_state=next(states), primary_action=next(actions))
        ev.principles.set(principles[i % 5 : i % 5 + 3])
        ev.other_actions.set([next(actions)])


def counts(client, org):
    result = {}
    for page in PAGES:
        url = page.format(org=org.pk)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        result[url] = len(ctx.captured_queries)
    return result


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed in", "anonymous"])
def test_queries_per_page_do_not_grow_with_data(framework, signed_in):
    org = OrganisationFactory(name="Migrant Rights Network")
    EvidenceFactory(published=True, member_state=None, organisation=org)
    add_records(4, 0)
    client = Client()
    if signed_in:
        client.force_login(make_user(Role.ANALYST, username="analyst"))
    client.get("/")  # the session and the language settle on the first request
    small = counts(client, org)
    add_records(45, 4)
    large = counts(client, org)
    assert large == small


def test_cached_pages_cost_one_query(framework):
    """A repeat anonymous reader costs the data version's read and nothing else."""
    add_records(10, 0)
    client = Client()
    record = Evidence.objects.filter(is_published=True).first().record
    api = ["/api/v1/evidence/", "/api/v1/evidence/?state=MAR", f"/api/v1/evidence/{record}/", "/api/v1/states/"]
    api += ["/api/v1/pledges/", "/api/v1/plans/?state=MAR"]
    for url in ["/evidence/", "/dashboards/", "/dashboards/states/MAR/", *api]:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
