"""The translation gate: every marked string translated, in every catalogue, with its placeholders.

`manage.py check_translations` (run by `make lint`) regenerates the catalogue template with
Django's makemessages into a temporary directory (locale/ is never written) and compares each
of the five catalogues with it. A problem is one (catalogue, msgid, what is wrong) line.
"""

import re
import tempfile
from contextlib import chdir
from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands import makemessages
from django.test.utils import override_settings
from django.utils.translation import to_locale

# Directories whose files are not the monitor's interface (tests, dependencies, generated files).
IGNORED = ["tests", "node_modules", "var", "docs", "deploy", "fixtures", "scripts", "locale"]

# printf-style (%(name)s, %s, %d, %.1f) and brace-style ({0}, {name}) placeholders; %% is a literal.
PRINTF = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?(?P<conv>[sdifrxXeEgGcuo%])")
BRACE = re.compile(r"(?<!\{)\{(\w*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


@dataclass(frozen=True)
class Problem:
    catalogue: str
    msgid: str
    problem: str

    def __str__(self):
        return f"{self.catalogue}: {self.msgid!r}: {self.problem}"


def placeholders(text):
    """The named placeholders (a set) and the positional ones (an ordered list) of a message."""
    named, positional = set(), []
    for m in PRINTF.finditer(text):
        if m["conv"] == "%":
            continue
        if m["name"]:
            named.add(f"%({m['name']})")
        else:
            positional.append("%" + m["conv"])
    for m in BRACE.finditer(text):
        if m[1] and not m[1].isdigit():
            named.add("{" + m[1] + "}")
        else:
            positional.append("{" + m[1] + "}")
    return named, positional


def catalogue_languages():
    """The locale directory names of the translated languages: zh-hans -> zh_Hans."""
    return [to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class _PotOnly(makemessages.Command):
    """makemessages that writes only the template, into pot_dir, whatever locale/ exists."""

    pot_dir = None

    def find_files(self, root):
        files = super().find_files(root)
        for translatable in files:
            translatable.locale_dir = self.pot_dir
        self.locale_paths = [self.pot_dir]
        return files


def build_template(domain="django"):
    """The catalogue template (a polib file) of the strings marked in the code today."""
    with tempfile.TemporaryDirectory() as tmp:
        command = _PotOnly()
        command.pot_dir = tmp
        with override_settings(LOCALE_PATHS=[tmp]), chdir(settings.BASE_DIR):
            call_command(command, domain=domain, exclude=["none"], keep_pot=True, verbosity=0, ignore_patterns=IGNORED)
        pot = Path(tmp) / f"{domain}.pot"
        return polib.pofile(str(pot)) if pot.exists() else polib.POFile()


def _key(entry):
    return (entry.msgctxt, entry.msgid)


def entry_problems(entry, nplurals):
    """What is wrong with one catalogue entry (empty list when nothing)."""
    if entry.fuzzy:
        return ["fuzzy (needs a translator's review)"]
    if entry.msgid_plural:
        forms = [entry.msgstr_plural.get(i, "") for i in range(nplurals)]
        if not any(forms):
            return ["not translated"]
        if not all(forms):
            return [f"plural forms missing (the language has {nplurals})"]
        return _plural_placeholder_problems(entry, forms)
    if not entry.msgstr:
        return ["not translated"]
    return _placeholder_problems(entry.msgid, entry.msgstr)


def _placeholder_problems(source, translation):
    src_named, src_pos = placeholders(source)
    tr_named, tr_pos = placeholders(translation)
    problems = []
    if src_named != tr_named:
        problems.append(f"placeholders differ: {sorted(src_named)} in msgid, {sorted(tr_named)} in msgstr")
    if src_pos != tr_pos:
        problems.append(f"positional placeholders differ: {src_pos} in msgid, {tr_pos} in msgstr")
    return problems


def _plural_placeholder_problems(entry, forms):
    """A plural form may leave out the count ("one item"), never add or misspell a placeholder."""
    src_named, src_pos = placeholders(entry.msgid)
    plural_named, plural_pos = placeholders(entry.msgid_plural)
    allowed = src_named | plural_named
    problems = []
    for i, form in enumerate(forms):
        named, pos = placeholders(form)
        if not named <= allowed:
            problems.append(f"plural form {i} has placeholders {sorted(named - allowed)} not in msgid")
        if pos not in (src_pos, plural_pos):
            problems.append(f"plural form {i}: positional placeholders {pos}, msgid has {plural_pos}")
    return problems


def check_catalogue(template, path, label=None):
    """Problems of the catalogue at path against the template."""
    label = label or str(path)
    if not Path(path).exists():
        return [Problem(label, "", "catalogue missing")]
    catalogue = polib.pofile(str(path))
    nplurals = _nplurals(catalogue)
    translated = {_key(e): e for e in catalogue if not e.obsolete}
    problems = []
    for wanted in template:
        if wanted.obsolete:
            continue
        entry = translated.get(_key(wanted))
        if entry is None:
            problems.append(Problem(label, wanted.msgid, "missing from the catalogue (run makemessages)"))
            continue
        problems.extend(Problem(label, wanted.msgid, p) for p in entry_problems(entry, nplurals))
    return problems


def _nplurals(catalogue):
    match = re.search(r"nplurals\s*=\s*(\d+)", catalogue.metadata.get("Plural-Forms", ""))
    return int(match[1]) if match else 2


def check_translations(locale_dir=None, languages=None, template=None):
    """Every problem of every catalogue, in a stable order."""
    locale_dir = Path(locale_dir or settings.LOCALE_PATHS[0])
    template = template if template is not None else build_template()
    problems = []
    for language in languages or catalogue_languages():
        path = locale_dir / language / "LC_MESSAGES" / "django.po"
        label = str(path.relative_to(settings.BASE_DIR)) if path.is_relative_to(settings.BASE_DIR) else str(path)
        problems.extend(check_catalogue(template, path, label))
    return problems
