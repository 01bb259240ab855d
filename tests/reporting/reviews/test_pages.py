"""The review pages: who sees and does what over HTTP, stale edits, downloads, the public list."""

from django.urls import reverse

from reporting.reviews import services
from reporting.reviews.models import Contribution, SectionKind, VoluntaryReview


def login(client, user):
    client.force_login(user)
    return client


def policy(review):
    return review.sections.get(kind=SectionKind.POLICY)


def test_focal_point_creates_a_review_from_the_form(world, client, django_capture_on_commit_callbacks):
    login(client, world["focal"])
    assert client.get(reverse("reviews:new")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:new"), {"milestone": world["milestone"].pk, "language": "es"})
    review = VoluntaryReview.objects.get()
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    assert (review.member_state, review.language, review.drafting) == (world["state"], "es", "ready")
    again = client.post(reverse("reviews:new"), {"milestone": world["milestone"].pk, "language": "en"})
    assert again.status_code == 400 and "already has a review" in again.content.decode()
    status = client.get(reverse("reviews:status", args=[review.pk])).json()
    assert status == {
        "status": "complete",
        "status_label": "Ready to edit",
        "progress": 100,
        "error": "",
        "finished": True,
    }


def test_only_focal_points_create(world, client):
    login(client, world["contributor"])
    assert client.get(reverse("reviews:new")).status_code == 403
    assert (
        client.post(reverse("reviews:new"), {"milestone": world["milestone"].pk, "language": "en"}).status_code == 403
    )
    assert not VoluntaryReview.objects.exists()


def test_another_state_cannot_read_or_edit_over_http(review, world, client):
    section = policy(review)
    for outsider in (world["other_focal"], world["stakeholder_elsewhere"]):
        client.logout()
        login(client, outsider)
        assert client.get(review.get_absolute_url()).status_code == 404
        assert client.get(reverse("reviews:status", args=[review.pk])).status_code == 404
        url = reverse("reviews:section", args=[review.pk, section.pk])
        assert client.post(url, {"narrative": "hijacked", "version": 1}).status_code == 404
        assert client.post(url, {"text": "our view"}).status_code == 404
        assert client.post(reverse("reviews:finalise", args=[review.pk])).status_code == 404
    client.logout()
    assert client.get(review.get_absolute_url()).status_code == 404  # the public neither
    section.refresh_from_db()
    assert section.version == 1 and not Contribution.objects.exists() and not review.versions.exists()


def test_edit_page_saves_and_a_stale_edit_keeps_both_texts(review, world, client):
    section = policy(review)
    url = reverse("reviews:section", args=[review.pk, section.pk])
    login(client, world["contributor"])
    assert client.post(url, {"narrative": "First text.", "version": 1}).status_code == 302
    stale = client.post(url, {"narrative": "My <script>alert(1)</script> text.", "version": 1})
    body = stale.content.decode()
    assert stale.status_code == 409 and "Someone else saved this section" in body
    assert "First text." in body and "My &lt;script&gt;alert(1)&lt;/script&gt; text." in body
    assert "<script>alert(1)" not in body
    section.refresh_from_db()
    assert section.narrative == "First text." and section.version == 2


def test_a_based_stakeholder_contributes_and_the_focal_point_decides(review, world, client):
    section = policy(review)
    url = reverse("reviews:section", args=[review.pk, section.pk])
    login(client, world["stakeholder"])
    page = client.get(url).content.decode()
    assert "Send the contribution" in page and "Save the section" not in page
    assert client.post(url, {"narrative": "not mine to edit", "version": 1}).status_code == 403
    assert client.post(url, {"text": "Cities took part."}).status_code == 302
    contribution = Contribution.objects.get()
    client.logout()
    login(client, world["contributor"])
    decide = reverse("reviews:decide", args=[review.pk, contribution.pk])
    assert client.post(decide, {"decision": "accepted"}).status_code == 403
    client.logout()
    login(client, world["focal"])
    assert client.post(decide, {"decision": "accepted"}).status_code == 302
    section.refresh_from_db()
    assert "Cities took part." in section.narrative


def test_a_stakeholder_based_elsewhere_is_refused_and_nothing_is_stored(review, world, client):
    login(client, world["stakeholder_elsewhere"])
    url = reverse("reviews:section", args=[review.pk, policy(review).pk])
    assert client.post(url, {"text": "From Mexico."}).status_code == 404
    assert not Contribution.objects.exists()


def test_downloads_and_the_public_list(review, world, client, django_assert_max_num_queries):
    version = services.finalise(world["focal"], review)
    docx = reverse("reviews:download", args=[version.pk, "docx"])
    assert client.get(docx).status_code == 404  # not published: the State's only
    login(client, world["contributor"])
    response = client.get(docx)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    client.logout()
    assert "No State has published a review yet." in client.get(reverse("reviews:list")).content.decode()
    services.publish(world["focal"], version)
    assert client.get(docx).status_code == 200
    assert client.get(reverse("reviews:download", args=[version.pk, "pdf"])).status_code == 200
    with django_assert_max_num_queries(6):
        page = client.get(reverse("reviews:list")).content.decode()
    assert "Morocco" in page and "Regional reviews 2028" in page and "English" in page
    assert client.get(reverse("reviews:list") + "?state=MEX").content.decode().count("Morocco") == 0


def test_pages_render_with_missing_people(review, world, client):
    world["contributor"].delete()  # the author of half the evidence and nothing else
    login(client, world["focal"])
    assert client.get(review.get_absolute_url()).status_code == 200
    section = review.sections.get(kind=SectionKind.OBJECTIVE, objective__number=13)
    assert client.get(reverse("reviews:section", args=[review.pk, section.pk])).status_code == 200


def test_review_page_query_count_does_not_grow_with_sections(review, world, client, django_assert_max_num_queries):
    services.contribute(world["stakeholder"], policy(review), "A view.")
    login(client, world["focal"])
    with django_assert_max_num_queries(12):
        response = client.get(review.get_absolute_url())
    assert response.status_code == 200 and "1 contribution awaits a decision" in response.content.decode()
    section = review.sections.get(kind=SectionKind.OBJECTIVE, objective__number=1)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reviews:section", args=[review.pk, section.pk])).status_code == 200
