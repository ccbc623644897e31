"""The service's page: written by its staff, safe whatever they type, light and cached for
young people, Danish first with English one click away."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase
from django.urls import reverse
from PIL import Image

from spor.accounts.models import Service
from spor.public import markup
from spor.public.models import Page
from spor.public.testing import CAMERA, PublicTestCase, photo_with_gps

PAGE = reverse("public_page", kwargs={"service_slug": "helsingung"})


def form_data(**changes):
    data = {"published": "on", "slug": "helsingung", "title": "Helsingung",
            "intro": "Et sted for unge.", "body": "Tekst", "opening_hours": "",
            "phone": "49 28 00 00", "email": "", "address": "", "picture_alt": "",
            "title_en": "", "intro_en": "", "body_en": "", "opening_hours_en": "",
            "picture_alt_en": ""}
    data.update(changes)
    return data


class MarkupTests(SimpleTestCase):
    def test_it_makes_paragraphs_headings_lists_bold_and_links(self):
        html = markup.render("## Hvem er vi?\nVi er her.\nOgså i dag.\n\n- Hash\n- Alkohol\n\n"
                             "Se **mere** på [siden](https://example.dk/a?b=1&c=2).")
        self.assertEqual(html, (
            "<h2>Hvem er vi?</h2>\n<p>Vi er her.<br>Også i dag.</p>\n"
            "<ul><li>Hash</li><li>Alkohol</li></ul>\n"
            '<p>Se <strong>mere</strong> på <a href="https://example.dk/a?b=1&amp;c=2" '
            'rel="noopener noreferrer">siden</a>.</p>'))

    def test_nothing_typed_can_become_a_script_or_an_attribute(self):
        attacks = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[klik](javascript:alert(1))",
            "[klik](data:text/html;base64,PHNjcmlwdD4=)",
            '[klik](https://example.dk/" onmouseover="alert(1))',
            "**<b onclick=alert(1)>x</b>**",
        ]
        for attack in attacks:
            html = markup.render(attack)
            self.assertNotRegex(html, r"<(script|img|b )", attack)
            self.assertNotIn("javascript:", re.findall(r'href="([^"]*)"', html).__str__())
            self.assertNotRegex(html, r'<a [^>]*\son\w+=', attack)
            self.assertNotIn('href="data:', html)


class PublicPageTests(PublicTestCase):
    def test_a_young_person_reads_the_page_and_finds_the_way_to_a_talk(self):
        response = self.client.get(PAGE)
        self.assertContains(response, "<h1>Helsingung</h1>", html=False)
        self.assertContains(response, "<h2>Hvem er vi?</h2>", html=True)
        self.assertContains(response, reverse("public_talk",
                                              kwargs={"service_slug": "helsingung"}))
        self.assertContains(response, 'href="tel:49280000"')
        self.assertContains(response, "49 28 00 00")
        self.assertContains(response, "Mandag–torsdag 9–16")

    def test_it_loads_nothing_from_elsewhere_and_no_script_at_all(self):
        html = self.client.get(PAGE).content.decode()
        self.assertNotIn("<script", html)
        self.assertNotIn("<link", html)
        self.assertEqual(re.findall(r'src="(?!/)[^"]*"', html), [])
        self.assertNotIn("@import", html)
        self.assertNotIn("url(", html)

    def test_english_is_a_link_and_uses_the_english_text_or_else_the_danish(self):
        self.assertContains(self.client.get(PAGE), f'href="{PAGE}?lang=en"')
        english = self.client.get(PAGE + "?lang=en")
        self.assertContains(english, '<html lang="en">')
        self.assertContains(english, "Helsingung for young people")
        self.assertContains(english, "Ask for a talk")
        self.assertContains(english, "Hvem er vi?")  # no English body written: Danish shown
        self.assertEqual(english["Content-Language"], "en")
        self.assertContains(english, f'href="{PAGE}"')

    def test_an_unknown_language_in_the_address_means_danish(self):
        self.assertContains(self.client.get(PAGE + "?lang=xx"), '<html lang="da">')

    def test_the_page_is_cached_for_everyone_without_any_visitor_data(self):
        first = self.client.get(PAGE)
        self.assertNotIn("csrfmiddlewaretoken", first.content.decode())
        self.assertEqual(first.cookies, {})
        self.assertIn("public", first["Cache-Control"])
        with self.assertNumQueries(0):
            second = self.client.get(PAGE)
        self.assertEqual(second.content, first.content)
        english = self.client.get(PAGE + "?lang=en")  # one rendering per language
        with self.assertNumQueries(0):
            again = self.client.get(PAGE + "?lang=en")
        self.assertEqual(again.content, english.content)
        self.assertContains(again, "Ask for a talk")
        self.assertNotContains(again, "Snak med os")

    def test_an_uncached_page_costs_two_queries(self):
        with self.assertNumQueries(2):
            self.client.get(PAGE)

    def test_a_saved_page_shows_at_once_despite_the_cache(self):
        self.client.get(PAGE)
        self.login(self.lene)
        self.client.post(reverse("public_page_edit"), form_data(title="Ny overskrift"))
        self.client.logout()
        self.assertContains(self.client.get(PAGE), "Ny overskrift")

    def test_staff_get_a_fresh_page_that_no_one_stores(self):
        self.login(self.alice)
        response = self.client.get(PAGE)
        self.assertIn("no-store", response["Cache-Control"])

    def test_an_unpublished_page_is_not_found_but_its_staff_may_look_first(self):
        Page.objects.filter(pk=self.page.pk).update(published=False)
        self.assertEqual(self.client.get(PAGE).status_code, 404)
        self.login(self.olga)
        self.assertEqual(self.client.get(PAGE).status_code, 404)
        self.login(self.lene)
        self.assertContains(self.client.get(PAGE), "Helsingung")
        self.client.logout()
        self.assertEqual(self.client.get(PAGE).status_code, 404)

    def test_the_young_peoples_address_leads_to_the_one_page_or_lists_several(self):
        self.assertRedirects(self.client.get(reverse("public_index")), PAGE)
        Page.objects.create(service=self.other_service, slug="andetsteds", title="Andetsteds",
                            published=True)
        listing = self.client.get(reverse("public_index"))
        self.assertContains(listing, "Andetsteds")
        self.assertContains(listing, PAGE)

    def test_the_login_page_shows_young_people_the_way_to_their_page(self):
        self.assertContains(self.client.get(reverse("login")), reverse("public_index"))


class PageEditorTests(PublicTestCase):
    url = reverse("public_page_edit")

    def post(self, **changes):
        return self.client.post(self.url, form_data(**changes))

    def test_a_leader_writes_the_page_and_young_people_read_it(self):
        self.login(self.lene)
        response = self.post(body="## Velkommen\n- Hash\n- Fester", phone="+45 49 28 00 00")
        self.assertRedirects(response, self.url)
        self.page.refresh_from_db()
        self.assertEqual((self.page.phone, self.page.updated_by), ("+4549280000", self.lene))
        self.client.logout()
        self.assertContains(self.client.get(PAGE), "<li>Fester</li>", html=True)

    def test_an_administrator_may_edit_the_page_but_clinicians_and_analysts_may_not(self):
        self.login(self.adam)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        for user in (self.alice, self.bob, self.ali):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403, user)
            self.assertEqual(self.post(title="Hacket").status_code, 403, user)
        self.page.refresh_from_db()
        self.assertEqual(self.page.title, "Helsingung")

    def test_another_service_edits_its_own_page_and_never_ours(self):
        self.login(self.olga)
        form = self.client.get(self.url)
        self.assertNotContains(form, "Et sted for unge.")
        self.post(slug="helsingung", title="Olgas side")
        self.assertFalse(Page.objects.filter(service=self.other_service).exists())
        response = self.post(slug="andetsteds", title="Olgas side")
        self.assertRedirects(response, self.url)
        self.page.refresh_from_db()
        self.assertEqual(self.page.title, "Helsingung")
        self.assertEqual(Page.objects.get(service=self.other_service).title, "Olgas side")

    def test_a_taken_address_is_refused_by_name(self):
        self.login(self.olga)
        response = self.post(slug="helsingung")
        self.assertIn("slug", response.context["form"].errors)

    def test_the_word_misbrug_is_refused_with_a_better_word(self):
        self.login(self.lene)
        response = self.post(intro="Hjælp til unge med misbrug")
        self.assertIn("intro", response.context["form"].errors)
        self.assertContains(response, "forbrug")
        self.page.refresh_from_db()
        self.assertEqual(self.page.intro, "Et sted for unge.")

    def test_script_typed_into_any_field_reaches_the_page_as_text(self):
        self.login(self.lene)
        script = "<script>alert('x')</script>"
        self.post(title=script, intro=script, body=script, opening_hours=script,
                  address=script)
        self.client.logout()
        html = self.client.get(PAGE).content.decode()
        self.assertNotIn("<script", html)
        self.assertIn("&lt;script&gt;", html)

    def test_a_picture_is_shown_without_its_camera_or_place_data(self):
        self.login(self.lene)
        upload = SimpleUploadedFile("sol.jpg", photo_with_gps(size=(3000, 2000)))
        self.post(new_picture=upload, picture_alt="Havet")
        self.page.refresh_from_db()
        self.assertTrue(self.page.picture)
        self.client.logout()
        html = self.client.get(PAGE).content.decode()
        self.assertIn('alt="Havet"', html)
        url = reverse("public_picture", kwargs={"service_slug": "helsingung",
                                                "name": self.page.picture_name})
        self.assertIn(url, html)
        served = b"".join(self.client.get(url).streaming_content)
        self.assertNotIn(CAMERA.encode(), served)
        image = Image.open(io.BytesIO(served))
        self.assertEqual(dict(image.getexif()), {})
        self.assertEqual(max(image.size), 1600)

    def test_a_new_picture_gets_a_new_address_and_the_old_one_is_gone(self):
        self.login(self.lene)
        self.post(new_picture=SimpleUploadedFile("a.jpg", photo_with_gps()))
        self.page.refresh_from_db()
        old = self.page.picture_name
        self.post(new_picture=SimpleUploadedFile("b.jpg", photo_with_gps()))
        self.page.refresh_from_db()
        self.assertNotEqual(self.page.picture_name, old)
        url = reverse("public_picture", kwargs={"service_slug": "helsingung", "name": old})
        self.assertEqual(self.client.get(url).status_code, 404)
        self.post(remove_picture="on")
        self.page.refresh_from_db()
        self.assertFalse(self.page.picture)

    def test_a_file_that_is_not_a_picture_is_refused_by_name(self):
        self.login(self.lene)
        response = self.post(new_picture=SimpleUploadedFile("x.jpg", b"<html>no</html>"))
        self.assertIn("new_picture", response.context["form"].errors)

    def test_the_first_save_makes_the_page_with_an_address_from_the_service_name(self):
        Service.objects.filter(pk=self.other_service.pk).update(name="Ung i Gribskov")
        self.login(self.olga)
        form = self.client.get(self.url).context["form"]
        self.assertEqual(form.initial["slug"], "ung-i-gribskov")


class WeakConnectionTests(PublicTestCase):
    def test_the_page_is_sent_compressed_to_a_phone_that_asks_for_it(self):
        plain = self.client.get(PAGE)
        packed = self.client.get(PAGE, HTTP_ACCEPT_ENCODING="gzip")
        self.assertEqual(packed["Content-Encoding"], "gzip")
        self.assertLess(len(packed.content), len(plain.content) / 2)

    def test_a_page_with_a_form_is_never_compressed(self):
        talk = reverse("public_talk", kwargs={"service_slug": "helsingung"})
        response = self.client.get(talk, HTTP_ACCEPT_ENCODING="gzip")
        self.assertFalse(response.has_header("Content-Encoding"))
