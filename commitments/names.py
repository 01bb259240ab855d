"""Names of places and kinds in the reader's language, computed at display time, never stored.

Member States, M49 regions and sub-regions come from the Unicode CLDR through Babel (a maintained
source, by ISO 3166 alpha-2 and M49 code), so no name is typed by hand. English keeps the UN's own
names from the fixtures (the UN Statistics Division's M49 table), which CLDR sometimes shortens.
"""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from django.conf import settings
from django.utils.translation import get_language, to_locale

# The M49 codes of the region, sub-region and intermediate-region names stored on MemberState.
M49_AREAS = {
    "Africa": "002",
    "Americas": "019",
    "Asia": "142",
    "Europe": "150",
    "Oceania": "009",
    "Australia and New Zealand": "053",
    "Central Asia": "143",
    "Eastern Asia": "030",
    "Eastern Europe": "151",
    "Latin America and the Caribbean": "419",
    "Melanesia": "054",
    "Micronesia": "057",
    "Northern Africa": "015",
    "Northern America": "021",
    "Northern Europe": "154",
    "Polynesia": "061",
    "South-eastern Asia": "035",
    "Southern Asia": "034",
    "Southern Europe": "039",
    "Sub-Saharan Africa": "202",
    "Western Asia": "145",
    "Western Europe": "155",
    "Caribbean": "029",
    "Central America": "013",
    "Eastern Africa": "014",
    "Middle Africa": "017",
    "South America": "005",
    "Southern Africa": "018",
    "Western Africa": "011",
}


@lru_cache(maxsize=16)
def _territories(language):
    try:
        return Locale.parse(to_locale(language)).territories
    except (UnknownLocaleError, ValueError):
        return {}


def _reading_english():
    language = get_language() or settings.LANGUAGE_CODE
    return language.split("-")[0] == "en", language


def area_name(english):
    """An M49 region or sub-region ("Western Africa") in the reader's language."""
    is_english, language = _reading_english()
    if is_english or not english:
        return english
    return _territories(language).get(M49_AREAS.get(english, ""), english)


def alpha2(iso3):
    """ISO 3166 alpha-3 -> alpha-2, from CLDR's territory aliases (MAR -> MA)."""
    aliases = get_global("territory_aliases").get(iso3) or [""]
    return aliases[0]


def state_name(state):
    """A Member State's short name in the reader's language (CLDR), the UN's English name otherwise."""
    is_english, language = _reading_english()
    if is_english:
        return state.name
    return _territories(language).get(alpha2(state.iso3), state.name)
