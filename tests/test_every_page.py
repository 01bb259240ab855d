"""Every page type renders on hostile data: never a 500.

The world below holds what real data holds sooner or later: people whose accounts were deleted
(submitter, validator, creator, uploader, report requester: all SET_NULL), inactive
organisations and organisations based nowhere, records in every review state, records with no
links, results or attachments, and the two observer States (Holy See, State of Palestine) with
published records. Each URL name of the site is requested by every kind of visitor; the answer
must be one a user can understand (200, a redirect to log in, 403, 404), never a server error.
`test_every_url_name_is_covered` fails when a page is added without being listed here.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from commitments import services
from commitments.models import Action, Evidence, MemberState
from reporting.models import Report, ReportKind
from tests.factories import EvidenceFactory, OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db
S = Evidence.ReviewState
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
VISITORS = ["anonymous", "contributor", "focal", "secretariat", "analyst", "editor", "nobody"]


def _content(title, code="13(a)"):
    return {
        "title": title,
        "description": f"{title}: a measure taken under the compact.",
        "primary_action": Action.objects.get(code=code),
        "status": Evidence.Status.UNDER_WAY,
        "level": Evidence.Level.NATIONAL,
    }


@pytest.fixture
def world(framework):
    """Records in every review state whose people are gone, observer States, odd organisations."""
    ghost_writer = make_user(Role.CONTRIBUTOR, state="MAR", username="ghost-writer")
    ghost_focal = make_user(Role.FOCAL_POINT, state="MAR", username="ghost-focal")
    ghost_editor_org = OrganisationFactory(name="Closed Network", is_active=False)
    ghost_editor = make_user(Role.STAKEHOLDER_EDITOR, organisation=ghost_editor_org, username="ghost-editor")
    homeless = OrganisationFactory(name="Organisation Based Nowhere", country=None)
    visitors = {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "secretariat": make_user(Role.SECRETARIAT, username="unnm"),
        "analyst": make_user(Role.ANALYST, username="analyst"),
        "editor": make_user(Role.STAKEHOLDER_EDITOR, organisation=homeless, username="ngo"),
        "nobody": get_user_model().objects.create_user("no-profile", password="x"),
    }
    records = {}

    def made(name, user, title, code="13(a)"):
        records[name] = services.evidence_create(user=user, data=_content(title, code))
        return records[name]

    made("draft", ghost_writer, "A draft by a deleted account")
    services.attachment_add(
        user=ghost_writer, evidence=records["draft"], upload=SimpleUploadedFile("plan.pdf", PDF, "application/pdf")
    )
    services.evidence_submit(user=ghost_writer, evidence=made("submitted", ghost_writer, "Submitted, then deleted"))
    services.evidence_return(
        user=ghost_focal,
        evidence=services.evidence_submit(user=ghost_writer, evidence=made("returned", ghost_writer, "Returned")),
        comment="Add the year.",
    )
    published = services.evidence_validate(
        user=ghost_focal,
        evidence=services.evidence_submit(user=ghost_writer, evidence=made("validated", ghost_writer, "Validated")),
    )
    reopened = services.evidence_reopen(user=ghost_writer, evidence=published)
    records["reopened"] = reopened
    services.evidence_withdraw(user=ghost_focal, evidence=made("withdrawn", ghost_writer, "Withdrawn"), reason="Dup")
    made("stakeholder", ghost_editor, "Submitted by a closed organisation", code="16(a)")
    services.evidence_submit(user=ghost_editor, evidence=records["stakeholder"])
    records["homeless"] = EvidenceFactory(
        published=True, member_state=None, organisation=homeless, title="Published by an organisation based nowhere"
    )
    records["inactive"] = EvidenceFactory(
        published=True, member_state=None, organisation=ghost_editor_org, title="Published by a closed organisation"
    )
    # Rows written without the services, as the demo data and old imports are: nobody on them.
    records["bare_submitted"] = EvidenceFactory(review_state=S.SUBMITTED, title="Submitted by nobody")
    for iso3 in ("VAT", "PSE"):
        records[iso3] = EvidenceFactory(
            published=True, member_state=MemberState.objects.get(iso3=iso3), title=f"Observer measure {iso3}"
        )
    reports = {
        "queued": Report.objects.create(
            kind=ReportKind.NATIONAL,
            member_state=MemberState.objects.get(iso3="VAT"),
            scope_key="VAT",
            cycle=3,
            data_cutoff="2026-01-01T00:00Z",
            version=1,
            requested_by=ghost_focal,
        ),
        "failed": Report.objects.create(
            kind=ReportKind.GLOBAL,
            scope_key="global",
            cycle=3,
            data_cutoff="2026-01-01T00:00Z",
            version=1,
            status=Report.Status.FAILED,
            error="worker lost",
            requested_by=ghost_focal,
        ),
    }
    plans, pledges = _plans_and_pledges(ghost_writer, ghost_focal, ghost_editor, homeless)
    for ghost in (ghost_writer, ghost_focal, ghost_editor):
        ghost.delete()
    return {
        "visitors": visitors,
        "records": records,
        "reports": reports,
        "homeless": homeless,
        "inactive": ghost_editor_org,
        "plans": plans,
        "pledges": pledges,
    }


def _plans_and_pledges(writer, focal, editor, homeless):
    """A State's published plan (reopened, its document missing on disk) and draft plan, its
    published pledge with an observer State as partner, a closed organisation's submitted
    pledge: all written by people whose accounts are then deleted."""
    from commitments.pledges import services as pledges
    from commitments.pledges.models import NationalPlan
    from tests.pledges.conftest import item, plan_data, pledge_data

    plan = pledges.plan_create(user=writer, data=plan_data(), items=[item(), item("Data strategy", "1(a)")])
    plan = pledges.validate(user=focal, obj=pledges.submit(user=writer, obj=plan))
    NationalPlan.objects.filter(pk=plan.pk).update(document="plans/missing.pdf", document_name="plan.pdf")
    pledges.plan_reopen(user=writer, plan=plan, reason="Mid-term review")
    draft = pledges.plan_create(user=writer, data=plan_data(title="A draft plan by a deleted account"), items=[item()])
    pledge = pledges.pledge_create(user=writer, data=pledge_data(partner_states=[MemberState.objects.get(iso3="VAT")]))
    pledge = pledges.validate(user=focal, obj=pledges.submit(user=writer, obj=pledge))
    closed = pledges.pledge_create(
        user=editor, data=pledge_data(title="Pledged by a closed organisation", partner_organisations=[homeless])
    )
    closed = pledges.submit(user=editor, obj=closed)
    return [plan, draft], [pledge, closed]


def _plan_urls(world, name):
    return [reverse(name, args=[plan.record]) for plan in world["plans"]]


def _pledge_urls(world, name):
    return [reverse(name, args=[pledge.identifier]) for pledge in world["pledges"]]


def _record_urls(world, name):
    return [reverse(name, args=[ev.record]) for ev in world["records"].values()]


def _report_urls(world, name, *extra):
    return [reverse(name, args=[r.pk, *extra]) for r in world["reports"].values()]


def _orgs(world, name):
    return [reverse(name, args=[world[key].pk]) for key in ("homeless", "inactive")]


def _review(world):
    """An observer State's voluntary review whose focal point and contributing stakeholder are gone,
    with a published version whose files are missing on disk; made once per test."""
    if "review" not in world:
        from reporting import cycle
        from reporting.models import Milestone
        from reporting.reviews import services as reviews
        from reporting.reviews.models import ReviewFile, ReviewVersion, SectionKind

        cycle.ensure_calendar(2031)
        focal = make_user(Role.FOCAL_POINT, state="VAT", username="ghost-vat-focal")
        org = OrganisationFactory(name="Vatican Migrant Desk", country=MemberState.objects.get(iso3="VAT"))
        writer = make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ghost-vat-ngo")
        milestone = Milestone.objects.get(kind=Milestone.Kind.IMRF, year=2030)
        review = reviews.create_review(
            member_state=MemberState.objects.get(iso3="VAT"), milestone=milestone, language="ar", user=focal
        )
        reviews.run_drafting(review.pk, "every-page")
        review.refresh_from_db()
        section = review.sections.get(kind=SectionKind.POLICY)
        contribution = reviews.contribute(writer, section, "A view from a desk that closed.")
        version = ReviewVersion.objects.create(
            review=review, number=1, language="ar", content={"title": "x"}, is_published=True, finalised_by=focal
        )
        ReviewFile.objects.create(version=version, format="pdf", path="reviews/missing.pdf", size=1, sha256="0" * 64)
        focal.delete()
        writer.delete()
        world["review"] = {"review": review, "section": section, "contribution": contribution, "version": version}
    return world["review"]


# URL name -> the addresses to request (several where the data varies: every record, every State kind).
PAGES = {
    "commitments:home": lambda w: [reverse("commitments:home")],
    "commitments:objective": lambda w: [reverse("commitments:objective", args=[13])],
    "commitments:action": lambda w: [
        reverse("commitments:action", args=["13a"]),
        reverse("commitments:action", args=["16a"]),
    ],
    "commitments:evidence_list": lambda w: [
        reverse("commitments:evidence_list") + query
        for query in ("", "?state=VAT", "?state=PSE&region=Europe", "?mine=1", f"?organisation={w['inactive'].pk}")
    ],
    "commitments:evidence_export": lambda w: [
        reverse("commitments:evidence_export", args=[fmt]) + "?state=VAT" for fmt in ("csv", "xlsx", "json")
    ],
    "commitments:evidence": lambda w: [
        *_record_urls(w, "commitments:evidence"),
        *(
            reverse("commitments:evidence", args=[ev.record]) + f"?revision={ev.revision}"
            for ev in w["records"].values()
        ),
    ],
    "commitments:evidence_edit": lambda w: _record_urls(w, "commitments:evidence_edit"),
    "commitments:evidence_history": lambda w: _record_urls(w, "commitments:evidence_history"),
    "commitments:evidence_transition": None,  # POST only: tests/commitments/test_services.py and below
    "commitments:attachment": lambda w: [
        reverse("commitments:attachment", args=[a.pk]) for ev in w["records"].values() for a in ev.attachments.all()
    ],
    "commitments:workspace": lambda w: [reverse("commitments:workspace")],
    "commitments:workspace_objective": lambda w: [reverse("commitments:workspace_objective", args=[13])],
    "commitments:evidence_new": lambda w: [reverse("commitments:evidence_new") + "?action=13a"],
    "commitments:people": lambda w: [reverse("commitments:people")],
    "commitments:person_deactivate": None,  # POST only
    "commitments:review_queue": lambda w: [
        reverse("commitments:review_queue"),
        reverse("commitments:review_queue") + "?all=1",
    ],
    "commitments:bulk": lambda w: [
        reverse("commitments:bulk", args=[name]) for name in ("submit", "validate", "return")
    ],
    "commitments:single_reviewer": lambda w: [reverse("commitments:single_reviewer")],
    "commitments:workbook": lambda w: [reverse("commitments:workbook")],
    "commitments:workbook_download": lambda w: [reverse("commitments:workbook_download")],
    "commitments:organisation": lambda w: _orgs(w, "commitments:organisation"),
    "commitments:organisation_search": lambda w: [
        reverse("commitments:organisation_search") + query for query in ("?q=Closed", "?q=Nowhere", "?q=")
    ],
    "reporting:sdg_index": lambda w: [reverse("reporting:sdg_index")],
    "reporting:sdg_item": lambda w: [reverse("reporting:sdg_item", args=[code]) for code in ("10", "10.7", "10.7.2")],
    "reporting:sdg_codes_targets": lambda w: [reverse("reporting:sdg_codes_targets")],
    "reporting:sdg_codes_indicators": lambda w: [reverse("reporting:sdg_codes_indicators")],
    "commitments:state": lambda w: [reverse("commitments:state", args=[iso3]) for iso3 in ("MAR", "VAT", "PSE")],
    "dashboards:global": lambda w: [
        reverse("dashboards:global") + query for query in ("", "?state=VAT", "?region=Europe", "?objective=13")
    ],
    "dashboards:state": lambda w: [reverse("dashboards:state", args=[iso3]) for iso3 in ("MAR", "VAT", "PSE")],
    "dashboards:objective": lambda w: [reverse("dashboards:objective", args=[13])],
    "dashboards:action": lambda w: [reverse("dashboards:action", args=["13a"])],
    "dashboards:organisation": lambda w: _orgs(w, "dashboards:organisation"),
    "reporting:calendar": lambda w: [reverse("reporting:calendar")],
    "reporting:report_list": lambda w: [reverse("reporting:report_list")],
    "reporting:report_new": lambda w: [reverse("reporting:report_new")],
    "reporting:report": lambda w: _report_urls(w, "reporting:report"),
    "reporting:report_status": lambda w: _report_urls(w, "reporting:report_status"),
    "reporting:report_download": lambda w: _report_urls(w, "reporting:report_download", "pdf"),
    "opendata:page": lambda w: [reverse("opendata:page")],
    "opendata:download": lambda w: [reverse("opendata:download")],
    "opendata:rebuild": None,  # POST only
    "reviews:list": lambda w: [reverse("reviews:list") + q for q in ("", "?state=VAT", "?year=x", "?language=xx")],
    "reviews:new": lambda w: [reverse("reviews:new")],
    "reviews:detail": lambda w: [_review(w)["review"].get_absolute_url()],
    "reviews:status": lambda w: [reverse("reviews:status", args=[_review(w)["review"].pk])],
    "reviews:finalising_status": lambda w: [reverse("reviews:finalising_status", args=[_review(w)["review"].pk])],
    "reviews:section": lambda w: [
        reverse("reviews:section", args=[_review(w)["review"].pk, s.pk]) for s in _review(w)["review"].sections.all()
    ],
    "reviews:download": lambda w: [
        reverse("reviews:download", args=[_review(w)["version"].pk, fmt]) for fmt in ("pdf", "docx")
    ],
    "pledges:plan_new": lambda w: [reverse("pledges:plan_new")],
    "pledges:plan": lambda w: [
        *_plan_urls(w, "pledges:plan"),
        *(reverse("pledges:plan", args=[w["plans"][0].record]) + f"?revision={n}" for n in (1, 2, 3, "x")),
    ],
    "pledges:plan_edit": lambda w: _plan_urls(w, "pledges:plan_edit"),
    "pledges:plan_document": lambda w: [url + "?revision=1" for url in _plan_urls(w, "pledges:plan_document")],
    "pledges:plan_item_export": lambda w: [
        reverse("pledges:plan_item_export", args=[fmt]) + query
        for fmt in ("csv", "xlsx", "json")
        for query in ("?state=MAR", "?mine=true")
    ],
    "pledges:item_status": None,  # POST only: tests/pledges/test_pages.py
    "pledges:plan_transition": None,  # POST only
    "pledges:pledge_list": lambda w: [
        reverse("pledges:pledge_list") + query
        for query in ("", "?state=MAR", "?partner=VAT", "?mine=true", f"?organisation={w['inactive'].pk}")
    ],
    "pledges:pledge_export": lambda w: [
        reverse("pledges:pledge_export", args=[fmt]) + "?state=MAR" for fmt in ("csv", "xlsx", "json")
    ],
    "pledges:workbook": lambda w: [reverse("pledges:workbook")],
    "pledges:pledge_new": lambda w: [reverse("pledges:pledge_new")],
    "pledges:pledge": lambda w: _pledge_urls(w, "pledges:pledge"),
    "pledges:pledge_edit": lambda w: _pledge_urls(w, "pledges:pledge_edit"),
    "pledges:pledge_status": None,  # POST only
    "pledges:partner_answer": None,  # POST only
    "pledges:pledge_transition": None,  # POST only
    "reviews:decide": None,  # POST only: tests/reporting/reviews/
    "reviews:finalise": None,  # POST only
    "reviews:publish": None,  # POST only
}
OK = {200, 301, 302, 403, 404}  # 301: an old address that moved (the pledges workbook is in the workbook)


def _login(client, world, visitor):
    client.logout()
    if visitor != "anonymous":
        client.force_login(world["visitors"][visitor])


@pytest.mark.parametrize("name", [name for name, urls in PAGES.items() if urls is not None])
def test_page_renders_for_every_visitor_on_hostile_data(client, world, name):
    failures = []
    urls = PAGES[name](world)
    assert urls, f"{name}: the world has nothing to request"
    for visitor in VISITORS:
        _login(client, world, visitor)
        for url in urls:
            try:
                status = client.get(url).status_code
            except Exception as exc:  # the test client re-raises what would have been a 500
                failures.append(f"{visitor} GET {url}: {type(exc).__name__}: {exc}")
                continue
            if status not in OK:
                failures.append(f"{visitor} GET {url}: {status}")
    assert not failures, "\n".join(failures)


def test_public_pages_answer_200_to_everyone_on_hostile_data(client, world):
    """Published records of observer States, closed and homeless organisations are public."""
    public = [
        *PAGES["dashboards:global"](world),
        *PAGES["dashboards:state"](world),
        *PAGES["commitments:state"](world),
        *PAGES["commitments:organisation"](world),
        *PAGES["dashboards:organisation"](world),
        reverse("commitments:evidence", args=[world["records"]["VAT"].record]),
        reverse("commitments:evidence", args=[world["records"]["inactive"].record]),
        reverse("commitments:evidence_history", args=[world["records"]["reopened"].record]),
    ]
    for visitor in ("anonymous", "analyst"):
        _login(client, world, visitor)
        for url in public:
            assert client.get(url).status_code == 200, (visitor, url)


def test_review_queue_lists_records_whose_submitter_is_gone(client, world):
    for visitor, title in (("focal", "Submitted, then deleted"), ("secretariat", "Submitted by a closed organisation")):
        _login(client, world, visitor)
        response = client.get(reverse("commitments:review_queue"))
        assert response.status_code == 200
        page = response.content.decode()
        assert title in page
        assert "a deleted account" in page


def test_history_names_deleted_people_plainly(client, world):
    _login(client, world, "focal")
    page = client.get(reverse("commitments:evidence_history", args=[world["records"]["returned"].record])).content
    assert b"a deleted account" in page
    for url in (world["plans"][0].get_absolute_url(), world["pledges"][0].get_absolute_url()):
        assert b"by a deleted account" in client.get(url).content, url


def test_every_url_name_is_covered():
    """A new page must join PAGES (or be declared POST-only there)."""
    names = set()
    resolver = get_resolver()
    for namespace in ("commitments", "dashboards", "reporting", "opendata", "reviews", "pledges"):
        _prefix, sub = resolver.namespace_dict[namespace]
        names |= {f"{namespace}:{key}" for key in sub.reverse_dict if isinstance(key, str)}
    assert names == set(PAGES), f"missing: {sorted(names - set(PAGES))}, stale: {sorted(set(PAGES) - names)}"


def test_exports_of_observer_states_hold_their_records(client, world):
    response = client.get(reverse("commitments:evidence_export", args=["csv"]) + "?state=PSE")
    body = io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")).read()
    assert "Observer measure PSE" in body and "Observer measure VAT" not in body


def test_the_api_reads_hostile_data_for_every_visitor(client, world):
    """The API's reads over the same world: every record, observer States, closed organisations."""
    urls = [
        "/api/v1/evidence/",
        "/api/v1/evidence/?state=VAT",
        f"/api/v1/evidence/?organisation={world['inactive'].pk}",
        "/api/v1/states/vat/",
        "/api/v1/states/pse/",
        "/api/v1/organisations/",
        f"/api/v1/organisations/{world['homeless'].pk}/",
        *(f"/api/v1/evidence/{ev.record}/" for ev in world["records"].values()),
    ]
    failures = []
    for visitor in VISITORS:
        _login(client, world, visitor)
        for url in urls:
            try:
                status = client.get(url).status_code
            except Exception as exc:  # noqa: BLE001 - reported with the others
                failures.append(f"{visitor} GET {url}: {type(exc).__name__}: {exc}")
                continue
            if status not in (200, 403, 404):
                failures.append(f"{visitor} GET {url}: {status}")
    assert not failures, "\n".join(failures)
    _login(client, world, "anonymous")
    assert client.get("/api/v1/evidence/?state=PSE").json()["count"] == 1


def test_a_closed_organisations_published_records_can_be_filtered(client, world):
    """Its page links to its list and profile; neither may refuse the organisation as unknown."""
    org = world["inactive"]
    response = client.get(reverse("dashboards:organisation", args=[org.pk]))
    assert not response.context["filter_errors"]
    listed = client.get(f"/api/v1/evidence/?organisation={org.pk}").json()
    assert [r["title"] for r in listed["results"]] == ["Published by a closed organisation"]
