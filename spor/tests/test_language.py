"""Danish first, English complete, and words that do not label young people."""

import gettext
import re
from pathlib import Path

import polib
from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("**/locale/da/LC_MESSAGES/django.po"))
# "misbrug"/"misbruger" label young people; the product says "forbrug" and "rusmidler".
LABEL = re.compile(r"misbrug", re.IGNORECASE)


class CatalogueTests(SimpleTestCase):
    def test_there_are_danish_catalogues(self):
        self.assertGreaterEqual(len(CATALOGUES), 4)

    def test_every_string_has_a_danish_translation(self):
        for path in CATALOGUES:
            po = polib.pofile(str(path))
            self.assertEqual([e.msgid for e in po.untranslated_entries()], [], path)
            self.assertEqual([e.msgid for e in po.fuzzy_entries()], [], path)

    def test_every_compiled_catalogue_matches_its_source(self):
        for path in CATALOGUES:
            with open(path.with_suffix(".mo"), "rb") as f:
                compiled = gettext.GNUTranslations(f)
            for entry in polib.pofile(str(path)).translated_entries():
                if entry.msgid_plural or entry.msgctxt:
                    continue
                self.assertEqual(compiled.gettext(entry.msgid), entry.msgstr,
                                 f"{path}: run scripts/messages compile")


class WordsTests(SimpleTestCase):
    def test_no_template_or_danish_text_says_misbrug(self):
        files = [*ROOT.glob("**/templates/**/*.html"), *ROOT.glob("**/templates/**/*.txt"),
                 *CATALOGUES]
        self.assertGreater(len(files), 10)
        for path in files:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".po":
                text = "\n".join(e.msgstr for e in polib.pofile(str(path)))
            self.assertIsNone(LABEL.search(text), f"{path} says {LABEL.pattern!r}")
