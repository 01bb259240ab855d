"""Evidence and the 2030 Agenda: SDG targets tagged on a revision, results naming an SDG indicator."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from commitments import services
from commitments.indicators.models import ActionTarget, EvidenceTarget, ResultMeasure
from commitments.models import Action, Evidence, EvidenceEvent
from tests.commitments.test_api import token_client
from tests.factories import Role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(framework):
    return {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
    }


def recruitment(**overrides):
    data = {
        "title": "Zero recruitment fees for seasonal workers",
        "description": "Employers pay every recruitment fee; workers pay nothing.",
        "primary_action": Action.objects.get(code="6(a)"),
        "status": Evidence.Status.ADVANCED,
        "level": Evidence.Level.NATIONAL,
        "sdg_targets": ["10.7", "8.8"],
        "results": [
            {
                "indicator": "Recruitment cost as a share of monthly income",
                "value": "0.8",
                "unit": "months",
                "year": 2025,
                "sdg_indicator": "10.7.1",
                "sex": "F",
                "age": "Y15T24",
                "migratory_status": "MIGRANT",
            },
            {"indicator": "Workers placed", "value": 1200, "unit": "people", "year": 2025},
        ],
    }
    return {**data, **overrides}


def test_services_keep_targets_and_measures_in_history_and_reopened_revisions(people):
    ev = services.evidence_create(user=people["contributor"], data=recruitment())
    assert sorted(EvidenceTarget.objects.filter(evidence=ev).values_list("item__code", flat=True)) == ["10.7", "8.8"]
    measure = ResultMeasure.objects.get(result__evidence=ev)
    assert (measure.item.code, measure.sex, measure.age, measure.migratory_status) == (
        "10.7.1",
        "F",
        "Y15T24",
        "MIGRANT",
    )
    created = EvidenceEvent.objects.get(evidence=ev, kind="created").snapshot
    assert created["sdg_targets"] == ["8.8", "10.7"]  # in framework order
    assert created["results"][0]["sdg_indicator"] == "10.7.1" and "sdg_indicator" not in created["results"][1]

    ev = services.evidence_update(
        user=people["contributor"], evidence=ev, data={"sdg_targets": ["10.7"]}, expected_version=ev.version
    )
    edit = EvidenceEvent.objects.get(evidence=ev, kind="edited")
    assert edit.changes == {"sdg_targets": [["8.8", "10.7"], ["10.7"]]}

    ev = services.evidence_validate(
        user=people["focal"], evidence=services.evidence_submit(user=people["contributor"], evidence=ev)
    )
    revision = services.evidence_reopen(user=people["contributor"], evidence=ev)
    assert list(revision.framework_targets.values_list("item__code", flat=True)) == ["10.7"]
    copied = ResultMeasure.objects.get(result__evidence=revision)
    assert copied.pk != measure.pk and (copied.item.code, copied.sex, copied.age) == ("10.7.1", "F", "Y15T24")
    # Editing the new revision leaves the published one's tags alone.
    services.evidence_update(
        user=people["contributor"], evidence=revision, data={"sdg_targets": []}, expected_version=revision.version
    )
    assert list(ev.framework_targets.values_list("item__code", flat=True)) == ["10.7"]
    assert ResultMeasure.objects.filter(result__evidence=ev).count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"sdg_targets": ["10.7.1"]}, "sdg_targets"),  # an indicator is not a target
        ({"sdg_targets": ["99.9"]}, "sdg_targets"),
        ({"results": [{"indicator": "x", "value": 1, "unit": "", "year": 2025, "sdg_indicator": "10.7"}]}, "results"),
        (
            {"results": [{"indicator": "x", "value": 1, "year": 2025, "sdg_indicator": "10.7.1", "age": "young"}]},
            "results",
        ),
    ],
)
def test_unknown_codes_are_refused_and_nothing_is_written(people, overrides, field):
    with pytest.raises(ValidationError) as caught:
        services.evidence_create(user=people["contributor"], data=recruitment(**overrides))
    assert field in caught.value.message_dict
    assert not Evidence.objects.exists() and not EvidenceTarget.objects.exists()


def test_form_suggests_the_actions_targets_and_saves_what_the_reporter_confirms(people, client):
    client.force_login(people["contributor"])
    page = client.get("/workspace/evidence/new/?action=6a").content.decode()
    # 6(a) links to 10.7 and 8.8 by default: both offered, ticked, titles in the reader's language.
    assert 'name="sdg-targets" value="10.7" checked' in page and 'name="sdg-targets" value="8.8" checked' in page
    assert "Facilitate orderly, safe, regular and responsible migration" in page
    # A French reader is sent to the page's French address.
    french = client.get("/workspace/evidence/new/?action=6a", HTTP_ACCEPT_LANGUAGE="fr", follow=True)
    assert french.redirect_chain == [("/fr/workspace/evidence/new/?action=6a", 302)]
    french = french.content.decode()
    french = unicodedata.normalize("NFC", french)  # some source titles are stored decomposed (NFD)
    assert "Faciliter la migration et la mobilité de façon ordonnée" in french

    ActionTarget.objects.filter(action__code="6(a)", item__code="8.8").update(active=False)
    page = client.get("/workspace/evidence/new/?action=6a").content.decode()
    assert 'value="8.8"' not in page  # a switched-off link is no longer suggested

    post = {
        "title": "Zero recruitment fees",
        "description": "Employers pay every fee.",
        "primary_action": "6(a)",
        "status": "advanced",
        "level": "national",
        "sdg-targets": ["10.7"],
        "sdg-other": "17.18, 8.8",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "results-TOTAL_FORMS": "2",
        "results-INITIAL_FORMS": "0",
        "results-0-indicator": "Recruitment cost",
        "results-0-value": "0.8",
        "results-0-unit": "months",
        "results-0-year": "2025",
        "results-0-sdg_indicator": "10.7.1",
        "results-0-sex": "_T",
        "results-0-age": "_T",
        "results-0-migratory_status": "MIGRANT",
        "results-1-sex": "_T",
        "results-1-age": "_T",
        "results-1-migratory_status": "_T",
    }
    response = client.post("/workspace/evidence/new/", post)
    assert response.status_code == 302, response.content.decode()[:3000]
    ev = Evidence.objects.get()
    assert sorted(ev.framework_targets.values_list("item__code", flat=True)) == ["10.7", "17.18", "8.8"]
    assert ResultMeasure.objects.get(result__evidence=ev).migratory_status == "MIGRANT"
    assert ev.results.count() == 1  # the untouched extra row is not a result

    edit = client.get(f"/evidence/{ev.record}/edit/").content.decode()
    assert 'value="17.18" checked' in edit and 'value="10.7.1"' in edit
    bad = client.post("/workspace/evidence/new/", {**post, "sdg-other": "10.77", "results-0-sdg_indicator": "1.1"})
    assert bad.status_code == 400
    assert (
        "10.77: not an SDG target code" in bad.content.decode()
        and "1.1 is not an SDG indicator" in bad.content.decode()
    )
    assert Evidence.objects.count() == 1


def test_api_reads_and_writes_targets_and_measures(people):
    api = token_client(people["contributor"])
    payload = {
        "title": "Zero recruitment fees",
        "description": "Employers pay every fee.",
        "primary_action": "6a",
        "status": "advanced",
        "level": "national",
        "sdg_targets": ["10.7"],
        "results": [
            {
                "indicator": "Recruitment cost",
                "value": "0.8",
                "unit": "months",
                "year": 2025,
                "sdg_indicator": "10.7.1",
            },
            {"indicator": "Workers placed", "value": 12, "year": 2025},
        ],
    }
    created = api.post("/api/v1/evidence/", payload, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["sdg_targets"] == ["10.7"]
    assert body["results"][0]["sdg_indicator"] == "10.7.1" and body["results"][0]["sex"] == "_T"
    assert body["results"][1]["sdg_indicator"] is None
    bad = api.patch(f"/api/v1/evidence/{body['record']}/", {"sdg_targets": ["10"], "version": 1}, format="json")
    assert bad.status_code == 400 and "sdg_targets" in bad.json()["error"]["fields"]
    record = body["record"]
    services.evidence_validate(
        user=people["focal"],
        evidence=services.evidence_submit(user=people["contributor"], evidence=Evidence.objects.get(record=record)),
    )
    public = APIClient().get(f"/api/v1/evidence/{record}/").json()
    assert public["sdg_targets"] == ["10.7"] and public["results"][0]["sdg_indicator"] == "10.7.1"


def test_workbook_carries_sdg_targets_by_code(people, client):
    from commitments import workbook
    from tests.commitments.test_workbook import as_upload, download, fill, good_row

    client.force_login(people["contributor"])
    wb = download(client)
    good_row(wb, "6(a)", "Zero recruitment fees", SDG_targets="10.7; 8.8")
    workbook.import_workbook(user=people["contributor"], upload=as_upload(wb))
    ev = Evidence.objects.get()
    assert sorted(ev.framework_targets.values_list("item__code", flat=True)) == ["10.7", "8.8"]

    again = download(client)  # the draft comes back with its targets, and an edit changes them
    row = fill(again, "6(a)", SDG_targets="10.7")
    assert again["Evidence"].cell(row=row, column=len(workbook.COLUMNS)).value == "10.7"
    summary = workbook.import_workbook(user=people["contributor"], upload=as_upload(again))
    assert len(summary.updated) == 1
    assert list(Evidence.objects.get().framework_targets.values_list("item__code", flat=True)) == ["10.7"]

    bad = download(client)
    fill(bad, "6(a)", SDG_targets="10.7.1")
    with pytest.raises(workbook.WorkbookProblems) as caught:
        workbook.import_workbook(user=people["contributor"], upload=as_upload(bad))
    assert any("'10.7.1' is not an SDG target code" in p.message for p in caught.value.problems)

    old = download(client)  # a workbook without the column leaves the tags alone
    old["Evidence"].delete_cols(len(workbook.COLUMNS))
    fill(old, "6(a)", Title="Zero recruitment fees for all")
    workbook.import_workbook(user=people["contributor"], upload=as_upload(old))
    assert list(Evidence.objects.get().framework_targets.values_list("item__code", flat=True)) == ["10.7"]


def test_a_new_sdg_version_keeps_evidence_links_and_old_records_still_show_retired_items(people, client):
    import json

    from commitments.indicators import loading, sources

    ev = services.evidence_create(user=people["contributor"], data=recruitment(sdg_targets=["10.7", "8.8"]))
    document = json.loads(sources.SDG_JSON.read_text(encoding="utf-8"))
    document["framework"]["version"] = "2031"
    gone = ("8.8", "8.8.1", "8.8.2", "10.7.1")  # a target goes with its indicators
    document["items"] = [i for i in document["items"] if i["code"] not in gone]
    result = loading.load_document(document)
    assert result.retired == 4
    assert sorted(ev.framework_targets.values_list("item__code", flat=True)) == ["10.7", "8.8"]
    assert ResultMeasure.objects.get(result__evidence=ev).item.retired_in == "2031"
    client.force_login(people["contributor"])
    page = client.get(ev.get_absolute_url()).content.decode()
    assert 'href="/sdg/8.8/"' in page and "(retired in version 2031)" in page and 'href="/sdg/10.7.1/"' in page
    edit = client.get(f"/evidence/{ev.record}/edit/").content.decode()
    assert 'value="8.8" checked' in edit and "(retired)" in edit  # still ticked: saving keeps it
    assert "retired in version 2031" in client.get("/sdg/10.7.1/").content.decode()
