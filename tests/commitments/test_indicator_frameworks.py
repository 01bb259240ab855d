"""The SDG framework as fixtures, and indicator frameworks loaded as data, matched by code."""

import json
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from commitments import framework
from commitments.indicators import loading, sources
from commitments.indicators.models import ActionTarget, FrameworkItem, IndicatorFramework, in_language
from commitments.models import Action

SDG = framework.load_fixture(sources.SDG_JSON)
SIX = {"en", "fr", "es", "ru", "ar", "zh-hans"}


def test_sdg_fixture_counts_and_titles_in_six_languages():
    kinds = {}
    for item in SDG["items"]:
        kinds.setdefault(item["kind"], []).append(item["code"])
    assert len(kinds["goal"]) == 17
    assert len(kinds["target"]) == 169
    assert len(kinds["indicator"]) == len(set(kinds["indicator"])) == 252
    assert all(set(item["titles"]) == SIX and all(item["titles"].values()) for item in SDG["items"])
    assert {"10.7", "10.c", "10.7.1", "10.7.4", "8.8.1", "8.8.2", "17.18.1", "10.c.1"} <= set(
        kinds["target"] + kinds["indicator"]
    )


def test_sdg_fixture_titles_are_the_source_titles():
    """Every title is the source YAML's text (whitespace folded), in every language."""
    by_code = {item["code"]: item for item in SDG["items"]}
    for folder, lang in sources.SOURCE_LANGUAGES.items():
        for name in ("goals", "targets", "indicators"):
            source = yaml.safe_load((sources.SDG_SOURCE / folder / f"global_{name}.yml").read_text(encoding="utf-8"))
            for key, text in source.items():
                if key.endswith("-title"):
                    code = key[: -len("-title")].replace("-", ".")
                    assert by_code[code]["titles"][lang] == " ".join(text.split()), (folder, key)


def test_sdg_source_copy_is_the_shared_source_with_its_licence():
    shared = framework.FIXTURES_DIR.parent.parent / "shared" / "sources" / "sdg"
    assert "MIT License" in (sources.SDG_SOURCE / "LICENSE").read_text(encoding="utf-8")
    if shared.exists():  # beside the checkout in development and CI
        for path in shared.rglob("*.yml"):
            copy = sources.SDG_SOURCE / path.relative_to(shared)
            assert copy.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path


def test_default_links_name_existing_actions_and_targets_and_say_where_they_come_from():
    actions = {a["code"] for o in framework.load_fixture(framework.FRAMEWORK_JSON)["objectives"] for a in o["actions"]}
    targets = {i["code"] for i in SDG["items"] if i["kind"] == "target"}
    links = yaml.safe_load(sources.SDG_ACTION_LINKS.read_text(encoding="utf-8"))["links"]
    assert links and all(link["action"] in actions and link["target"] in targets for link in links)
    assert all(link["basis"] in {"cited", "subject"} and link["note"] for link in links)
    cited = [(link["action"], link["target"]) for link in links if link["basis"] == "cited"]
    assert cited == [("20(a)", "10.c")]
    source = framework.SOURCE.read_text(encoding="utf-8")
    assert "in line with target 10.c of the 2030 Agenda" in source


@pytest.mark.django_db
def test_load_framework_loads_the_sdgs_and_is_idempotent(django_assert_max_num_queries):
    call_command("load_framework", stdout=StringIO())
    sdg = IndicatorFramework.objects.get(code="sdg")
    assert sdg.items.filter(kind="goal").count() == 17
    assert sdg.items.filter(kind="target").count() == 169
    assert FrameworkItem.objects.get(code="10.7.1").parent.code == "10.7"
    assert FrameworkItem.objects.get(code="10.7").parent.code == "10"
    link = ActionTarget.objects.get(action__code="20(a)", item__code="10.c")
    assert link.basis == "cited" and link.is_default and "para 36" in link.source_note
    before = list(FrameworkItem.objects.order_by("pk").values())
    out = StringIO()
    call_command("load_framework", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert list(FrameworkItem.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_secretariat_choices_on_links_survive_a_reload():
    call_command("load_framework", stdout=StringIO())
    default = ActionTarget.objects.get(action__code="6(a)", item__code="8.8")
    default.active = False
    default.save()
    added = ActionTarget.objects.create(
        action=Action.objects.get(code="6(b)"), item=FrameworkItem.objects.get(code="10.7"), source_note="Secretariat"
    )
    call_command("load_framework", stdout=StringIO())
    default.refresh_from_db()
    assert default.active is False
    assert ActionTarget.objects.get(pk=added.pk).source_note == "Secretariat"


def _document(version, codes):
    items = [{"code": "1", "kind": "goal", "titles": {"en": "Goal one"}}]
    items += [{"code": c, "kind": "indicator", "parent": "1", "titles": {"en": f"Indicator {c}"}} for c in codes]
    meta = {"code": "gcm-ind", "name": "GCM indicators", "version": version, "source": "test", "licence": "CC BY"}
    return {"framework": meta, "items": items}


@pytest.mark.django_db
def test_a_new_version_keeps_links_and_retires_removed_items(framework):
    loading.load_document(_document("2024", ["1.1", "1.2"]))
    old = FrameworkItem.objects.get(framework__code="gcm-ind", code="1.2")
    link = ActionTarget.objects.create(action=Action.objects.get(code="1(a)"), item=old, source_note="test")
    result = loading.load_document(_document("2026", ["1.1", "1.3"]))
    assert (result.created, result.retired) == (1, 1)
    old.refresh_from_db()
    assert old.retired and old.retired_in == "2026" and old.first_version == "2024"
    assert ActionTarget.objects.get(pk=link.pk).item_id == old.pk
    result = loading.load_document(_document("2027", ["1.1", "1.2", "1.3"]))
    old.refresh_from_db()
    assert result.reinstated == 1 and not old.retired


@pytest.mark.django_db
def test_command_loads_a_csv_and_refuses_a_bad_file_whole(tmp_path):
    good = tmp_path / "national.csv"
    good.write_text(
        "code,kind,parent,title_en,title_fr\nN1,goal,,Decent work,Travail décent\nN1.1,target,N1,Fair fees,\n"
    )
    out = StringIO()
    call_command(
        "load_indicator_framework",
        str(good),
        "--code=nat",
        "--name=National set",
        "--framework-version=1",
        "--source=Ministry",
        "--licence=CC BY 4.0",
        stdout=out,
    )
    assert "2 created" in out.getvalue()
    item = FrameworkItem.objects.get(framework__code="nat", code="N1")
    assert item.titles == {"en": "Decent work", "fr": "Travail décent"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(json.dumps(_document("2", ["N1.1", "N1.1"])).replace('"parent": "1"', '"parent": "X"', 1))
    with pytest.raises(CommandError) as exc:
        call_command("load_indicator_framework", str(bad), stdout=StringIO())
    assert "appears twice" in str(exc.value) and "parent X is not in the file" in str(exc.value)
    assert not IndicatorFramework.objects.filter(code="gcm-ind").exists()


def test_titles_fall_back_to_english_marked_as_english():
    titles = {"en": "Decent work", "fr": "Travail décent"}
    assert in_language(titles, "fr") == ("Travail décent", "fr")
    assert in_language(titles, "ar") == ("Decent work", "en")
    assert in_language({"en": "x", "zh-hans": "y"}, "zh-hans") == ("y", "zh-hans")
