"""Publishing a compiled report: its directory moved into place in one rename, its files
checksummed, and only then the report marked complete."""

import hashlib
import os
import shutil
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Report, ReportFile


def report_dir(report):
    return os.path.join(settings.REPORTS_ROOT, str(report.pk))


def new_run_dir(report):
    """A fresh temporary directory for one run's files, beside where they will be published."""
    path = os.path.join(settings.REPORTS_ROOT, f"{report.pk}.tmp-{uuid.uuid4().hex}")
    os.makedirs(path)
    return path


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def publish(report, claimed_at, tmp, parts):
    """Move the finished directory into place in one rename, then record its files (each part's
    size and checksum, taken when it was written) and mark the report complete, in one transaction."""
    final = report_dir(report)
    if os.path.isdir(final):
        shutil.rmtree(final)  # left by an attempt that died after renaming, before it was marked complete
    os.replace(tmp, final)
    rows = []
    for part in parts:
        if os.path.getsize(os.path.join(final, part.filename)) != part.size:
            raise IntegrityError(f"the {part.format} file changed after it was written")
        rows.append(
            ReportFile(
                report=report,
                format=part.format,
                path=f"{report.pk}/{part.filename}",
                size=part.size,
                sha256=part.sha256,
            )
        )
    with transaction.atomic():
        ReportFile.objects.filter(report=report).delete()
        ReportFile.objects.bulk_create(rows)
        done = Report.objects.filter(pk=report.pk, status=Report.Status.RUNNING, started_at=claimed_at).update(
            status=Report.Status.COMPLETE, progress=100, finished_at=timezone.now()
        )
        if not done:
            raise IntegrityError("another run took this report over")


def file_path(report_file):
    return os.path.join(settings.REPORTS_ROOT, report_file.path)
