"""Section 3 is drafted per objective from the State's published evidence of the cycle, and every
figure, status and identifier in it matches the database (read here in plain SQL)."""

import re
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.utils import translation

from reporting.reviews import drafting, selectors, services
from reporting.reviews.models import Section, SectionKind, SectionRevision, VoluntaryReview

from .conftest import CYCLE

UUID = re.compile(r"`([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`")


def published_in_sql(state_id, cycle):
    """{objective number: [(record, status, title)]} straight from the tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT o.number, e.record, e.status, e.title
            FROM commitments_evidence e
            JOIN commitments_action a ON a.id = e.primary_action_id
            JOIN commitments_objective o ON o.id = a.objective_id
            WHERE e.member_state_id = %s AND e.cycle = %s AND e.is_published
            """,
            [state_id, cycle],
        )
        rows = defaultdict(list)
        for number, record, status, title in cursor.fetchall():
            rows[number].append((str(record).replace("-", ""), status, title))
        return rows


def results_in_sql(state_id, cycle):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.record, r.indicator, r.value, r.unit, r.year
            FROM commitments_evidenceresult r JOIN commitments_evidence e ON e.id = r.evidence_id
            WHERE e.member_state_id = %s AND e.cycle = %s AND e.is_published
            """,
            [state_id, cycle],
        )
        return cursor.fetchall()


def cited(text):
    return {u.replace("-", "") for u in UUID.findall(text)}


def test_each_objective_section_matches_the_published_records(review, world):
    assert review.drafting == VoluntaryReview.Drafting.READY and review.progress == 100
    sections = {
        s.objective.number: s for s in review.sections.filter(kind=SectionKind.OBJECTIVE).select_related("objective")
    }
    assert sorted(sections) == list(range(1, 24))
    expected = published_in_sql(world["state"].pk, CYCLE)
    assert sorted(expected) == [1, 5, 13]  # the fixture's own records; nothing of MEX, drafts or cycle 2
    for number, section in sections.items():
        rows = expected.get(number, [])
        text = section.narrative
        if not rows:
            assert text.strip() == "No published evidence for this objective in this cycle."
            assert not re.search(r"\b0\b", text)
            continue
        assert f"published {len(rows)} record" in text
        assert cited(text) == {record for record, _status, _title in rows}
        by_status = defaultdict(int)
        for _record, status, title in rows:
            by_status[status] += 1
            assert title in text
        for status, n in by_status.items():
            assert f"- {drafting.status_label(status)}: {n} " in text
        assert section.facts["total"] == len(rows)
    for record, indicator, value, unit, year in results_in_sql(world["state"].pk, CYCLE):
        number = selectors._number(Decimal(str(value)))
        line = f"Result: {indicator}: {number} {unit} ({year})"
        owner = next(s for s in sections.values() if line in s.narrative)
        assert str(record).replace("-", "") in cited(owner.narrative)
    assert "1200.5 people (2028)" in sections[5].narrative and "12 surveys (2027)" in sections[1].narrative
    assert "Offered as good practices: Alternatives to detention for families (records: `" in sections[13].narrative
    assert "Offered as good practices" not in sections[5].narrative


def test_other_sections_are_drafted_from_who_took_part(review, world):
    text = {s.kind: s.narrative for s in review.sections.exclude(kind=SectionKind.OBJECTIVE)}
    assert "6 records Morocco published in cycle 3" in text["methodology"]
    assert "2 State contributors recorded" in text["methodology"]
    assert "Rabat Migrant Forum: 1 record" in text["methodology"]
    assert "Mexico City Network" not in text["methodology"]
    assert "- Civil society organizations: 6 records" in text["means"]
    assert "Funding after 2028 is uncertain." in text["challenges"] and "Staff turnover" in text["challenges"]
    assert text["policy"] == ""
    assert "6 published records" in text["annex"]
    annex = review.sections.get(kind=SectionKind.ANNEX).facts
    assert annex["total"] == 6 and len(annex["records"]) == 6
    assert (
        SectionRevision.objects.filter(section__review=review, kind="drafted", version=1).count()
        == Section.objects.filter(review=review).count()
    )


def test_generated_text_is_in_the_reviews_language(world, django_capture_on_commit_callbacks, monkeypatch):
    """The sentences go through gettext under the review's language (catalogue or not)."""
    seen = []
    original = drafting.objective_text

    def spy(*args, **kwargs):
        seen.append(translation.get_language())
        return original(*args, **kwargs)

    monkeypatch.setattr(drafting, "objective_text", spy)
    with django_capture_on_commit_callbacks(execute=True):
        review = services.create_review(
            member_state=world["state"], milestone=world["milestone"], language="fr", user=world["focal"]
        )
    assert set(seen) == {"fr"} and len(seen) == 23
    review.refresh_from_db()
    assert review.drafting == VoluntaryReview.Drafting.READY


def test_drafting_runs_once(review):
    assert services.run_drafting(review.pk, "another-task") == "not-claimed"
    assert Section.objects.filter(review=review).count() == 28


def test_a_failure_is_recorded(world, monkeypatch, django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(selectors, "objective_facts", broken)
    with django_capture_on_commit_callbacks(execute=True):
        review = services.create_review(
            member_state=world["state"], milestone=world["milestone"], language="en", user=world["focal"]
        )
    review.refresh_from_db()
    assert review.drafting == VoluntaryReview.Drafting.FAILED and "disk full" in review.error
    assert not review.sections.exists()


def _drafting_queries(review):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.draft_sections(review)
    return len(queries)


def test_drafting_queries_do_not_grow_with_records(review, world):
    from commitments.models import Action, EvidenceResult
    from tests.factories import EvidenceFactory

    _drafting_queries(review)  # warm the caches (content types, translations)
    before = _drafting_queries(review)
    for index, code in enumerate(["2(a)", "7(b)", "7(c)", "13(c)", "23(a)"] * 4):
        ev = EvidenceFactory(
            published=True, cycle=CYCLE, member_state=world["state"], primary_action=Action.objects.get(code=code)
        )
        EvidenceResult.objects.create(evidence=ev, indicator="People", value=index, unit="people", year=2027)
    assert _drafting_queries(review) == before


def test_long_lists_are_bounded_and_say_how_many_more(world, monkeypatch):
    from commitments.models import Action
    from tests.factories import EvidenceFactory

    monkeypatch.setattr(selectors, "LISTED_PER_OBJECTIVE", 2)
    for _n in range(3):
        EvidenceFactory(
            published=True, cycle=CYCLE, member_state=world["state"], primary_action=Action.objects.get(code="5(c)")
        )
    facts = selectors.objective_facts(world["state"].pk, CYCLE)[5]
    assert facts["total"] == 5 and len(facts["records"]) == 2
    with translation.override("en"):
        text = drafting.objective_text("Morocco", CYCLE, facts)
    assert "published 5 records" in text and "and 3 more)" in text
    assert "3 further records are not listed here; every record is in the open data package." in text
    annex = selectors.annex_facts(world["state"].pk, CYCLE, limit=4)
    assert annex["total"] == 9 and len(annex["records"]) == 4
    assert "The first 4 are listed" in drafting.annex_text(annex)
