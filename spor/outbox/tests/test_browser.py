"""The leader's page for the messages' words and the list of who has not answered, in real
Chromium."""

import datetime

from django.urls import reverse

from spor.lib.testing import BrowserTestCase, Personas
from spor.measures.models import RatingInvite
from spor.measures.tests.helpers import licence
from spor.outbox.models import ContactConsent, Message, MessageTemplate
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


class ParentConsentTests(Personas, BrowserTestCase):
    def setUp(self):
        super().setUp()
        type(self).setUpTestData()
        licence(self.service, self.adam)
        self.ida_mother.email = "hanne@example.dk"
        self.ida_mother.save()

    def test_alice_records_that_idas_mother_agreed_and_sends_her_the_parents_link(self):
        self.log_in("alice")
        self.visit(reverse("client_detail", args=[self.ida.pk]))
        self.page.locator("li", has_text="Hanne Hansen").get_by_role(
            "link", name="Links på e-mail og sms").click()
        self.page.wait_for_load_state()
        self.assertIn("Forælder: Hanne Hansen", self.page.locator("main").inner_text())
        self.page.get_by_label("Links på sms").check()
        self.page.get_by_role("button", name="Gem").click()
        self.page.wait_for_load_state()
        self.assertIn("Registrér først et telefonnummer.",
                      self.page.locator(".field-error").inner_text())
        self.assertFalse(ContactConsent.objects.exists())
        self.page.get_by_label("Links på sms").uncheck()
        self.page.get_by_label("Links på e-mail", exact=True).check()
        self.page.get_by_role("button", name="Gem").click()
        self.page.wait_for_load_state()
        self.assertIn("Gemt.", self.page.locator("main").inner_text())
        consent = ContactConsent.objects.get()
        self.assertEqual((consent.relative, consent.channel), (self.ida_mother, "email"))

        self.visit(reverse("fit_session", args=[self.ida_session.pk]))
        card = self.page.locator("section", has=self.page.locator("#h-outcome"))
        card.locator("select[name=rater]").select_option("parent")
        card.locator("select[name=channel]").select_option("email")
        card.get_by_role("button", name="Send linket").click()
        self.page.wait_for_load_state()
        self.assertIn("Linket er på vej.", self.page.locator("main").inner_text())
        message = Message.objects.get()
        self.assertEqual((message.relative, message.rater), (self.ida_mother, "parent"))
