"""A report whose data did not change is published with the files of the version compiled from it.

The fingerprint must move with every write that changes what the report says (else a report
would carry stale files) and stay put for writes elsewhere (else nothing would be reused)."""

import datetime
import hashlib
import json
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from commitments import services as evidence_services
from commitments.models import MemberState, Objective
from commitments.pledges import services as pledge_services
from commitments.pledges.models import Delivery
from reporting import cycle, reports, schedule
from reporting.models import Report, ReportKind
from tests.factories import EvidenceFactory, OrganisationFactory
from tests.pledges.conftest import item, people, published_plan, published_pledge  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    return settings.REPORTS_ROOT


@pytest.fixture
def world(people):  # noqa: F811 (the fixture imported above)
    mar = MemberState.objects.get(iso3="MAR")
    ngo = OrganisationFactory(name="Rabat Migrant Aid", country=mar)
    record = EvidenceFactory(published=True, member_state=mar, title="Firewall between services")
    EvidenceFactory(published=True, member_state=mar, title="Labour migration agreement")
    EvidenceFactory(published=True, member_state=None, organisation=ngo, title="Legal clinic")
    plan = published_plan(people, items=[item(target_date=datetime.date(2027, 6, 30))])
    pledge = published_pledge(people, target_date=datetime.date(2028, 12, 31))
    return {**people, "mar": mar, "ngo": ngo, "record": record, "plan": plan, "pledge": pledge}


def probe(state, day=None, language="en"):
    """A national report of the data as it stands, as the schedule sizes it up (not saved)."""
    cutoff = timezone.now() if day is None else datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    return Report(
        kind=ReportKind.NATIONAL,
        member_state=state,
        scope_key=reports.scope_key(ReportKind.NATIONAL, state),
        cycle=cycle.current_cycle(),
        data_cutoff=cutoff,
        parameters={"language": language, "cutoff_chosen": False},
    )


def content(report):
    """What the report says, without its cut-off instant (which differs between two requests)."""
    with translation.override("en"):
        data = reports.compile_content(report)
    data["rows"] = [list(row) for row in data["rows"]]
    data["scope"].pop("data_cutoff")
    return json.dumps(data, default=str, sort_keys=True)


def read(state, day=None):
    report = probe(state, day)
    return reports.data_fingerprint(report), content(report)


def _withdraw(w):
    evidence_services.evidence_withdraw(user=w["focal"], evidence=w["record"], reason="Duplicate of another record")


def _rename(model):
    def write(w):
        row = w["ngo"] if model == "organisation" else Objective.objects.get(number=1)
        if model == "organisation":
            row.name = "Rabat Migrant Aid Association"
        else:
            row.title = row.title + " (revised)"
        row.save()

    return write


CHANGES = {
    "a record validated": lambda w: EvidenceFactory(published=True, member_state=w["mar"], title="New"),
    "a record withdrawn": _withdraw,
    "a record of the previous cycle validated": lambda w: EvidenceFactory(
        published=True, member_state=w["mar"], cycle=2
    ),
    "a stakeholder based in the State validated": lambda w: EvidenceFactory(
        published=True, member_state=None, organisation=w["ngo"]
    ),
    "an organisation based in the State renamed": _rename("organisation"),
    "an objective retitled": _rename("objective"),
    "a plan item's status set": lambda w: pledge_services.item_set_status(
        user=w["focal"], item=w["plan"].items.get(), status="under_way", reason="Budget adopted"
    ),
    "a pledge validated": lambda w: published_pledge(w, title="Consular protection desks"),
    "a pledge's status set": lambda w: pledge_services.pledge_set_status(
        user=w["focal"], pledge=w["pledge"], status="fulfilled", reason="All inspectors trained"
    ),
    "evidence linked to a pledge": lambda w: Delivery.objects.create(evidence=w["record"], pledge=w["pledge"]),
}

ELSEWHERE = {
    "another State's record validated": lambda w: EvidenceFactory(
        published=True, member_state=MemberState.objects.get(iso3="MEX")
    ),
    "a draft of the State": lambda w: EvidenceFactory(member_state=w["mar"], title="Not yet submitted"),
    "another State's pledge validated": lambda w: published_pledge(w, user="other_contributor", reviewer="other_state"),
    "an organisation elsewhere created": lambda w: OrganisationFactory(country=MemberState.objects.get(iso3="MEX")),
}


@pytest.mark.parametrize("write", CHANGES, ids=list(CHANGES))
def test_every_write_that_changes_the_report_changes_its_fingerprint(world, write):
    before, before_content = read(world["mar"])
    CHANGES[write](world)
    after, after_content = read(world["mar"])
    assert after_content != before_content, "the write should change what the report says"
    assert after != before


@pytest.mark.parametrize("write", ELSEWHERE, ids=list(ELSEWHERE))
def test_writes_elsewhere_leave_the_fingerprint(world, write):
    before, before_content = read(world["mar"])
    ELSEWHERE[write](world)
    after, after_content = read(world["mar"])
    assert after_content == before_content
    assert after == before


def test_a_target_falling_overdue_changes_the_fingerprint(world):
    before, before_content = read(world["mar"], day=datetime.date(2027, 6, 30))
    after, after_content = read(world["mar"], day=datetime.date(2027, 7, 1))  # the plan item's date has passed
    assert '"overdue": true' in after_content and '"overdue": true' not in before_content
    assert after != before
    assert read(world["mar"], day=datetime.date(2027, 6, 1))[0] == before  # nothing else moved


def test_the_language_and_the_scope_are_part_of_it(world):
    english = reports.data_fingerprint(probe(world["mar"]))
    assert reports.data_fingerprint(probe(world["mar"], language="fr")) != english
    assert reports.data_fingerprint(probe(MemberState.objects.get(iso3="MEX"))) != english


def compile_now(state, **kwargs):
    report = reports.request_report(kind=ReportKind.NATIONAL, cycle=cycle.current_cycle(), member_state=state, **kwargs)
    outcome = reports.run_compile(report.pk, f"task-{report.pk}")
    report.refresh_from_db()
    assert outcome == "complete", report.error
    return report


def test_a_request_for_unchanged_data_is_published_with_the_same_files(world, monkeypatch, client, reports_root):
    first = compile_now(world["mar"])
    assert first.data_fingerprint and "same_data_as" not in first.parameters

    def no_reading(*args, **kwargs):
        raise AssertionError("the records were read again")

    monkeypatch.setattr("reporting.reports.compilation.compile_content", no_reading)
    with CaptureQueriesContext(connection) as queries:
        second = compile_now(world["mar"])
    assert len(queries) < 40  # the fingerprint's sums and the publication, not the records
    assert second.version == first.version + 1
    assert second.parameters["same_data_as"] == first.pk
    assert second.data_cutoff == first.data_cutoff and second.data_fingerprint == first.data_fingerprint
    old, new = {f.format: f for f in first.files.all()}, {f.format: f for f in second.files.all()}
    assert set(new) == {"html", "pdf", "xlsx", "data"}
    for fmt, file in new.items():
        assert (file.size, file.sha256) == (old[fmt].size, old[fmt].sha256)
        assert f"-v{second.version}." in file.path  # named as this version's
        path, source = reports_root / file.path, reports_root / old[fmt].path
        assert path.read_bytes() == source.read_bytes()
        assert os.stat(path).st_ino == os.stat(source).st_ino  # a link, not a second copy on disk

    client.force_login(world["focal"])
    page = client.get(reverse("reporting:report", args=[second.pk])).content.decode()
    assert 'id="same-data"' in page and f'href="{reverse("reporting:report", args=[first.pk])}"' in page
    first_page = client.get(reverse("reporting:report", args=[first.pk])).content.decode()
    assert 'id="same-data"' not in first_page


def test_a_change_in_scope_compiles_afresh(world):
    first = compile_now(world["mar"])
    EvidenceFactory(published=True, member_state=world["mar"], title="Validated since")
    second = compile_now(world["mar"])
    assert "same_data_as" not in second.parameters
    assert second.data_fingerprint != first.data_fingerprint
    assert "Validated since" in {r["title"] for r in reports.annex_records(second)}
    third = compile_now(world["mar"])  # and the next request reuses the newest
    assert third.parameters["same_data_as"] == second.pk


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data_cutoff": timezone.now() + datetime.timedelta(days=1)},
        {"include_unpublished": True},
        {"language": "fr"},
    ],
    ids=["a chosen cut-off", "with unpublished revisions", "another language"],
)
def test_only_the_same_request_for_the_data_as_it_stands_shares_files(world, kwargs):
    compile_now(world["mar"])
    other = compile_now(world["mar"], **kwargs)
    assert "same_data_as" not in other.parameters


def test_a_damaged_file_is_not_passed_on(world, reports_root):
    first = compile_now(world["mar"])
    pdf = first.files.get(format="pdf")
    damaged = reports_root / pdf.path
    data = bytearray(damaged.read_bytes())
    data[-10] ^= 0xFF
    damaged.write_bytes(bytes(data))
    second = compile_now(world["mar"])
    assert "same_data_as" not in second.parameters  # compiled afresh
    fresh = second.files.get(format="pdf")
    assert os.stat(reports_root / fresh.path).st_ino != os.stat(damaged).st_ino
    assert hashlib.sha256((reports_root / fresh.path).read_bytes()).hexdigest() == fresh.sha256
    assert not list(reports_root.glob("*.tmp-*"))


def test_the_schedule_keeps_each_states_report_current(world):
    profile = world["focal2"].profile
    profile.language = "fr"
    profile.save()
    created = schedule.keep_national_reports_current()
    queued = Report.objects.filter(pk__in=created)
    assert {(r.scope_key, r.parameters["language"]) for r in queued} == {("MAR", "en"), ("MAR", "fr")}
    assert all(r.scheduled and r.status == Report.Status.QUEUED for r in queued)
    assert schedule.keep_national_reports_current() == []  # still queued: left to it
    for report in queued:
        reports.run_compile(report.pk, f"task-{report.pk}")
    assert schedule.keep_national_reports_current() == []  # compiled, and nothing changed
    EvidenceFactory(published=True, member_state=MemberState.objects.get(iso3="MEX"))
    again = schedule.keep_national_reports_current()
    assert [r.scope_key for r in Report.objects.filter(pk__in=again)] == ["MEX"]  # only the State that changed
    request = compile_now(world["mar"], language="fr")  # a focal point the next morning
    assert request.parameters["same_data_as"] in created
