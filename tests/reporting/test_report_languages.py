"""Reports in one of the six languages: requested in it, kept in the snapshot, written in it."""

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from commitments.models import Action, MemberState, Profile
from reporting import reports
from reporting.models import Report, ReportKind
from tests.factories import EvidenceFactory, Role, make_user

pytestmark = pytest.mark.django_db
CUTOFF = datetime(2030, 1, 1, tzinfo=UTC)
HEADING = "Coverage of objectives and actions"


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"


@pytest.fixture
def morocco(framework):
    state = MemberState.objects.get(iso3="MAR")
    EvidenceFactory(published=True, member_state=state, primary_action=Action.objects.get(code="13(a)"))
    return state


def national(state, **kwargs):
    return reports.request_report(kind=ReportKind.NATIONAL, cycle=3, member_state=state, data_cutoff=CUTOFF, **kwargs)


def compiled(report):
    assert reports.run_compile(report.pk, f"task-{report.pk}") == "complete", Report.objects.get(pk=report.pk).error
    report.refresh_from_db()
    return report


def test_the_language_is_part_of_the_snapshots_parameters(morocco):
    focal = make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    Profile.objects.filter(user=focal).update(language="ru")
    focal.refresh_from_db()
    assert national(morocco, user=focal).parameters["language"] == "ru"  # the requester's by default
    assert national(morocco, user=focal, language="zh-hans").parameters["language"] == "zh-hans"
    assert national(morocco).parameters["language"] == "en"  # scheduled: the site's
    with pytest.raises(ValidationError):
        national(morocco, language="de")


def pdf_text(report, tmp_path):
    out = tmp_path / f"{report.pk}.txt"
    subprocess.run(["pdftotext", reports.file_path(report.files.get(format="pdf")), str(out)], check=True)
    return " ".join(out.read_text().split())


@pytest.mark.parametrize("language, script", [("ar", r"[\u0600-\u06FF]"), ("zh-hans", r"[\u4e00-\u9fff]")])
def test_arabic_and_chinese_national_reports_are_written_in_their_language(morocco, tmp_path, language, script):
    report = compiled(national(morocco, language=language))
    with translation.override(language):
        heading = gettext(HEADING)
    assert heading != HEADING, f"no {language} translation of {HEADING!r} (locale/ catalogues)"
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    assert f'lang="{language}"' in html and heading in html
    text = pdf_text(report, tmp_path)
    assert re.search(script, text)  # the fonts are embedded: the script is there, not boxes
    # pdftotext writes the lam-alef ligature back as two letters in the wrong order ("اال"):
    # the words without one must be there as they are.
    words = [w for w in heading.split() if not re.search("ل[اأإآ]", w)]
    assert words and all(w in text.replace("\u202b", " ").replace("\u202c", " ") for w in words), (words, text[:300])
    workbook = openpyxl.load_workbook(reports.file_path(report.files.get(format="xlsx")))
    cells = {str(c.value) for sheet in workbook for row in sheet.iter_rows(max_row=3) for c in row if c.value}
    assert any(re.search(script, value) for value in cells)  # headings translated
