"""Server time of an app's upload: 1,000 new diary entries in one batch, then the same
batch again (all unchanged). Target: at most 150 ms per 1,000 new entries.

    .venv/bin/python bench/api_upload.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracking_bench \
        .venv/bin/python bench/api_upload.py

The requests go through Django's whole stack (middleware, token, validation, one
transaction, the access log) in this process, so the time is the server's, without a
network. Prints the median and the range over several runs.
"""

import datetime
import json
import os
import statistics
import sys
import tempfile
import time
import uuid

os.environ.setdefault("SPOR_DATA_DIR", tempfile.mkdtemp(prefix="spor-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
# Persistent connections, as a production server is configured: the time is the upload's,
# not that of opening a PostgreSQL connection for every request.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]
settings.SPOR_API_REQUESTS_PER_MINUTE = 10_000

from spor.accounts.models import Service, Team  # noqa: E402
from spor.clients.models import Client  # noqa: E402
from spor.tracking.models import DiaryEntry  # noqa: E402
from spor.tracking.testing import paired_device_for  # noqa: E402

BATCH = 1000
RUNS = 15
SUBSTANCES = [("cannabis", "gram", 1.25), ("cannabis", "joint", 2), ("alcohol",
              "standard_drink", 4.5)]


def batch(first_day):
    """1,000 entries over the 1,000 days up to first_day, a realistic mix of answers."""
    entries = []
    for n in range(BATCH):
        substance, unit, amount = SUBSTANCES[n % 3]
        entry = {"id": str(uuid.uuid4()), "substance": substance,
                 "date": (first_day - datetime.timedelta(days=n)).isoformat()}
        if n % 4 == 3:
            entry["answer"] = "not_used"
        else:
            entry.update(answer="used", amount=amount, unit=unit, note="fest" if n % 9 else "")
        entries.append(entry)
    return json.dumps({"entries": entries})


def post(browser, token, body):
    began = time.perf_counter()
    response = browser.post("/api/v1/entries", body, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {token}")
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, response.content[:300]
    return elapsed, response.json()


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    service = Service.objects.create(name=f"Bench {time.time()}")
    team = Team.objects.create(service=service, name="Bench")
    browser = Browser()
    new, again = [], []
    for run in range(RUNS + 1):
        # A young person of their own each run: every batch goes to an empty diary.
        client = Client.objects.create(service=service, team=team, pseudonym=f"B{run}",
                                       birth_year=2000)
        _device, token = paired_device_for(client)
        body = batch(timezone.localdate() - datetime.timedelta(days=1))
        first, result = post(browser, token, body)
        assert result == {"created": BATCH, "unchanged": 0}, result
        second, result = post(browser, token, body)
        assert result == {"created": 0, "unchanged": BATCH}, result
        if run:  # the first run warms caches and is not counted
            new.append(first)
            again.append(second)
    stored = DiaryEntry.objects.filter(client__service=service).count()
    print(f"database: {connection.vendor}; {RUNS} runs of {BATCH} entries; {stored} stored")
    for label, times in (("1,000 new entries", new), ("the same 1,000 again", again)):
        print(f"{label:22} median {statistics.median(times):6.1f} ms  "
              f"(min {min(times):6.1f}, max {max(times):6.1f})")


if __name__ == "__main__":
    main()
