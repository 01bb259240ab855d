"""The translation gate (`manage.py check_translations`, run by `make lint`).

Each failure is planted in a copy of a complete catalogue, and the real catalogues are checked
as `make lint` checks them."""

import pytest
from django.core.management import CommandError, call_command

from monitor.translations import build_template, check_translations, placeholders

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def template():
    return build_template()


def complete_catalogue(template, language, nplurals):
    """A catalogue in which every marked string has a (copied) translation."""
    import polib

    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": f"nplurals={nplurals}; plural=0;"}
    for wanted in template:
        entry = polib.POEntry(msgctxt=wanted.msgctxt, msgid=wanted.msgid, msgid_plural=wanted.msgid_plural)
        if wanted.msgid_plural:
            entry.msgstr_plural = dict.fromkeys(range(nplurals), wanted.msgid_plural)
        else:
            entry.msgstr = wanted.msgid
        po.append(entry)
    return po


@pytest.fixture
def locale_tree(tmp_path, template):
    """A temporary locale/ with complete ar and fr catalogues (never the project's locale/)."""
    catalogues = {}
    for language, nplurals in (("ar", 6), ("fr", 2)):
        path = tmp_path / language / "LC_MESSAGES" / "django.po"
        path.parent.mkdir(parents=True)
        po = complete_catalogue(template, language, nplurals)
        po.save(str(path))
        catalogues[language] = (po, path)
    return tmp_path, catalogues


def problems(tree, template):
    return check_translations(locale_dir=tree, languages=["ar", "fr"], template=template)


def plant(catalogues, language, change):
    po, path = catalogues[language]
    change(po)
    po.save(str(path))


def first(po, predicate):
    return next(e for e in po if predicate(e))


def test_the_template_holds_the_marked_strings(template):
    msgids = {e.msgid for e in template}
    assert len(template) > 600
    assert "Skip to main content" in msgids  # a template string
    assert "Arabic" in msgids  # a settings string (gettext_lazy)


def test_complete_catalogues_pass(locale_tree, template):
    tree, _ = locale_tree
    assert problems(tree, template) == []


def test_a_missing_string_fails(locale_tree, template):
    tree, catalogues = locale_tree
    plant(catalogues, "fr", lambda po: po.remove(first(po, lambda e: e.msgid == "Skip to main content")))
    [problem] = problems(tree, template)
    assert problem.catalogue.endswith("fr/LC_MESSAGES/django.po")
    assert problem.msgid == "Skip to main content"
    assert "missing" in problem.problem


def test_an_untranslated_string_fails(locale_tree, template):
    tree, catalogues = locale_tree

    def empty(po):
        first(po, lambda e: e.msgid == "Arabic").msgstr = ""

    plant(catalogues, "ar", empty)
    assert [(p.msgid, p.problem) for p in problems(tree, template)] == [("Arabic", "not translated")]


def test_a_fuzzy_entry_fails(locale_tree, template):
    tree, catalogues = locale_tree
    plant(catalogues, "fr", lambda po: first(po, lambda e: e.msgid == "Arabic").flags.append("fuzzy"))
    [problem] = problems(tree, template)
    assert "fuzzy" in problem.problem


def test_a_missing_plural_form_fails(locale_tree, template):
    tree, catalogues = locale_tree

    def drop_form(po):
        first(po, lambda e: e.msgid_plural).msgstr_plural[5] = ""

    plant(catalogues, "ar", drop_form)
    [problem] = problems(tree, template)
    assert "plural forms missing (the language has 6)" in problem.problem


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s.replace("%(", "%(x", 1),  # a misspelt name
        lambda s: s.replace("%(", "(", 1),  # a dropped placeholder
        lambda s: s + " %(extra)s",  # an added one
    ],
)
def test_a_placeholder_mismatch_fails(locale_tree, template, mangle):
    tree, catalogues = locale_tree
    target = next(e for e in template if "%(" in e.msgid and not e.msgid_plural)

    def change(po):
        entry = first(po, lambda e: e.msgid == target.msgid)
        entry.msgstr = mangle(entry.msgstr)

    plant(catalogues, "fr", change)
    [problem] = problems(tree, template)
    assert problem.msgid == target.msgid
    assert "placeholders differ" in problem.problem


def test_placeholders_are_read_in_every_style():
    assert placeholders("%(name)s has %s of %d {0} {total} 100%% {{literal}}") == (
        {"%(name)", "{total}"},
        ["%s", "%d", "{0}"],
    )


def test_the_command_names_file_msgid_and_problem(locale_tree, capsys):
    tree, catalogues = locale_tree
    plant(catalogues, "fr", lambda po: first(po, lambda e: e.msgid == "Arabic").flags.append("fuzzy"))
    with pytest.raises(CommandError, match="translation problem"):
        call_command("check_translations", locale_dir=str(tree))
    err = capsys.readouterr().err
    assert "fr/LC_MESSAGES/django.po: 'Arabic': fuzzy" in err


def test_todays_catalogues_pass(capsys):
    """make lint's own run: the project's five catalogues against the code."""
    call_command("check_translations")
    assert "translated in every catalogue" in capsys.readouterr().out


def test_reference_names_stored_in_english_are_marked(template):
    """Stakeholder types and groups reached are shown through gettext: each name must be a msgid."""
    from commitments.framework import STAKEHOLDER_TYPES, TARGET_GROUPS

    msgids = {e.msgid for e in template}
    assert {name for _slug, name in STAKEHOLDER_TYPES + TARGET_GROUPS} <= msgids
