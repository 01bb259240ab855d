"""Dashboards: pledges by type and objective (same filters as the list), plan coverage on a State's profile."""

import json
import re

import pytest

from commitments.pledges import selectors

from .conftest import item, published_plan, published_pledge

pytestmark = pytest.mark.django_db


def chart_summary(html, chart_id):
    match = re.search(rf'id="summary-{chart_id}"[^>]*>(.*?)<', html, re.S)
    return match[1].strip()


def test_pledge_charts_follow_the_filters(client, people):
    published_pledge(people)
    published_pledge(people, user="editor", reviewer="secretariat", kind="financial", objectives=[])
    html = client.get("/dashboards/").text
    assert "Most pledges are of the type" in chart_summary(html, "pledges-kind")
    assert "Objective 6 has the most pledges (1)" in chart_summary(html, "pledges-objective")
    filtered = client.get("/dashboards/?state=MEX").text
    assert chart_summary(filtered, "pledges-kind") == "No published pledges match these filters."


def test_plan_coverage_selector_and_chart(client, people):
    from commitments.models import Action, MemberState
    from tests.factories import EvidenceFactory

    published_plan(people, items=[item("Detention", "13(a)"), item("Data", "1(a)"), item("Skills", "18(a)")])
    mar = MemberState.objects.get(iso3="MAR")
    EvidenceFactory(published=True, member_state=mar, primary_action=Action.objects.get(code="13(a)"))
    coverage = selectors.plan_coverage(mar)
    assert coverage == {"prioritised": 3, "with_evidence": 1, "without": ["1(a)", "18(a)"]}
    html = client.get("/dashboards/states/MAR/").text
    summary = chart_summary(html, "plan-coverage")
    assert "Without evidence: 1(a), 18(a)." in summary
    # Cached under the data version: another filter of the profile does not read the State's records again ...
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commitments import dataversion

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboards/states/MAR/?cycle=2").status_code == 200
    assert not [q for q in queries if '"primary_action__code"' in q["sql"]]
    # ... and a write readers can see (a new version) is reflected.
    EvidenceFactory(published=True, member_state=mar, primary_action=Action.objects.get(code="1(a)"))
    dataversion.bump(public=True)  # as the services do in the write's transaction
    summary = chart_summary(client.get("/dashboards/states/MAR/?cycle=3").text, "plan-coverage")
    assert "Without evidence: 18(a)." in summary
    counts = selectors.pledge_counts(selectors.Pledge.objects.all())
    assert json.dumps(counts)  # plain numbers, ready for charts and reports
