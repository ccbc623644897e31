"""The seed's service took the word "misbrug" off its site: young people do not see
themselves in it. No public template, no Danish text of this app and no rendered public
page says it."""

import re
from pathlib import Path

import polib
from django.test import SimpleTestCase
from django.urls import reverse

from spor.public.models import GalleryItem
from spor.public.testing import PublicTestCase

APP = Path(__file__).resolve().parent.parent
LABEL = re.compile(r"misbrug", re.IGNORECASE)


class WordsInFilesTests(SimpleTestCase):
    def test_no_template_of_the_public_page_or_its_staff_pages_says_misbrug(self):
        templates = [p for p in (APP / "templates").rglob("*") if p.is_file()]
        self.assertGreater(len(templates), 10)
        for path in templates:
            self.assertIsNone(LABEL.search(path.read_text(encoding="utf-8")), path)

    def test_no_danish_text_of_the_public_page_says_misbrug(self):
        po = polib.pofile(str(APP / "locale" / "da" / "LC_MESSAGES" / "django.po"))
        self.assertGreater(len(po), 50)
        for entry in po:
            self.assertIsNone(LABEL.search(entry.msgstr), entry.msgid)
            for plural in entry.msgstr_plural.values():
                self.assertIsNone(LABEL.search(plural), entry.msgid)


class WordsOnPagesTests(PublicTestCase):
    def test_no_public_page_says_misbrug_in_either_language(self):
        GalleryItem.objects.create(service=self.service, kind="tip", nickname="Luna",
                                   title="Tip", text="Gå en tur", status="approved",
                                   removal_hash="x")
        slug = {"service_slug": "helsingung"}
        urls = [reverse("public_index"), reverse("public_page", kwargs=slug),
                reverse("public_talk", kwargs=slug), reverse("public_talk_thanks", kwargs=slug),
                reverse("public_gallery", kwargs=slug),
                reverse("public_gallery_share", kwargs=slug),
                reverse("public_gallery_remove", kwargs=slug)]
        urls += [reverse("public_gallery_new", kwargs={**slug, "kind": kind})
                 for kind in GalleryItem.Kind.values]
        for url in urls:
            for lang in ("", "?lang=en"):
                response = self.client.get(url + lang, follow=True)
                self.assertEqual(response.status_code, 200, url)
                self.assertIsNone(LABEL.search(response.content.decode()), url + lang)
