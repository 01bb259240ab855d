"""The data version: when what readers see last changed, as counters in the database.

`bump()` runs inside the writer's transaction (a conditional UPDATE of one row), so a reader
either sees the new data and the new number or neither. Caches use the number in their keys
(`key()`), conditional GETs use it in ETags, so no cached answer outlives the data it was made
from and nothing has to be deleted.

`current()` is read once per request. The database row is the truth; a copy of it is shared in
the cache so that a page already cached is served without a database round trip. Under many
readers the two round trips of every request (Django's connection health check and this row),
each waiting for a PostgreSQL process to be scheduled on busy cores, were two fifths of a cached
page's time (docs/benchmarks.md, seventh round). The copy is kept only in a cache every process
shares (redis): a process's own cache (the suite's memory cache) could not learn of another
process's write, so with it the row is read. The copy is never ahead of the data and never
behind a write whose request has answered:

- the writer deletes the copy inside its transaction and, once committed, publishes the
  committed row (`_share`), replacing the copy only if it is not newer (one step on redis:
  `set_text_if_newer`); a reader who read the row before the commit and shares it late cannot
  put the older number back over the newer one;
- only a reader outside any transaction uses or shares the copy: it then reads data at least
  as new as the copy says. Inside a transaction (a report's one view of the data, a test) the
  row is read from the database, as that transaction sees it;
- the copy lives `SHARED_SECONDS`. Only if redis failed just when a write was published can a
  reader see the previous number, and only for that long. With redis away, every request reads
  the row, as before.
"""

import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import DataVersion

ROW = 1
SHARED_KEY = "dataversion"
SHARED_SECONDS = 3.0


def bump(*, public=True, labels=False):
    """Mark a change: every write bumps `private`; those the public can see also `public`; those
    that may rename what published records are exported with (`labels=True`: an organisation, a
    State, the framework) also `labels`, which retires the export lines written ahead."""
    now = timezone.now()
    changes = {"private": F("private") + 1, "changed_at": now}
    if public:
        changes["public"] = F("public") + 1
    if labels:
        changes["labels"] = F("labels") + 1
    with transaction.atomic():
        if not DataVersion.objects.filter(pk=ROW).update(**changes):
            DataVersion.objects.get_or_create(pk=ROW, defaults={"changed_at": now, "public": 2, "private": 2})
        cache.delete(SHARED_KEY)  # readers read the row until the commit is published
        transaction.on_commit(_share_committed, robust=True)


class Version:
    """The counters as read once; `changed_at` gives Last-Modified."""

    def __init__(self, public, private, changed_at, labels=1):
        self.public, self.private, self.changed_at, self.labels = public, private, changed_at, labels

    def text(self):
        return f"{self.private}:{self.public}:{self.labels}:{self.changed_at.isoformat()}"

    @classmethod
    def from_text(cls, text):
        private, public, labels, changed_at = text.split(":", 3)
        return cls(int(public), int(private), datetime.datetime.fromisoformat(changed_at), int(labels))

    def key(self, *parts, public=True):
        """A cache key for data of this version: `dv:<n>:<parts...>`."""
        number = self.public if public else f"p{self.private}"
        return ":".join(["dv", str(number), *map(str, parts)])


EPOCH = datetime.datetime(2018, 12, 19, tzinfo=datetime.UTC)  # the compact's adoption: before any data


def current():
    """The version for this moment: the shared copy, or the row (see the module docstring)."""
    if not (_shares() and _outside_transactions()):
        return from_database()
    shared = _shared()
    if shared is not None:
        return shared
    version = from_database()
    _share(version)
    return version


def _outside_transactions():
    """True when each statement sees every committed write (autocommit, no transaction open)."""
    if connection.in_atomic_block or not connection.get_autocommit():
        return False
    raw = connection.connection  # SQLite: a read transaction opened by hand (reports.snapshot)
    return not getattr(raw, "in_transaction", False) if connection.vendor == "sqlite" else True


def from_database():
    # One plain statement, read on every request of every reader: the ORM's query building was
    # most of this function's time under many readers.
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT_SQL, [ROW])
        row = cursor.fetchone()
    if not row:
        return Version(1, 1, EPOCH)
    public, private, changed_at, labels = row
    if isinstance(changed_at, str):  # SQLite returns the text it stored
        changed_at = datetime.datetime.fromisoformat(changed_at)
    if timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, datetime.UTC)
    return Version(public, private, changed_at, labels)


def _share_committed():
    if _shares():
        _share(from_database())


def _shares():
    """True when the cache is one every process shares (redis). A cache of this process's own
    (the suite's memory cache) cannot tell it of another process's write: the row is read."""
    return hasattr(cache, "set_text_if_newer")


def _shared():
    text = cache.get_text(SHARED_KEY)
    try:
        return None if text is None else Version.from_text(text)
    except ValueError:  # not a version's text: read the row
        return None


def _share(version):
    """Publish `version` unless the copy is newer (one step on redis)."""
    cache.set_text_if_newer(SHARED_KEY, version.private, version.text(), SHARED_SECONDS)


_CURRENT_SQL = f"SELECT public, private, changed_at, labels FROM {DataVersion._meta.db_table} WHERE id = %s"  # noqa: S608


def for_request(request):
    """The version, read once per request (the page, its figures and its ETag agree)."""
    if not hasattr(request, "_data_version"):
        request._data_version = current()
    return request._data_version
