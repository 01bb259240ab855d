"""Evidence pages: workspace, the evidence form, the record page, review queue, people, log-in."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from commitments import services
from commitments.models import Action, Evidence, EvidenceEvent, GuidingPrinciple, Profile
from tests.factories import PASSWORD, EvidenceFactory, OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db
S = Evidence.ReviewState
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def people(framework):
    org = OrganisationFactory(name="Migrant Rights Network")
    return {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina", first_name="Amina"),
        "contributor2": make_user(Role.CONTRIBUTOR, state="MAR", username="karim"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "other_state": make_user(Role.FOCAL_POINT, state="MEX", username="lucia"),
        "editor": make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ngo"),
        "secretariat": make_user(Role.SECRETARIAT, username="unnm"),
        "analyst": make_user(Role.ANALYST, username="analyst"),
    }


def form_data(**overrides):
    """A complete evidence form POST, with the formsets' management data."""
    data = {
        "title": "Alternatives to detention for families",
        "description": "Community-based case management replaces detention of families with children.",
        "primary_action": "13(a)",
        "other_actions": ["13(h)"],
        "status": "under_way",
        "level": "national",
        "start_date": "2024-01-15",
        "end_date": "",
        "principles": [str(p.pk) for p in GuidingPrinciple.objects.filter(letter__in=["f", "h"])],
        "challenges": "",
        "links-TOTAL_FORMS": "2",
        "links-INITIAL_FORMS": "0",
        "links-0-url": "https://example.org/report",
        "links-0-label": "Report",
        "links-1-url": "",
        "links-1-label": "",
        "results-TOTAL_FORMS": "2",
        "results-INITIAL_FORMS": "0",
        "results-0-indicator": "Families in case management",
        "results-0-value": "120",
        "results-0-unit": "families",
        "results-0-year": "2025",
        "results-1-indicator": "",
        "results-1-value": "",
        "results-1-unit": "",
        "results-1-year": "",
    }
    data.update(overrides)
    return data


def create(user, **overrides):
    content = {
        "title": "Firewall between immigration enforcement and health services",
        "description": "Clinics do not share data with immigration authorities.",
        "primary_action": Action.objects.get(code="15(b)"),
        "status": Evidence.Status.ADVANCED,
        "level": Evidence.Level.NATIONAL,
    }
    return services.evidence_create(user=user, data={**content, **overrides})


# --- Workspace ----------------------------------------------------------------------------------


def test_workspace_counts_by_objective_and_state_in_few_queries(client, people, django_assert_max_num_queries):
    amina = people["contributor"]
    create(amina)
    submitted = services.evidence_submit(
        user=amina, evidence=create(amina, primary_action=Action.objects.get(code="15(c)"))
    )
    services.evidence_validate(user=people["focal"], evidence=submitted)
    create(amina, primary_action=Action.objects.get(code="1(a)"))
    EvidenceFactory(
        member_state=people["other_state"].profile.member_state, primary_action=Action.objects.get(code="2(a)")
    )
    client.force_login(amina)
    with django_assert_max_num_queries(10):  # +2: plan items and pledges due (commitments.pledges)
        response = client.get("/workspace/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Current review cycle: cycle 3" in html and "2030" in html
    row15 = re.search(r'href="/workspace/objectives/15/".*?</tr>', html, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row15)
    assert cells == ["2 / 6", "1", "–", "–", "1"]  # two actions; one draft, one validated
    row2 = re.search(r'href="/workspace/objectives/2/".*?</tr>', html, re.S).group(0)
    assert re.findall(r"<td>(.*?)</td>", row2)[0] == "0 / 12"  # Mexico's record is not Morocco's
    assert "Evidence recorded against 3 actions" in html


def test_workspace_objective_drill_down(client, people, django_assert_max_num_queries):
    amina = people["contributor"]
    ev = create(amina, title="Health firewall")
    client.force_login(amina)
    with django_assert_max_num_queries(8):
        html = client.get("/workspace/objectives/15/").content.decode()
    assert html.count('<section class="ws-action"') == 6
    assert "Health firewall" in html and f"{ev.get_absolute_url()}?revision=1" in html
    assert 'href="/workspace/evidence/new/?action=15b"' in html


def test_workspace_for_secretariat_links_the_review_queue(client, people):
    client.force_login(people["secretariat"])
    html = client.get("/workspace/").content.decode()
    assert 'href="/review/"' in html and "no records of your own" in html


def test_workspace_requires_login(client, framework):
    response = client.get("/workspace/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- The evidence form --------------------------------------------------------------------------


def test_new_form_preselects_the_action(client, people):
    client.force_login(people["contributor"])
    html = client.get("/workspace/evidence/new/?action=13a").content.decode()
    # Marked as the compact's own (English) text where no official translation is loaded.
    assert '<option value="13(a)" selected lang="en">' in html
    assert 'name="entity"' not in html and 'name="review_state"' not in html and 'name="is_published"' not in html


def test_create_through_the_form_with_links_results_and_a_pdf(client, people, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people["contributor"])
    upload = SimpleUploadedFile("Rapport annuel.pdf", PDF, content_type="application/pdf")
    response = client.post("/workspace/evidence/new/", {**form_data(), "attachments": [upload]})
    assert response.status_code == 302
    ev = Evidence.objects.get()
    assert response["Location"] == ev.get_absolute_url()
    assert ev.member_state.iso3 == "MAR" and ev.review_state == S.DRAFT and ev.created_by == people["contributor"]
    assert [a.code for a in ev.other_actions.all()] == ["13(h)"]
    assert list(ev.links.values_list("url", "label")) == [("https://example.org/report", "Report")]
    assert ev.results.get().indicator == "Families in case management"
    attachment = ev.attachments.get()
    assert attachment.original_name == "Rapport annuel.pdf" and attachment.content_type == "application/pdf"
    assert "Rapport" not in attachment.file.name


def test_form_errors_are_in_plain_words_and_nothing_is_written(client, people):
    client.force_login(people["contributor"])
    response = client.post(
        "/workspace/evidence/new/",
        form_data(title="", start_date="2025-05-01", end_date="2024-01-01", **{"results-0-value": "many"}),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The record was not saved" in html
    assert "Give the measure a title." in html
    assert "The end date is before the start date." in html
    assert "Enter a number." in html
    assert Evidence.objects.count() == 0


def test_primary_action_cannot_also_be_linked(client, people):
    client.force_login(people["contributor"])
    response = client.post("/workspace/evidence/new/", form_data(other_actions=["13(a)"]))
    assert "The primary action is already linked" in response.content.decode()
    assert Evidence.objects.count() == 0


def test_edit_form_saves_and_records_the_change(client, people):
    ev = create(people["contributor"])
    client.force_login(people["contributor2"])
    page = client.get(f"/evidence/{ev.record}/edit/").content.decode()
    assert 'name="version" value="1"' in page and "Firewall between immigration" in page
    assert '<option value="15(b)" selected lang="en">' in page
    response = client.post(
        f"/evidence/{ev.record}/edit/", form_data(title="Health data firewall", version="1", primary_action="15(b)")
    )
    assert response.status_code == 302
    ev.refresh_from_db()
    assert ev.title == "Health data firewall" and ev.version == 2
    edit = EvidenceEvent.objects.get(record=ev.record, kind="edited")
    assert edit.actor == people["contributor2"] and edit.changes["title"][1] == "Health data firewall"


def test_submitted_record_cannot_be_edited_by_its_authors(client, people):
    ev = services.evidence_submit(user=people["contributor"], evidence=create(people["contributor"]))
    client.force_login(people["contributor"])
    response = client.post(f"/evidence/{ev.record}/edit/", form_data(version=str(ev.version)), follow=True)
    assert "This revision is submitted and cannot be edited." in response.content.decode()
    assert Evidence.objects.get(pk=ev.pk).title.startswith("Firewall")


# --- The record page ----------------------------------------------------------------------------


def test_record_page_shows_fields_links_results_and_history(client, people):
    amina = people["contributor"]
    client.force_login(amina)
    client.post("/workspace/evidence/new/", form_data(challenges="Few case managers in rural areas."))
    ev = Evidence.objects.get()
    html = client.get(ev.get_absolute_url()).content.decode()
    assert "<h1>Alternatives to detention for families</h1>" in html
    assert 'href="https://example.org/report" rel="noopener nofollow"' in html
    assert "Families in case management" in html and "Few case managers in rural areas." in html
    assert "Under way (limited)" in html and 'class="pill review-draft"' in html
    assert f'action="/evidence/{ev.record}/submit/"' in html
    assert "/validate/" not in html  # a contributor cannot validate
    assert 'id="history-heading"' in html and "Created" in html and "by Amina" in html


def test_workflow_through_the_pages_with_notifications(client, people, django_capture_on_commit_callbacks):
    amina, focal = people["contributor"], people["focal"]
    ev = create(amina)
    client.force_login(amina)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/evidence/{ev.record}/submit/", {"revision": "1"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["youssef@example.org"]

    client.force_login(focal)
    html = client.get(ev.get_absolute_url()).content.decode()
    assert '<textarea id="return-comment" name="comment"' in html and "/validate/" in html
    response = client.post(f"/evidence/{ev.record}/return/", {"revision": "1", "comment": ""}, follow=True)
    assert "a comment is required to return a record" in response.content.decode()
    assert Evidence.objects.get(pk=ev.pk).review_state == S.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/evidence/{ev.record}/return/", {"revision": "1", "comment": "Add the number of children."})
    assert Evidence.objects.get(pk=ev.pk).review_state == S.RETURNED
    assert "Add the number of children." in mail.outbox[-1].body and mail.outbox[-1].to == ["amina@example.org"]

    client.force_login(amina)
    html = client.get(ev.get_absolute_url()).content.decode()
    assert "Add the number of children." in html and "This record was returned" in html
    client.post(f"/evidence/{ev.record}/submit/", {"revision": "1"})
    client.force_login(focal)
    response = client.post(f"/evidence/{ev.record}/validate/", {"revision": "1"})
    ev.refresh_from_db()
    assert ev.is_published and ev.review_state == S.VALIDATED
    assert response["Location"] == f"{ev.get_absolute_url()}?revision=1"


def test_revision_in_review_keeps_the_published_one_visible(client, people):
    amina, focal = people["contributor"], people["focal"]
    first = services.evidence_validate(
        user=focal, evidence=services.evidence_submit(user=amina, evidence=create(amina, title="First words"))
    )
    client.force_login(amina)
    response = client.post(f"/evidence/{first.record}/reopen/", {"revision": "1"})
    assert response["Location"] == f"/evidence/{first.record}/edit/"
    client.post(f"/evidence/{first.record}/edit/", form_data(title="Better words", version="1", primary_action="15(b)"))
    html = client.get(first.get_absolute_url()).content.decode()
    assert "<h1>Better words</h1>" in html and "The public still sees the published version" in html
    assert 'href="?revision=1"' in html
    assert "<h1>First words</h1>" in client.get(f"{first.get_absolute_url()}?revision=1").content.decode()
    client.logout()
    public = client.get(first.get_absolute_url()).content.decode()
    assert "<h1>First words</h1>" in public and "Better words" not in public
    assert client.get(f"{first.get_absolute_url()}?revision=2").status_code == 404
    assert "new revision opened" not in public  # events of the unpublished revision are hidden


def test_withdraw_with_reason(client, people):
    ev = create(people["contributor"])
    client.force_login(people["contributor"])
    client.post(f"/evidence/{ev.record}/withdraw/", {"revision": "1", "reason": "Recorded twice."})
    assert Evidence.objects.get(pk=ev.pk).review_state == S.WITHDRAWN
    assert "Recorded twice." in client.get(ev.get_absolute_url()).content.decode()


def test_own_validation_refused_with_a_message(client, people):
    focal = people["focal"]
    make_user(Role.FOCAL_POINT, state="MAR", username="second_focal")  # someone else could validate
    ev = services.evidence_submit(user=focal, evidence=create(focal))
    client.force_login(focal)
    response = client.post(f"/evidence/{ev.record}/validate/", {"revision": "1"}, follow=True)
    assert "another reviewer must validate it" in response.content.decode()
    assert not Evidence.objects.get(pk=ev.pk).is_published


def test_attachment_download_headers(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ev = create(people["contributor"])
    a = services.attachment_add(
        user=people["contributor"], evidence=ev, upload=SimpleUploadedFile("plan d'action.pdf", PDF)
    )
    client.force_login(people["focal"])
    response = client.get(f"/evidence/attachments/{a.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "plan" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


# --- Review queue -------------------------------------------------------------------------------


def test_review_queue_oldest_first_with_counts(client, people, django_assert_max_num_queries):
    amina = people["contributor"]
    older = services.evidence_submit(user=amina, evidence=create(amina, title="Older submission"))
    newer = services.evidence_submit(user=amina, evidence=create(amina, title="Newer submission"))
    Evidence.objects.filter(pk=older.pk).update(submitted_at=newer.submitted_at.replace(year=2025))
    create(amina, title="Still a draft")
    mex = services.evidence_submit(
        user=people["other_state"], evidence=create(people["other_state"], title="Mexican submission")
    )
    assert mex.review_state == S.SUBMITTED
    client.force_login(people["focal"])
    with django_assert_max_num_queries(8):
        html = client.get("/review/").content.decode()
    assert html.index("Older submission") < html.index("Newer submission")
    assert "Still a draft" not in html and "Mexican submission" not in html
    assert "2 records wait for review" in html and "Drafts: <strong>1</strong>" in html


def test_secretariat_queue_has_stakeholder_records_and_may_see_all(client, people):
    services.evidence_submit(user=people["editor"], evidence=create(people["editor"], title="NGO shelter network"))
    services.evidence_submit(user=people["contributor"], evidence=create(people["contributor"], title="State plan"))
    client.force_login(people["secretariat"])
    html = client.get("/review/").content.decode()
    assert "NGO shelter network" in html and "State plan" not in html
    html = client.get("/review/?all=1").content.decode()
    assert "NGO shelter network" in html and "State plan" in html


@pytest.mark.parametrize("who", ["contributor", "editor", "analyst"])
def test_queue_is_for_reviewers_only(client, people, who):
    client.force_login(people[who])
    response = client.get("/review/")
    assert response.status_code == 403
    assert "Only national focal points and the secretariat review records." in response.content.decode()


# --- States, organisations and actions ----------------------------------------------------------


def test_state_page_lists_recent_published_records(client, people, django_assert_max_num_queries):
    for n in range(3):
        EvidenceFactory(published=True, title=f"Published measure {n}")
    EvidenceFactory(title="Unpublished draft")
    with django_assert_max_num_queries(7):  # +2 the implementation plan section, +1 results by SDG indicator
        html = client.get("/states/mar/").content.decode()
    assert "<h1>Morocco</h1>" in html and "Africa" in html and "3 records" in html
    assert html.count("Published measure") == 3 and "Unpublished draft" not in html


def test_organisation_page(client, people):
    org = people["editor"].profile.organisation
    EvidenceFactory(published=True, member_state=None, organisation=org, title="Legal aid clinics")
    html = client.get(f"/organisations/{org.pk}/").content.decode()
    assert "Migrant Rights Network" in html and "Civil society" in html and "Legal aid clinics" in html


def test_action_page_lists_primary_and_linked_published_evidence(client, people, django_assert_max_num_queries):
    a13 = Action.objects.get(code="13(a)")
    EvidenceFactory(published=True, primary_action=a13, title="Primary on 13a")
    linked = EvidenceFactory(published=True, title="Linked to 13a")
    linked.other_actions.add(a13)
    EvidenceFactory(primary_action=a13, title="Draft on 13a")
    with django_assert_max_num_queries(4):  # +1 the SDG targets of the action
        html = client.get("/actions/13a/").content.decode()
    assert "Primary on 13a" in html and "Linked to 13a" in html and "Draft on 13a" not in html
    assert html.count("Primary on 13a") == 1


# --- People -------------------------------------------------------------------------------------


def test_focal_point_invites_and_deactivates_a_contributor(client, people):
    client.force_login(people["focal"])
    html = client.get("/workspace/people/").content.decode()
    assert "amina" in html and "karim" in html and "lucia" not in html
    response = client.post(
        "/workspace/people/", {"username": "fatima", "email": "fatima@example.ma", "first_name": "Fatima"}
    )
    assert response.status_code == 302
    profile = Profile.objects.select_related("user", "member_state").get(user__username="fatima")
    assert profile.role == Role.CONTRIBUTOR and profile.member_state.iso3 == "MAR"
    assert not profile.user.has_usable_password()
    invitation = mail.outbox[-1]
    assert invitation.to == ["fatima@example.ma"] and "Morocco" in invitation.body
    link = re.search(r"http://\S+/accounts/password/reset/\S+/", invitation.body).group(0)
    page = client.get(link.split("testserver")[1], follow=True)
    assert "Choose your password" in page.content.decode() and page.context["validlink"]

    client.post(f"/workspace/people/{profile.user_id}/deactivate/")
    profile.user.refresh_from_db()
    assert not profile.user.is_active


def test_invitation_refuses_a_taken_user_name(client, people):
    client.force_login(people["focal"])
    response = client.post("/workspace/people/", {"username": "Amina", "email": "a@example.org"})
    assert response.status_code == 400 and "This user name is already taken." in response.content.decode()


def test_focal_point_cannot_deactivate_another_states_user(client, people):
    client.force_login(people["focal"])
    response = client.post(f"/workspace/people/{people['other_state'].pk}/deactivate/")
    assert response.status_code == 404
    people["other_state"].refresh_from_db()
    assert people["other_state"].is_active


@pytest.mark.parametrize("who", ["contributor", "secretariat", "editor"])
def test_people_page_is_for_focal_points(client, people, who):
    client.force_login(people[who])
    assert client.get("/workspace/people/").status_code == 403


# --- Log-in -------------------------------------------------------------------------------------


def test_login_form_signs_in_and_out(client, people):
    page = client.get("/accounts/login/").content.decode()
    assert '<label for="id_username">' in page and '<label for="id_password">' in page
    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("commitments:workspace")
    assert "Sign out" in client.get("/workspace/").content.decode()
    client.post("/accounts/logout/")
    assert client.get("/workspace/").status_code == 302


def test_record_page_query_count_does_not_grow_with_history(client, people, django_assert_max_num_queries):
    amina = people["contributor"]
    ev = create(amina)
    for n in range(6):
        ev = services.evidence_update(
            user=amina, evidence=ev, data={"title": f"Title {n}"}, expected_version=ev.version
        )
    client.force_login(amina)
    with django_assert_max_num_queries(16):
        response = client.get(ev.get_absolute_url())
    assert response.content.decode().count("<li>\n      <p><strong>") == 7  # created + six edits


# --- The admin: the secretariat manages organisations and people; evidence is read-only --------


@pytest.fixture
def admin_client_secretariat(client, people):
    user = people["secretariat"]
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_admin_evidence_is_read_only(admin_client_secretariat, people):
    ev = create(people["contributor"])
    assert admin_client_secretariat.get("/admin/commitments/evidence/").status_code == 200
    page = admin_client_secretariat.get(f"/admin/commitments/evidence/{ev.pk}/change/")
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    assert admin_client_secretariat.get("/admin/commitments/evidence/add/").status_code == 403
    response = admin_client_secretariat.post(f"/admin/commitments/evidence/{ev.pk}/change/", {"title": "Hacked"})
    assert response.status_code == 403
    assert Evidence.objects.get(pk=ev.pk).title.startswith("Firewall")


def test_admin_creates_an_organisation_and_a_user_with_a_profile(admin_client_secretariat, people):
    from commitments.models import Organisation, StakeholderType

    response = admin_client_secretariat.post(
        "/admin/commitments/organisation/add/",
        {
            "name": "Diaspora Forum",
            "acronym": "DF",
            "stakeholder_type": StakeholderType.objects.get(slug="academia").pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="Diaspora Forum")
    page = admin_client_secretariat.get(f"/admin/auth/user/{people['editor'].pk}/change/").content.decode()
    assert "profile-0-role" in page  # the Profile inline on the user
    assert org.stakeholder_type.slug == "academia"


def test_evidence_pages_have_ordered_headings_and_labelled_controls(client, people):
    amina = people["contributor"]
    ev = services.evidence_submit(user=amina, evidence=create(amina))
    pages = {
        people["contributor"]: ["/workspace/", "/workspace/objectives/15/", "/workspace/evidence/new/?action=13a"],
        people["focal"]: [ev.get_absolute_url(), "/review/", "/workspace/people/", f"/evidence/{ev.record}/history/"],
        None: ["/states/MAR/", "/accounts/login/"],
    }
    for user, urls in pages.items():
        client.logout()
        if user:
            client.force_login(user)
        for url in urls:
            html = client.get(url).content.decode()
            levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
            assert levels[0] == 1 and levels.count(1) == 1, url
            assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)
            labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
            controls = re.findall(
                r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', html
            )
            assert controls and set(controls) <= labelled, (url, set(controls) - labelled)
