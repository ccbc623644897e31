"""The leader's page for the messages' words and the list of who has not answered, in real
Chromium."""

import datetime

from django.urls import reverse

from spor.lib.testing import BrowserTestCase, Personas
from spor.measures.models import RatingInvite
from spor.outbox.models import Message, MessageTemplate
from spor.outbox.queue import queue_reminders, send_rating_link
from spor.outbox.sending import send_due
from spor.outbox.tests.helpers import agree


class LeaderPagesTests(Personas, BrowserTestCase):
    def setUp(self):
        super().setUp()
        type(self).setUpTestData()

    def test_lene_rewrites_the_danish_link_message_and_is_told_what_is_missing(self):
        self.log_in("lene")
        self.visit(reverse("outbox_templates"))
        card = self.page.locator("section", has=self.page.locator("#h-link-da"))
        card.locator("textarea").fill("Hej fra {service}. Svar her")
        card.get_by_role("button", name="Gem").click()
        self.page.wait_for_load_state()
        card = self.page.locator("section", has=self.page.locator("#h-link-da"))
        self.assertIn("Teksten skal indeholde {link}.", card.locator(".field-error").inner_text())
        self.assertFalse(MessageTemplate.objects.exists())
        card.locator("textarea").fill("Hej fra {service}. Svar her: {link}")
        card.get_by_role("button", name="Gem").click()
        self.page.wait_for_load_state()
        self.assertIn("Gemt.", self.page.locator("main").inner_text())
        self.assertEqual(self.page.locator("#id_link-da-body").input_value(),
                         "Hej fra {service}. Svar her: {link}")
        self.assertEqual(MessageTemplate.objects.get().body,
                         "Hej fra {service}. Svar her: {link}")

    def test_lene_finds_ida_under_alice_among_those_who_have_not_answered(self):
        self.ida.email = "ida@example.dk"
        self.ida.save()
        agree(self.ida, "email")
        invite, token = RatingInvite.issue(self.ida_session, "ORS", "client", "link",
                                           self.alice)
        send_rating_link(self.ida_session, invite, token, [self.ida], ["email"], self.alice)
        with self.settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            send_due()
        first = Message.objects.get()
        queue_reminders(first.sent_at + datetime.timedelta(hours=7))

        self.log_in("lene")
        self.visit(reverse("caseload") + "?scope=team")
        self.assertIn("sendt", self.page.locator("tr", has_text="Ida Hansen").inner_text())
        self.page.get_by_role("link", name="Hvem har ikke svaret").click()
        self.page.wait_for_load_state()
        self.assertEqual(self.page.locator("h3").first.inner_text(), str(self.alice))
        row = self.page.locator("table.not-answered tr", has_text="Ida Hansen")
        cells = row.locator("td").all_inner_texts()
        self.assertEqual(cells[1], "ORS")
        self.assertEqual(cells[5], "1")  # one reminder
        self.page.get_by_role("link", name="Beskedernes ordlyd").click()
        self.page.wait_for_load_state()
        self.assertIn("Beskeder til unge og forældre", self.page.locator("h1").inner_text())
