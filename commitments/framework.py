"""Derive the framework fixtures from the compact's text and from maintained country data.

`fixtures/source/gcm_a_conf_231_3.txt` is a verbatim copy of the source (a blog post that
quotes A/CONF.231/3 in full). The compact runs from the line `Annex` to paragraph 54; the
blogger's text around it is ignored. Texts are kept exactly as written (typographic quotes,
non-breaking hyphens); only the layout between a marker such as `(a)` and its text, and
trailing whitespace, is dropped.

`manage.py build_fixtures` writes the JSON files; `tests/commitments/test_fixtures.py`
proves the committed files equal what this module derives.
"""

import hashlib
import json
import re
from pathlib import Path

from django.utils.translation import gettext_noop

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
SOURCE = FIXTURES_DIR / "source" / "gcm_a_conf_231_3.txt"
FRAMEWORK_JSON = FIXTURES_DIR / "framework.json"
STATES_JSON = FIXTURES_DIR / "member_states.json"
STAKEHOLDER_TYPES_JSON = FIXTURES_DIR / "stakeholder_types.json"
TARGET_GROUPS_JSON = FIXTURES_DIR / "target_groups.json"

EXPECTED_ACTIONS = [11, 12, 5, 7, 10, 12, 12, 6, 6, 10, 7, 5, 8, 6, 6, 9, 7, 12, 10, 9, 9, 3, 5]

_MARKED = re.compile(r"^\s*\(([a-z]{1,4})\)\s+(.*\S)\s*$")
_NUMBERED = re.compile(r"^\s*(\d{1,2})\.\s+(.*\S)\s*$")
_OBJECTIVE = re.compile(r"^Objective (\d{1,2}): (.*\S)\s*$")
_ACTIONS_INTRO = "To realize this commitment, we will draw from the following actions:"


class SourceError(ValueError):
    """The source text does not have the structure the parser expects."""


def compact_lines(text):
    """The lines of the compact proper: from `Annex` to the end of paragraph 54."""
    lines = text.splitlines()
    try:
        start = lines.index("Annex")
    except ValueError as exc:
        raise SourceError("no line 'Annex' opens the compact") from exc
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("Now read the")), None)
    if end is None:
        raise SourceError("no closing line after paragraph 54")
    return [line.rstrip() for line in lines[start:end]]


def _section(lines, first, last):
    """Lines strictly between the heading `first` and the heading `last`."""
    i = lines.index(first)
    j = lines.index(last, i + 1)
    return lines[i + 1 : j]


def parse_principles(lines):
    start = next(i for i, line in enumerate(lines) if _NUMBERED.match(line) and line.strip().startswith("15."))
    principles = []
    for line in lines[start + 1 :]:
        match = _MARKED.match(line)
        if not match:
            break
        name, _, text = match.group(2).partition(". ")
        principles.append({"letter": match.group(1), "name": name, "text": text})
    return principles


def parse_objective_titles(lines):
    block = _section(lines, "Objectives for safe, orderly and regular migration", "Objectives and commitments")
    titles = {}
    for line in block:
        match = _NUMBERED.match(line)
        if match:
            titles[int(match.group(1))] = match.group(2)
    return titles


def parse_objectives(lines):
    """Each objective's heading, commitment paragraph and actions (with any subheading)."""
    titles = parse_objective_titles(lines)
    body = _section(lines, "Objectives and commitments", "Implementation")
    objectives, current, subheading = [], None, ""
    for line in body:
        if not line.strip():
            continue
        if match := _OBJECTIVE.match(line):
            number = int(match.group(1))
            current = {"number": number, "title": titles[number], "heading": match.group(2), "actions": []}
            objectives.append(current)
            subheading = ""
        elif current is None:
            raise SourceError(f"text before the first objective: {line[:60]!r}")
        elif (match := _NUMBERED.match(line)) and "paragraph" not in current:
            current["paragraph"], current["commitment"] = int(match.group(1)), match.group(2)
        elif line.strip() == _ACTIONS_INTRO:
            continue
        elif match := _MARKED.match(line):
            letter = match.group(1)
            current["actions"].append(
                {
                    "letter": letter,
                    "code": f"{current['number']}({letter})",
                    "text": match.group(2),
                    "subheading": subheading,
                }
            )
        else:
            subheading = line.strip()
    return objectives


def parse_paragraphs(lines):
    """Paragraphs 40-54 with their lettered and roman sub-items, one item a line."""
    paragraphs, section, current = [], None, None
    for line in lines[lines.index("Implementation") :]:
        if line in ("Implementation", "Follow-up and review"):
            section = line
        elif match := _NUMBERED.match(line):
            current = {"number": int(match.group(1)), "section": section, "text": match.group(2)}
            paragraphs.append(current)
        elif match := _MARKED.match(line):
            current["text"] += f"\n({match.group(1)}) {match.group(2)}"
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
    return {
        FRAMEWORK_JSON: render(derive_framework(text)),
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
