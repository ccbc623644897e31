"""What the public page costs: bytes, queries and server time, cached and not; the staff
list of requests with few and many requests; and the retention purge.

    .venv/bin/python bench/public_page.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/public_page.py

Prints one line per measurement. The query counts of the list must not grow with the
number of requests.
"""

import datetime
import gzip
import os
import statistics
import time

import pages  # noqa: F401  (sets Django up: first)

# isort: split
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse
from django.utils import timezone

settings.SPOR_PUBLIC_POSTS_PER_HOUR = 10**9

from spor.accounts.models import Service, Team, User  # noqa: E402
from spor.public.models import GalleryItem, Page, TalkRequest  # noqa: E402
from spor.public.testing import stamp  # noqa: E402


def timed(call, runs=30):
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def queries_of(call):
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    service = Service.objects.create(name=f"Bench {time.time()}")
    team = Team.objects.create(service=service, name="Rådgivning")
    counsellor = User.objects.create_user(f"c{service.pk}", password="x",  # noqa: S106
                                          role="clinician",
                                          service=service)
    counsellor.teams.set([team])
    slug = f"bench-{service.pk}"
    Page.objects.create(service=service, slug=slug, published=True, title="Bench",
                        intro="Et sted for unge.", body="## Hvem er vi?\n" + "Tekst. " * 200,
                        opening_hours="Mandag–torsdag 9–16", phone="49280000")
    GalleryItem.objects.bulk_create([
        GalleryItem(service=service, kind="tip", nickname="N", title=f"Tip {i}",
                    text="Gå en tur. " * 20, status="approved", removal_hash=f"{slug}-{i}")
        for i in range(40)])
    page_url = reverse("public_page", kwargs={"service_slug": slug})
    talk_url = reverse("public_talk", kwargs={"service_slug": slug})
    young = Browser()
    rows = []

    def uncached():
        cache.clear()
        young.get(page_url)

    body = young.get(page_url).content
    rows.append(("page, uncached", queries_of(uncached), timed(uncached)))
    young.get(page_url)
    rows.append(("page, cached", queries_of(lambda: young.get(page_url)),
                 timed(lambda: young.get(page_url))))
    rows.append(("ask-for-a-talk form", queries_of(lambda: young.get(talk_url)),
                 timed(lambda: young.get(talk_url))))
    data = {"nickname": "Kiwi", "age": "16", "reach": "phone", "phone": "22334455",
            "parents": "talk_first", "website": "", "stamp": stamp()}
    rows.append(("send a request", queries_of(lambda: young.post(talk_url, data)),
                 timed(lambda: young.post(talk_url, data))))

    staff = Browser()
    staff.force_login(counsellor)
    list_url = reverse("talk_requests")
    for n in (10, 1000):
        TalkRequest.objects.filter(service=service).delete()
        TalkRequest.objects.bulk_create([
            TalkRequest(service=service, nickname=f"N{i}", age=16, reach="i_call")
            for i in range(n)])
        rows.append((f"staff list, {n} new", queries_of(lambda: staff.get(list_url)),
                     timed(lambda: staff.get(list_url), runs=10)))

    TalkRequest.objects.filter(service=service).update(
        created_at=timezone.now() - datetime.timedelta(days=90))
    began = time.perf_counter()
    call_command("purge_public", stdout=open(os.devnull, "w"))  # noqa: SIM115
    purge_ms = (time.perf_counter() - began) * 1000

    print(f"database: {connection.vendor}")
    print(f"page: {len(body)} bytes of HTML ({len(gzip.compress(body))} gzipped), "
          f"{body.count(b'<script')} scripts, {body.count(b'<link')} linked files")
    for what, queries, ms in rows:
        print(f"{what:24} {queries:3} queries  median {ms:7.2f} ms")
    print(f"purge of 1000 expired requests: {purge_ms:.0f} ms")


if __name__ == "__main__":
    main()
