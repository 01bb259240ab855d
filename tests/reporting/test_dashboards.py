"""Dashboards: shared filters, constant queries, escaped hover text, "no evidence" never drawn as zero."""

import json
import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from commitments import demo
from commitments.models import Action, Evidence, GuidingPrinciple, MemberState
from reporting import aggregates
from tests.factories import EvidenceFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def figures(response):
    """{chart id: figure} as the page embeds them (json_script), read back from the HTML."""
    found = re.findall(r'<script id="figure-([a-z-]+)" type="application/json">(.*?)</script>', response.text, re.S)
    return {chart_id: json.loads(body) for chart_id, body in found}


def chart(response, chart_id):
    return next(c for c in response.context["charts"] if c.id == chart_id)


@pytest.fixture
def records(framework):
    mar, mex = MemberState.objects.get(iso3="MAR"), MemberState.objects.get(iso3="MEX")
    a13 = Action.objects.get(code="13(a)")
    e = EvidenceFactory(published=True, member_state=mar, primary_action=a13, status="completed")
    e.principles.set(GuidingPrinciple.objects.filter(letter="f"))
    EvidenceFactory(published=True, member_state=mar, primary_action=a13, status="planned", cycle=2)
    EvidenceFactory(published=True, member_state=mex, status="under_way")
    EvidenceFactory(member_state=mex, status="completed")  # a draft: never on a dashboard


def test_global_dashboard_draws_every_chart_with_table_and_summary(records, client):
    response = client.get("/dashboards/")
    assert response.status_code == 200
    embedded = figures(response)
    assert set(embedded) == {
        "map",
        "objectives-regions",
        "status-objective",
        "trend",
        "participation",
        "principles",
        "sdg-targets",
        "pledges-kind",
        "pledges-objective",
    }
    html = response.text
    for chart_id in embedded:
        assert f'data-figure="figure-{chart_id}"' in html
        assert f'aria-describedby="summary-{chart_id}"' in html
        assert f'id="summary-{chart_id}"' in html
    # A figure, not an image: plotly fills the container with focusable buttons (axe nested-interactive).
    assert html.count('role="figure"') == 9 and 'role="img"' not in html
    assert html.count("<caption>") == 9
    assert "3 published records, from 2 Member States, on 2 of 23 objectives." in html
    summary = chart(response, "status-objective").summary
    assert summary == "Objective 13 has the most records (2); 21 have no evidence."
    # Everything from the project's static files: plotly, the script, the map's topojson.
    assert '<script src="/static/vendor/plotly.min.js">' in html
    assert '<script src="/static/reporting/dashboards.js">' in html
    assert '"topojsonURL": "/static/vendor/topojson/"' in html
    # Nothing from another host (the hreflang alternates name this site itself, absolutely).
    assert not re.search(r'(src|href)="(https?:)?//(?!testserver/)', html)


def test_map_tells_no_evidence_from_zero(records, client):
    response = client.get("/dashboards/")
    silent, reporting, silent_points, reporting_points = figures(response)["map"]["data"]
    assert reporting["locations"] == ["MEX", "MAR"]  # by name
    assert reporting["customdata"] == [["Mexico", "1"], ["Morocco", "2"]]
    assert reporting["z"] == [0, 0.301]  # log10 of the counts; States without evidence are not on this scale
    assert "FRA" in silent["locations"] and "MAR" not in silent["locations"]
    # The 193 Member States and the 2 observer States; those without a shape on the map (28 Member
    # States and the Holy See) are markers (reporting.map_points), never shapes too.
    assert len(silent["locations"]) + len(silent_points["ids"]) == 195 - 2
    assert len(silent_points["ids"]) == 29 and "TUV" in silent_points["ids"] and reporting_points["ids"] == []
    assert "no evidence" in silent["hovertemplate"]
    assert silent["showscale"] is False
    rows = {row[1]: row[2] for row in chart(response, "map").table.rows}
    assert rows["MAR"] == "2" and rows["FRA"] == "no evidence"
    # The heat map leaves empty cells empty (null), never 0.
    heat = figures(response)["objectives-regions"]["data"][0]
    assert heat["z"][1] == [None, None, None, None, None]  # objective 2: nothing anywhere
    assert heat["z"][0][heat["x"].index("Americas")] == 1
    assert heat["z"][12][heat["x"].index("Africa")] == 2
    assert 0 not in [v for row in heat["z"] for v in row]
    assert heat["hoverongaps"] is False


def test_filters_change_every_chart_and_stay_in_the_url(records, client):
    response = client.get("/dashboards/?status=completed")
    bars = figures(response)["status-objective"]["data"]
    by_status = {trace["name"]: trace["y"] for trace in bars}
    assert by_status["Completed"][12] == 1
    assert all(v is None for v in by_status["Planned (not started)"])
    assert figures(response)["map"]["data"][1]["locations"] == ["MAR"]
    assert "1 published record, from 1 Member State," in response.text
    assert re.search(r'<input[^>]*value="completed"[^>]*checked', response.text)  # the form keeps the filter

    response = client.get("/dashboards/?region=Americas")
    assert figures(response)["map"]["data"][1]["locations"] == ["MEX"]


def test_invalid_filter_is_explained_not_a_500(records, client):
    response = client.get("/dashboards/?cycle=abc&validated_from=yesterday")
    assert response.status_code == 200
    assert "Some filters are not valid" in response.text
    assert "No published evidence matches these filters." in response.text


def test_organisation_name_is_escaped_in_hover_text(framework, client):
    org = OrganisationFactory(name='<script>alert("x")</script> & Co')
    EvidenceFactory(published=True, member_state=None, organisation=org, status="advanced")
    response = client.get(f"/dashboards/organisations/{org.pk}/")
    assert response.status_code == 200
    hover = [t for trace in figures(response)["status-objective"]["data"] for t in trace["hovertext"] if t]
    assert hover == ["&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co<br>1: 1 Advanced (substantial)"]
    trend = figures(response)["trend"]["data"]
    assert any("&lt;script&gt;" in t for trace in trend for t in trace["hovertext"])
    assert "<script>alert" not in response.text


def test_profile_pages(records, client):
    org = OrganisationFactory(country=MemberState.objects.get(iso3="MAR"))
    EvidenceFactory(published=True, member_state=None, organisation=org)
    pages = {
        "/dashboards/states/mar/": {"status-objective", "trend", "principles", "plan-coverage"},
        "/dashboards/objectives/13/": {"map", "status-action", "trend", "participation", "principles"},
        "/dashboards/actions/13a/": {"map", "trend", "participation", "principles"},
        f"/dashboards/organisations/{org.pk}/": {"status-objective", "trend", "principles"},
    }
    for url, charts in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert set(figures(response)) == charts, url
    state = client.get("/dashboards/states/MAR/")
    assert "2 published records, from 1 Member State," in state.text
    assert 'name="state"' not in state.text  # the page's own scope is not a filter to change
    objective = client.get("/dashboards/objectives/13/")
    action_bars = {t["name"]: t["y"] for t in figures(objective)["status-action"]["data"]}
    assert action_bars["Completed"][0] == 1 and action_bars["Planned (not started)"][0] == 1
    assert client.get("/dashboards/states/XXX/").status_code == 404
    assert client.get("/dashboards/objectives/24/").status_code == 404
    assert client.get("/dashboards/actions/13z/").status_code == 404


def test_queries_per_request_do_not_grow_with_the_data(framework, client):
    demo.generate(20, seed=5, organisations=30)
    urls = ["/dashboards/", "/dashboards/?status=completed&region=Africa", "/dashboards/states/MAR/"]
    small = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        small[url] = len(queries)
    demo.generate(200, seed=6, organisations=30)
    assert Evidence.objects.count() == 220
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        assert len(queries) == small[url], url
    assert small["/dashboards/"] <= 17  # +2: pledges by type and by objective (commitments.pledges)


def test_dashboard_list_page_query_budget(framework, client, django_assert_max_num_queries):
    demo.generate(150, seed=2, organisations=40)
    with django_assert_max_num_queries(17):  # +2: pledges by type and by objective (commitments.pledges)
        client.get("/dashboards/")


def test_cube_agrees_with_the_single_figure_selectors(framework):
    demo.generate(300, seed=11, organisations=40)
    published = Evidence.objects.published()
    data = aggregates.dashboard_data(published)
    assert data["by_objective_status"] == aggregates.by_objective_status(published)
    assert data["by_objective_region"] == aggregates.by_objective_region(published)
    assert data["by_state"] == aggregates.by_state(published)
    assert data["by_cycle_status"] == aggregates.by_cycle_status(published)
    assert data["participation"] == aggregates.participation(published)
    assert data["by_status"] == aggregates.by_status(published)
    assert data["principles"] == aggregates.principles_applied(published)
    assert data["totals"]["records"] == published.count()


@pytest.mark.parametrize("query", ["", "region=Africa&status=completed", "cycle=2&objective=13"])
def test_dashboard_queries_keep_off_the_one_published_revision_index(records, query):
    """The unique index behind "one published revision per record" never plans a dashboard query.

    With the constraint's condition written as bare `is_published`, SQLite matched the dashboards'
    `is_published` to it and walked the index in record order, reading each row at random:
    2.5-4 s at 1,000,000 records where the status and cycle indexes take 0.3-1.7 s.
    """
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from reporting.views_dashboards import filtered

    _, queryset = filtered(QueryDict(query), AnonymousUser())
    cube = (
        queryset.order_by()
        .values_list("primary_action__objective__number", "member_state_id", "cycle", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    plan = cube.explain()
    assert "evidence_one_published_revision" not in plan, plan


@pytest.fixture
def linked_records(framework):
    """Demo records, plus records in objective 13 both ways: by a linked action only, and by both
    a primary and a linked action (to be counted once)."""
    demo.generate(250, seed=13, organisations=30)
    a13, b13, a2 = (Action.objects.get(code=code) for code in ("13(a)", "13(b)", "2(a)"))
    both = EvidenceFactory(published=True, primary_action=a13, title="A measure in both ways")
    both.other_actions.set([b13])
    linked = EvidenceFactory(published=True, primary_action=a2, status="completed", title="A measure linked")
    linked.other_actions.set([a13, b13])
    linked.principles.set(GuidingPrinciple.objects.filter(letter__in="fg"))


LINKED_QUERIES = [
    "objective=13",
    "objective=13&objective=2&region=Africa&status=completed",
    "objective=13&q=measure",
    "objective=13&cycle=2&principle=f",
    "action=13a",
    "action=13a&action=2a&entity_kind=state",
    "objective=13&action=13b",  # both: read whole
    "objective=13&status=nonsense",  # invalid: read whole
]


@pytest.mark.parametrize("query", LINKED_QUERIES)
def test_a_filter_by_objective_or_action_read_in_parts_has_the_figures_of_the_filter_read_whole(linked_records, query):
    """Dashboards read a filter by objective or action in two disjoint parts (primary action in it,
    from the rollups where the other filters allow; only linked): the same figures as the filter
    read as one condition, whatever the other filters (words, principles, invalid ones)."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from commitments.filters import linked_parts
    from reporting.views_dashboards import Reference, _data, filtered

    ref, params = Reference(), QueryDict(query)
    filterset, whole = filtered(params, AnonymousUser())
    expected = _data(whole, ref)
    expected["by_action"] = aggregates.by_action_status(whole)
    parts = linked_parts(params, AnonymousUser(), filterset)
    assert (parts is None) == (query in LINKED_QUERIES[-2:]), query
    got = _data(whole, ref, None, filterset, lambda: parts, by_action=True)
    assert got == expected, query
    if query == "objective=13":
        assert got["totals"]["records"] == whole.count() > 10
        assert got["by_action"]["13(a)"] and got["principles"][("f", "Human rights")] >= 1


@pytest.mark.parametrize("query", LINKED_QUERIES)
def test_the_evidence_list_counts_a_filter_by_objective_or_action_in_parts(linked_records, client, query):
    """The list's count and facets of a filter by objective or action, read in parts, are those of
    the filter read whole."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from commitments.filters import facet_counts, filter_evidence

    response = client.get(f"/evidence/?{query}")
    assert response.status_code == 200
    _filterset, whole = filter_evidence(QueryDict(query), AnonymousUser())
    assert response.context["page"].paginator.count == whole.count()
    if query != LINKED_QUERIES[-1]:
        assert response.context["facets"] == facet_counts(whole), query


@pytest.mark.parametrize(
    ("page", "scope"),
    [("/dashboards/states/MAR/", {"state": "MAR"}), ("/dashboards/actions/13a/", {"action": "13a"})],
)
def test_a_profile_filtered_by_objective_shows_the_totals_of_the_filter_read_whole(linked_records, client, page, scope):
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from reporting import dashboards
    from reporting.views_dashboards import Reference, _data, filtered

    query = "objective=13&objective=2"
    _filterset, whole = filtered(QueryDict(query), AnonymousUser(), scope)
    expected = _data(whole, Reference())
    response = client.get(f"{page}?{query}")
    assert response.status_code == 200
    assert str(dashboards.totals_sentence(expected["totals"])) in response.text
    assert expected["totals"]["records"] >= 1
