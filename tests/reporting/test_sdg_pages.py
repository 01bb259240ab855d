"""The 2030 Agenda pages: index, goal/target and indicator permalinks, and the SDG parts of other pages."""

import json
import re

import pytest

from commitments.indicators.models import EvidenceTarget, FrameworkItem, ResultMeasure
from commitments.models import Action, EvidenceResult, MemberState
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def sdg(code):
    return FrameworkItem.objects.get(framework__code="sdg", code=code)


def measured(evidence, code, year, value, **breakdown):
    result = EvidenceResult.objects.create(
        evidence=evidence, indicator="Recruitment cost", value=value, unit="months", year=year
    )
    ResultMeasure.objects.create(result=result, item=sdg(code), **breakdown)


@pytest.fixture
def records(framework):
    action = Action.objects.get(code="6(a)")
    mar = EvidenceFactory(published=True, title="Zero recruitment fees", primary_action=action)
    mex = EvidenceFactory(
        published=True,
        title="Fair recruitment law",
        primary_action=action,
        member_state=MemberState.objects.get(iso3="MEX"),
    )
    draft = EvidenceFactory(title="Secret draft on recruitment", primary_action=action)
    for ev in (mar, mex, draft):
        EvidenceTarget.objects.create(evidence=ev, item=sdg("10.7"))
    measured(mar, "10.7.1", 2024, "1.5")
    measured(mar, "10.7.1", 2025, "0.8", sex="F")
    measured(mex, "10.7.1", 2025, "2")
    measured(draft, "10.7.1", 2025, "99")
    old = sdg("10.7.4")
    old.retired, old.retired_in = True, "2026"
    old.save()
    measured(mex, "10.7.4", 2020, "3")
    return {"mar": mar, "mex": mex, "draft": draft}


def test_index_lists_goals_targets_and_indicators_with_counts(records, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        html = client.get("/sdg/").content.decode()
    assert html.count('<li id="goal-') == 17
    assert 'href="/sdg/10.7/"' in html and 'href="/sdg/10.7.1/"' in html and 'href="/sdg/10.c/"' in html
    assert re.search(r'href="/sdg/10.7/".*?2 records', html, re.S)  # the draft is not counted
    assert "(retired in version 2026)" in html


def test_target_page_links_evidence_actions_and_states(records, client):
    response = client.get("/sdg/10.7/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Facilitate orderly, safe, regular and responsible migration" in html
    assert "Zero recruitment fees" in html and "Fair recruitment law" in html and "Secret draft" not in html
    assert 'href="/actions/6a/"' in html and "measured by indicator 10.7.1" in html  # the link's source note
    assert 'href="/states/MAR/"' in html and 'href="/states/MEX/"' in html
    assert 'href="/evidence/?sdg_target=10.7"' in html
    assert 'href="/sdg/10.7.1/"' in html  # its indicators
    french = client.get("/fr/sdg/10.7/").content.decode()  # the page's French address
    assert '<span lang="fr">Faciliter la migration' in french
    goal = client.get("/sdg/10/").content.decode()
    assert "Zero recruitment fees" in goal and 'href="/sdg/10.7/"' in goal


def test_indicator_page_shows_results_over_time_as_chart_table_and_summary(records, client):
    response = client.get("/sdg/10.7.1/")
    html = response.content.decode()
    chart = response.context["chart"]
    assert chart.summary == "3 results from 2 reporting entities, 2024 to 2025."
    figure = json.loads(
        re.search(r'<script id="figure-indicator-results" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    lines = {trace["name"]: (trace["x"], trace["y"]) for trace in figure["data"]}
    assert lines["Morocco – months"] == ([2024], [1.5])
    assert lines["Morocco (F) – months"] == ([2025], [0.8])
    assert "99" not in str(lines) and "Secret draft" not in html
    assert html.count('<tr><th scope="row">') >= 3 and '<script src="/static/vendor/plotly.min.js">' in html
    assert 'href="/evidence/?sdg_indicator=10.7.1"' in html


def test_retired_items_still_show_with_their_version(records, client):
    html = client.get("/sdg/10.7.4/").content.decode()
    assert "This indicator was retired in version 2026" in html and "Fair recruitment law" in html
    assert client.get("/sdg/99.9/").status_code == 404
    assert client.get("/sdg/10.7.1.1.1/").status_code == 404


def test_action_state_and_record_pages_show_their_sdg_links(records, client):
    action = client.get("/actions/6a/").content.decode()
    assert 'href="/sdg/10.7/"' in action and "Same subject" in action and "measured by indicator 10.7.1" in action
    state = client.get("/states/MAR/").content.decode()
    assert "Results by SDG indicator" in state and 'href="/sdg/10.7.1/"' in state and "0.8" in state
    assert "99" not in re.sub(r"<[^>]+>", " ", state.split("Results by SDG indicator")[1]).split()
    record = client.get(records["mar"].get_absolute_url()).content.decode()
    assert 'href="/sdg/10.7/"' in record and 'href="/sdg/10.7.1/"' in record
    empty = client.get("/states/FRA/").content.decode()
    assert "Results by SDG indicator" not in empty


def test_page_queries_do_not_grow_with_the_data(records, client):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = ["/sdg/", "/sdg/10/", "/sdg/10.7/", "/sdg/10.7.1/", "/states/MAR/", "/actions/6a/"]

    def counts():
        found = {}
        for url in urls:
            cache.clear()  # measured cold: the anonymous page cache would hide the queries
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            found[url] = len(queries)
        return found

    before = counts()
    for n in range(12):
        ev = EvidenceFactory(published=True, title=f"More {n}", member_state=MemberState.objects.get(iso3="FRA"))
        EvidenceTarget.objects.create(evidence=ev, item=sdg("10.7"))
        measured(ev, "10.7.1", 2020 + n % 5, n)
        measured(records["mar"], "10.7.1", 2010 + n, n)
    assert counts() == before
    assert max(before.values()) <= 15, before


def test_home_page_leads_to_the_sdg_index(framework, client):
    assert 'href="/sdg/"' in client.get("/").content.decode()


def test_dashboard_state_profile_groups_results_by_indicator_following_the_filters(records, client):
    html = client.get("/dashboards/states/MAR/").content.decode()
    assert "Results by SDG indicator" in html and 'href="/sdg/10.7.1/"' in html and "Zero recruitment fees" in html
    filtered = client.get("/dashboards/states/MAR/?status=completed").content.decode()
    assert "Results by SDG indicator" not in filtered  # MAR's record is under way: filtered out
