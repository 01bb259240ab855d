"""Finalising writes an immutable snapshot: a DOCX with real headings, one table per objective and
the record identifiers in linked notes, and a PDF whose text says the same; SHA-256 recorded."""

import hashlib
import os
import shutil
import subprocess

import pytest
from docx import Document

from reporting.reviews import services
from reporting.reviews.models import ImmutableVersion, ReviewFile, SectionKind


def files_of(version):
    return {f.format: f for f in version.files.all()}


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def finalised(review, world):
    policy = review.sections.get(kind=SectionKind.POLICY)
    services.edit_section(world["focal"], policy, "## The 2027 law\n\nA **new** migration law.", policy.version)
    return services.finalise(world["focal"], review)


def test_docx_has_headings_one_table_per_objective_and_the_identifiers(finalised, world):
    docx = files_of(finalised)["docx"]
    document = Document(services.file_path(docx))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    texts = [t for _s, t in headings]
    assert headings[0] == ("Title", "Voluntary GCM review 2026, for Regional reviews 2028")
    assert ("Heading 1", "1. Methodology of the review") in headings
    assert ("Heading 1", "3. Progress on the objectives") in headings
    assert ("Heading 3", "The 2027 law") in headings  # the narrative's own heading, one level below its section
    assert sum(1 for s, t in headings if s == "Heading 2" and t.startswith("Objective ")) == 23
    assert "Notes: the records cited" in texts
    tables = document.tables
    objective_tables = [t for t in tables if t.rows[0].cells[0].text == "Measure" and len(t.columns) == 5]
    assert len(objective_tables) == 23
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in tables for r in t.rows for c in r.cells)
    for record in world["records"]:
        assert str(record.record) in body  # in the narrative and the notes
        assert record.title in cells
    empty = [t for t in objective_tables if t.rows[1].cells[0].text.startswith("No published evidence")]
    assert len(empty) == 20 and all(len(t.rows) == 2 for t in empty)
    xml = document.element.xml
    assert 'w:anchor="note_1"' in xml and 'w:name="note_1"' in xml  # table note -> bookmark in the notes


def test_docx_converts_with_libreoffice_when_it_is_installed(finalised, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed on this machine (python-docx reads the file back in the other test)")
    docx = files_of(finalised)["docx"]
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), services.file_path(docx)],
        check=True,
        timeout=180,
    )
    converted = next(tmp_path.glob("*.pdf"))
    assert "3. Progress on the objectives" in pdf_text(converted)


def test_pdf_text_has_the_headings_and_identifiers(finalised, world):
    text = " ".join(pdf_text(services.file_path(files_of(finalised)["pdf"])).split())
    for heading in (
        "1. Methodology of the review",
        "3. Progress on the objectives",
        "Objective 13",
        "Notes: the records cited",
    ):
        assert heading in text
    for record in world["records"]:
        assert str(record.record) in text.replace(" ", "") or str(record.record) in text


def test_files_are_checksummed_and_the_version_is_immutable(finalised):
    for review_file in finalised.files.all():
        with open(services.file_path(review_file), "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == review_file.sha256
        assert os.path.getsize(services.file_path(review_file)) == review_file.size
    finalised.content["title"] = "changed"
    with pytest.raises(ImmutableVersion):
        finalised.save()
    with pytest.raises(ImmutableVersion):
        finalised.files.first().save()


def test_a_new_finalisation_makes_a_new_version_and_never_reuses_a_number(finalised, review, world):
    challenges = review.sections.get(kind=SectionKind.CHALLENGES)
    services.edit_section(world["contributor"], challenges, "Funding.", challenges.version)
    second = services.finalise(world["focal"], review)
    assert (finalised.number, second.number) == (1, 2)
    assert files_of(second)["docx"].path != files_of(finalised)["docx"].path
    assert ReviewFile.objects.filter(version__review=review).count() == 4
    first_sections = {s["kind"]: s["narrative"] for s in finalised.content["sections"]}
    assert "Funding." not in first_sections["challenges"]  # the first snapshot did not move


def test_arabic_review_is_written_right_to_left(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review = services.create_review(
            member_state=world["state"], milestone=world["milestone"], language="ar", user=world["focal"]
        )
    review.refresh_from_db()
    version = services.finalise(world["focal"], review)
    assert version.language == "ar" and version.content["language"] == "ar"
    document = Document(services.file_path(files_of(version)["docx"]))
    assert "w:bidi" in document.paragraphs[0]._p.xml
    assert os.path.getsize(services.file_path(files_of(version)["pdf"])) > 1000


def test_a_racing_finalisation_is_refused_and_leaves_no_files(review, world, monkeypatch, reports_root):
    from reporting.reviews import render
    from reporting.reviews.models import ReviewVersion

    original = render.write_pdf

    def meanwhile(content, path):
        # Another focal point's finalisation takes the same number while this one renders.
        ReviewVersion.objects.create(review=review, number=content["version"], language="en", content={})
        original(content, path)

    monkeypatch.setattr(render, "write_pdf", meanwhile)
    with pytest.raises(services.ReviewError, match="at the same moment"):
        services.finalise(world["focal"], review)
    assert ReviewFile.objects.count() == 0
    assert list((reports_root / "reviews" / str(review.pk)).iterdir()) == []
