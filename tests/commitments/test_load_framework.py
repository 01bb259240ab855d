"""`load_framework` on an empty database, again, and after a corrected text."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from commitments import framework
from commitments.models import Action, GuidingPrinciple, Instrument, MemberState, Objective, Paragraph, StakeholderType

pytestmark = pytest.mark.django_db


def run_load():
    out = StringIO()
    call_command("load_framework", stdout=out)
    return out.getvalue()


def test_load_on_empty_database_gives_the_whole_framework(empty_database):
    assert not Objective.objects.exists() and not MemberState.objects.exists()
    run_load()
    assert Instrument.objects.get().symbol == "A/RES/73/195"
    assert Objective.objects.count() == 23
    assert Action.objects.count() == 187
    assert GuidingPrinciple.objects.count() == 10
    assert Paragraph.objects.count() == 15
    assert MemberState.objects.filter(is_observer=False).count() == 193
    assert MemberState.objects.filter(is_observer=True).count() == 2
    assert not MemberState.objects.filter(iso3="").exists() and not MemberState.objects.filter(region="").exists()
    assert StakeholderType.objects.count() == 13
    source = framework.SOURCE.read_text(encoding="utf-8")
    for action in Action.objects.all():
        assert action.text in source
    assert Action.objects.get(code="13(a)").text.startswith("Use existing relevant human rights mechanisms")


def test_second_load_changes_no_row(django_assert_max_num_queries):
    run_load()
    snapshot = {a.pk: (a.code, a.text) for a in Action.objects.all()}
    out = run_load()
    assert "Framework already up to date: nothing changed." in out
    assert "0 created, 0 updated" in out
    assert {a.pk: (a.code, a.text) for a in Action.objects.all()} == snapshot


def test_corrected_text_updates_in_place_and_keeps_ids(tmp_path, monkeypatch):
    run_load()
    before = Action.objects.get(code="13(a)")
    data = framework.load_fixture(framework.FRAMEWORK_JSON)
    data["objectives"][12]["actions"][0]["text"] = "Corrected text."
    corrected = tmp_path / "framework.json"
    corrected.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(framework, "FRAMEWORK_JSON", corrected)
    out = run_load()
    after = Action.objects.get(code="13(a)")
    assert after.pk == before.pk and after.text == "Corrected text."
    assert "actions: 0 created, 1 updated, 186 unchanged" in out


def test_a_first_load_writes_in_batches(empty_database, django_assert_max_num_queries):
    """About a thousand rows (the compact, 195 States, 438 SDG items ...) in a few statements, not one
    INSERT, savepoint and data-version UPDATE each: the test suite's PostgreSQL run paid minutes for it."""
    with django_assert_max_num_queries(200):
        run_load()
    assert MemberState.objects.count() == 195 and Action.objects.count() == 187
