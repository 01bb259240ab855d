"""Pages pre-built for readers, as Open SDG pre-builds its site, while staying live for reporters.

Anonymous pages are cached under the data version (`commitments.readers.reader_page`): a change
readers can see makes new keys, so the first reader of each page after a change would pay for
building it (the global dashboard: about 0.3 s at 10,000 records, seconds at 1,000,000). The
`reporting.prebuild_pages` task, run every minute by celery beat, notices a new data version
(or a new day, or a new release) and renders the most read pages once, in every language, into
the shared cache: the home page, the dashboards (global, each objective, each State with
published evidence), the objective pages and the first page of the evidence list, and the API's
lists (all records, each State's, each objective's; JSON in the site's language, as the host
readers use: the first of ALLOWED_HOSTS, over HTTPS, as behind nginx); then the whole
published set as CSV and JSON files (`commitments.exports.write_prebuilt`), which the unfiltered
export serves from disk, after the CSV line of each record not written yet
(`commitments.exports.build_lines`), which filtered CSV exports read instead of writing them.
Readers then find them built. The task does nothing while the version
is unchanged, and one run at a time builds (a lock in the cache); `manage.py prebuild_pages`
does the same by hand (deployments and `make bench` run it after start-up).
"""

import logging
import secrets
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from commitments import dataversion
from commitments.models import MemberState, Objective
from commitments.readers import release
from monitor.throttles import PREBUILD_ENVIRON

log = logging.getLogger(__name__)
LOCK = "prebuild:lock"
# The run holding the lock renews it every RENEW_SECONDS while it builds (writing the exports at a
# million records takes minutes), so a run killed half-way (a worker stopped, out of memory) frees
# it within LOCK_SECONDS and the next minute's run builds: pages are not left to their first
# reader for long.
LOCK_SECONDS = 120
RENEW_SECONDS = 30


def reader_paths():
    """The pages built ahead, in the default language (unprefixed), most read first."""
    objectives = list(Objective.objects.order_by("number").values_list("number", flat=True))
    states = _states_with_evidence()
    return [
        "/",
        "/dashboards/",
        "/evidence/",
        *(f"/dashboards/objectives/{n}/" for n in objectives),
        *(f"/objectives/{n}/" for n in objectives),
        *(f"/dashboards/states/{iso3}/" for iso3 in states),
    ]


def api_paths():
    """API lists built ahead (JSON, the site's language): all records, each State's, each
    objective's. A harvester or script sends no language and is answered in the site's."""
    objectives = Objective.objects.order_by("number").values_list("number", flat=True)
    return [
        "/api/v1/evidence/",
        *(f"/api/v1/evidence/?state={iso3}" for iso3 in _states_with_evidence()),
        *(f"/api/v1/evidence/?objective={n}" for n in objectives),
    ]


def _states_with_evidence():
    return (
        MemberState.objects.filter(evidence__is_published=True)
        .distinct()
        .order_by("iso3")
        .values_list("iso3", flat=True)
    )


def in_languages(paths, languages=None):
    """Each path in each language (i18n_patterns: the default language has no prefix)."""
    codes = languages or [code for code, _name in settings.LANGUAGES]
    return [path if code == settings.LANGUAGE_CODE else f"/{code}{path}" for code in codes for path in paths]


def _marker(version):
    return version.key("prebuilt", release(), f"{timezone.localdate():%Y%m%d}")


def _host():
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "") and "*" not in h]
    return hosts[0] if hosts else "localhost"


def _write_exports(version):
    """The whole published set as CSV and JSON files for `version` (commitments.exports), served
    from disk to whoever downloads the unfiltered export; kept only if the version held throughout."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from commitments import exports
    from commitments.filters import filter_evidence

    exports.build_lines()  # each published record's CSV line, for exports of any filter
    written = []
    for fmt in exports.PREBUILT_FORMATS:
        _filterset, queryset = filter_evidence(QueryDict(), AnonymousUser())
        written.append(exports.write_prebuilt(fmt, version, queryset))
    if dataversion.current().public != version.public:
        for path in written:
            path.unlink(missing_ok=True)  # it may hold rows of the next version under this one's name
        return None
    return written


class _Lock:
    """The one-run-at-a-time lock in the shared cache: taken with a token of its own, renewed by a
    thread while the run lasts, released only by the run holding it."""

    def __init__(self):
        self.token, self.stop = secrets.token_hex(8), threading.Event()

    def take(self):
        if not cache.add(LOCK, self.token, LOCK_SECONDS):
            return False
        threading.Thread(target=self._renew, name="prebuild-lock", daemon=True).start()
        return True

    def _renew(self):
        while not self.stop.wait(RENEW_SECONDS):
            if cache.get(LOCK) != self.token or not cache.touch(LOCK, LOCK_SECONDS):
                return  # expired meanwhile (the cache was down or flushed): not ours to renew

    def release(self):
        self.stop.set()
        if cache.get(LOCK) == self.token:
            cache.delete(LOCK)


def prebuild(*, languages=None, force=False):
    """Render the pages for the current data version unless that was done: a summary dict, or None."""
    from django.test import Client  # the project's own request handler, middleware and all, in-process

    version = dataversion.current()
    marker = _marker(version)
    if not force and cache.get(marker):
        return None
    lock = _Lock()
    if not lock.take():
        return None  # another run is building
    started, built, failed = time.monotonic(), 0, []
    try:
        client = Client(HTTP_HOST=_host(), raise_request_exception=False, **{PREBUILD_ENVIRON: True})
        api = [(path, {"HTTP_ACCEPT": "application/json"}) for path in api_paths()]
        for path, headers in [*((p, {}) for p in in_languages(reader_paths(), languages)), *api]:
            response = client.get(path, secure=True, **headers)
            if response.status_code == 200:
                built += 1
            else:
                failed.append(f"{path} {response.status_code}")
            if dataversion.current().public != version.public:
                break  # the data changed meanwhile: the next run builds the new version
        else:
            exported = _write_exports(version)
            if exported is not None:
                cache.set(marker, 1, 24 * 3600)
    finally:
        lock.release()
    if failed:
        log.warning("Pre-building reader pages: %s answered with an error", ", ".join(failed[:10]))
    return {"version": version.public, "pages": built, "failed": failed, "seconds": time.monotonic() - started}
