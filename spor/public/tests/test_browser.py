"""In real Chromium at a phone's size: a young person asks for a talk and a counsellor turns
it into an anonymous contact; a young person shares a photo and, once approved, it shows."""

import shutil
import tempfile

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from spor.accounts.models import Service, Team, User
from spor.clients.models import Client
from spor.lib.testing import BrowserTestCase, make_user
from spor.public.models import GalleryItem, Page, TalkRequest
from spor.public.testing import photo_with_gps

PHONE = {"width": 390, "height": 844}


@override_settings(SPOR_PUBLIC_MIN_FILL_SECONDS=1)
class PhoneTests(BrowserTestCase):
    viewport = PHONE

    def setUp(self):
        super().setUp()
        cache.clear()
        media = tempfile.mkdtemp(prefix="spor-media-")
        self.addCleanup(shutil.rmtree, media, True)
        override = override_settings(MEDIA_ROOT=media)
        override.enable()
        self.addCleanup(override.disable)
        self.service = Service.objects.create(name="Helsingung")
        team = Team.objects.create(service=self.service, name="Rådgivning")
        self.alice = make_user(self.service, "alice", User.Role.CLINICIAN, [team])
        Page.objects.create(service=self.service, slug="helsingung", published=True,
                            title="Helsingung", intro="Et sted for unge.",
                            phone="49280000", opening_hours="Mandag–torsdag 9–16")

    def fits_the_screen(self, page):
        width = page.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(width, PHONE["width"], page.url)

    def counsellor(self):
        """The counsellor on her own device, logged in."""
        context = self.browser.new_context(viewport={"width": 1024, "height": 768},
                                           locale="da-DK")
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(self.live_server_url + reverse("login"))
        page.fill("#id_username", "alice")
        page.fill("#id_password", "alice-password-1")
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        return page

    def test_a_young_person_asks_for_a_talk_and_a_counsellor_makes_the_contact(self):
        young = self.page
        self.visit("/ung/")
        self.assertEqual(young.locator("h1").inner_text(), "Helsingung")
        self.fits_the_screen(young)
        young.get_by_role("link", name="Snak med os").click()
        young.wait_for_load_state()
        self.assertIn("anonymt", young.content())
        self.fits_the_screen(young)
        young.get_by_label("Hvad vil du kaldes?").fill("Kiwi")
        young.get_by_label("Hvor gammel er du?").fill("16")
        young.get_by_label("Ring eller skriv en sms til mig").check()
        young.get_by_label("Telefonnummer").fill("22 33 44 55")
        young.get_by_label("Vær diskrete, når I kontakter mig").check()
        young.get_by_label("Vil du fortælle os lidt?").fill("Mine forældre er sure.")
        young.get_by_label("Det vil jeg gerne snakke om først").check()
        young.wait_for_timeout(1100)  # a person takes a moment; the form checks it
        young.get_by_role("button", name="Send").click()
        young.wait_for_load_state()
        self.assertIn("Tak – vi har fået din besked", young.content())
        self.assertEqual(TalkRequest.objects.get().phone, "22334455")

        staff = self.counsellor()
        link = staff.get_by_role("link", name="Samtaleønsker")
        link.locator(".tag").wait_for()  # the count arrives after the page
        self.assertEqual(link.locator(".tag").inner_text(), "1")
        link.click()
        staff.get_by_role("link", name="Kiwi").click()
        staff.wait_for_load_state()
        self.assertIn("22 33 44 55", staff.content())
        self.assertIn("Mine forældre er sure.", staff.content())
        staff.get_by_role("button", name="Opret anonym henvendelse").click()
        staff.wait_for_load_state()
        self.assertIn("er nu en anonym henvendelse", staff.content())
        staff.locator("dd a").first.click()  # to the young person's page
        staff.wait_for_load_state()
        self.assertIn("Kiwi", staff.locator("h1").inner_text())
        client = Client.objects.get()
        self.assertEqual((client.anonymous, client.pseudonym, client.phone),
                         (True, "Kiwi", ""))
        course = client.courses.get()
        self.assertIsNone(course.start_date)
        self.assertEqual(course.request_date, TalkRequest.objects.get().request_date)

    def test_an_empty_talk_form_comes_back_with_one_kind_word_per_missing_answer(self):
        young = self.page
        self.visit("/ung/helsingung/snak/")
        young.get_by_label("Hvad vil du kaldes?").fill("")
        young.get_by_role("button", name="Send").click()  # at once, and empty
        young.wait_for_load_state()
        summary = young.locator(".error-summary").inner_text()
        self.assertIn("Den her mangler lige", summary)
        self.assertNotIn("påkrævet", young.content())
        self.assertNotIn("Det gik hurtigt", young.content())
        self.assertFalse(TalkRequest.objects.exists())
        self.fits_the_screen(young)

    def test_a_shared_photo_shows_on_the_page_once_a_counsellor_approves_it(self):
        young = self.page
        self.visit("/ung/helsingung/?lang=en")
        young.get_by_role("link", name="Show us something you made").click()
        young.get_by_role("link", name="Photo").click()
        young.wait_for_load_state()
        self.fits_the_screen(young)
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, True)
        path = f"{folder}/IMG_0001.jpg"
        with open(path, "wb") as f:
            f.write(photo_with_gps())
        young.get_by_label("Your nickname").fill("Ræv")
        young.get_by_label("Title").fill("Havet i dag")
        young.get_by_label("Photo", exact=True).set_input_files(path)
        young.get_by_label("I made this myself").check()
        young.wait_for_timeout(1100)
        young.get_by_role("button", name="Send").click()
        young.wait_for_load_state()
        code = young.locator(".code").inner_text()
        self.assertRegex(code, r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
        self.visit("/ung/helsingung/")
        self.assertNotIn("Havet i dag", young.content())

        staff = self.counsellor()
        staff.goto(self.live_server_url + reverse("gallery_review"))
        staff.get_by_role("button", name="Godkend").click()
        staff.wait_for_load_state()
        self.assertEqual(GalleryItem.objects.get().status, "approved")

        self.visit("/ung/helsingung/")
        young.reload()  # the phone may keep the page for a minute; a reload asks again
        # The picture's link reads as its title and what it does.
        full = young.get_by_role("link", name="Havet i dag (åbn billedet i fuld størrelse)")
        self.assertTrue(full.get_attribute("href").endswith("/file"))
        photo = full.get_by_role("img")
        photo.scroll_into_view_if_needed()
        young.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
        self.assertEqual(photo.evaluate("img => img.naturalWidth"), 640)
        self.fits_the_screen(young)
