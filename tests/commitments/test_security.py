"""The security matrix of the evidence pages.

No one reads another entity's unpublished records or writes to another entity's records through
any page; the form cannot set what only the workflow sets; a stale edit overwrites nothing;
user text is escaped everywhere; attachments are checked and served as downloads; log-ins are
throttled on every log-in route.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments import services
from commitments.models import Attachment, Evidence, EvidenceEvent, MemberState
from tests.commitments.test_pages_evidence import PDF, create, form_data
from tests.factories import PASSWORD, OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db
S = Evidence.ReviewState
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def world(framework):
    """State A (Morocco) people; State B (Mexico) records in every review state, one with a file."""
    org = OrganisationFactory(name="Migrant Rights Network")
    people = {
        "a_contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "a_focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "editor": make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ngo"),
        "analyst": make_user(Role.ANALYST, username="analyst"),
        "anonymous": None,
    }
    b_contributor = make_user(Role.CONTRIBUTOR, state="MEX", username="lucia")
    b_focal = make_user(Role.FOCAL_POINT, state="MEX", username="diego")
    draft = create(b_contributor, title="Mexico draft secret")
    attachment = services.attachment_add(
        user=b_contributor, evidence=draft, upload=SimpleUploadedFile("borrador.pdf", PDF)
    )
    submitted = services.evidence_submit(user=b_contributor, evidence=create(b_contributor, title="Mexico submitted"))
    returned = services.evidence_return(
        user=b_focal,
        evidence=services.evidence_submit(user=b_contributor, evidence=create(b_contributor, title="Mexico returned")),
        comment="Needs numbers.",
    )
    published = services.evidence_validate(
        user=b_focal,
        evidence=services.evidence_submit(user=b_contributor, evidence=create(b_contributor, title="Mexico published")),
    )
    records = {"draft": draft, "submitted": submitted, "returned": returned, "published": published}
    return {"people": people, "records": records, "attachment": attachment, "b_contributor": b_contributor}


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def state_of_the_world():
    """Everything a write could change, to prove that nothing did."""
    rows = list(Evidence.objects.order_by("pk").values())
    return rows, EvidenceEvent.objects.count(), Attachment.objects.count()


def refused(response):
    """403 or 404; anonymous users are sent to log in, which is a refusal too."""
    if response.status_code == 302:
        return response["Location"].startswith("/accounts/login/")
    return response.status_code in (403, 404)


USERS = ["a_contributor", "a_focal", "editor", "analyst", "anonymous"]
UNPUBLISHED = ["draft", "submitted", "returned"]
READS = [
    "/evidence/{record}/",
    "/evidence/{record}/?revision=1",
    "/evidence/{record}/history/",
    "/evidence/{record}/edit/",
]


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("which", UNPUBLISHED)
@pytest.mark.parametrize("route", READS)
def test_other_states_unpublished_records_cannot_be_read(client, world, who, which, route):
    ev = world["records"][which]
    response = login(client, world["people"][who]).get(route.format(record=ev.record))
    assert refused(response), response.status_code
    assert b"Mexico" not in response.content


@pytest.mark.parametrize("who", USERS)
def test_other_states_draft_attachment_cannot_be_downloaded(client, world, who):
    response = login(client, world["people"][who]).get(f"/evidence/attachments/{world['attachment'].pk}/")
    assert response.status_code == 404
    assert "Content-Disposition" not in response


WRITES = ["edit", "submit", "return", "validate", "withdraw", "reopen"]


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("which", UNPUBLISHED + ["published"])
@pytest.mark.parametrize("write", WRITES)
def test_other_states_records_cannot_be_written(client, world, who, which, write):
    ev = world["records"][which]
    before = state_of_the_world()
    client = login(client, world["people"][who])
    if write == "edit":
        data = form_data(title="Overwritten by another State", version=str(ev.version))
        response = client.post(f"/evidence/{ev.record}/edit/", data)
    else:
        data = {"revision": str(ev.revision), "comment": "Returned by another State", "reason": "Withdrawn by them"}
        response = client.post(f"/evidence/{ev.record}/{write}/", data)
    assert refused(response), response.status_code
    assert state_of_the_world() == before


def test_published_record_of_another_state_is_readable_but_not_writable(client, world):
    ev = world["records"]["published"]
    client.force_login(world["people"]["a_focal"])
    html = client.get(ev.get_absolute_url()).content.decode()
    assert "Mexico published" in html
    assert "/validate/" not in html and "/withdraw/" not in html and "/edit/" not in html
    assert client.get(f"/evidence/{ev.record}/edit/").status_code == 403


@pytest.mark.parametrize("who", ["a_contributor", "a_focal", "editor", "analyst"])
def test_other_states_drafts_never_appear_in_lists(client, world, who):
    client.force_login(world["people"][who])
    pages = ["/workspace/", "/states/MEX/", "/actions/15b/", "/evidence/"]
    if who != "analyst":  # analysts have no entity, so no per-objective workspace
        pages.append("/workspace/objectives/15/")
    if who == "a_focal":
        pages.append("/review/")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in ["Mexico draft secret", "Mexico submitted", "Mexico returned"]:
            assert secret not in html, (url, secret)
    assert "Mexico published" in client.get("/states/MEX/").content.decode()


def test_review_queue_of_a_focal_point_has_only_its_state(client, world):
    client.force_login(world["people"]["a_focal"])
    html = client.get("/review/").content.decode()
    assert "Mexico submitted" not in html and "Nothing waits for review." in html


def test_unknown_transition_and_bad_revision_are_404(client, world):
    ev = world["records"]["draft"]
    client.force_login(world["b_contributor"])
    assert client.post(f"/evidence/{ev.record}/publish/", {"revision": "1"}).status_code == 404
    assert client.post(f"/evidence/{ev.record}/submit/", {"revision": "x"}).status_code == 404
    assert client.get(f"/evidence/{ev.record}/?revision=abc").status_code == 404
    assert client.get(f"/evidence/{ev.record}/submit/").status_code == 405
    assert Evidence.objects.get(pk=ev.pk).review_state == S.DRAFT


# --- What only the workflow sets ----------------------------------------------------------------

SMUGGLED = {
    "review_state": "validated",
    "is_published": "on",
    "cycle": "1",
    "revision": "7",
    "record": "00000000-0000-0000-0000-000000000000",
    "entity": "MEX",
    "reviewer": "1",
    "validated_by": "1",
    "submitted_by": "1",
    "created_by": "1",
    "is_demo": "on",
}


def test_create_form_ignores_workflow_fields(client, world):
    amina = world["people"]["a_contributor"]
    mexico = MemberState.objects.get(iso3="MEX")
    org = world["people"]["editor"].profile.organisation
    client.force_login(amina)
    data = form_data(**SMUGGLED, member_state=str(mexico.pk), organisation=str(org.pk), version="99")
    response = client.post("/workspace/evidence/new/", data)
    assert response.status_code == 302
    ev = Evidence.objects.get(title="Alternatives to detention for families")
    assert ev.member_state.iso3 == "MAR" and ev.organisation is None
    assert ev.review_state == S.DRAFT and not ev.is_published and ev.cycle is None and ev.version == 1
    assert ev.revision == 1 and str(ev.record) != SMUGGLED["record"] and not ev.is_demo
    assert ev.validated_by is None and ev.submitted_by is None and ev.created_by == amina


def test_edit_form_ignores_workflow_fields_and_version_is_only_checked(client, world):
    amina = world["people"]["a_contributor"]
    ev = create(amina)
    client.force_login(amina)
    mexico = MemberState.objects.get(iso3="MEX")
    data = form_data(**SMUGGLED, member_state=str(mexico.pk), version="1", primary_action="15(b)")
    assert client.post(f"/evidence/{ev.record}/edit/", data).status_code == 302
    ev.refresh_from_db()
    assert ev.member_state.iso3 == "MAR" and ev.review_state == S.DRAFT and not ev.is_published
    assert ev.cycle is None and ev.version == 2 and ev.revision == 1 and ev.validated_by is None
    # A made-up version is not written either: it is refused as a stale edit.
    response = client.post(f"/evidence/{ev.record}/edit/", form_data(version="50", primary_action="15(b)"))
    assert response.status_code == 409
    ev.refresh_from_db()
    assert ev.version == 2


# --- Two people editing the same record ---------------------------------------------------------


def test_stale_edit_is_refused_and_keeps_both_peoples_words(client, world):
    amina = world["people"]["a_contributor"]
    karim = make_user(Role.CONTRIBUTOR, state="MAR", username="karim")
    ev = create(amina, title="Health firewall", description="First description.")
    client.force_login(karim)
    assert 'name="version" value="1"' in client.get(f"/evidence/{ev.record}/edit/").content.decode()
    # Amina saves first.
    services.evidence_update(
        user=amina, evidence=ev, data={"title": "Health data firewall (Amina)"}, expected_version=1
    )
    karims_words = "Karim's careful paragraph about clinics in Tangier."
    response = client.post(
        f"/evidence/{ev.record}/edit/",
        form_data(title="Health firewall", description=karims_words, primary_action="15(b)", version="1"),
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this record while you were editing" in html
    assert karims_words.replace("'", "&#x27;") in html  # the user's words are in the form again
    assert "Health firewall" in html and "Health data firewall (Amina)" in html  # what changed: before/after
    assert "<del>Health firewall</del>" in html and "<ins>Health data firewall (Amina)</ins>" in html
    assert 'name="version" value="2"' in html  # sending again is a deliberate choice
    ev.refresh_from_db()
    assert ev.title == "Health data firewall (Amina)" and ev.description == "First description." and ev.version == 2


# --- Escaping -----------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere(client, world):
    org = world["people"]["editor"].profile.organisation
    org.name = f"NGO {XSS}"
    org.save()
    amina, editor = world["people"]["a_contributor"], world["people"]["editor"]
    client.force_login(amina)
    data = form_data(
        title=f"Title {XSS}",
        description=f"Description {XSS}",
        challenges=f"Challenges {XSS}",
        primary_action="15(b)",
        **{"links-0-label": f"Label {XSS}", "results-0-indicator": f"Indicator {XSS}"},
    )
    assert client.post("/workspace/evidence/new/", data).status_code == 302
    ev = Evidence.objects.get(member_state__iso3="MAR")
    client.post(f"/evidence/{ev.record}/edit/", {**data, "title": f"New {XSS}", "version": "1"})
    services.evidence_submit(user=amina, evidence=ev)
    services.evidence_submit(user=editor, evidence=create(editor, title=f"Org record {XSS}"))

    def check(url, user, expected):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert html.count(ESCAPED) >= expected, (url, html.count(ESCAPED))

    record_page = ev.get_absolute_url()
    check(record_page, amina, 5)  # title, description, challenges, link label, result indicator (+ history)
    check(f"/evidence/{ev.record}/history/", amina, 2)  # the diff: before and after of the title
    check("/workspace/objectives/15/", amina, 1)
    check("/review/", world["people"]["a_focal"], 1)
    secretariat = make_user(Role.SECRETARIAT, username="unnm")
    check("/review/", secretariat, 2)  # the organisation's name and its record's title
    check("/workspace/", editor, 1)  # the organisation's name
    check(f"/organisations/{org.pk}/", amina, 1)
    services.evidence_validate(user=world["people"]["a_focal"], evidence=ev)
    check("/states/MAR/", amina, 1)
    check("/actions/15b/", amina, 1)


def test_javascript_link_is_refused_with_a_message(client, world):
    client.force_login(world["people"]["a_contributor"])
    for bad in ["javascript:alert(1)", "JavaScript:alert(document.cookie)", "ftp://example.org/x"]:
        response = client.post("/workspace/evidence/new/", form_data(**{"links-0-url": bad}))
        assert response.status_code == 400
        assert "Only http:// and https:// addresses can be linked." in response.content.decode()
    assert not Evidence.objects.filter(member_state__iso3="MAR").exists()


# --- Attachments --------------------------------------------------------------------------------


def post_with_file(client, upload):
    return client.post("/workspace/evidence/new/", {**form_data(), "attachments": [upload]})


def test_pdf_is_accepted_and_stored_under_a_generated_name(client, world):
    client.force_login(world["people"]["a_contributor"])
    response = post_with_file(client, SimpleUploadedFile("../../etc/passwd.pdf", PDF))
    assert response.status_code == 302
    attachment = Attachment.objects.get(evidence__member_state__iso3="MAR")
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert "passwd" not in attachment.file.name and ".." not in attachment.file.name
    assert attachment.file.name.startswith(f"attachments/{attachment.evidence.record}/")
    assert attachment.original_name == "passwd.pdf"  # Django keeps only the base name


@pytest.mark.parametrize(
    "content",
    [b"<html><body><script>alert(1)</script></body></html>", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200],
    ids=["html", "exe"],
)
def test_disguised_file_is_refused_with_a_clear_message(client, world, content):
    client.force_login(world["people"]["a_contributor"])
    response = post_with_file(client, SimpleUploadedFile("x.pdf", content, content_type="application/pdf"))
    assert response.status_code == 400
    assert "x.pdf is not a file type the monitor accepts." in response.content.decode()
    assert not Evidence.objects.filter(member_state__iso3="MAR").exists()
    assert not Attachment.objects.filter(original_name="x.pdf").exists()


def test_too_large_file_is_refused(client, world, settings):
    settings.MAX_UPLOAD_MB = 1
    client.force_login(world["people"]["a_contributor"])
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024 + 10))
    response = post_with_file(client, big)
    assert response.status_code == 400
    assert "big.pdf is 1.0 MB; files can be at most 1 MB." in response.content.decode()
    assert not Evidence.objects.filter(member_state__iso3="MAR").exists()


def test_published_attachment_is_a_download_for_everyone(client, world):
    b = world["b_contributor"]
    ev = create(b, title="With a public file")
    attachment = services.attachment_add(user=b, evidence=ev, upload=SimpleUploadedFile("informe.pdf", PDF))
    url = f"/evidence/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 404  # not published yet
    services.evidence_validate(
        user=MemberState.objects.get(iso3="MEX").profile_set.get(role=Role.FOCAL_POINT).user,
        evidence=services.evidence_submit(user=b, evidence=ev),
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="informe.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Log-in throttling --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_sixth_log_in_is_refused_after_five_failures(client, framework, url):
    make_user(Role.SECRETARIAT, username="unnm", is_staff=True, is_superuser=True)
    make_user(Role.SECRETARIAT, username="other", is_staff=True)
    statuses = [client.post(url, {"username": "unnm", "password": "wrong password"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the form again with its error; the fifth failure locks
    response = client.post(url, {"username": "unnm", "password": PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in temporarily blocked" in html and "blocked for one hour" in html
    assert "_auth_user_id" not in client.session
    # Locked by user name and address: another account from the same address still signs in.
    response = client.post(url, {"username": "other", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
