"""Open data: the frameworks and their links in the data package, and results as SDMX-CSV read back by sdmx1."""

import csv
from decimal import Decimal

import frictionless
import pytest
import sdmx
from sdmx.model import common, v30

from commitments.indicators.models import ActionTarget, EvidenceTarget, FrameworkItem, ResultMeasure
from commitments.models import EvidenceResult, MemberState
from reporting import opendata, sdmx_csv
from tests.factories import EvidenceFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def sdg(code):
    return FrameworkItem.objects.get(framework__code="sdg", code=code)


def measured(evidence, code, year, value, label="Recruitment cost", unit="months", **breakdown):
    result = EvidenceResult.objects.create(evidence=evidence, indicator=label, value=value, unit=unit, year=year)
    ResultMeasure.objects.create(result=result, item=sdg(code), **breakdown)


@pytest.fixture
def records(framework):
    mar = EvidenceFactory(published=True, title="Zero recruitment fees")
    mex = EvidenceFactory(published=True, title="Remittances", member_state=MemberState.objects.get(iso3="MEX"))
    org = EvidenceFactory(published=True, member_state=None, organisation=OrganisationFactory(country=None))
    draft = EvidenceFactory(title="Secret draft")
    EvidenceTarget.objects.create(evidence=mar, item=sdg("10.7"))
    EvidenceTarget.objects.create(evidence=draft, item=sdg("10.7"))
    measured(mar, "10.7.1", 2024, "1.5")
    measured(mar, "10.7.1", 2025, "0.8", sex="F", age="Y15T24", migratory_status="MIGRANT")
    measured(mex, "10.c.1", 2025, "-0.25", label='=cost, "as share"', unit="%")
    measured(org, "10.7.1", 2025, "2")
    measured(draft, "10.7.1", 2025, "99")
    return {"mar": mar, "mex": mex, "org": org}


def rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_package_holds_frameworks_and_links_with_their_source_and_licence(records, tmp_path):
    descriptor = opendata.build(tmp_path)
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    package = frictionless.Package(str(descriptor))
    assert any("open-sdg sdg-translations" in s["title"] and "MIT" in s["title"] for s in package.to_dict()["sources"])
    items = package.get_resource("framework_items").to_dict()
    assert items["licenses"][0]["name"] == "MIT"
    sdg_items = rows(tmp_path / "framework_items.csv")
    assert len([r for r in sdg_items if r["kind"] == "target"]) == 169
    target = next(r for r in sdg_items if r["code"] == "10.7")
    assert target["parent"] == "10" and target["title_fr"].startswith("Faciliter la migration")
    links = rows(tmp_path / "action_targets.csv")
    assert len(links) == ActionTarget.objects.count()
    assert {"action": "20(a)", "framework": "sdg", "target": "10.c", "basis": "cited"}.items() <= next(
        r for r in links if r["action"] == "20(a)"
    ).items()
    assert rows(tmp_path / "evidence_targets.csv") == [
        {"record": str(records["mar"].record), "framework": "sdg", "target": "10.7"}
    ]  # the draft's tag is not published
    results = rows(tmp_path / "result_indicators.csv")
    assert sorted(r["value"] for r in results) == ["-0.25", "0.8", "1.5", "2"]
    assert next(r for r in results if r["value"] == "-0.25")["label"] == '\'=cost, "as share"'


def test_sdmx_csv_reads_back_with_sdmx1_with_the_same_observations(records, tmp_path, settings):
    settings.SITE_URL = "https://monitor.example.org"
    opendata.build(tmp_path)
    path = tmp_path / "sdg_results.sdmx.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,SEX,AGE,MIGRATORY_STATUS")

    message = sdmx.read_sdmx(path, structure=dataflow())
    observations = [obs for dataset in message.data for obs in dataset.obs]
    read = sorted(
        (
            obs.dimension.values["REF_AREA"].value,
            obs.dimension.values["INDICATOR"].value,
            obs.dimension.values["SEX"].value,
            obs.dimension.values["AGE"].value,
            obs.dimension.values["MIGRATORY_STATUS"].value,
            obs.dimension.values["TIME_PERIOD"].value,
            Decimal(obs.value),
            obs.attached_attribute["UNIT_MEASURE"].value,
            obs.attached_attribute["SDG_INDICATOR"].value,
        )
        for obs in observations
    )
    assert read == [
        ("001", "SDG_10_7_1", "_T", "_T", "_T", "2025", Decimal("2"), "months", "10.7.1"),  # no country: World
        ("484", "SDG_10_c_1", "_T", "_T", "_T", "2025", Decimal("-0.25"), "%", "10.c.1"),
        ("504", "SDG_10_7_1", "F", "Y15T24", "MIGRANT", "2025", Decimal("0.8"), "months", "10.7.1"),
        ("504", "SDG_10_7_1", "_T", "_T", "_T", "2024", Decimal("1.5"), "months", "10.7.1"),
    ]
    sources = {obs.attached_attribute["SOURCE"].value for obs in observations}
    assert f"https://monitor.example.org/evidence/{records['mar'].record}/" in sources
    assert all(dataset.action == common.ActionType.information for dataset in message.data)


def dataflow():
    """The dataflow documented in reporting/sdmx_csv.py, built with sdmx1's information model."""
    agency = common.Agency(id=sdmx_csv.AGENCY)
    dsd = v30.DataStructureDefinition(id="DSD_SDG_RESULTS", maintainer=agency, version=sdmx_csv.VERSION)
    for name in sdmx_csv.DIMENSIONS:
        dsd.dimensions.append(v30.Dimension(id=name))
    dsd.measures.append(v30.Measure(id=sdmx_csv.MEASURE))
    for name in sdmx_csv.ATTRIBUTES:
        dsd.attributes.append(common.DataAttribute(id=name))
    return v30.Dataflow(id=sdmx_csv.DATAFLOW_ID, maintainer=agency, version=sdmx_csv.VERSION, structure=dsd)
