"""The REST API: read-only framework, evidence visibility, writes through the services, errors, limits."""

import re

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commitments.models import Evidence, GuidingPrinciple
from tests.factories import EvidenceFactory, Role, make_open_data_world, make_user

pytestmark = pytest.mark.django_db
S = Evidence.ReviewState


@pytest.fixture
def world(framework):
    return make_open_data_world()


def token_client(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_framework_by_stable_identifiers(framework):
    api = APIClient()
    objective = api.get("/api/v1/objectives/13/").json()
    assert objective["actions"][0] == "13(a)" and len(objective["actions"]) == 8
    assert api.get("/api/v1/actions/13a/").json()["code"] == "13(a)"
    assert api.get("/api/v1/states/mar/").json()["iso3"] == "MAR"
    assert api.get("/api/v1/principles/f/").json()["name"] == "Human rights"
    assert api.get("/api/v1/instrument/").json()["results"][0]["symbol"] == "A/RES/73/195"
    assert api.get("/api/v1/objectives/").json()["count"] == 23
    assert api.get("/api/v1/actions/?page_size=200").json()["count"] == 187
    first_page = api.get("/api/v1/actions/").json()
    assert len(first_page["results"]) == 50 and first_page["next"].endswith("page=2")  # 50 a page by default
    assert len(api.get("/api/v1/actions/?page_size=500").json()["results"]) == 187  # up to 200
    for missing in ("/api/v1/actions/99z/", "/api/v1/states/xyz/", "/api/v1/objectives/abc/"):
        response = api.get(missing)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_errors_have_one_shape(world):
    api = APIClient()
    body = api.get("/api/v1/evidence/?objective=99&cycle=x").json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "invalid" and set(body["error"]["fields"]) == {"objective", "cycle"}
    body = api.post("/api/v1/evidence/", {}, format="json")
    assert body.status_code == 401 and body.json()["error"]["code"] == "not_authenticated"


HIDDEN_QUERIES = [
    "",
    "mine=1",
    "mine=true&state=MEX",
    "state=MEX",
    "q=secret",
    "q=detention&mine=1",
    "action=13a",
    "objective=13&sort=title",
    "status=under_way&level=national",
    "entity_kind=state&page=1",
]


@pytest.mark.parametrize("who", ["anonymous", "other_state"])
def test_unpublished_records_never_leak(world, client, who):
    hidden = world["hidden"]
    secrets = [str(e.record) for e in hidden] + [e.title for e in hidden]
    api = APIClient()
    if who == "other_state":
        user = make_user(Role.FOCAL_POINT, state="MAR")
        client.force_login(user)
        api = token_client(user)
    bodies = []
    for query in HIDDEN_QUERIES:
        bodies.append(client.get(f"/evidence/?{query}").content.decode())
        bodies.append(api.get(f"/api/v1/evidence/?{query}").content.decode())
        for fmt in ("csv", "json"):
            bodies.append(b"".join(client.get(f"/evidence/export.{fmt}?{query}").streaming_content).decode())
    bodies.append(client.get("/objectives/13/").content.decode())
    for text in bodies:
        assert not any(secret in text for secret in secrets)
    for ev in hidden:
        assert api.get(f"/api/v1/evidence/{ev.record}/").status_code == 404
        assert api.post(f"/api/v1/evidence/{ev.record}/submit/").status_code in (401, 404)
    assert "Secret" not in b"".join(client.get("/evidence/export.xlsx?state=MEX&mine=1").streaming_content).decode(
        "latin-1"
    )


def test_entity_sees_its_own_unpublished_with_mine(world):
    api = token_client(make_user(Role.CONTRIBUTOR, state="MAR"))
    records = [r["record"] for r in api.get("/api/v1/evidence/?mine=1").json()["results"]]
    assert str(world["own_draft"].record) in records
    assert str(world["own_draft"].record) not in [r["record"] for r in api.get("/api/v1/evidence/").json()["results"]]
    assert api.get(f"/api/v1/evidence/{world['own_draft'].record}/").json()["review_state"] == "draft"


def payload(**overrides):
    data = {
        "title": "Firewall between services and immigration enforcement",
        "description": "Health and education services do not share data with enforcement.",
        "primary_action": "15b",
        "other_actions": ["16(a)"],
        "status": "under_way",
        "level": "national",
        "principles": ["f"],
        "links": [{"url": "https://example.org/decree"}],
        "results": [{"indicator": "Clinics covered", "value": "120", "unit": "clinics", "year": 2025}],
        # Read-only: ignored, the system sets these.
        "review_state": "validated",
        "is_published": True,
        "member_state": "MEX",
    }
    return {**data, **overrides}


def test_write_workflow_through_the_services(world):
    contributor = make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    focal = make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    api, reviewer = token_client(contributor), token_client(focal)

    created = api.post("/api/v1/evidence/", payload(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["review_state"] == "draft" and body["is_published"] is False
    assert body["entity"]["iso3"] == "MAR" and body["primary_action"] == "15(b)"
    record = body["record"]

    edited = api.patch(f"/api/v1/evidence/{record}/", {"title": "Firewall", "version": 1}, format="json")
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = api.patch(f"/api/v1/evidence/{record}/", {"title": "Mine", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_edit" and stale.json()["error"]["changes"]["title"][1] == "Firewall"
    missing = api.patch(f"/api/v1/evidence/{record}/", {"title": "No version"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]

    assert api.post(f"/api/v1/evidence/{record}/submit/").json()["review_state"] == "submitted"
    assert api.post(f"/api/v1/evidence/{record}/submit/").status_code == 409  # already submitted
    assert api.post(f"/api/v1/evidence/{record}/validate/").status_code == 403  # not a reviewer
    no_comment = reviewer.post(f"/api/v1/evidence/{record}/return/", {}, format="json")
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["error"]["fields"]
    returned = reviewer.post(f"/api/v1/evidence/{record}/return/", {"comment": "Add figures"}, format="json")
    assert returned.json()["review_state"] == "returned"
    api.post(f"/api/v1/evidence/{record}/submit/")
    validated = reviewer.post(f"/api/v1/evidence/{record}/validate/", {}, format="json")
    assert validated.status_code == 200 and validated.json()["is_published"] is True
    assert record in [r["record"] for r in APIClient().get("/api/v1/evidence/").json()["results"]]

    reopened = api.post(f"/api/v1/evidence/{record}/reopen/", {"comment": "Update"}, format="json")
    assert reopened.status_code == 201 and reopened.json()["revision"] == 2
    assert APIClient().get(f"/api/v1/evidence/{record}/").json()["revision"] == 1  # the public sees the published
    assert api.post(f"/api/v1/evidence/{record}/withdraw/", {}, format="json").json()["review_state"] == "withdrawn"


def test_writes_are_refused_clearly(world):
    mex = token_client(make_user(Role.CONTRIBUTOR, state="MEX"))
    analyst = token_client(make_user(Role.ANALYST))
    published = world["published"][0]  # Morocco's
    assert analyst.post("/api/v1/evidence/", payload(), format="json").status_code == 403
    response = mex.patch(f"/api/v1/evidence/{published.record}/", {"title": "x", "version": 1}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    bad = mex.post(
        "/api/v1/evidence/",
        payload(
            primary_action="99z", links=[{"url": "javascript:alert(1)"}], end_date="2020-01-01", start_date="2021-01-01"
        ),
        format="json",
    )
    assert bad.status_code == 400
    assert {"primary_action", "links.0.url"} <= set(bad.json()["error"]["fields"])
    dates = mex.post("/api/v1/evidence/", payload(end_date="2020-01-01", start_date="2021-01-01"), format="json")
    assert dates.status_code == 400 and "end_date" in dates.json()["error"]["fields"]
    assert Evidence.objects.filter(title=payload()["title"]).count() == 0  # nothing half-written


def test_list_queries_do_not_grow_with_rows(framework, django_assert_max_num_queries):
    api = APIClient()

    def count(n):
        for _ in range(n):
            ev = EvidenceFactory(published=True)
            ev.principles.set(GuidingPrinciple.objects.filter(letter__in=["a", "b"]))
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()  # factories write without bumping the data version: measure the answer, not its copy
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/evidence/").status_code == 200
        return len(ctx.captured_queries)

    small = count(5)
    assert count(25) == small
    with django_assert_max_num_queries(small):
        assert len(api.get("/api/v1/evidence/").json()["results"]) == 30
    with django_assert_max_num_queries(4):  # the data version (for the ETag), then the objectives
        api.get("/api/v1/objectives/")


def test_list_page_queries_do_not_grow_with_rows(framework, client, django_assert_max_num_queries):
    EvidenceFactory.create_batch(5, published=True)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get("/evidence/")
    EvidenceFactory.create_batch(40, published=True)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response = client.get("/evidence/?page=2")
    assert len(re.findall(r"data-record=", response.content.decode())) == 20


def test_throttling(framework, low_api_rates):
    api = APIClient()
    codes = [api.get("/api/v1/principles/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert api.get("/api/v1/principles/").json()["error"]["code"] == "throttled"


def test_a_made_up_forwarded_address_does_not_escape_the_limit(framework, low_api_rates, settings):
    """DRF's throttles took the address from X-Forwarded-For: a new made-up one per request was never
    limited. The address is the one the log-in lock-out uses (REMOTE_ADDR, or nginx's X-Real-IP)."""
    api = APIClient()
    codes = [api.get("/api/v1/principles/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    # Behind the project's nginx each client is counted by the address nginx saw.
    cache.clear()
    settings.BEHIND_PROXY = True
    seen = [api.get("/api/v1/principles/", HTTP_X_REAL_IP="198.51.100.7").status_code for _ in range(4)]
    assert seen == [200, 200, 200, 429]
    assert api.get("/api/v1/principles/", HTTP_X_REAL_IP="198.51.100.8").status_code == 200


def test_schema_and_docs_are_served_locally(framework, client):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/evidence/{record}/submit/" in paths and "/api/v1/actions/{slug}/" in paths
    assert "409" in paths["/api/v1/evidence/{record}/"]["patch"]["responses"]
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert not re.search(r'(src|href)="https?://', docs)  # no CDN


@pytest.mark.parametrize("path", ["/api/v1/states/a%0Ab./", "/api/v1/objectives/1.5e-3/", "/api/v1/nothing-here"])
def test_any_api_address_answers_in_json(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
