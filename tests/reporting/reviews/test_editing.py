"""Editing together: versioned sections with stale-edit protection, stakeholder contributions that
are never dropped, safe Markdown, and who may do what."""

import pytest
from django.core.exceptions import PermissionDenied

from reporting.reviews import markdown, permissions, services
from reporting.reviews.models import Contribution, SectionKind, SectionRevision


def policy(review):
    return review.sections.get(kind=SectionKind.POLICY)


def test_edits_are_versioned_and_a_stale_edit_overwrites_nothing(review, world):
    section = policy(review)
    services.edit_section(world["contributor"], section, "The 2027 migration law.", section.version)
    assert section.version == 2
    with pytest.raises(services.StaleSectionEdit) as stale:
        services.edit_section(world["focal"], section, "My older text.", 1)
    assert "version 2" in str(stale.value) and stale.value.section.narrative == "The 2027 migration law."
    section.refresh_from_db()
    assert section.narrative == "The 2027 migration law."
    history = list(SectionRevision.objects.filter(section=section).values_list("version", "kind", "narrative"))
    assert history == [(1, "drafted", ""), (2, "edited", "The 2027 migration law.")]


def test_another_state_cannot_read_or_edit_the_draft(review, world):
    section = policy(review)
    for outsider in (world["other_focal"], world["stakeholder_elsewhere"]):
        assert not permissions.can_read_draft(outsider, review)
        assert review not in permissions.visible_reviews(outsider)
        with pytest.raises(PermissionDenied):
            services.edit_section(outsider, section, "Overwritten", section.version)
    with pytest.raises(PermissionDenied):
        services.edit_section(world["stakeholder"], section, "A stakeholder cannot edit the text", section.version)
    section.refresh_from_db()
    assert section.version == 1


def test_a_stakeholder_based_elsewhere_cannot_contribute(review, world):
    with pytest.raises(PermissionDenied):
        services.contribute(world["stakeholder_elsewhere"], policy(review), "Our view")
    with pytest.raises(PermissionDenied):
        services.contribute(world["other_focal"], policy(review), "Our view")
    assert not Contribution.objects.exists()


def test_a_contribution_is_accepted_into_the_text_or_kept_in_the_annex_never_dropped(review, world):
    section = policy(review)
    first = services.contribute(world["stakeholder"], section, "Local authorities joined the 2027 law's drafting.")
    second = services.contribute(world["stakeholder"], section, "We disagree with the detention figures.")
    with pytest.raises(PermissionDenied):
        services.decide_contribution(world["contributor"], first, Contribution.Decision.ACCEPTED)
    with pytest.raises(services.ReviewError):
        services.finalise(world["focal"], review)  # two contributions await a decision
    services.decide_contribution(world["focal"], first, Contribution.Decision.ACCEPTED)
    services.decide_contribution(world["focal"], second, Contribution.Decision.ANNEXED)
    with pytest.raises(services.ReviewError):
        services.decide_contribution(world["focal"], second, Contribution.Decision.ACCEPTED)
    section.refresh_from_db()
    assert "*Contribution from Rabat Migrant Forum:*" in section.narrative
    assert "Local authorities joined" in section.narrative and section.version == 2
    assert "We disagree" not in section.narrative
    version = services.finalise(world["focal"], review)
    views = version.content["stakeholder_views"]
    assert [(v["text"][:10], v["decision"]) for v in views] == [("Local auth", "accepted"), ("We disagre", "annexed")]


def test_markdown_is_rendered_safely():
    html = markdown.to_html(
        "<script>alert(1)</script>\n\n[click](javascript:alert(1)) [b](JaVaScRiPt:x) [d](data:text/html,x) "
        "<img src=x onerror=alert(1)> [ok](https://example.org) **bold**"
    )
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html.lower().replace("[click](javascript:alert(1))", "").replace(
        "[b](javascript:x)", ""
    )
    assert 'href="javascript' not in html.lower() and 'href="data' not in html.lower()
    assert "<img" not in html
    assert '<a href="https://example.org">ok</a>' in html and "<strong>bold</strong>" in html


def test_record_text_cannot_inject_markdown(world, review):
    from reporting.reviews import drafting

    assert drafting.plain("*x* [a](javascript:b) <b>") == r"\*x\* \[a\](javascript:b) \<b\>"


def test_narrative_headings_sit_below_the_section_heading():
    assert markdown.to_html("# Law\n\n## Detail", heading_level=4) == "<h4>Law</h4>\n<h5>Detail</h5>\n"
    assert markdown.to_html("###### Deep", heading_level=4).startswith("<h6>")
