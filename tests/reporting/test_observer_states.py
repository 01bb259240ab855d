"""Observer States (Holy See, State of Palestine) report like any other State.

Their published records appear in the dashboards (global, filtered, their own profile) and in
every report that includes them: the national report of the State, the regional and global ones."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from commitments.models import MemberState
from reporting import reports
from reporting.models import Report, ReportKind
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db
CUTOFF = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"


@pytest.fixture
def observers(framework):
    states = {iso3: MemberState.objects.get(iso3=iso3) for iso3 in ("VAT", "PSE")}
    for iso3, state in states.items():
        assert state.is_observer
        EvidenceFactory(published=True, member_state=state, title=f"Observer measure {iso3}")
    EvidenceFactory(published=True, title="Member measure MAR")
    return states


def test_dashboards_count_observer_states(client, observers):
    page = client.get(reverse("dashboards:global")).content.decode()
    assert "Vatican" in page and "Palestine" in page
    for iso3 in ("VAT", "PSE"):
        response = client.get(reverse("dashboards:state", args=[iso3]))
        assert response.status_code == 200
        assert response.context["totals_sentence"]
        filtered = client.get(reverse("dashboards:global") + f"?state={iso3}")
        assert filtered.status_code == 200


@pytest.mark.parametrize(
    "scope",
    [
        {"kind": ReportKind.NATIONAL, "member_state": "VAT"},
        {"kind": ReportKind.REGIONAL, "region": "Asia"},
        {"kind": ReportKind.GLOBAL},
    ],
)
def test_reports_include_observer_states(observers, scope):
    if "member_state" in scope:
        scope = {**scope, "member_state": observers[scope["member_state"]]}
    report = reports.request_report(cycle=3, data_cutoff=CUTOFF, **scope)
    assert reports.run_compile(report.pk, "t") == "complete", Report.objects.get(pk=report.pk).error
    titles = {row["title"] for row in reports.annex_records(report)}
    expected = {
        ReportKind.NATIONAL: {"Observer measure VAT"},
        ReportKind.REGIONAL: {"Observer measure PSE"},
        ReportKind.GLOBAL: {"Observer measure VAT", "Observer measure PSE", "Member measure MAR"},
    }[scope["kind"]]
    assert titles == expected
