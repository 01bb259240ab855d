"""Names of States, regions and milestones come out in the reader's language, at display time."""

import json

import pytest
from babel import Locale
from django.utils import translation

from commitments.models import MemberState
from commitments.names import M49_AREAS, alpha2, area_name
from tests.conftest import ROOT

STATES = json.loads((ROOT / "fixtures" / "member_states.json").read_text())
TRANSLATED = ["ar", "zh_Hans", "fr", "ru", "es"]


def test_every_area_of_the_fixtures_has_a_cldr_name_in_each_language():
    areas = {s[key] for s in STATES for key in ("region", "subregion", "intermediate_region")} - {""}
    assert areas <= set(M49_AREAS)
    for language in TRANSLATED:
        territories = Locale.parse(language).territories
        assert all(territories.get(M49_AREAS[a]) for a in areas), language


def test_every_member_state_has_a_cldr_name_in_each_language():
    for language in TRANSLATED:
        territories = Locale.parse(language).territories
        missing = [s["iso3"] for s in STATES if not territories.get(alpha2(s["iso3"]))]
        assert missing == [], language


def test_names_follow_the_readers_language():
    morocco = MemberState(iso3="MAR", name="Morocco", region="Africa", subregion="Northern Africa")
    assert (str(morocco), morocco.local_subregion) == ("Morocco", "Northern Africa")  # the UN's English
    with translation.override("fr"):
        assert (str(morocco), morocco.local_region, morocco.local_subregion) == (
            "Maroc",
            "Afrique",
            "Afrique septentrionale",
        )
    with translation.override("ar"):
        assert str(morocco) == "المغرب"
    with translation.override("zh-hans"):
        assert area_name("Western Africa") == "西非"


@pytest.mark.django_db
def test_state_page_and_filters_in_french(client, framework):
    html = client.get("/fr/states/MAR/").content.decode()
    assert "Maroc" in html and "Afrique septentrionale" in html
    evidence_list = client.get("/fr/evidence/").content.decode()
    assert '<option value="Northern Africa">Afrique septentrionale</option>' in evidence_list


@pytest.mark.django_db
def test_milestone_titles_are_rendered_at_display_time(framework):
    from reporting.cycle import ensure_calendar
    from reporting.models import Milestone

    ensure_calendar(2026)
    milestone = Milestone.objects.get(kind=Milestone.Kind.SG_REPORT, year=2024)
    assert milestone.title == "Report of the Secretary-General 2024"  # stored in English
    Milestone.objects.filter(pk=milestone.pk).update(title="Rapport du Secrétaire général 2024")
    milestone.refresh_from_db()
    assert str(milestone) == "Report of the Secretary-General 2024"  # not what happened to be stored
