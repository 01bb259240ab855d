"""One PlanFilterSet behind the plans API and the plan-item exports: the same plans for the same query."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from commitments.pledges import services
from commitments.pledges.filters import filter_plans

from .conftest import item, plan_data

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "state=MAR",
    "state=mar&state=MEX",
    "region=Africa",
    "objective=13",
    "objective=21",
    "action=13a",
    "action=13(a)&action=6(a)",
    "item_status=under_way",
    "item_status=pledged&item_status=fulfilled",
    "adopted_from=2024-01-01",
    "adopted_to=2024-01-01",
    "adopted_from=2023-01-01&adopted_to=2023-12-31",
    "q=return%20plan",
    "q=STRATEGY",
    "mine=true",
    "mine=false",
]


def publish(people, author, reviewer, items, **data):
    plan = services.plan_create(user=people[author], data=plan_data(**data), items=items)
    plan = services.submit(user=people[author], obj=plan)
    return services.validate(user=people[reviewer], obj=plan)


@pytest.fixture
def world(people):
    mar = publish(people, "contributor", "focal", [item(), item("Data strategy", "1(a)")])  # adopted 2025-03-01
    services.item_set_status(
        user=people["focal"], item=mar.items.get(priority="Data strategy"), status="under_way", reason="Begun"
    )
    mex = publish(
        people,
        "other_contributor",
        "other_state",
        [item("Reintegration support", "21(a)")],
        title="Action plan on return and reintegration",
        adopted_on=datetime.date(2023, 6, 15),
    )
    ken = publish(
        people, "ken", "ken", [item("Fair recruitment", "6(a)")], title="Labour migration policy", adopted_on=None
    )
    mar_draft = services.plan_create(
        user=people["contributor"], data=plan_data(title="Draft plan on border management"), items=[item()]
    )
    mex_draft = services.plan_create(
        user=people["other_contributor"], data=plan_data(title="Draft mobility plan"), items=[item()]
    )
    return {"mar": mar, "mex": mex, "ken": ken, "mar_draft": mar_draft, "mex_draft": mex_draft}


def from_api(client, query):
    response = client.get("/api/v1/plans/?" + query + "&page_size=100")
    assert response.status_code == 200, response.content
    return sorted((row["record"], row["revision"]) for row in response.json()["results"])


def records(client, query):
    return sorted(record for record, _revision in from_api(client, query))


def export(client, fmt, query):
    response = client.get(reverse("pledges:plan_item_export", args=[fmt]) + "?" + query)
    assert response.status_code == 200, query
    return b"".join(response.streaming_content)


def from_exports(client, query):
    """(plan, version) of every exported item, the same in the three formats."""
    csv_rows = list(csv.DictReader(io.StringIO(export(client, "csv", query).decode("utf-8-sig"))))
    json_rows = json.loads(export(client, "json", query))
    sheet = load_workbook(io.BytesIO(export(client, "xlsx", query))).active
    header, *xlsx_rows = list(sheet.iter_rows(values_only=True))
    xlsx_rows = [dict(zip(header, row, strict=True)) for row in xlsx_rows]
    keys = [sorted((r["plan"], int(r["plan_version"]), r["item"]) for r in rows) for rows in (csv_rows, json_rows)]
    keys.append(sorted((r["plan"], int(r["plan_version"]), r["item"]) for r in xlsx_rows))
    assert keys[0] == keys[1] == keys[2], query
    return keys[0]


def test_api_and_item_exports_agree(client, people, world):
    for user in (None, "contributor"):
        if user:
            client.force_login(people[user])
        for query in QUERIES:
            plans = client.get("/api/v1/plans/?" + query + "&page_size=100").json()["results"]
            from_plans = sorted((p["record"], p["revision"], i["key"]) for p in plans for i in p["items"])
            assert from_plans == from_exports(client, query), (user, query)
            _filterset, queryset = filter_plans(QueryDict(query), None)
            if not user:  # filter_plans, used by the exports, is the API's FilterSet
                assert sorted(str(p.record) for p in queryset) == sorted(p["record"] for p in plans), query


def test_the_filters_select_what_they_say(client, world):
    mar, mex, ken = (str(world[name].record) for name in ("mar", "mex", "ken"))
    assert records(client, "") == sorted([mar, mex, ken])
    assert records(client, "state=mar") == [mar]
    assert records(client, "state=MAR&state=KEN") == sorted([mar, ken])
    assert records(client, "region=Africa") == sorted([mar, ken])
    assert records(client, "region=Americas") == [mex]
    assert records(client, "objective=13") == [mar]  # its item names objective 13 and action 13(a)
    assert records(client, "objective=1&objective=21") == sorted([mar, mex])
    assert records(client, "action=21a") == [mex]
    assert records(client, "action=6(a)") == [ken]
    assert records(client, "action=13b") == []
    assert records(client, "item_status=under_way") == [mar]
    assert records(client, "item_status=pledged") == sorted([mar, mex, ken])
    assert records(client, "item_status=fulfilled") == []
    assert records(client, "adopted_from=2025-03-01") == [mar]
    assert records(client, "adopted_to=2025-02-28") == [mex]
    assert records(client, "adopted_from=2023-06-15&adopted_to=2023-06-15") == [mex]
    assert records(client, "q=labour%20POLICY") == [ken]
    assert records(client, "q=policy%20return") == []
    # The order stays: by State, then the newest version first.
    rows = client.get("/api/v1/plans/").json()["results"]
    assert [r["state"] for r in rows] == ["KEN", "MAR", "MEX"]


def test_an_item_filter_lists_a_plan_once(client, people, world):
    publish(people, "ken", "ken", [item("A", "6(a)"), item("B", "6(a)"), item("C", "6(b)")], title="Second plan")
    assert len(records(client, "state=KEN&action=6a&objective=6&item_status=pledged")) == 2


@pytest.mark.parametrize(
    "query, field",
    [
        ("state=ZZZ", "state"),
        ("adopted_from=notadate", "adopted_from"),
        ("adopted_to=2025-13-01", "adopted_to"),
        ("adopted_from=01/03/2025", "adopted_from"),
        ("item_status=bogus", "item_status"),
        ("region=Atlantis", "region"),
        ("objective=99", "objective"),
        ("action=99z", "action"),
        ("mine=perhaps", "mine"),
        ("state=", "state"),
    ],
)
def test_an_invalid_parameter_is_a_400_naming_it(client, world, query, field):
    response = client.get("/api/v1/plans/?" + query)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    if field.startswith("adopted"):
        assert response.json()["error"]["fields"][field] == ["Enter a date as YYYY-MM-DD, e.g. 2025-03-01."]
    if query != "state=":  # an empty parameter is a 400 in the API only, as for pledges and evidence
        for fmt in ("csv", "xlsx", "json"):
            refused = client.get(reverse("pledges:plan_item_export", args=[fmt]) + "?" + query)
            assert refused.status_code == 400
            assert refused["Content-Type"].startswith("text/plain")
            assert f"{field}:" in refused.content.decode()
    filterset, queryset = filter_plans(QueryDict(query), None)
    if query != "state=":
        assert field in filterset.errors and not queryset.exists()


def test_another_states_draft_never_appears(client, people, world):
    mar_draft, mex_draft = str(world["mar_draft"].record), str(world["mex_draft"].record)
    for user in (None, "other_state", "other_contributor", "editor", "analyst"):
        client.logout()
        if user:
            client.force_login(people[user])
        for query in ("", "mine=true", "mine=true&state=MAR", "state=MAR&q=draft"):
            listed = records(client, query)
            exported = {plan for plan, _version, _key in from_exports(client, query)}
            assert mar_draft not in listed and mar_draft not in exported, (user, query)
            own = user in ("other_state", "other_contributor") and query == "mine=true"
            assert (mex_draft in listed) == own, (user, query)
    # Its own State's people see it with mine=true only; the secretariat sees every draft with it.
    client.force_login(people["focal"])
    assert mar_draft not in records(client, "")
    assert mar_draft in records(client, "mine=true")
    assert mex_draft not in records(client, "mine=true")
    assert mar_draft in {plan for plan, _v, _k in from_exports(client, "mine=true&state=MAR")}
    client.force_login(people["secretariat"])
    assert {mar_draft, mex_draft} <= set(records(client, "mine=true"))


def test_retrieve_still_finds_any_visible_version(client, people, world):
    record = world["mar"].record
    client.force_login(people["contributor"])
    services.plan_reopen(user=people["contributor"], plan=world["mar"], reason="Mid-term")
    assert client.get(f"/api/v1/plans/{record}/").json()["revision"] == 2
    assert client.get(f"/api/v1/plans/{record}/?revision=1").json()["is_published"] is True
    assert client.get(f"/api/v1/plans/{world['mar_draft'].record}/?state=ZZZ").status_code == 200
    client.logout()
    assert client.get(f"/api/v1/plans/{record}/").json()["revision"] == 1
    assert client.get(f"/api/v1/plans/{world['mar_draft'].record}/").status_code == 404


def test_the_api_list_queries_do_not_grow_with_the_plans(client, people):
    def counted():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/plans/?region=Africa&item_status=pledged&mine=true")
        assert response.status_code == 200
        return len(response.json()["results"]), len(queries)

    client.force_login(people["focal"])
    publish(people, "contributor", "focal", [item(), item("Data strategy", "1(a)")])
    one = counted()
    for n in range(4):
        publish(people, "contributor", "focal", [item(f"Priority {n}"), item("Data strategy", "1(a)")])
    five = counted()
    assert (one[0], five[0]) == (1, 5)
    assert five[1] == one[1]


def test_the_item_export_is_linked_from_the_plan_and_state_pages(client, world):
    url = reverse("pledges:plan_item_export", args=["csv"]) + "?state=MAR"
    assert url in client.get(world["mar"].get_absolute_url()).content.decode()
    assert url in client.get(reverse("commitments:state", args=["MAR"])).content.decode()
    assert client.get(url).status_code == 200
    assert "Télécharger les éléments des plans publiés de cet État" in client.get("/fr/states/MAR/").content.decode()


def test_the_plans_api_documents_its_filters(client, framework):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/plans/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"state", "region", "objective", "action", "item_status", "adopted_from", "adopted_to", "q", "mine"} <= names
    schemas = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert schemas["adopted_from"] == {"type": "string", "format": "date"}
    assert "Africa" in schemas["region"]["enum"] and "MAR" in schemas["state"]["items"]["enum"]
    assert "13a" in schemas["action"]["items"]["enum"] and 23 in schemas["objective"]["items"]["enum"]
    assert schemas["q"]["minLength"] == 1  # an empty parameter is refused
