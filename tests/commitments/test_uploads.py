"""What an upload must be to be accepted, and the name a download is served under.

Text is accepted as CSV only when it has a .csv name, decodes as UTF-8, holds no markup, and
parses as CSV with the same number of columns on every row. Binary types are read from their
bytes; the download carries the extension of the type that was checked, whatever the name said."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments import services
from commitments.models import Action, Evidence
from tests.factories import Role, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GOOD_CSV = 'indicator;value;year\nFamilies reached;120;2025\nChildren;"45";2025\nÉcoles;3;2024\n'.encode()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    "name, content",
    [
        ("results.csv", GOOD_CSV),
        ("results.CSV", b"a,b\n1,2\n"),
        ("bom.csv", b"\xef\xbb\xbfa,b\r\n1,2\r\n"),
        ("quoted.csv", b'name,comment\n"Smith, J.","said ""yes"""\n'),
    ],
    ids=["semicolons-utf8", "upper-case-name", "bom-crlf", "quoted"],
)
def test_real_csv_is_accepted(name, content):
    assert services.check_upload(upload(name, content)) == "text/csv"


@pytest.mark.parametrize(
    "name, content",
    [
        ("run.bat", b"@echo off,\ndel /q C:\\*;\n"),  # commas and semicolons, but a script named .bat
        ("notice.pdf", b"<html><body onload=alert(1)>a,b</body></html>"),  # one-line HTML named .pdf
        ("page.csv", b"a,b\n<script>alert(1)</script>,x\n"),  # markup inside
        ("svg.csv", b'a,b\n<svg onload="x">,1\n'),
        ("ragged.csv", b"a,b,c\n1,2\n3,4,5,6\n"),  # column counts differ
        ("latin1.csv", "a;b\nSão Tomé;1\n".encode("latin-1")),  # not UTF-8
        ("one-column.csv", b"just some words\nmore words\n"),  # not a table
        ("nul.csv", b"a,b\n1,\x002\n"),
        ("empty.csv", b""),
    ],
    ids=["bat", "html-as-pdf", "script", "svg", "ragged", "latin1", "one-column", "nul", "empty"],
)
def test_text_that_is_not_a_clean_csv_is_refused(name, content):
    with pytest.raises(ValidationError, match="not a file type the monitor accepts"):
        services.check_upload(upload(name, content))


def test_markup_after_the_first_kilobytes_is_still_found():
    content = b"a,b\n" + b"1,2\n" * 5000 + b"<a href=x>y</a>,3\n"
    with pytest.raises(ValidationError):
        services.check_upload(upload("long.csv", content))


def test_a_multibyte_character_cut_by_the_first_block_is_fine():
    content = ("a,b\n" + "é,1\n" * 3000).encode()
    assert services.check_upload(upload("accents.csv", content)) == "text/csv"


@pytest.mark.parametrize(
    "stored, content, served",
    [
        ("notice.html", PDF, "notice.pdf"),
        ("notice", PDF, "notice.pdf"),
        ("photo.exe", PNG, "photo.png"),
        ("report.PDF", PDF, "report.PDF"),
        ("results.csv", GOOD_CSV, "results.csv"),
    ],
    ids=["pdf-named-html", "pdf-no-extension", "png-named-exe", "pdf-upper-case-kept", "csv-kept"],
)
@pytest.mark.django_db
def test_downloads_carry_the_extension_of_the_checked_type(framework, client, stored, content, served):
    user = make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    ev = services.evidence_create(
        user=user,
        data={
            "title": "With a file",
            "description": "d",
            "primary_action": Action.objects.get(code="1(a)"),
            "status": Evidence.Status.PLANNED,
            "level": Evidence.Level.NATIONAL,
        },
    )
    attachment = services.attachment_add(user=user, evidence=ev, upload=upload(stored, content))
    client.force_login(user)
    response = client.get(reverse("commitments:attachment", args=[attachment.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{served}"'
