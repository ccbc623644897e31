"""One rate limiter and one client-address helper for every page without a login.

Behind a reverse proxy every visitor arrives from the proxy's address; with
SPOR_TRUSTED_PROXIES set each limit must count the visitor the proxy saw, and no address
may reach the cache as it is (the page for young people promises a keyed hash only)."""

import json
import re
from pathlib import Path

from django.core.cache import cache
from django.test import TestCase, override_settings

import spor

PROXY = "10.0.0.1"
VISITOR, OTHER = "203.0.113.7", "198.51.100.23"
# Each page without a login that is limited per address: (name, request, limit setting).
PAGES = {
    "rating link": lambda c, ip: c.get("/r/guess/", HTTP_X_FORWARDED_FOR=ip),
    "parent survey": lambda c, ip: c.get("/parent-survey/guess/", HTTP_X_FORWARDED_FOR=ip),
    "app pairing": lambda c, ip: c.post("/api/v1/pairing",
                                        json.dumps({"code": "ABCD-1234", "device_name": "T"}),
                                        content_type="application/json",
                                        HTTP_X_FORWARDED_FOR=ip),
}
LIMITS = {"SPOR_RATING_RATE_LIMIT": 3, "SPOR_API_PAIRINGS_PER_MINUTE": 3}


@override_settings(SPOR_TRUSTED_PROXIES=1, **LIMITS)
class RateLimitTests(TestCase):
    def test_each_limit_counts_the_visitor_behind_the_trusted_proxy(self):
        for name, visit in PAGES.items():
            with self.subTest(name):
                statuses = [visit(self.client, f"192.0.2.9, {VISITOR}").status_code
                            for _ in range(25)]
                self.assertEqual(statuses[-1], 429, "the visitor is limited in the end")
                self.assertNotEqual(visit(self.client, OTHER).status_code, 429,
                                    "another visitor behind the same proxy is not")

    def test_no_address_reaches_the_cache(self):
        for visit in PAGES.values():
            for ip in (VISITOR, OTHER):
                visit(self.client, ip)
        stored = " ".join(str(k) + repr(v) for k, v in cache._cache.items())
        self.assertTrue(cache._cache, "the limits are counted in the cache")
        for address in (VISITOR, OTHER, PROXY, "127.0.0.1"):
            self.assertNotIn(address, stored)

    def test_only_the_one_helper_reads_the_network_address(self):
        helper = Path(spor.__file__).parent / "lib" / "ratelimit.py"
        readers = [p for p in Path(spor.__file__).parent.rglob("*.py")
                   if "tests" not in p.parts and p != helper
                   and re.search(r"REMOTE_ADDR|X_FORWARDED_FOR", p.read_text())]
        self.assertEqual(readers, [])
