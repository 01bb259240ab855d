"""A signed-in user creates, sees and revokes their own API token."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commitments.models import ApiTokenUse
from tests.factories import Role, make_user

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_a_user_creates_sees_and_revokes_their_token(framework, client):
    user = make_user(Role.CONTRIBUTOR, state="MAR")
    assert client.get("/accounts/token/").status_code == 302  # signed-in users only
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'href="/accounts/token/"' in page
    assert "You have no API token" in client.get("/accounts/token/").content.decode()

    with time_machine.travel(T0, tick=False):
        created = client.post("/accounts/token/", {"action": "create"}).content.decode()
    key = Token.objects.get(user=user).key
    assert key in created and "not shown again" in created
    page = client.get("/accounts/token/").content.decode()
    assert key not in page and "2026-03-02 10:00 UTC" in page and "never" in page

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert api.get("/api/v1/evidence/", {"mine": "true"}).status_code == 200
    # Used again within the minute: not written again (at most one write a minute per token).
    with time_machine.travel(T0 + timedelta(minutes=5, seconds=30), tick=False):
        assert api.get("/api/v1/objectives/1/").status_code == 200
    assert ApiTokenUse.objects.get(token__user=user).last_used_at == T0 + timedelta(minutes=5)
    assert "2026-03-02 10:05 UTC" in client.get("/accounts/token/").content.decode()

    client.post("/accounts/token/", {"action": "revoke"})
    assert not Token.objects.filter(user=user).exists()
    assert api.get("/api/v1/evidence/", {"mine": "true"}).status_code == 401


def test_the_api_documentation_says_how_to_get_a_token(framework, client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert "/accounts/token/" in schema["info"]["description"]
