"""Compiled reports are never deleted or renumbered, by any route: the admin's delete page and its
bulk "Delete selected" action, a queryset, a cascade. A failed version stays as the record of its
number, so "version 3" always names one content."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from commitments.models import MemberState
from reporting import reports
from reporting.models import ImmutableReport, Report, ReportFile, ReportKind
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db
CUTOFF = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    return settings.REPORTS_ROOT


@pytest.fixture
def complete(framework):
    EvidenceFactory(published=True)
    report = reports.request_report(
        kind=ReportKind.NATIONAL, cycle=3, member_state=MemberState.objects.get(iso3="MAR"), data_cutoff=CUTOFF
    )
    assert reports.run_compile(report.pk, "t") == "complete"
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def operator(client):
    admin = get_user_model().objects.create_superuser("operator", "op@example.org", "x")
    client.force_login(admin)
    return client


def _files_on_disk(report):
    return all((reports.file_path(f) and open(reports.file_path(f), "rb").close() is None) for f in report.files.all())


def test_the_admin_offers_no_delete_and_refuses_it(complete, operator):
    delete_url = reverse("admin:reporting_report_delete", args=[complete.pk])
    assert operator.get(delete_url).status_code == 403
    assert operator.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:reporting_report_changelist")
    page = operator.get(changelist).content.decode()
    assert "delete_selected" not in page
    operator.post(changelist, {"action": "delete_selected", "_selected_action": [complete.pk], "post": "yes"})
    assert Report.objects.filter(pk=complete.pk).exists() and complete.files.count() == 4
    assert _files_on_disk(complete)


def test_no_queryset_or_instance_deletes_a_report_or_its_files(complete):
    with pytest.raises(ImmutableReport):
        Report.objects.filter(pk=complete.pk).delete()
    with pytest.raises(ImmutableReport):
        complete.delete()
    with pytest.raises(ImmutableReport):
        ReportFile.objects.filter(report=complete).delete()
    with pytest.raises(ImmutableReport):
        complete.files.first().delete()
    assert Report.objects.filter(pk=complete.pk).exists() and complete.files.count() == 4


def test_a_failed_version_keeps_its_number(complete, monkeypatch):
    from reporting.reports import compilation

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(compilation, "_write_files", broken)
    failed = reports.request_report(kind=complete.kind, cycle=3, member_state=complete.member_state, data_cutoff=CUTOFF)
    assert failed.version == 2 and reports.run_compile(failed.pk, "t") == "failed"
    with pytest.raises(ImmutableReport):
        Report.objects.filter(pk=failed.pk).delete()
    again = reports.request_report(kind=complete.kind, cycle=3, member_state=complete.member_state, data_cutoff=CUTOFF)
    assert again.version == 3
    versions = list(Report.objects.filter(scope_key="MAR").order_by("version").values_list("version", flat=True))
    assert versions == [1, 2, 3]
