"""Addresses per language, the switcher, the remembered choice, and mail in the reader's language."""

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from commitments import services
from commitments.models import Action, Evidence, Profile
from reporting.schedule import send_reminders
from tests.factories import PASSWORD, EvidenceFactory, Role, make_user

pytestmark = pytest.mark.django_db


def test_every_page_has_an_address_per_language(client, framework):
    assert reverse("commitments:objective", args=[13]) == "/objectives/13/"
    with translation.override("fr"):
        assert reverse("commitments:objective", args=[13]) == "/fr/objectives/13/"
    with translation.override("zh-hans"):
        assert reverse("dashboards:global") == "/zh-hans/dashboards/"
    html = client.get("/fr/objectives/13/").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert '<html lang="ar" dir="rtl">' in client.get("/ar/objectives/13/").content.decode()


def test_hreflang_names_the_same_page_in_the_six_languages(client, framework):
    html = client.get("/fr/objectives/13/?page=2").content.decode()
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    assert alternates == {
        "ar": "http://testserver/ar/objectives/13/?page=2",
        "zh-Hans": "http://testserver/zh-hans/objectives/13/?page=2",
        "en": "http://testserver/objectives/13/?page=2",
        "fr": "http://testserver/fr/objectives/13/?page=2",
        "ru": "http://testserver/ru/objectives/13/?page=2",
        "es": "http://testserver/es/objectives/13/?page=2",
    }


def test_old_permalinks_still_work_and_follow_the_browsers_language(framework):
    assert Client().get("/objectives/13/").status_code == 200  # English, as before
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    response = spanish.get("/objectives/13/?page=2")
    assert response.status_code == 302 and response["Location"] == "/es/objectives/13/?page=2"
    assert "Accept-Language" in response["Vary"]
    assert Client(HTTP_ACCEPT_LANGUAGE="de").get("/objectives/13/").status_code == 200  # not offered: English


def test_machine_addresses_keep_one_address(framework):
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    assert french.get("/api/v1/objectives/").status_code == 200
    assert french.get("/api/v1/docs/").status_code == 200
    assert french.get("/admin/login/").status_code == 200


def test_the_switcher_keeps_the_page_and_is_remembered_for_signed_in_people(client, framework):
    user = make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/fr/objectives/13/?page=2"})
    assert response["Location"] == "/ar/objectives/13/?page=2"
    assert Profile.objects.get(user=user).language == "ar"


def test_the_remembered_language_applies_at_log_in(framework):
    user = make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    Profile.objects.filter(user=user).update(language="ru")
    client = Client()
    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/ru/workspace/"
    assert client.cookies["django_language"].value == "ru"
    assert client.get("/objectives/1/")["Location"] == "/ru/objectives/1/"


def test_without_a_remembered_language_log_in_keeps_the_page_language(framework):
    make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    response = Client().post("/fr/accounts/login/", {"username": "amina", "password": PASSWORD})
    assert response["Location"] == "/fr/workspace/"


def test_transition_mail_goes_out_in_each_recipients_language(framework, django_capture_on_commit_callbacks):
    contributor = make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    make_user(Role.FOCAL_POINT, state="MAR", username="karim")
    Profile.objects.filter(user__username="youssef").update(language="ar")
    Profile.objects.filter(user__username="karim").update(language="fr")
    evidence = services.evidence_create(
        user=contributor,
        data={
            "title": "Alternatives to detention",
            "description": "Case management.",
            "primary_action": Action.objects.get(code="13(a)"),
            "status": Evidence.Status.UNDER_WAY,
            "level": Evidence.Level.NATIONAL,
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_submit(user=contributor, evidence=evidence)
    by_recipient = {tuple(m.to): m.body for m in mail.outbox}
    assert set(by_recipient) == {("youssef@example.org",), ("karim@example.org",)}  # one mail per language
    assert f"/ar/evidence/{evidence.record}/" in by_recipient[("youssef@example.org",)]
    assert f"/fr/evidence/{evidence.record}/" in by_recipient[("karim@example.org",)]


def test_reminders_go_out_in_the_focal_points_language(framework):
    make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    Profile.objects.filter(user__username="youssef").update(language="ar")
    EvidenceFactory(review_state=Evidence.ReviewState.SUBMITTED)
    with time_machine.travel("2025-03-03 06:00Z", tick=False):
        assert send_reminders() == 1
    assert "/ar/workspace/" in mail.outbox[0].body


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_api_docs_say_their_language(client, url):
    assert '<html lang="en">' in client.get(url).content.decode()
