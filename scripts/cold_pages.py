"""What a page costs when nothing is cached: each path read twice, the shared cache (and this
process's kept pages) emptied before each read, with its queries and the slowest of them.

    DATABASE_URL=... REDIS_URL=redis://127.0.0.1:6379/7 DJANGO_SETTINGS_MODULE=monitor.settings \
        .venv/bin/python scripts/cold_pages.py /dashboards/ "/evidence/?objective=5"

It empties the cache it is given: point REDIS_URL at a database of its own, never production's.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from commitments import readers  # noqa: E402


def main(paths):
    client = Client(HTTP_HOST="testserver")
    client.get("/")  # the process's own start (imports, templates) is not a page's cost
    for path in paths:
        times = []
        for _read in range(2):
            cache.clear()
            readers.PROCESS_PAGES.clear()
            with CaptureQueriesContext(connection) as queries:
                started = time.monotonic()
                response = client.get(path)
                times.append(round((time.monotonic() - started) * 1000))
        print(f"{path}: {response.status_code}, cold {times[0]} / {times[1]} ms, {len(queries)} queries")
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]:
            print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:160]}")


if __name__ == "__main__":
    main(sys.argv[1:])
