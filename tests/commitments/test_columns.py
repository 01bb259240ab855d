"""One dictionary of evidence columns and one datetime format, in the exports, the open data and the API."""

import csv
import io
import json
import re
import zipfile

import pytest
from rest_framework.test import APIClient

from commitments import exports
from commitments.api.serializers import API_SAME_AS_EXPORT
from commitments.columns import EVIDENCE_COLUMNS
from commitments.models import Evidence
from reporting import opendata
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_every_column_is_described_once_and_used_everywhere(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    EvidenceFactory(published=True)
    assert list(EVIDENCE_COLUMNS) == exports.COLUMNS

    with zipfile.ZipFile(opendata.publish()) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
        package_rows = list(csv.DictReader(io.StringIO(archive.read("evidence.csv").decode())))
    evidence = next(r for r in descriptor["resources"] if r["name"] == "evidence")
    for field in evidence["schema"]["fields"]:
        assert field["description"] == EVIDENCE_COLUMNS[field["name"]], field["name"]

    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    properties = schema["components"]["schemas"]["Evidence"]["properties"]
    shared = set(properties) & API_SAME_AS_EXPORT
    assert {"record", "title", "status", "validated_at", "cycle"} <= shared
    for name in shared:
        # drf-spectacular appends the list of choices to a choice field's description.
        assert properties[name].get("description", "").startswith(EVIDENCE_COLUMNS[name]), name

    # One datetime format: ISO 8601, UTC, to the second, in the API, the exports and the package.
    api = APIClient().get("/api/v1/evidence/").json()["results"][0]["validated_at"]
    exported = next(exports.records(Evidence.objects.filter(is_published=True)))["validated_at"]
    assert ISO_UTC.match(api) and ISO_UTC.match(exported) and ISO_UTC.match(package_rows[0]["validated_at"])
    assert api == exported == package_rows[0]["validated_at"]
    assert ISO_UTC.match(descriptor["created"])
