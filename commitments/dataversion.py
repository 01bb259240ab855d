"""The data version: when what readers see last changed, as two counters in the database.

`bump()` runs inside the writer's transaction (a conditional UPDATE of one row), so a reader
either sees the new data and the new number or neither. `current()` reads the row once per
request. Caches use the number in their keys (`key()`), conditional GETs use it in ETags, so
no cached answer outlives the data it was made from and nothing has to be deleted.
"""

import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import DataVersion

ROW = 1


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


class Version:
    """The counters as read once; `changed_at` gives Last-Modified."""

    def __init__(self, public, private, changed_at, labels=1):
        self.public, self.private, self.changed_at, self.labels = public, private, changed_at, labels

    def key(self, *parts, public=True):
        """A cache key for data of this version: `dv:<n>:<parts...>`."""
        number = self.public if public else f"p{self.private}"
        return ":".join(["dv", str(number), *map(str, parts)])


EPOCH = datetime.datetime(2018, 12, 19, tzinfo=datetime.UTC)  # the compact's adoption: before any data


def current():
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


_CURRENT_SQL = f"SELECT public, private, changed_at, labels FROM {DataVersion._meta.db_table} WHERE id = %s"  # noqa: S608


def for_request(request):
    """The version, read once per request (the page, its figures and its ETag agree)."""
    if not hasattr(request, "_data_version"):
        request._data_version = current()
    return request._data_version
