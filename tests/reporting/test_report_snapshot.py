"""A report's annex and its figures come from one view of the data, even when a record is
withdrawn while the report is being read (reporting.reports.snapshot)."""

import threading

import pytest
from django.db import connections

from commitments import services as evidence_services
from commitments.models import Evidence, MemberState
from reporting import cycle, reports
from reporting.models import Report, ReportKind
from reporting.reports import compilation
from tests.factories import EvidenceFactory
from tests.pledges.conftest import people  # noqa: F401 (the fixture)

# Real transactions: the withdrawal is committed by another connection while the report reads.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"


def test_a_withdrawal_during_the_read_leaves_annex_and_figures_agreeing(people, monkeypatch):  # noqa: F811
    mar = MemberState.objects.get(iso3="MAR")
    records = [EvidenceFactory(published=True, member_state=mar, title=f"Record {n}") for n in range(3)]
    report = reports.request_report(kind=ReportKind.NATIONAL, cycle=cycle.current_cycle(), member_state=mar)
    seen = {}
    real_compile_content = compilation.compile_content

    def withdraw():
        try:
            evidence_services.evidence_withdraw(user=people["focal"], evidence=records[0], reason="Withdrawn meanwhile")
        finally:
            connections.close_all()

    def compile_content(report, spool):  # the spool is written: a withdrawal lands before the figures
        thread = threading.Thread(target=withdraw)
        thread.start()
        thread.join(30)
        seen["withdrawn"] = not Evidence.objects.filter(pk=records[0].pk, is_published=True).exists()
        content = real_compile_content(report, spool=spool)
        seen["annex_rows"] = sum(1 for _row in spool)
        seen["records"] = content["totals"]["records"]
        return content

    monkeypatch.setattr(compilation, "compile_content", compile_content)
    assert reports.run_compile(report.pk, "task-snapshot") == "complete"
    # The withdrawal was committed, yet the report's reads did not see it: one view throughout.
    assert Evidence.objects.get(pk=records[0].pk).is_published is False
    assert seen == {"withdrawn": False, "annex_rows": 3, "records": 3}
    assert Report.objects.get(pk=report.pk).status == Report.Status.COMPLETE
    # The next report sees the withdrawal, in its annex and its figures alike.
    monkeypatch.setattr(compilation, "compile_content", real_compile_content)
    again = reports.request_report(kind=ReportKind.NATIONAL, cycle=cycle.current_cycle(), member_state=mar)
    assert reports.run_compile(again.pk, "task-snapshot-2") == "complete"
    again.refresh_from_db()
    assert again.data_fingerprint != Report.objects.get(pk=report.pk).data_fingerprint
