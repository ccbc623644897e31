"""A parent who rates is sent the link: consent recorded on the relative, per channel, with
the same stop link, SMS STOP and staff stop as the young person's; never the family of an
anonymous young person, never a professional of the network."""

import json
import re

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from spor.clients.models import Relative
from spor.outbox.models import ContactConsent, Message, set_consents
from spor.outbox.tests.helpers import agree, gateway_settings, smtp_settings
from spor.outbox.tests.servers import sms_gateway, smtp_server
from spor.outbox.tests.test_sending import LINK, NOW, OutboxTestCase, send


class ParentLinkTests(OutboxTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ida_mother.email, cls.ida_mother.phone = "hanne@example.dk", "+4587654321"
        cls.ida_mother.save()
        cls.ida_father = Relative.objects.create(client=cls.ida, kind="parent",
                                                 name="Henrik Hansen",
                                                 email="henrik@example.dk")
        cls.school = Relative.objects.create(client=cls.ida, kind="school",
                                             organisation="Skolen", email="skole@example.dk")

    def test_a_parent_who_agreed_is_sent_the_parents_rating_link_and_nobody_else_is(self):
        agree(self.ida, "email")  # Ida's own agreement does not send her the parent's link
        agree(self.ida_mother, "email")
        response = self.send_link("email", rater="parent")
        self.assertRedirects(response, reverse("fit_session", args=[self.ida_session.pk]))
        message = Message.objects.get()
        self.assertEqual((message.relative, message.client, message.rater),
                         (self.ida_mother, None, "parent"))
        with smtp_server() as inbox, smtp_settings(inbox):
            self.assertIn("sent 1", send())
        [mail] = inbox.messages
        self.assertEqual(mail["to"], ["hanne@example.dk"])
        for word in ("Ida", "Hanne", "Hansen", "ORS", "cannabis", "forbrug", "behandling"):
            self.assertNotIn(word, mail["body"])

        # The link leads to the parent's form of that session.
        self.client.logout()
        opened = self.client.get(reverse("outbox_open", args=[LINK.search(mail["body"])[1]]))
        self.assertEqual(self.client.get(opened["Location"]).status_code, 200)
        self.login(self.alice)
        caseload = self.client.get(reverse("caseload")).content.decode()
        self.assertIn("ORS (forælder)", re.sub(r"\s+", " ", caseload))
        page = self.client.get(reverse("outbox_not_answered"))
        self.assertContains(page, "Ida Hansen")
        self.assertContains(page, "sendt til Forælder: Hanne Hansen")

    def test_at_a_session_with_family_present_only_the_parents_present_are_sent_it(self):
        agree(self.ida_mother, "email")
        agree(self.ida_father, "email")
        self.send_link("email", rater="parent")
        self.assertEqual({m.relative for m in Message.objects.all()},
                         {self.ida_mother, self.ida_father})
        Message.objects.all().delete()
        self.ida_session.participants.add(self.ida_father)
        self.send_link("email", rater="parent")
        self.assertEqual([m.relative for m in Message.objects.all()], [self.ida_father])

    def test_without_a_parent_who_agreed_nothing_is_queued_and_the_clinician_is_told(self):
        agree(self.ida_mother, "sms")
        response = self.send_link("email", rater="parent")
        self.assertContains(self.client.get(response["Location"]),
                            "Ingen forælder har sagt ja til links")
        self.assertFalse(Message.objects.exists())

    def test_when_only_a_parent_absent_agreed_the_clinician_is_told_who_was_present(self):
        agree(self.ida_mother, "email")
        self.ida_session.participants.add(self.ida_father)
        response = self.send_link("email", rater="parent")
        self.assertContains(self.client.get(response["Location"]),
                            "Ingen af forældrene, der var med til samtalen")
        self.assertFalse(Message.objects.exists())

    def test_another_rater_is_never_sent_a_link(self):
        agree(self.ida_mother, "email")
        response = self.send_link("email", rater="other")
        self.assertFalse(Message.objects.exists())
        self.assertContains(self.client.get(response["Location"]), "kun til den unge og")

    def test_a_clinician_records_a_parents_agreement_naming_a_missing_address(self):
        self.login(self.alice)
        url = reverse("relative_contact", args=[self.ida_father.pk])
        response = self.client.post(url, {"email": "on", "sms": "on", "language": "da"})
        self.assertEqual(response.context["form"].errors["sms"],
                         ["Registrér først et telefonnummer."])
        self.assertFalse(ContactConsent.objects.exists())  # nothing half-written
        self.client.post(url, {"email": "on", "language": "en"})
        consent = ContactConsent.objects.get()
        self.assertEqual((consent.relative, consent.channel, consent.language),
                         (self.ida_father, "email", "en"))
        self.assertContains(self.client.get(url), "Henrik Hansen")
        detail = self.client.get(reverse("client_detail", args=[self.ida.pk]))
        self.assertContains(detail, url)
        self.assertNotContains(detail, reverse("relative_contact", args=[self.school.pk]))

    def test_an_invalid_phone_or_email_of_a_parent_is_refused_naming_the_field(self):
        self.login(self.alice)
        response = self.client.post(reverse("relative_edit", args=[self.ida_mother.pk]), {
            "kind": "parent", "name": "Hanne Hansen", "phone": "12 ab",
            "email": "hanne-at-example"})
        errors = response.context["form"].errors
        self.assertIn("phone", errors)
        self.assertIn("email", errors)
        self.ida_mother.refresh_from_db()
        self.assertEqual(self.ida_mother.phone, "+4587654321")

    def test_a_professional_and_the_family_of_an_anonymous_young_person_cannot_agree(self):
        with self.assertRaises(ValidationError) as refused:
            set_consents(self.school, {"email": True}, "da", self.alice)
        self.assertIn("email", refused.exception.message_dict)
        anon_sister = Relative.objects.create(client=self.anon, kind="sibling")
        with self.assertRaises(ValidationError) as refused:
            set_consents(anon_sister, {"sms": True}, "da", self.alice)
        self.assertIn("anonym", refused.exception.message_dict["sms"][0])
        self.login(self.alice)
        for relative in (self.school, anon_sister):
            response = self.client.get(reverse("relative_contact", args=[relative.pk]))
            self.assertEqual(response.status_code, 302)
        self.assertFalse(ContactConsent.objects.exists())

    def test_a_consent_row_for_a_professional_sends_nothing(self):
        # Even a row written past the checks (an old import, a hand edit) is not used.
        agree(self.school, "email")
        self.ida_session.participants.add(self.school)
        self.send_link("email", rater="parent")
        self.assertFalse(Message.objects.exists())

    def test_the_stop_link_in_a_parents_message_stops_the_parent_only(self):
        agree(self.ida, "email")
        agree(self.ida_mother, "email")
        self.send_link("email", rater="parent")
        with smtp_server() as inbox, smtp_settings(inbox):
            send()
        token = LINK.search(inbox.messages[0]["body"])[1]
        self.client.logout()
        self.client.post(reverse("outbox_stop", args=[token]))
        stopped = ContactConsent.objects.get(relative=self.ida_mother)
        self.assertEqual((stopped.stopped_at, stopped.stopped_how), (NOW, "link"))
        self.assertIsNone(ContactConsent.objects.get(client=self.ida).stopped_at)

    @override_settings(SPOR_SMS_INBOUND_KEY="gateway-key")
    def test_a_parents_sms_goes_to_the_gateway_and_stop_opts_the_parent_out(self):
        agree(self.ida_mother, "sms")
        self.send_link("sms", rater="parent")
        with sms_gateway() as gateway, gateway_settings(gateway):
            self.assertIn("sent 1", send())
        self.assertEqual(json.loads(gateway.requests[0]["body"])["to"], "+4587654321")
        self.send_link("sms", rater="parent")  # a new link, waiting
        self.client.logout()
        answer = self.client.post(reverse("outbox_sms_inbound") + "?key=gateway-key",
                                  {"from": "87654321", "text": "STOP"})
        self.assertEqual(answer.json(), {"stopped": 1})
        self.assertEqual(ContactConsent.objects.get().stopped_how, "sms")
        self.assertEqual(Message.objects.filter(status="cancelled").count(), 1)

    def test_a_staff_stop_cancels_the_parents_waiting_messages(self):
        agree(self.ida_mother, "email")
        self.send_link("email", rater="parent")
        set_consents(self.ida_mother, {"email": False, "sms": False}, "da", self.alice)
        self.assertEqual(Message.objects.get().status, "cancelled")
        self.assertEqual(ContactConsent.objects.get().stopped_how, "staff")
