"""Django set up for the page benchmarks (import this first), and what one page costs.

Each run gets a database of its own (SQLite in a temporary folder unless DATABASE_URL is
set), fast password hashing and no two-factor login.
"""

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("SPOR_DATA_DIR", tempfile.mkdtemp(prefix="spor-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.SPOR_REQUIRE_2FA = False
settings.ALLOWED_HOSTS = ["*"]


def measure(browser, url, runs=30, cpu=False):
    """(queries, median milliseconds) of a page that must answer 200; with `cpu`, also the
    median milliseconds of this process's processor time, steadier than the clock on a
    busy machine (the database's own work on PostgreSQL is not in it)."""
    reset_queries()  # the request resets the log; start the count from empty
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    count = len(queries)  # read now: later requests reset the query log
    clock, processor, _response = timed_get(browser, url, runs=runs)
    return (count, clock, processor) if cpu else (count, clock)


def timed_get(browser, url, data=None, runs=5, before=None):
    """(median clock milliseconds, median processor milliseconds, the last response) of
    `runs` requests of a page that must answer 200, after one untimed; `before`, when
    given, runs untimed ahead of each (to forget what a cache kept)."""
    assert browser.get(url, data).status_code == 200, url
    times, cpu_times = [], []
    for _ in range(runs):
        if before is not None:
            before()
        began, began_cpu = time.perf_counter(), time.process_time()
        response = browser.get(url, data)
        times.append((time.perf_counter() - began) * 1000)
        cpu_times.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), statistics.median(cpu_times), response
