"""Rating in real Chromium at phone size, by touch, and the hand-over on a tablet."""

import re

from django.core.cache import cache
from django.urls import reverse

from spor.lib.testing import BrowserTestCase, Personas
from spor.measures.models import Rating
from spor.measures.tests.helpers import licence, rate

PHONE = {"width": 390, "height": 844}


class PhoneRatingTests(Personas, BrowserTestCase):
    viewport = PHONE

    def setUp(self):
        super().setUp()
        self.context.close()
        self.context = self.browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True,
                                                locale="da-DK")
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        type(self).setUpTestData()
        licence(self.service, self.adam)
        cache.clear()

    def session_page(self):
        return reverse("fit_session", args=[self.ida_session.pk])

    def tap_lines(self, fractions):
        lines = self.page.locator("[role=slider]")
        self.assertEqual(lines.count(), len(fractions))
        for i, fraction in enumerate(fractions):
            track = lines.nth(i).locator(".track").bounding_box()
            self.page.touchscreen.tap(track["x"] + track["width"] * fraction,
                                      track["y"] + track["height"] / 2)
        return lines

    def test_on_a_phone_the_curve_keeps_its_size_and_scrolls_sideways(self):
        rate(self.ida_session, 20)
        self.log_in("alice")
        self.visit(reverse("fit_course", args=[self.ida_course.pk]))
        chart = self.page.locator(".fit-curve .chart").bounding_box()
        self.assertGreaterEqual(chart["width"], 500)  # not shrunk to the screen's 390 px
        self.assertLessEqual(self.page.evaluate("document.documentElement.scrollWidth"), 390)

    def test_a_young_person_rates_by_touch_through_a_personal_link(self):
        # The clinician makes the link on her own screen…
        clinician = self.browser.new_context(viewport={"width": 1200, "height": 900},
                                             locale="da-DK")
        desk = clinician.new_page()
        desk.goto(self.live_server_url + reverse("login"))
        desk.fill("#id_username", "alice")
        desk.fill("#id_password", "alice-password-1")
        desk.click("button[type=submit].primary")
        desk.wait_for_load_state()
        desk.goto(self.live_server_url + self.session_page())
        desk.locator("#outcome-instrument").select_option("ORS")
        desk.locator("section", has=desk.locator("#outcome-instrument")).get_by_role(
            "button", name="Personligt link / QR-kode").click()
        desk.wait_for_load_state()
        self.assertTrue(desk.locator(".qr svg").is_visible())
        link = desk.locator(".qr-link").inner_text().strip()
        clinician.close()

        # …and the young person opens it on a phone, with no login.
        self.page.goto(link)
        page = self.page
        self.assertEqual(page.locator("h1").inner_text(), "Hvordan går det? (ORS)")
        self.assertEqual(page.locator(".asker").inner_text(), "Helsingung spørger dig")
        self.assertEqual(page.locator("nav").count(), 0)
        self.assertNotIn("Ida", page.content())
        page.get_by_role("button", name="Send").click()  # nothing marked yet
        self.assertIn("Sæt et mærke på hver linje", page.locator("#rating-errors").inner_text())
        self.assertFalse(Rating.objects.exists())

        lines = self.tap_lines([0.25, 0.5, 0.75, 0.9])
        values = [float(lines.nth(i).get_attribute("aria-valuenow")) for i in range(4)]
        for value, expected in zip(values, [2.5, 5, 7.5, 9], strict=True):
            self.assertAlmostEqual(value, expected, delta=0.2)
        self.assertIn("af 10", lines.nth(0).get_attribute("aria-valuetext"))
        self.assertIsNone(re.search(r"\d", page.locator("#rating-form").inner_text()),
                            "no number is shown while rating")
        # A drag moves the mark; the keyboard fine-tunes it.
        first = lines.nth(0).locator(".track").bounding_box()
        y = first["y"] + first["height"] / 2
        lines.nth(0).dispatch_event("pointerdown", {"clientX": first["x"] + first["width"] * 0.25,
                                                    "clientY": y, "pointerId": 1})
        lines.nth(0).focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        after = float(lines.nth(0).get_attribute("aria-valuenow"))
        self.assertAlmostEqual(after, values[0] + 0.2, places=5)

        page.get_by_role("button", name="Send").click()
        page.get_by_text("Tak!").wait_for()
        rating = Rating.objects.get()
        self.assertEqual((rating.instrument, rating.rater, rating.source),
                         ("ORS", "client", "link"))
        self.assertEqual(rating.answers["individually"], after)
        self.assertAlmostEqual(float(rating.total), sum([after, *values[1:]]), delta=0.05)

        page.goto(link)  # a second visit finds the link used
        page.get_by_text("Linket er brugt").wait_for()

    def test_hand_over_shows_nothing_else_and_locks_back_to_the_login(self):
        self.page.set_viewport_size({"width": 820, "height": 1180})  # a tablet
        self.log_in("alice")
        page = self.page
        self.visit(self.session_page())
        page.locator("section", has=page.locator("#alliance-instrument")).get_by_role(
            "button", name="Giv tabletten videre").click()
        page.wait_for_load_state()
        form_url = page.url
        self.assertEqual(page.locator("h1").inner_text(), "Hvordan var samtalen? (SRS)")
        for private in ("Ida", "Hansen", "Ræven", "Mine forløb", "Log ud"):
            self.assertNotIn(private, page.content())
        self.assertEqual(page.locator("a").count(), 0)  # no way out but the form
        self.tap_lines([0.95, 0.9, 0.92, 0.97])
        page.get_by_role("button", name="Send").click()
        page.get_by_text("Giv tabletten tilbage til din behandler").wait_for()
        self.assertEqual(Rating.objects.get().source, "handover")

        page.wait_for_url(re.compile(r"/login/"), timeout=10_000)  # locks by itself
        page.goto(form_url)
        page.get_by_text("Linket er brugt").wait_for()
        self.visit(reverse("client_detail", args=[self.ida.pk]))
        self.assertIn("/login/", page.url)
        self.assertNotIn("Hansen", page.content())
        # The clinician logs in again and is back at the session.
        page.fill("#id_username", "alice")
        page.fill("#id_password", "alice-password-1")
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        self.visit(self.session_page())
        self.assertIn("Den unge:", page.locator("#h-alliance + ul").inner_text())

    def test_with_a_pin_the_tablet_is_locked_to_the_form_and_taken_back_with_the_pin(self):
        self.alice.set_tablet_pin("2468")
        self.alice.save()
        self.page.set_viewport_size({"width": 820, "height": 1180})  # a tablet
        self.log_in("alice")
        page = self.page
        self.visit(self.session_page())
        page.locator("section", has=page.locator("#outcome-instrument")).get_by_role(
            "button", name="Giv tabletten videre").click()
        page.wait_for_load_state()
        self.assertEqual(page.locator("h1").inner_text(), "Hvordan går det? (ORS)")
        self.assertEqual(page.locator("a").count(), 0)
        # The young person tries the clinician's pages: only the lock answers.
        self.visit(reverse("client_detail", args=[self.ida.pk]))
        self.assertIn("/tablet/unlock/", page.url)
        self.assertEqual(page.locator("h1").inner_text(), "Tabletten er låst")
        for private in ("Ida", "Hansen", "alice", "Mine forløb", "Log ud"):
            self.assertNotIn(private, page.content())
        page.get_by_role("link", name="Tilbage til skemaet").click()
        self.tap_lines([0.6, 0.5, 0.7, 0.6])
        page.get_by_role("button", name="Send").click()
        page.get_by_text("Giv tabletten tilbage til din behandler").wait_for()
        page.get_by_role("link", name="Til behandleren: lås op").click()
        page.fill("#id_pin", "1234")
        page.get_by_role("button", name="Lås op").click()
        page.locator("#id_pin_error", has_text="4 forsøg tilbage").wait_for()
        page.fill("#id_pin", "2468")
        page.get_by_role("button", name="Lås op").click()
        page.wait_for_load_state()
        self.assertTrue(page.url.endswith(self.session_page()))
        self.assertIn("Den unge:", page.locator("#h-outcome + ul").inner_text())
        # The SRS at the end: a second hand-over, no login in between.
        page.locator("section", has=page.locator("#alliance-instrument")).get_by_role(
            "button", name="Giv tabletten videre").click()
        page.wait_for_load_state()
        self.assertEqual(page.locator("h1").inner_text(), "Hvordan var samtalen? (SRS)")
        self.assertEqual(Rating.objects.get().source, "handover")
