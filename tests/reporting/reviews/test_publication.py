"""A published review is listed on the public page, in the API and in the open data package."""

import csv

import frictionless
from django.urls import reverse

from reporting import opendata
from reporting.reviews import services


def test_published_reviews_in_the_api_and_the_data_package(review, world, client, tmp_path):
    draft_version = services.finalise(world["focal"], review)
    assert client.get("/api/v1/reviews/").json()["results"] == []  # finalised is not published
    assert client.get(f"/api/v1/reviews/{draft_version.pk}/").status_code == 404
    services.publish(world["focal"], draft_version)
    body = client.get("/api/v1/reviews/?state=mar&language=en").json()
    [row] = body["results"]
    assert (row["state"], row["year"], row["language"], row["version"]) == ("MAR", 2026, "en", 1)
    assert row["milestone"] == "Regional reviews 2028" and row["cycle"] == 3
    files = {f["format"]: f for f in row["files"]}
    assert set(files) == {"docx", "pdf"}
    assert files["docx"]["sha256"] == draft_version.files.get(format="docx").sha256
    assert files["pdf"]["url"].endswith(reverse("reviews:download", args=[draft_version.pk, "pdf"]))
    assert client.get("/api/v1/reviews/?state=MEX").json()["results"] == []
    assert client.post("/api/v1/reviews/", {}).status_code in (401, 403, 405)

    descriptor = opendata.build(tmp_path)
    assert frictionless.validate(str(descriptor)).valid
    with open(tmp_path / "voluntary_reviews.csv", newline="", encoding="utf-8") as handle:
        [published] = list(csv.DictReader(handle))
    assert (published["iso3"], published["language"], published["version"]) == ("MAR", "en", "1")
    assert published["pdf_sha256"] == draft_version.files.get(format="pdf").sha256


def test_a_second_version_can_be_published_beside_the_first(review, world, client):
    first = services.finalise(world["focal"], review)
    services.publish(world["focal"], first)
    second = services.finalise(world["focal"], review)
    services.publish(world["focal"], second)
    versions = [r["version"] for r in client.get("/api/v1/reviews/").json()["results"]]
    assert versions == [2, 1]
    try:
        services.publish(world["focal"], second)
    except services.ReviewError as exc:
        assert "already published" in str(exc)
    else:
        raise AssertionError("publishing twice must say so")
