"""The open data package says who made it, from what, which version, and how to cite it."""

import json
import zipfile
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from reporting import opendata

pytestmark = pytest.mark.django_db


def test_the_package_carries_citation_metadata_and_the_page_shows_how_to_cite(framework, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://gcm.example.org"
    with time_machine.travel(datetime(2026, 3, 2, 10, 30, 5, tzinfo=UTC), tick=False):
        path = opendata.publish()
    with zipfile.ZipFile(path) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["version"] == "2026.03.02.103005"
    assert descriptor["created"] == "2026-03-02T10:30:05Z"
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert {c["role"] for c in descriptor["contributors"]} == {"author", "publisher"}
    assert any("A/RES/73/195" in s["title"] for s in descriptor["sources"])
    assert descriptor["citation"] == (
        "GCM Implementation Monitor, open data, version 2026.03.02.103005 (2026-03-02), "
        "https://gcm.example.org/data/. Licensed under CC BY 4.0."
    )
    page = client.get(reverse("opendata:page")).content.decode()
    assert "How to cite" in page and "version 2026.03.02.103005" in page
