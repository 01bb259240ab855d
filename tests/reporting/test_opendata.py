"""The open data package: a valid Frictionless Data Package, published only, rebuilt atomically."""

import csv
import zipfile

import frictionless
import pytest
from django.test import override_settings

from commitments.models import Action, GuidingPrinciple, StakeholderType
from monitor.queue import BrokerUnavailable
from reporting import opendata
from tests.factories import EvidenceFactory, OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(framework):
    org = OrganisationFactory(name="Migrant Rights Network", country_id=None)
    published = EvidenceFactory(published=True, title='=HYPERLINK("http://x")', good_practice=True)
    published.other_actions.set(Action.objects.filter(code__in=["13(a)", "2(b)"]))
    published.principles.set(GuidingPrinciple.objects.filter(letter__in=["a", "f"]))
    published.partners.set(StakeholderType.objects.filter(slug="civil-society"))
    stakeholder = EvidenceFactory(published=True, member_state=None, organisation=org)
    draft = EvidenceFactory(title="A draft nobody else may see")
    return {"published": published, "stakeholder": stakeholder, "draft": draft}


def rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_package_is_valid_frictionless(evidence, tmp_path):
    descriptor = opendata.build(tmp_path)
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {
        "datapackage.json",
        "objectives.csv",
        "actions.csv",
        "principles.csv",
        "member_states.csv",
        "organisations.csv",
        "evidence.csv",
        "evidence_actions.csv",
        "national_plans.csv",
        "plan_items.csv",
        "pledges.csv",
        "evidence_delivers_on.csv",
        "indicator_frameworks.csv",
        "framework_items.csv",
        "action_targets.csv",
        "evidence_targets.csv",
        "result_indicators.csv",
        "sdg_results.sdmx.csv",
        "voluntary_reviews.csv",
    }
    assert len(rows(tmp_path / "actions.csv")) == 187
    assert len(rows(tmp_path / "objectives.csv")) == 23


def test_package_holds_published_evidence_only(evidence, tmp_path):
    opendata.build(tmp_path)
    records = {row["record"]: row for row in rows(tmp_path / "evidence.csv")}
    assert set(records) == {str(evidence["published"].record), str(evidence["stakeholder"].record)}
    assert "A draft nobody else may see" not in (tmp_path / "evidence.csv").read_text()
    published = records[str(evidence["published"].record)]
    assert published["title"].startswith("'=")  # a formula is shown as text in spreadsheets
    assert published["good_practice"] == "true"
    links = {(r["record"], r["action"], r["role"]) for r in rows(tmp_path / "evidence_actions.csv")}
    record = str(evidence["published"].record)
    assert {(record, "1(a)", "primary"), (record, "13(a)", "other"), (record, "2(b)", "other")} <= links
    assert not any(r[0] == str(evidence["draft"].record) for r in links)


def test_publish_replaces_the_zip_atomically(evidence, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        first = opendata.publish()
        EvidenceFactory(published=True, title="Added later")
        second = opendata.publish()
        assert first == second == opendata.latest()
        leftovers = [p.name for p in (tmp_path / "opendata").iterdir()]
    assert leftovers == ["gcm-open-data.zip"]  # no temporary files left behind
    with zipfile.ZipFile(second) as archive:
        assert "Added later" in archive.read("evidence.csv").decode()
        archive.extractall(tmp_path / "unzipped")
    assert frictionless.validate(str(tmp_path / "unzipped" / "datapackage.json")).valid


def test_data_page_download_and_rebuild(evidence, client, tmp_path, monkeypatch):
    with override_settings(MEDIA_ROOT=tmp_path):
        page = client.get("/data/")
        assert page.status_code == 200 and "has not been built yet" in page.content.decode()
        assert client.get("/data/gcm-open-data.zip").status_code == 404
        assert client.post("/data/rebuild/").status_code == 403  # the public cannot rebuild

        client.force_login(make_user(Role.SECRETARIAT))
        response = client.post("/data/rebuild/", follow=True)  # TASKS_INLINE: the task runs here
        assert "being rebuilt" in response.content.decode()
        download = client.get("/data/gcm-open-data.zip")
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert b"".join(download.streaming_content)[:2] == b"PK"


def test_rebuild_says_so_when_the_broker_is_down(evidence, client, settings, monkeypatch):
    from reporting import views_opendata

    def down(task, *args, **kwargs):
        raise BrokerUnavailable(task.name)

    monkeypatch.setattr(views_opendata, "enqueue", down)
    client.force_login(make_user(Role.SECRETARIAT))
    response = client.post("/data/rebuild/", follow=True)
    assert response.status_code == 200
    assert "task queue is not available" in response.content.decode()
