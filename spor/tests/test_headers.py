"""Security headers on every page, and pages that keep to them.

The Content-Security-Policy allows no inline script, nothing from elsewhere and no inline
style except two fixed style sheets by hash; templates and charts are checked for what
the policy would refuse, and a real browser reports no refusal on the pages people use."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import spor
from spor.lib import charts
from spor.lib.testing import BrowserTestCase, Personas, PersonaTestCase
from spor.measures.tests.helpers import licence, rate
from spor.public.models import Page

ROOT = Path(spor.__file__).parent
HASHED_STYLES = {f'<style>{{% include "{name}" %}}</style>'
                 for name in getattr(settings, "CONTENT_SECURITY_POLICY_INLINE_STYLES", [])}


def plain_routes(resolver=None, prefix=""):
    """Every URL of the URLconf that takes no parameter."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from plain_routes(entry, route)
        elif isinstance(entry, URLPattern) and not entry.pattern.converters:
            yield "/" + route.lstrip("^").rstrip("$").replace("\\", "")


def policy(response) -> dict:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


class HeaderTests(PersonaTestCase):
    def assert_strict(self, response, url):
        directives = policy(response)
        for name in ("default-src", "script-src", "style-src", "img-src"):
            self.assertEqual(directives[name][0], "'self'", (url, name))
        self.assertEqual(directives["script-src"], ["'self'"], url)
        self.assertEqual(directives["object-src"], ["'none'"], url)
        self.assertEqual(directives["frame-ancestors"], ["'none'"], url)
        self.assertEqual(directives["base-uri"], ["'none'"], url)
        for source in sum(directives.values(), []):
            self.assertRegex(source, r"^'(self|none|sha256-[A-Za-z0-9+/=]+)'$", url)
        self.assertIn("camera=()", response["Permissions-Policy"], url)
        self.assertIn("geolocation=()", response["Permissions-Policy"], url)
        self.assertEqual(response["Referrer-Policy"], "same-origin", url)

    def test_every_page_sends_a_strict_policy_for_visitors_and_staff(self):
        routes = sorted(set(plain_routes()))
        self.assertGreater(len(routes), 30)
        for user in (None, self.lene, self.adam):
            if user:
                self.login(user)
            for url in routes:
                self.assert_strict(self.client.get(url), url)
        self.assert_strict(self.client.get("/no-such-page/"), "404")
        self.assert_strict(self.client.get("/static/spor/spor.css"), "static")

    def test_no_browser_template_holds_inline_script_style_or_handlers(self):
        found = []
        for path in ROOT.rglob("templates/**/*.html"):
            name = str(path).split("/templates/", 1)[1]
            text = path.read_text()
            for tag in re.findall(r"<script\b[^>]*>", text):
                if "src=" not in tag:
                    found.append((name, tag))
            for styles in re.findall(r"<style>.*?</style>", text, re.S):
                if styles not in HASHED_STYLES:
                    found.append((name, styles[:40]))
            found += [(name, m) for m in re.findall(r"\s(style|on[a-z]+)=", text)]
            found += [(name, m) for m in re.findall(r"(?:src|href)=\"(?:https?:)?//", text)]
        self.assertEqual(found, [])

    def test_charts_draw_without_inline_style(self):
        svg = charts.pie("Stof", ["Hash", "Alkohol"], [3, 4]) + charts.bars("Alder", ["15"], [2])
        self.assertNotIn("<style", svg)
        self.assertNotIn("style=", svg)
        self.assertIn('fill="#', svg)

    def test_the_deploy_check_of_the_documented_production_setup_warns_of_nothing(self):
        env = {**os.environ, "DEBUG": "false", "SPOR_HTTPS": "true",
               "SECRET_KEY": "k" * 20 + "production-secret-key-of-fifty-chars",
               "SPOR_DATA_KEY": "d" * 44, "ALLOWED_HOSTS": "spor.example.dk",
               "CSRF_TRUSTED_ORIGINS": "https://spor.example.dk",
               "SPOR_BASE_URL": "https://spor.example.dk",
               "SPOR_DATA_DIR": self.enterContext(__import__("tempfile").TemporaryDirectory())}
        env.pop("DATABASE_URL", None)
        result = subprocess.run([sys.executable, "-m", "spor", "check", "--deploy"],
                                env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("System check identified no issues", result.stdout + result.stderr)


class PolicyInTheBrowserTests(Personas, BrowserTestCase):
    """Chromium reports every refusal of the policy as a securitypolicyviolation event."""

    def setUp(self):
        super().setUp()
        type(self).setUpTestData()
        licence(self.service, self.adam)
        rate(self.ida_session, 18)
        Page.objects.create(service=self.service, slug="helsingung", published=True,
                            title="Helsingung", intro="Et sted for unge.")
        self.page.add_init_script(
            "window.__refused = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__refused.push(e.violatedDirective + ' ' + e.blockedURI));")

    def refused(self, path):
        response = self.page.goto(self.live_server_url + path)
        self.assertIn("'self'", response.headers.get("content-security-policy", ""), path)
        self.page.wait_for_load_state("networkidle")
        return self.page.evaluate("window.__refused")

    def test_the_pages_people_use_break_no_rule_of_the_policy(self):
        self.assertEqual(self.refused(reverse("public_page", args=["helsingung"])), [])
        self.assertEqual(self.refused(reverse("login")), [])
        self.log_in("lene")
        for path in (reverse("caseload"), reverse("client_detail", args=[self.ida.pk]),
                     reverse("fit_course", args=[self.ida_course.pk]),
                     reverse("talk_requests"), reverse("programmes"), reverse("statistics")):
            with self.subTest(path):
                self.assertEqual(self.refused(path), [])
        # The chart keeps its colours: its white background is not drawn black.
        self.visit(reverse("fit_course", args=[self.ida_course.pk]))
        background = self.page.locator("svg.chart rect").first
        self.assertEqual(background.evaluate("p => getComputedStyle(p).fill"),
                         "rgb(255, 255, 255)")
