"""The API as outsiders meet it: payload shapes the schema promises, identifiers however encoded,
CORS for anonymous reads, the throttle's answer documented."""

import pytest
from rest_framework.test import APIClient

from commitments.models import Evidence
from tests.commitments.test_api import payload, token_client
from tests.factories import Role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(framework):
    return APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()


@pytest.mark.parametrize("field", ["principles", "other_actions", "partners", "groups_reached", "links", "results"])
def test_an_object_where_a_list_is_expected_is_refused(framework, field):
    api = token_client(make_user(Role.CONTRIBUTOR, state="MAR"))
    response = api.post("/api/v1/evidence/", payload(**{field: {"a": 1}}), format="json")
    assert response.status_code == 400, response.json()
    assert any(name.startswith(field) for name in response.json()["error"]["fields"])
    assert not Evidence.objects.exists()


def test_the_instrument_is_found_by_its_symbol_however_encoded(framework, schema):
    for path in ("/api/v1/instrument/A%2FRES%2F73%2F195/", "/api/v1/instrument/A/RES/73/195/"):
        response = APIClient().get(path)
        assert response.status_code == 200, path
        assert response.json()["symbol"] == "A/RES/73/195"
    assert APIClient().get("/api/v1/instrument/A%2FRES%2F73%2F999/").status_code == 404


def test_patch_requires_version_in_the_schema_as_on_the_server(schema):
    patched = [c for name, c in schema["components"]["schemas"].items() if name.startswith("PatchedEvidence")]
    assert patched and all("version" in c.get("required", []) for c in patched)


def test_result_values_have_the_servers_bounds_in_the_schema(schema):
    value = schema["components"]["schemas"]["ResultRequest"]["properties"]["value"]
    number = next(v for v in value["oneOf"] if v["type"] == "number")
    assert number["maximum"] == 10**16 and number["minimum"] == -(10**16)
    assert number["exclusiveMaximum"] is True and number["exclusiveMinimum"] is True
    text = next(v for v in value["oneOf"] if v["type"] == "string")
    assert text["pattern"] == r"^-?\d{1,16}(\.\d{1,4})?$"


def test_nul_characters_are_refused_in_every_text_field_the_schema_describes(schema, framework):
    comment = schema["components"]["schemas"]["ReturnRequest"]["properties"]["comment"]
    assert comment["pattern"] == r"^[^\x00]*$"
    write = schema["components"]["schemas"]["EvidenceWriteRequest"]["properties"]
    assert write["title"]["pattern"] == r"^[^\x00]*$"
    api = token_client(make_user(Role.CONTRIBUTOR, state="MAR"))
    assert api.post("/api/v1/evidence/", payload(title="a\x00b"), format="json").status_code == 400


def test_every_operation_documents_the_throttle(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], f"{method.upper()} {path}"


def test_anonymous_reads_are_open_to_other_origins_and_nothing_else_is(framework):
    client = APIClient()
    read = client.get("/api/v1/objectives/", HTTP_ORIGIN="https://data.example.org")
    assert read["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in read
    preflight = client.options(
        "/api/v1/evidence/",
        HTTP_ORIGIN="https://data.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "Authorization" not in preflight.get("Access-Control-Allow-Headers", "")
    # Pages of the site are not shared with other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/", HTTP_ORIGIN="https://data.example.org")
