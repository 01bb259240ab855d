"""An official translation of the compact is parsed, checked whole, loaded and shown; never made up.

There is no official translation in the repository, so these tests build a clearly artificial
"French" text from the English source: the French markers of framework.LAYOUTS around the
English sentences prefixed "[fr] ". It exercises the path an official text takes, nothing more.
"""

import re
from dataclasses import replace
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import framework
from commitments.models import Action, GuidingPrinciple, Instrument, Objective, Paragraph
from tests.factories import Role, make_user

pytestmark = pytest.mark.django_db

EN, FR = framework.LAYOUTS["en"], framework.LAYOUTS["fr"]
ENGLISH = framework.load_fixture(framework.FRAMEWORK_JSON)
NUMBERED = re.compile(r"^\s*(\d{1,2})\.\s+(.*\S)\s*$")


def synthetic_french(drop=None, intro=None, tag="fr", marker="({})".format):
    """The English compact with the markers of `tag`'s layout and "[fr] " before every text.

    `drop`: an action code left out; `intro`: another actions' introduction; `marker`: how items
    are lettered ("a)" in Spanish)."""
    layout = framework.LAYOUTS[tag]
    intro = intro or layout.actions_intro
    headings = {
        EN.annex: layout.annex,
        EN.objectives_list: layout.objectives_list,
        EN.objectives_body: layout.objectives_body,
        EN.implementation: layout.implementation,
        EN.follow_up: layout.follow_up,
    }
    subheadings = {a["subheading"] for o in ENGLISH["objectives"] for a in o["actions"]} - {""}
    dropped = None
    if drop:
        action = next(a for o in ENGLISH["objectives"] for a in o["actions"] if a["code"] == drop)
        dropped = f"({action['letter']}) {action['text']}"
    lines = framework.compact_lines(framework.SOURCE.read_text(encoding="utf-8"))
    out = []
    for i, line in enumerate(lines):
        if line in headings:
            out.append(headings[line])
        elif i == 1:
            out.append(f"[{tag}] {line}")  # the compact's title
        elif line.strip() == EN.actions_intro:
            out.append(intro)
        elif match := EN.objective_re.match(line):
            # French sets a no-break space before the colon: the parser must accept it.
            out.append(f"{layout.objective} {match[1]}\u00a0: [{tag}] {match[2]}")
        elif line.strip() == dropped:
            continue
        elif match := NUMBERED.match(line):
            out.append(f"{match[1]}. [{tag}] {match[2]}")
        elif match := EN.item_re.match(line):
            out.append(f"{marker(match[2])} [{tag}] {match[3]}")
        elif line.strip() in subheadings:
            out.append(f"[{tag}] {line.strip()}")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.fixture
def translation_dirs(tmp_path, monkeypatch):
    """fixtures/source/<lang>/ and fixtures/framework_<lang>.json redirected into tmp_path."""
    monkeypatch.setattr(framework, "SOURCE_DIR", tmp_path / "source")
    monkeypatch.setattr(framework, "TRANSLATION_FIXTURES_DIR", tmp_path)
    return tmp_path


def put_source(root, text, language="fr"):
    folder = root / "source" / language
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a_res_73_195.txt").write_text(text, encoding="utf-8")


def build_translations():
    """What build_fixtures writes for the translations (the English files are tested elsewhere)."""
    for path, content in framework.translation_files().items():
        path.write_text(content, encoding="utf-8")


def main(response):
    """The page's <main>: the footer names A/RES/73/195 on every page."""
    return response.content.decode().split("<main")[1].split("</main>")[0]


def load():
    out = StringIO()
    call_command("load_framework", stdout=out)
    return out.getvalue()


def test_a_complete_translation_is_derived_loaded_and_shown(translation_dirs, client):
    put_source(translation_dirs, synthetic_french())
    build_translations()
    derived = framework.load_fixture(translation_dirs / "framework_fr.json")
    assert derived["source"] == "fixtures/source/fr/a_res_73_195.txt"
    assert len(derived["actions"]) == 187 and len(derived["objectives"]) == 23
    assert len(derived["principles"]) == 10 and sorted(derived["paragraphs"], key=int) == [
        str(n) for n in range(40, 55)
    ]

    load()
    action = Action.objects.get(code="13(a)")
    assert action.translations["fr"]["text"] == f"[fr] {action.text}"
    assert Objective.objects.get(number=13).translations["fr"]["title"].startswith("[fr] Use migration detention")
    assert GuidingPrinciple.objects.get(letter="a").translations["fr"]["name"] == "[fr] People-centred"
    assert Paragraph.objects.get(number=40).translations["fr"]["text"].startswith("[fr] For the effective")
    assert Instrument.objects.get().translations == {
        "fr": {"title": "[fr] Global Compact for Safe, Orderly and Regular Migration"}
    }
    subheaded = Action.objects.exclude(subheading="").first()
    assert subheaded.translations["fr"]["subheading"] == f"[fr] {subheaded.subheading}"

    french = main(client.get("/fr/objectives/13/"))
    assert f'<span lang="fr">{Objective.objects.get(number=13).translations["fr"]["title"]}</span>' in french
    assert '<blockquote lang="fr"><p><span class="para-number">29.</span> [fr] ' in french
    assert '<ul class="action-list" lang="fr">' in french and "[fr] Use existing relevant human rights" in french
    assert "compact-language" not in french and "A/RES/73/195" not in french
    page = main(client.get("/fr/actions/13a/"))
    assert (
        '<blockquote class="action-text" lang="fr"><p>(a) [fr] Use existing' in page and "compact-language" not in page
    )
    home = main(client.get("/fr/"))
    assert '<li lang="fr"><strong>(a) [fr] People-centred</strong></li>' in home and "compact-language" not in home

    # The official text comes with the rows already read: no query more than the English fallback.
    for path in ("/objectives/13/", "/actions/13a/", "/"):
        cache.clear()  # readers' pages are cached: count the queries that make them
        with CaptureQueriesContext(connection) as french_queries:
            client.get(f"/fr{path}")
        with CaptureQueriesContext(connection) as spanish_queries:
            client.get(f"/es{path}")
        assert len(french_queries) == len(spanish_queries), path

    # Spanish has no official text loaded: still English, marked, with the note.
    spanish = main(client.get("/es/objectives/13/"))
    assert '<blockquote lang="en">' in spanish and "[fr]" not in spanish
    assert '<p class="note compact-language">' in spanish and "A/RES/73/195" in spanish


def test_loading_again_changes_nothing_and_a_removed_translation_is_unloaded(translation_dirs):
    put_source(translation_dirs, synthetic_french())
    build_translations()
    load()
    assert "Framework already up to date: nothing changed." in load()
    (translation_dirs / "framework_fr.json").unlink()
    out = load()
    assert "actions: 0 created, 187 updated" in out
    assert not Action.objects.exclude(translations={}).exists()


def test_an_incomplete_translation_is_refused_naming_objective_and_action(translation_dirs):
    put_source(translation_dirs, synthetic_french(drop="13(c)"))
    with pytest.raises(framework.SourceError) as error:
        framework.translation_files()
    assert "objective 13: 7 actions where the compact has 8 (missing: action 13(c))" in str(error.value)
    with pytest.raises(CommandError, match=r"Nothing was written: .*13\(c\)"):
        call_command("build_fixtures", stdout=StringIO())
    assert not (translation_dirs / "framework_fr.json").exists()


def test_a_wrong_marker_is_refused_by_name(translation_dirs):
    put_source(translation_dirs, synthetic_french(intro=EN.actions_intro))
    with pytest.raises(framework.SourceError, match="objective 1: expected the actions' introduction"):
        framework.translation_files()


def test_a_tampered_translation_fixture_is_refused_and_nothing_is_loaded(translation_dirs):
    load()
    put_source(translation_dirs, synthetic_french())
    build_translations()
    path = translation_dirs / "framework_fr.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"13(c)"', '"13(z)"'), encoding="utf-8")
    with pytest.raises(CommandError, match=r"framework_fr.json is refused.*actions missing: 13\(c\).*13\(z\)"):
        load()
    assert not Action.objects.exclude(translations={}).exists()
    assert not Instrument.objects.exclude(translations={}).exists()


def test_two_files_for_one_language_are_refused(translation_dirs):
    put_source(translation_dirs, synthetic_french())
    (translation_dirs / "source" / "fr" / "copy.txt").write_text("x", encoding="utf-8")
    with pytest.raises(framework.SourceError, match="one text file expected, found 2"):
        framework.translation_files()


@pytest.mark.usefixtures("framework")
def test_without_an_official_text_the_english_is_shown_marked_with_the_document_named(client):
    assert framework.translation_files() == {}  # no official translation in the repository today
    assert not Action.objects.exclude(translations={}).exists()
    home = main(client.get("/ru/"))
    assert '<li lang="en"><strong>(a) People-centred</strong></li>' in home
    assert '<p class="note compact-language">' in home and "A/RES/73/195" in home
    page = main(client.get("/zh-hans/objectives/13/"))
    assert '<span lang="en">Use migration detention only as a measure of last resort' in page
    assert '<ul class="action-list" lang="en">' in page and "A/RES/73/195" in page


def test_the_evidence_form_offers_the_actions_in_the_official_text_of_the_readers_language(translation_dirs, client):
    put_source(translation_dirs, synthetic_french())
    build_translations()
    load()
    client.force_login(make_user(Role.FOCAL_POINT, state="MAR", username="amina"))
    french = client.get("/fr/workspace/evidence/new/").content.decode()
    assert "13(a) [fr] Use existing relevant human rights" in french
    english = client.get("/workspace/evidence/new/").content.decode()
    assert "13(a) Use existing relevant human rights" in english and "[fr]" not in english


def test_the_principles_chart_names_them_in_the_official_text_of_the_readers_language(translation_dirs, client):
    put_source(translation_dirs, synthetic_french())
    build_translations()
    load()
    assert "(a) [fr] People-centred" in client.get("/fr/dashboards/").content.decode()
    english = client.get("/dashboards/").content.decode()
    assert "(a) People-centred" in english and "[fr]" not in english


@pytest.mark.parametrize("language", ["es", "zh-hans"])
def test_items_lettered_the_languages_way_are_read(translation_dirs, monkeypatch, language):
    """Spanish letters its items "a)"; Chinese may set full-width brackets "（a）"."""
    # The synthetic text keeps the English ". " after each principle's name (Chinese ends it "。").
    monkeypatch.setitem(framework.LAYOUTS, language, replace(framework.LAYOUTS[language], name_end=". "))
    marker = "{})".format if language == "es" else "（{}）".format
    text = synthetic_french(tag=language, marker=marker)
    derived = framework.derive_translation(text, language, ENGLISH)
    assert derived["actions"]["13(c)"]["text"].startswith(f"[{language}] ")
    assert derived["paragraphs"]["45"]["text"].count(f"\n{marker('a')} [{language}] ") == 1


def test_principles_whose_names_do_not_end_as_the_layout_says_are_refused():
    text = synthetic_french(tag="zh-hans")  # names end ". ", the Chinese layout expects "。"
    with pytest.raises(framework.SourceError, match=r"guiding principles without a name .*: \(a\), \(b\)"):
        framework.derive_translation(text, "zh-hans", ENGLISH)
