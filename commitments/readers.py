"""Answers for readers made once per data version: cached anonymous pages and ETags.

The data version (`commitments.dataversion`) moves in the transaction of every write readers
could see, so an answer made at version N is right for as long as the version is N: nothing
is ever invalidated by hand and nothing is ever stale.

- `reader_page` (a view decorator): for anonymous readers, the whole page is kept in the
  shared cache under (version, code release, language, URL); repeat readers get 304 for an
  unchanged ETag. The one per-reader part of a page, the CSRF token of the language form, is
  cut out when storing and put back (the reader's own) when serving. Signed-in people always
  get a fresh page: it shows their name and what they may do.
- `DataVersionETagMiddleware`: ETag and Last-Modified from the version for the API and the
  exports, for everyone; the ETag also names who asks (token or session) and how (Accept,
  language), since the answer depends on them.
"""

import collections
import copy
import functools
import hashlib
import pickle
import re
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from . import dataversion

PAGE_SECONDS = 24 * 3600  # a page unread for a day leaves the cache; a new version is a new key anyway
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_MARK = b"\\1__csrf__\\2"
CONDITIONAL_PREFIXES = ("/api/v1/", "/evidence/export.")
NOT_CONDITIONAL = ("/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/")


def _release():
    """A fingerprint of the code and templates, so a deployment never serves pages of the last one."""
    digest = hashlib.sha256()
    for app in ("monitor", "commitments", "reporting"):
        for path in sorted(Path(settings.BASE_DIR, app).rglob("*")):
            if path.suffix in (".py", ".html", ".mo") and "migrations" not in path.parts:
                stat = path.stat()
                digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()[:10]


RELEASE = None


def release():
    global RELEASE  # noqa: PLW0603 (computed once per process, on the first page)
    if RELEASE is None:
        RELEASE = _release()
    return RELEASE


def _anonymous_reader(request):
    # A reader with queued messages (e.g. "signed out") gets them in a fresh page, not a shared one.
    return request.method in ("GET", "HEAD") and request.user.is_anonymous and "messages" not in request.COOKIES


def _not_modified(request, etag, version, private=False):
    """A 304 (with the validators, as HTTP asks) when the reader's copy is current, else None."""
    response = get_conditional_response(request, etag=etag, last_modified=int(version.changed_at.timestamp()))
    return None if response is None else _mark(response, etag, version, private)


def _mark(response, etag, version, private):
    response.headers.setdefault("ETag", etag)
    response.headers.setdefault("Last-Modified", http_date(version.changed_at.timestamp()))
    # Readers revalidate every time (a 304 costs a read of the version's copy), so a change shows at once.
    patch_cache_control(response, no_cache=True, **({"private": True} if private else {}))
    return response


CSP_ATTRIBUTES = (
    "_csp_exempt",
    "_csp_update",
    "_csp_replace",
    "_csp_config",
    "_csp_exempt_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_config_ro",
)


def reader_page(view):
    """Cache the page for anonymous readers under the data version; ETag and 304 for them."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _anonymous_reader(request):
            return view(request, *args, **kwargs)
        version = dataversion.for_request(request)
        lang = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        # Today is part of the key: some pages say what is active or due today.
        etag = f'"p{version.public}-{release()}-{lang}-{timezone.localdate():%Y%m%d}"'
        not_modified = _not_modified(request, etag, version)
        if not_modified is not None:
            return not_modified
        key = version.key("page", etag.strip('"'), hashlib.sha256(request.get_full_path().encode()).hexdigest())
        stored = _read(key, _keep_page)
        if stored is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            # The view's own widening of the Content-Security-Policy (django-csp reads it from the
            # response) is kept with the page: the dashboards' style-src-attr for plotly.
            policy = {attr: getattr(response, attr) for attr in CSP_ATTRIBUTES if hasattr(response, attr)}
            stored = _write(
                key, (response["Content-Type"], CSRF_INPUT.sub(CSRF_MARK, response.content), policy), _keep_page
            )
        content_type, content, *policy = stored
        response = HttpResponse(content.replace(b"__csrf__", get_token(request).encode()), content_type=content_type)
        for attr, value in (policy[0] if policy else {}).items():
            setattr(response, attr, copy.copy(value))  # the kept page is shared by this process's requests
        return _mark(response, etag, version, private=False)

    return wrapper


class ProcessPages:
    """Pages already read, kept in this process as well as in the shared cache (least recently read
    dropped first, within `READER_PROCESS_CACHE_MB` per process; 0 turns it off). A key names the
    data version, code release, language, day and address of its page, so a kept page is right for
    as long as its key is asked for: nothing here is ever invalidated, as in the shared cache. Under
    many readers, fetching a page from redis was a third of a cached page's cost (make bench, --readers).
    """

    def __init__(self):
        self.items, self.size, self.lock = collections.OrderedDict(), 0, threading.Lock()

    def budget(self):
        return int(getattr(settings, "READER_PROCESS_CACHE_MB", 32) * 1024 * 1024)

    def get(self, key):
        with self.lock:
            item = self.items.get(key)
            if item is None:
                return None
            self.items.move_to_end(key)
            return item[0]

    def put(self, key, value, size):
        budget = self.budget()
        if size > budget // 16:  # one page never pushes out many others
            return
        with self.lock:
            if key in self.items:
                return
            self.items[key] = (value, size)
            self.size += size
            while self.size > budget:
                _key, (_value, dropped) = self.items.popitem(last=False)
                self.size -= dropped

    def clear(self):
        with self.lock:
            self.items.clear()
            self.size = 0


PROCESS_PAGES = ProcessPages()


def _read(key, keep):
    """What is kept under `key`: in this process, else in the shared cache (then kept here too).
    `keep(value)` gives what this process keeps of a value and its size."""
    kept = PROCESS_PAGES.get(key)
    if kept is None:
        from django.core.cache import cache

        value = cache.get(key)
        if value is None:
            return None
        kept = _keep(key, value, keep)
    return kept


def _write(key, value, keep):
    """Store `value` in the shared cache and keep it in this process; returns what is kept here."""
    from django.core.cache import cache

    cache.set(key, value, PAGE_SECONDS)
    return _keep(key, value, keep)


def _keep(key, value, keep):
    kept, size = keep(value)
    PROCESS_PAGES.put(key, kept, size)
    return kept


def _keep_page(stored):
    return stored, len(stored[1])


def _keep_pickled(data):
    """API data is kept as its pickle, so each answer gets its own copy."""
    kept = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
    return kept, len(kept)


def _keep_text(html):
    return html, len(html)


class PublicAnswerCache:
    """A DRF viewset mixin: anonymous readers' list and detail answers are kept in the shared cache
    under the data version, as `reader_page` keeps pages, so a repeat read costs no query beyond the
    version and no serialisation. A JSON answer is kept as its bytes, keyed also by the media type
    (`?format=json`, `indent=`); another renderer's (the browsable API) as its data, rendered for
    each reader. Keys hold the absolute URL (its links name the host) and the language; throttles
    and permission checks have run before, in `initial()`. Signed-in people always get a fresh answer.
    """

    def list(self, request, *args, **kwargs):
        return self._public_answer(super().list, request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._public_answer(super().retrieve, request, *args, **kwargs)

    def _public_answer(self, answer, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not request.user.is_anonymous:
            return answer(request, *args, **kwargs)
        from django.utils.translation import get_language
        from rest_framework.response import Response

        version = dataversion.for_request(request._request)
        url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        if getattr(getattr(request, "accepted_renderer", None), "format", None) == "json":
            return self._rendered_answer(answer, request, version, url, get_language(), *args, **kwargs)
        key = version.key("api", release(), get_language(), url)
        kept = _read(key, _keep_pickled)
        if kept is not None:
            return Response(pickle.loads(kept))  # noqa: S301 - pickled by this process (_keep_pickled)
        response = answer(request, *args, **kwargs)
        if response.status_code == 200 and not response.has_header("Set-Cookie"):
            _write(key, response.data, _keep_pickled)
        return response

    def _rendered_answer(self, answer, request, version, url, language, *args, **kwargs):
        """A JSON answer kept as the bytes sent (the renderer was chosen in `initial()`): a repeat
        read encodes nothing. Encoding the kept data and unpickling it were a third of a kept
        answer's cost (0.45 and 0.33 ms of a 54 KB page at 1M records; make bench, --readers)."""
        answer_of = hashlib.sha256(f"{request.accepted_media_type}|{url}".encode()).hexdigest()
        key = version.key("api-json", release(), language, answer_of)
        kept = _read(key, _keep_page)
        if kept is not None:
            content_type, body = kept
            return HttpResponse(body, content_type=content_type)
        response = answer(request, *args, **kwargs)
        if response.status_code == 200 and not response.has_header("Set-Cookie"):
            response = self.finalize_response(request, response, *args, **kwargs)
            response.render()
            _write(key, (response["Content-Type"], response.content), _keep_page)
        return response


def _identity(request):
    """Who asks and how, as far as the answer depends on it (hashed: never sent back in clear)."""
    parts = [
        request.headers.get("Authorization", ""),
        request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""),
        request.headers.get("Accept", ""),
        request.headers.get("Accept-Language", ""),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _signed_in(request):
    return bool(request.headers.get("Authorization") or request.COOKIES.get(settings.SESSION_COOKIE_NAME))


class DataVersionETagMiddleware:
    """ETag/Last-Modified from the data version on the API and the exports (see the module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            request.method not in ("GET", "HEAD")
            or not path.startswith(CONDITIONAL_PREFIXES)
            or path.startswith(NOT_CONDITIONAL)
        ):
            return self.get_response(request)
        version = dataversion.for_request(request)
        private = _signed_in(request)
        number = f"s{version.private}" if private else f"p{version.public}"
        etag = f'"{number}-{release()}-{_identity(request)}"'
        not_modified = _not_modified(request, etag, version, private)
        if not_modified is not None:
            return not_modified
        response = self.get_response(request)
        if response.status_code == 200:
            _mark(response, etag, version, private)
        return response


def kept_fragment(version, parts, render):
    """A piece of HTML made once per data version, code release and `parts` (what else it depends
    on: language, query ...), kept in this process and in the shared cache."""
    from django.utils.safestring import mark_safe

    key = version.key("fragment", release(), hashlib.sha256(repr(parts).encode()).hexdigest())
    html = _read(key, _keep_text)
    if html is None:
        html = _write(key, str(render()), _keep_text)
    return mark_safe(html)  # noqa: S308 - rendered by a template, escaped there


def remember(version, name, queryset, compute, *, public=True):
    """`compute()`, cached under the data version and the SQL of `queryset` (what it reads).

    For figures derived from one queryset: facet counts, dashboard aggregates. Another filter is
    another SQL text, another write another version, so the answer is never stale.
    """
    from django.core.cache import cache

    try:
        sql, params = queryset.query.sql_with_params()
    except (EmptyResultSet, FullResultSet):
        return compute()
    key = version.key(name, hashlib.sha256(repr((sql, params)).encode()).hexdigest(), public=public)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PAGE_SECONDS)
    return value
