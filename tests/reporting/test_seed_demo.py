"""seed_demo: deterministic, realistic, marked as demo, refused in production, quick to re-run."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count

from commitments import cycles
from commitments.models import Evidence, Organisation, Profile, Role
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def seed(*args):
    out = StringIO()
    call_command("seed_demo", "--allow-production", *args, stdout=out)
    return out.getvalue()


def per_objective():
    rows = Evidence.objects.values("primary_action__objective__number").annotate(n=Count("id"))
    return {row["primary_action__objective__number"]: row["n"] for row in rows}


def per_state():
    rows = Evidence.objects.filter(member_state__isnull=False).values("member_state__iso3").annotate(n=Count("id"))
    return {row["member_state__iso3"]: row["n"] for row in rows}


def test_same_seed_same_data_other_seed_other_data(framework):
    seed("--records", "400", "--seed", "7", "--organisations", "60")
    first = (per_objective(), per_state(), sorted(Evidence.objects.values_list("title", flat=True)))
    seed("--records", "400", "--seed", "7", "--organisations", "60", "--reset")
    again = (per_objective(), per_state(), sorted(Evidence.objects.values_list("title", flat=True)))
    assert first == again
    seed("--records", "400", "--seed", "8", "--organisations", "60", "--reset")
    assert per_state() != first[1]


def test_everything_is_demo_data_and_published_rows_are_consistent(framework):
    output = seed("--records", "500", "--seed", "3", "--organisations", "80")
    assert "Seeded 500 evidence records" in output
    assert Evidence.objects.count() == 500
    assert not Evidence.objects.filter(is_demo=False).exists()
    assert Organisation.objects.filter(is_demo=True).count() == 80
    published = Evidence.objects.filter(is_published=True)
    assert 400 < published.count() < 500  # about 10% drafts, submitted and returned
    assert set(published.values_list("review_state", flat=True)) == {"validated"}
    for cycle, validated_at in published.values_list("cycle", "validated_at")[:200]:
        assert cycle == cycles.cycle_for(validated_at.date())
    assert set(published.values_list("cycle", flat=True)) == {1, 2, 3}
    unpublished = Evidence.objects.filter(is_published=False)
    assert set(unpublished.values_list("review_state", flat=True)) <= {"draft", "submitted", "returned"}
    assert not unpublished.filter(validated_at__isnull=False).exists()
    # Many-to-many rows were written with the records.
    assert Evidence.principles.through.objects.count() > 500
    assert Evidence.partners.through.objects.count() > 300
    assert Evidence.groups_reached.through.objects.count() > 100
    assert Evidence.other_actions.through.objects.exists()
    # Realistic text and uneven reporting: some States report a lot, some not at all.
    assert min(len(d) for d in Evidence.objects.values_list("description", flat=True)) > 100
    counts = sorted(per_state().values(), reverse=True)
    assert counts[0] > 5 * counts[len(counts) // 2]
    assert len(counts) < 193
    assert Organisation.objects.values("stakeholder_type").distinct().count() >= 10


def test_refused_without_debug_unless_allowed(framework, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=false"):
        call_command("seed_demo", "--records", "10", stdout=StringIO())
    assert not Evidence.objects.exists()


def test_if_empty_leaves_a_database_with_evidence_alone(framework):
    EvidenceFactory(published=True)
    output = seed("--records", "50", "--if-empty")
    assert "already has evidence" in output
    assert Evidence.objects.count() == 1


def test_existing_demo_data_needs_reset(framework):
    seed("--records", "20", "--organisations", "10")
    with pytest.raises(CommandError, match="--reset"):
        seed("--records", "20", "--organisations", "10")
    assert Evidence.objects.count() == 20


def test_demo_logins_per_role_only_with_debug(framework, settings):
    output = seed("--records", "20", "--organisations", "10")
    assert "no demo log-ins" in output
    assert not get_user_model().objects.filter(username__startswith="demo-").exists()

    settings.DEBUG = True
    output = call_and_capture("--records", "20", "--organisations", "10", "--reset")
    roles = dict(Profile.objects.filter(user__username__startswith="demo-").values_list("user__username", "role"))
    assert set(roles.values()) == {role.value for role in Role}
    for line in output.splitlines():
        if "password " in line:
            username, password = line.split("username ")[1].split("  password ")
            assert get_user_model().objects.get(username=username.strip()).check_password(password.strip())
    assert output.count("password ") == 5
    focal = Profile.objects.get(user__username="demo-focal-point")
    assert focal.member_state.iso3 == "MAR"


def call_and_capture(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()
