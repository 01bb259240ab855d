"""Derive the framework fixtures from the compact's text and from maintained country data.

`fixtures/source/gcm_a_conf_231_3.txt` is a verbatim copy of the source (a blog post that
quotes A/CONF.231/3 in full). The compact runs from the line `Annex` to paragraph 54; the
blogger's text around it is ignored. Texts are kept exactly as written (typographic quotes,
non-breaking hyphens); only the layout between a marker such as `(a)` and its text, and
trailing whitespace, is dropped.

An official translation of the compact, placed as one text file in `fixtures/source/<lang>/`
(fr, es, ru, ar, zh-hans), is parsed by the same functions with that language's markers
(LAYOUTS) and checked against the English structure (derive_translation) into
`fixtures/framework_<lang>.json`. The compact is never machine-translated.

`manage.py build_fixtures` writes the JSON files; `tests/commitments/test_fixtures.py`
proves the committed files equal what this module derives.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.utils.translation import gettext_noop

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
SOURCE = FIXTURES_DIR / "source" / "gcm_a_conf_231_3.txt"
FRAMEWORK_JSON = FIXTURES_DIR / "framework.json"
STATES_JSON = FIXTURES_DIR / "member_states.json"
STAKEHOLDER_TYPES_JSON = FIXTURES_DIR / "stakeholder_types.json"
TARGET_GROUPS_JSON = FIXTURES_DIR / "target_groups.json"

EXPECTED_ACTIONS = [11, 12, 5, 7, 10, 12, 12, 6, 6, 10, 7, 5, 8, 6, 6, 9, 7, 12, 10, 9, 9, 3, 5]

_NUMBERED = re.compile(r"^\s*(\d{1,2})\.\s+(.*\S)\s*$")
# Any spaces before a colon (French puts a no-break space there; Chinese uses a full-width colon).
_COLON = r"[\s\u00a0\u202f]*[:：]\s*"


@dataclass(frozen=True)
class Layout:
    """The structural markers of the official document's layout in one language.

    These are the headings and set phrases that recur in A/RES/73/195 (A/CONF.231/3) and that the
    parser cuts the text on; the compact's own sentences are never written here. The English
    markers are those of the source in fixtures/source. The others are the headings as they
    stand in the official document of each language and MUST be checked against that document
    when its text is added: a marker that is not found is refused by name (SourceError), so a
    wrong marker stops the build, it never loads a text wrongly.
    """

    annex: str  # the line that opens the compact; the line after it is the compact's title
    objectives_list: str  # the heading over para 16's list of the 23 objectives
    objectives_body: str  # the heading of the section "Objectives and commitments"
    implementation: str  # the heading over paras 40-43
    follow_up: str  # the heading over paras 44-54
    objective: str  # the word opening each objective's heading: "Objective 1: ..."
    actions_intro: str  # the sentence between each commitment paragraph and its actions
    item: str = r"[a-z]{1,4}"  # a lettered or roman item marker, without its brackets
    item_open: str = r"[(（]"  # the bracket before it (Spanish and Russian write "a)", without one)
    name_end: str = ". "  # what ends a guiding principle's name, e.g. "(a) People-centred. ..."

    @cached_property
    def objective_re(self):
        return re.compile(rf"^{re.escape(self.objective)}\s*(\d{{1,2}}){_COLON}(.*\S)\s*$")

    @cached_property
    def item_re(self):
        # Chinese may set the brackets full-width: （a）.
        return re.compile(rf"^\s*(?P<marker>{self.item_open}({self.item})[)）])\s*(.*\S)\s*$")


LAYOUTS = {
    "en": Layout(
        annex="Annex",
        objectives_list="Objectives for safe, orderly and regular migration",
        objectives_body="Objectives and commitments",
        implementation="Implementation",
        follow_up="Follow-up and review",
        objective="Objective",
        actions_intro="To realize this commitment, we will draw from the following actions:",
    ),
    "fr": Layout(
        annex="Annexe",
        objectives_list="Objectifs pour des migrations sûres, ordonnées et régulières",
        objectives_body="Objectifs et engagements",
        implementation="Mise en œuvre",
        follow_up="Suivi et examen",
        objective="Objectif",
        actions_intro="Pour tenir cet engagement, nous puiserons dans les mesures suivantes :",
    ),
    "es": Layout(
        annex="Anexo",
        objectives_list="Objetivos para una migración segura, ordenada y regular",
        objectives_body="Objetivos y compromisos",
        implementation="Aplicación",
        follow_up="Seguimiento y examen",
        objective="Objetivo",
        actions_intro="Para cumplir este compromiso, recurriremos a las acciones siguientes:",
        item_open=r"[(（]?",
    ),
    "ru": Layout(
        annex="Приложение",
        objectives_list="Цели в интересах безопасной, упорядоченной и легальной миграции",
        objectives_body="Цели и обязательства",
        implementation="Осуществление",
        follow_up="Последующая деятельность и обзор",
        objective="Цель",
        actions_intro="Для выполнения этого обязательства мы будем использовать следующие меры:",
        item=r"[a-zа-я]{1,4}",
        item_open=r"[(（]?",
    ),
    "ar": Layout(
        annex="المرفق",
        objectives_list="أهداف الهجرة الآمنة والمنظمة والنظامية",
        objectives_body="الأهداف والالتزامات",
        implementation="التنفيذ",
        follow_up="المتابعة والاستعراض",
        objective="الهدف",
        actions_intro="ولتحقيق هذا الالتزام، سنستفيد من الإجراءات التالية:",
        item=r"[a-z\u0621-\u064a]{1,4}",
    ),
    "zh-hans": Layout(
        annex="附件",
        objectives_list="安全、有序和正常移民的目标",
        objectives_body="目标和承诺",
        implementation="执行",
        follow_up="后续行动和审查",
        objective="目标",
        actions_intro="为履行这一承诺，我们将借鉴以下行动：",
        name_end="。",
    ),
}
# The languages an official translation may be loaded for (English is the source itself).
TRANSLATION_LANGUAGES = ("fr", "es", "ru", "ar", "zh-hans")


class SourceError(ValueError):
    """The source text does not have the structure the parser expects."""


def compact_lines(text, layout=None, end_prefix="Now read the"):
    """The lines of the compact proper: from the annex marker to the end of paragraph 54.

    The English source is a blog post quoting the compact, closed by the blogger's line
    `Now read the ...`; an official translation's file holds the compact alone (end_prefix None).
    """
    layout = layout or LAYOUTS["en"]
    lines = [line.rstrip() for line in text.splitlines()]
    try:
        start = lines.index(layout.annex)
    except ValueError as exc:
        raise SourceError(f"no line {layout.annex!r} opens the compact") from exc
    if end_prefix is None:
        return lines[start:]
    end = next((i for i in range(start, len(lines)) if lines[i].startswith(end_prefix)), None)
    if end is None:
        raise SourceError("no closing line after paragraph 54")
    return lines[start:end]


def _section(lines, first, last):
    """Lines strictly between the heading `first` and the heading `last`."""
    for heading in (first, last):
        if heading not in lines:
            raise SourceError(f"no heading line {heading!r}")
    i = lines.index(first)
    try:
        j = lines.index(last, i + 1)
    except ValueError as exc:
        raise SourceError(f"the heading {last!r} does not follow {first!r}") from exc
    return lines[i + 1 : j]


def parse_principles(lines, layout=None):
    layout = layout or LAYOUTS["en"]
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("15.")), None)
    if start is None:
        raise SourceError("no paragraph 15 (the guiding principles)")
    principles = []
    for line in lines[start + 1 :]:
        match = layout.item_re.match(line)
        if not match:
            break
        name, _, text = match.group(3).partition(layout.name_end)
        principles.append({"letter": match.group(2), "name": name, "text": text})
    return principles


def parse_objective_titles(lines, layout=None):
    layout = layout or LAYOUTS["en"]
    block = _section(lines, layout.objectives_list, layout.objectives_body)
    titles = {}
    for line in block:
        match = _NUMBERED.match(line)
        if match:
            titles[int(match.group(1))] = match.group(2)
    return titles


def parse_objectives(lines, layout=None):
    """Each objective's heading, commitment paragraph and actions (with any subheading).

    The line after each commitment paragraph must be the layout's actions' introduction: the
    check catches a wrong marker table, which would otherwise turn the sentence into a subheading.
    """
    layout = layout or LAYOUTS["en"]
    titles = parse_objective_titles(lines, layout)
    body = _section(lines, layout.objectives_body, layout.implementation)
    objectives, current, subheading = [], None, ""
    for line in body:
        if not line.strip():
            continue
        if match := layout.objective_re.match(line):
            number = int(match.group(1))
            if number not in titles:
                raise SourceError(f"objective {number} is missing from the list of objectives (para 16)")
            current = {"number": number, "title": titles[number], "heading": match.group(2), "actions": []}
            objectives.append(current)
            subheading = ""
        elif current is None:
            raise SourceError(f"text before the first objective: {line[:60]!r}")
        elif (match := _NUMBERED.match(line)) and "paragraph" not in current:
            current["paragraph"], current["commitment"] = int(match.group(1)), match.group(2)
        elif "paragraph" in current and not current["actions"] and not current.get("intro"):
            if line.strip() != layout.actions_intro:
                raise SourceError(
                    f"objective {current['number']}: expected the actions' introduction "
                    f"{layout.actions_intro!r}, found {line.strip()[:80]!r}"
                )
            current["intro"] = True
        elif match := layout.item_re.match(line):
            letter = match.group(2)
            current["actions"].append(
                {
                    "letter": letter,
                    "code": f"{current['number']}({letter})",
                    "text": match.group(3),
                    "subheading": subheading,
                }
            )
        else:
            subheading = line.strip()
    for objective in objectives:
        objective.pop("intro", None)
    return objectives


def parse_paragraphs(lines, layout=None):
    """Paragraphs 40-54 with their lettered and roman sub-items, one item a line."""
    layout = layout or LAYOUTS["en"]
    if layout.implementation not in lines:
        raise SourceError(f"no heading line {layout.implementation!r}")
    paragraphs, section, current = [], None, None
    for line in lines[lines.index(layout.implementation) :]:
        if line in (layout.implementation, layout.follow_up):
            section = line
        elif match := _NUMBERED.match(line):
            current = {"number": int(match.group(1)), "section": section, "text": match.group(2)}
            paragraphs.append(current)
        elif (match := layout.item_re.match(line)) and current is not None:
            current["text"] += f"\n{match['marker']} {match.group(3)}"
        elif line.strip():
            raise SourceError(f"unexpected line in paras 40-54: {line[:60]!r}")
    return paragraphs


def derive_framework(text):
    lines = compact_lines(text)
    objectives = parse_objectives(lines)
    counts = [len(o["actions"]) for o in objectives]
    if counts != EXPECTED_ACTIONS:
        raise SourceError(f"action counts {counts} differ from the compact's {EXPECTED_ACTIONS}")
    return {
        "instrument": {
            "symbol": "A/RES/73/195",
            "title": "Global Compact for Safe, Orderly and Regular Migration",
            "adopted_on": "2018-12-19",
            "source": f"fixtures/source/{SOURCE.name}",
            "source_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
        "principles": parse_principles(lines),
        "objectives": objectives,
        "paragraphs": parse_paragraphs(lines),
    }


# --- Official translations of the compact -------------------------------------------------

SOURCE_DIR = FIXTURES_DIR / "source"
TRANSLATION_FIXTURES_DIR = FIXTURES_DIR


def translation_source(language):
    """The one text file of `fixtures/source/<language>/`, or None when no translation is there."""
    folder = SOURCE_DIR / language
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if len(files) > 1:
        names = ", ".join(f.name for f in files)
        raise SourceError(f"{folder}: one text file expected, found {len(files)} ({names})")
    return files[0] if files else None


def translation_fixture(language):
    return TRANSLATION_FIXTURES_DIR / f"framework_{language}.json"


def derive_translation(text, language, english, source_name=""):
    """The official text in `language`, keyed by the English natural keys, or SourceError.

    The translation is parsed with the same parser (the language's Layout) and must have the
    compact's whole structure: 10 principles, objectives 1-23 with their commitment paragraphs
    17-39, each objective's actions (EXPECTED_ACTIONS), their subheadings, and paragraphs 40-54.
    Actions are matched by their place in their objective, since other scripts letter them
    differently; every problem found is named in one message, and nothing is derived.
    """
    layout = LAYOUTS[language]
    lines = compact_lines(text, layout, end_prefix=None)
    title = next((line.strip() for line in lines[1:] if line.strip()), "")
    principles = parse_principles(lines, layout)
    objectives = {o["number"]: o for o in parse_objectives(lines, layout)}
    paragraphs = {p["number"]: p for p in parse_paragraphs(lines, layout)}
    problems = _structure_problems(english, principles, objectives, paragraphs)
    if not title:
        problems.insert(0, "no title after the annex line")
    if problems:
        raise SourceError(f"{language}: the translation is incomplete or inconsistent: " + "; ".join(problems))
    actions = {}
    for theirs in english["objectives"]:
        for ours, action in zip(theirs["actions"], objectives[theirs["number"]]["actions"], strict=True):
            actions[ours["code"]] = {"text": action["text"], "subheading": action["subheading"]}
    return {
        "language": language,
        "source": f"fixtures/source/{language}/{source_name}",
        "source_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "instrument": {"title": title},
        "principles": {
            p["letter"]: {"name": t["name"], "text": t["text"]}
            for p, t in zip(english["principles"], principles, strict=True)
        },
        "objectives": {
            str(n): {k: objectives[n][k] for k in ("title", "heading", "commitment")} for n in sorted(objectives)
        },
        "actions": actions,
        "paragraphs": {str(n): {"text": paragraphs[n]["text"]} for n in sorted(paragraphs)},
    }


def _structure_problems(english, principles, objectives, paragraphs):
    problems = []
    expected = len(english["principles"])
    if len(principles) != expected:
        problems.append(f"{len(principles)} guiding principles in para 15 where the compact has {expected}")
    if unsplit := [f"({p['letter']})" for p in principles if not (p["name"] and p["text"])]:
        problems.append(f"guiding principles without a name ending in the layout's name_end: {', '.join(unsplit)}")
    for theirs in english["objectives"]:
        number = theirs["number"]
        ours = objectives.get(number)
        if ours is None:
            problems.append(f"objective {number} missing")
            continue
        if ours.get("paragraph") != theirs["paragraph"]:
            problems.append(f"objective {number}: no commitment paragraph {theirs['paragraph']}")
        problems += _action_problems(number, theirs["actions"], ours["actions"])
    extra = sorted(set(objectives) - {o["number"] for o in english["objectives"]})
    if extra:
        problems.append(f"objectives not in the compact: {', '.join(map(str, extra))}")
    expected = [p["number"] for p in english["paragraphs"]]
    if sorted(paragraphs) != expected:
        missing = [str(n) for n in expected if n not in paragraphs]
        problems.append(f"paragraphs {expected[0]}-{expected[-1]} expected, missing: {', '.join(missing) or 'none'}")
    return problems


def _action_problems(number, theirs, ours):
    if len(ours) != len(theirs):
        letters = [a["letter"] for a in ours]
        missing = [a["code"] for a in theirs if a["letter"] not in letters]
        # Where the translation letters its actions as the English does, name the missing ones.
        named = f" (missing: action {', '.join(missing)})" if missing and len(missing) < len(theirs) else ""
        return [f"objective {number}: {len(ours)} actions where the compact has {len(theirs)}{named}"]
    return [
        f"objective {number}: action {t['code']} has {'a' if t['subheading'] else 'no'} subheading in English"
        f" but {'one' if o['subheading'] else 'none'} here"
        for t, o in zip(theirs, ours, strict=True)
        if bool(t["subheading"]) != bool(o["subheading"])
    ]


def translation_files(english=None):
    """framework_<lang>.json for every language whose official text is in fixtures/source/<lang>/."""
    english = english or load_fixture(FRAMEWORK_JSON)
    files = {}
    for language in TRANSLATION_LANGUAGES:
        source = translation_source(language)
        if source is not None:
            text = source.read_text(encoding="utf-8")
            files[translation_fixture(language)] = render(derive_translation(text, language, english, source.name))
    return files


# --- Reporting entities ---------------------------------------------------------------------

# The two non-member observer States of the General Assembly (GA resolutions 58/314, 67/19).
OBSERVER_STATES = {"VAT": 1964, "PSE": 2012}

# M49 groups the Americas' and Africa's intermediate regions under two sub-regions.
_M49_SUBREGION_OF_INTERMEDIATE = {
    "Caribbean": "Latin America and the Caribbean",
    "Central America": "Latin America and the Caribbean",
    "South America": "Latin America and the Caribbean",
    "Eastern Africa": "Sub-Saharan Africa",
    "Middle Africa": "Sub-Saharan Africa",
    "Southern Africa": "Sub-Saharan Africa",
    "Western Africa": "Sub-Saharan Africa",
}
_M49_REGION_OF_CONTINENT = {"America": "Americas"}


def derive_member_states():
    """The 193 Member States and 2 observer States from country_converter's UN data table."""
    import csv
    from importlib.util import find_spec

    # Read the package's data table directly: importing it would pull in pandas for nothing.
    table = Path(find_spec("country_converter").origin).with_name("country_data.tsv")
    with table.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    states = []
    for row in rows:
        member = row["UNmember"].strip()
        if not member and row["ISO3"] not in OBSERVER_STATES:
            continue
        grouping = row["UNregion"]
        subregion = _M49_SUBREGION_OF_INTERMEDIATE.get(grouping, grouping)
        states.append(
            {
                "iso3": row["ISO3"],
                "name": row["name_short"],
                "official_name": row["name_official"],
                "m49_code": f"{int(row['UNcode']):03d}",
                "region": _M49_REGION_OF_CONTINENT.get(row["continent"], row["continent"]),
                "subregion": subregion,
                "intermediate_region": grouping if subregion != grouping else "",
                "un_member_since": int(member) if member else OBSERVER_STATES[row["ISO3"]],
                "is_observer": not member,
            }
        )
    return sorted(states, key=lambda s: s["iso3"])


# From PRODUCT.md, after paras 15 (j) and 44. Marked (gettext_noop) so the names, stored in English,
# are shown in the reader's language: StakeholderType.__str__ translates them at display time.
STAKEHOLDER_TYPES = [
    ("civil-society", gettext_noop("Civil society organizations")),
    ("migrant-diaspora", gettext_noop("Migrant and diaspora organizations")),
    ("faith-based", gettext_noop("Faith-based organizations")),
    ("local-authorities", gettext_noop("Local authorities and communities")),
    ("private-sector", gettext_noop("Private sector")),
    ("trade-unions", gettext_noop("Trade unions")),
    ("parliamentarians", gettext_noop("Parliamentarians")),
    ("nhri", gettext_noop("National human rights institutions")),
    ("red-cross", gettext_noop("International Red Cross and Red Crescent Movement")),
    ("academia", gettext_noop("Academia")),
    ("media", gettext_noop("Media")),
    ("un-system", gettext_noop("United Nations system entities")),
    ("other-international", gettext_noop("Other international organizations")),
]


def derive_stakeholder_types():
    return [{"slug": slug, "name": name, "order": i} for i, (slug, name) in enumerate(STAKEHOLDER_TYPES, 1)]


# Groups a measure reaches, after the groups the compact names (e.g. paras 15 (g)-(h), 23, 28).
TARGET_GROUPS = [
    ("migrant-women", gettext_noop("Migrant women and girls")),
    ("children", gettext_noop("Migrant children, including unaccompanied and separated children")),
    ("youth", gettext_noop("Young migrants")),
    ("migrant-workers", gettext_noop("Migrant workers")),
    ("irregular-status", gettext_noop("Migrants in an irregular situation")),
    ("vulnerable", gettext_noop("Migrants in situations of vulnerability")),
    ("trafficking-victims", gettext_noop("Victims of trafficking in persons")),
    ("smuggled-migrants", gettext_noop("Smuggled migrants")),
    ("returnees", gettext_noop("Returning migrants")),
    ("diasporas", gettext_noop("Diasporas")),
    ("disaster-displaced", gettext_noop("People displaced by disasters and climate change")),
    ("detained", gettext_noop("Migrants in detention")),
    ("older-persons", gettext_noop("Older migrants")),
    ("persons-with-disabilities", gettext_noop("Migrants with disabilities")),
    ("host-communities", gettext_noop("Host and receiving communities")),
    ("families", gettext_noop("Families of migrants")),
]


def derive_target_groups():
    return [{"slug": slug, "name": name, "order": i} for i, (slug, name) in enumerate(TARGET_GROUPS, 1)]


def render(data):
    """The committed form of a fixture file: stable, readable, diff-friendly JSON."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def derived_files():
    """Every fixture file and the content the derivation gives it."""
    text = SOURCE.read_text(encoding="utf-8")
    english = derive_framework(text)
    return {
        FRAMEWORK_JSON: render(english),
        **translation_files(english),
        STATES_JSON: render(derive_member_states()),
        STAKEHOLDER_TYPES_JSON: render(derive_stakeholder_types()),
        TARGET_GROUPS_JSON: render(derive_target_groups()),
        **_indicator_files(),
    }


def _indicator_files():
    from .indicators import sources

    return sources.derived_files()


def load_fixture(path):
    return json.loads(path.read_text(encoding="utf-8"))
