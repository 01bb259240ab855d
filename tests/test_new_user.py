"""What a new user meets on a second start: how to sign in, and how to make an operator."""

import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from commitments.models import Profile, Role
from tests.conftest import ROOT
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def test_a_second_start_says_how_to_sign_in(framework, settings):
    settings.DEBUG = True
    EvidenceFactory()
    get_user_model().objects.create_user("demo-secretariat")
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    text = out.getvalue()
    assert "How to sign in" in text and "demo-secretariat" in text
    assert "manage.py changepassword" in text and "manage.py create_operator" in text


def test_create_operator_makes_a_secretariat_superuser(framework, monkeypatch):
    monkeypatch.setenv("OPERATOR_PASSWORD", "a long enough passphrase 42")
    call_command("create_operator", "ops", "--email", "ops@example.org", "--admin", stdout=io.StringIO())
    user = get_user_model().objects.get(username="ops")
    assert user.is_superuser and user.check_password("a long enough passphrase 42")
    assert Profile.objects.get(user=user).role == Role.SECRETARIAT
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_operator", "ops", stdout=io.StringIO())
    monkeypatch.setenv("OPERATOR_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command("create_operator", "ops2", stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="ops2").exists()


def test_run_gives_each_checkout_its_own_redis_and_follows_the_port_in_links():
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "cksum" in script and "REDIS_URL=redis://127.0.0.1:%s/0" in script
    assert "SITE_URL=${SITE_URL:-http://$HOST:$PORT}" in script
    readme = (ROOT / "README.md").read_text()
    assert "PORT" in readme and "HOST" in readme and "create_operator" in readme
    assert os.access(ROOT / "scripts" / "run.sh", os.X_OK)
