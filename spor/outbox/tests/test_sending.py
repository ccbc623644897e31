"""The outbox end to end: links queued by staff or when due, sent to a real SMTP server and
a real HTTP server standing in for the SMS gateway, retried and given up as they should."""

import datetime
import io
import json
import re

import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from spor.lib.testing import PersonaTestCase
from spor.measures.models import Rating
from spor.measures.tests.helpers import licence, lines
from spor.operations.jobs import jobs
from spor.outbox.models import ContactConsent, Message, set_consents
from spor.outbox.queue import queue_reminders, queue_surveys, send_rating_link
from spor.outbox.sending import backoff, send_due
from spor.outbox.tests.helpers import agree, gateway_settings, smtp_settings
from spor.outbox.tests.servers import sms_gateway, smtp_server
from spor.programmes.tests.helpers import ProgrammePersonas

NOW = datetime.datetime(2026, 3, 12, 10, 0, tzinfo=datetime.UTC)
LINK = re.compile(r"https?://\S+/m/([\w-]+)/")


def send():
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    return out.getvalue()


@time_machine.travel(NOW, tick=False)
class OutboxTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        licence(cls.service, cls.adam)
        cls.ida.email, cls.ida.phone = "ida@example.dk", "+4512345678"
        cls.ida.save()

    def send_link(self, channel="email", user=None, rater="client"):
        self.login(user or self.alice)
        return self.client.post(reverse("outbox_send", args=[self.ida_session.pk]),
                                {"instrument": "ORS", "rater": rater, "channel": channel})


class EmailTests(OutboxTestCase):
    def test_a_rating_link_reaches_ida_through_a_real_smtp_server_and_says_nothing_else(self):
        agree(self.ida, "email")
        response = self.send_link("email")
        self.assertRedirects(response, reverse("fit_session", args=[self.ida_session.pk]))
        message = Message.objects.get()
        self.assertEqual((message.status, message.kind, message.client), ("queued", "rating",
                                                                          self.ida))
        with smtp_server() as inbox, smtp_settings(inbox):
            self.assertIn("sent 1", send())
        [mail] = inbox.messages
        self.assertEqual(mail["to"], ["ida@example.dk"])
        self.assertEqual(mail["subject"], "Besked fra Helsingung")
        self.assertIn("Helsingung", mail["body"])
        for word in ("Ida", "Hansen", "ORS", "cannabis", "forbrug", "behandling"):
            self.assertNotIn(word, mail["body"])
        self.assertIn("/stop/", mail["body"])
        message.refresh_from_db()
        self.assertEqual((message.status, message.attempts), ("sent", 1))

        # The young person opens the link: it is noted, and the rating form follows.
        token = LINK.search(mail["body"]).group(1)
        self.client.logout()
        opened = self.client.get(reverse("outbox_open", args=[token]))
        self.assertEqual(opened.status_code, 302)
        self.assertTrue(opened["Location"].startswith("/r/"))
        self.assertEqual(self.client.get(opened["Location"]).status_code, 200)
        message.refresh_from_db()
        self.assertEqual(message.opened_at, NOW)

        # The caseload shows it: opened, then answered.
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("caseload")), "åbnet")
        Rating.record(self.ida_session, "ORS", "client", lines(20), "link")
        self.assertContains(self.client.get(reverse("caseload")), "besvaret")

    def test_a_second_run_sends_nothing_again(self):
        agree(self.ida, "email")
        self.send_link("email")
        with smtp_server() as inbox, smtp_settings(inbox):
            send()
            self.assertIn("sent 0", send())
        self.assertEqual(len(inbox.messages), 1)

    def test_an_english_speaker_gets_the_english_words_and_an_edited_template_is_used(self):
        agree(self.ida, "email", language="en")
        self.login(self.lene)
        self.client.post(reverse("outbox_templates"), {
            "template": "link-en", "link-en-subject": "From {service}",
            "link-en-body": "Please answer: {link}"})
        self.send_link("email")
        with smtp_server() as inbox, smtp_settings(inbox):
            send()
        [mail] = inbox.messages
        self.assertEqual(mail["subject"], "From Helsingung")
        self.assertTrue(mail["body"].startswith("Please answer: http"))
        self.assertIn("To receive no more messages", mail["body"])

    def test_an_unreachable_smtp_server_leaves_the_message_queued_with_the_reason(self):
        agree(self.ida, "email")
        self.send_link("email")
        with smtp_server() as inbox:
            port = inbox.port
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                               EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_TIMEOUT=2):
            self.assertIn("to try again 1", send())
        message = Message.objects.get()
        self.assertEqual((message.status, message.attempts), ("queued", 1))
        self.assertIn("ConnectionRefused", message.last_error)
        self.assertEqual(message.due_at, NOW + backoff(1))


    def test_a_message_left_sending_by_a_stopped_sender_is_given_up_not_sent_twice(self):
        agree(self.ida, "email")
        self.send_link("email")
        Message.objects.update(status="sending", claimed_at=NOW - datetime.timedelta(minutes=20))
        with smtp_server() as inbox, smtp_settings(inbox):
            self.assertIn("given up 1", send())
        self.assertEqual(inbox.messages, [])
        self.assertIn("not sent again", Message.objects.get().last_error)


class SmsTests(OutboxTestCase):
    def test_the_gateway_gets_a_real_request_with_credentials_and_the_text(self):
        agree(self.ida, "sms")
        self.send_link("sms")
        with sms_gateway() as gateway, gateway_settings(gateway):
            self.assertIn("sent 1", send())
        [request] = gateway.requests
        body = json.loads(request["body"])
        self.assertEqual(body["to"], "+4512345678")
        self.assertEqual(body["from"], "Spor")
        self.assertIn("Helsingung", body["text"])
        self.assertIn("Afmeld: svar STOP", body["text"])
        self.assertEqual(request["headers"]["Authorization"], "Basic c3BvcjpzM2NyZXQ=")

    def test_a_gateway_error_then_a_time_out_are_retried_with_growing_waits_then_sent(self):
        agree(self.ida, "sms")
        self.send_link("sms")
        message = Message.objects.get()
        with sms_gateway(["503", ("slow", 2)]) as gateway, gateway_settings(gateway, timeout=1):
            send()
            message.refresh_from_db()
            self.assertEqual((message.status, message.attempts), ("queued", 1))
            self.assertEqual(message.last_error, "SMS gateway answered 503")
            first_wait = message.due_at - NOW
            self.assertIn("sent 0", send())  # not due again yet
            with time_machine.travel(message.due_at, tick=False):
                send()
            message.refresh_from_db()
            self.assertEqual((message.status, message.attempts), ("queued", 2))
            self.assertIn("timed out", message.last_error)
            self.assertEqual(message.due_at - NOW - first_wait, 2 * first_wait)
            with time_machine.travel(message.due_at, tick=False):
                send()
        message.refresh_from_db()
        self.assertEqual((message.status, message.attempts, message.last_error),
                         ("sent", 3, ""))
        self.assertEqual(len(gateway.requests), 3)

    @override_settings(SPOR_OUTBOX_MAX_ATTEMPTS=2)
    def test_after_the_last_attempt_the_message_is_given_up_with_the_reason_kept(self):
        agree(self.ida, "sms")
        self.send_link("sms")
        with sms_gateway(["500", "502"]) as gateway, gateway_settings(gateway):
            send()
            with time_machine.travel(Message.objects.get().due_at, tick=False):
                self.assertIn("given up 1", send())
        message = Message.objects.get()
        self.assertEqual((message.status, message.attempts), ("failed", 2))
        self.assertEqual(message.last_error, "SMS gateway answered 502")
        self.assertEqual(message.secret, "")
        self.login(self.lene)
        self.assertContains(self.client.get(reverse("outbox_templates")),
                            "SMS gateway answered 502")

    def test_a_gateway_that_refuses_the_message_itself_is_not_asked_again(self):
        agree(self.ida, "sms")
        self.send_link("sms")
        with sms_gateway(["400"]) as gateway, gateway_settings(gateway):
            self.assertIn("given up 1", send())
        message = Message.objects.get()
        self.assertEqual((message.status, message.attempts), ("failed", 1))
        self.assertEqual(message.last_error,
                         "SMS gateway answered 400 (a refusal: not tried again)")
        self.assertEqual(len(gateway.requests), 1)

    def test_the_demo_writes_each_sms_to_a_file(self):
        agree(self.ida, "sms")
        self.send_link("sms")
        path = self.settings_dir() / "sms.jsonl"
        with override_settings(SPOR_SMS_FILE=str(path)):
            send()
        line = json.loads(path.read_text().splitlines()[0])
        self.assertEqual(line["to"], "+4512345678")

    def settings_dir(self):
        import pathlib
        import tempfile

        folder = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(lambda: [p.unlink() for p in folder.iterdir()] and None)
        return folder


class ConsentTests(OutboxTestCase):
    def test_an_anonymous_young_person_can_never_be_sent_anything(self):
        with self.assertRaises(ValidationError):
            set_consents(self.anon, {"email": True, "sms": False}, "da", self.alice)
        with self.assertRaises(ValidationError):
            Message.queue(recipient=self.anon, channel="sms", kind="rating", target="/r/x/",
                          expires_at=NOW)
        self.assertFalse(ContactConsent.objects.exists())

    def test_without_an_agreement_on_the_channel_no_link_is_queued(self):
        agree(self.ida, "email")
        response = self.send_link("sms")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Message.objects.exists())
        self.assertContains(self.client.get(response["Location"]), "ikke sagt ja til links")

    def test_a_parent_rater_gets_no_message(self):
        agree(self.ida, "email")
        self.send_link("email", rater="parent")
        self.assertFalse(Message.objects.exists())

    def test_a_stop_after_queueing_means_the_message_is_not_sent(self):
        consent = agree(self.ida, "email")
        self.send_link("email")
        consent.stop(ContactConsent.Stop.STAFF)
        with smtp_server() as inbox, smtp_settings(inbox):
            self.assertIn("not sent 1", send())
        self.assertEqual(inbox.messages, [])

    def test_the_contact_page_names_the_missing_address(self):
        self.ida.email = ""
        self.ida.save()
        self.login(self.alice)
        response = self.client.post(reverse("client_contact", args=[self.ida.pk]),
                                    {"email": "on", "language": "da"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].errors["email"],
                         ["Registrér først en e-mailadresse."])
        self.assertFalse(ContactConsent.objects.exists())

    def test_a_clinician_records_and_stops_an_agreement_and_the_history_stays(self):
        self.login(self.alice)
        url = reverse("client_contact", args=[self.ida.pk])
        self.client.post(url, {"email": "on", "sms": "on", "language": "en"})
        self.assertEqual(ContactConsent.objects.current().count(), 2)
        self.client.post(url, {"sms": "on", "language": "en"})
        stopped = ContactConsent.objects.get(channel="email")
        self.assertEqual(stopped.stopped_how, "staff")
        self.assertContains(self.client.get(url), "Registreret af personalet")

    def test_an_invalid_phone_or_email_is_refused_when_entered_naming_the_field(self):
        self.login(self.alice)
        response = self.client.post(reverse("client_edit", args=[self.ida.pk]), {
            "team": self.team_a.pk, "first_name": "Ida", "last_name": "Hansen",
            "birth_year": 2010, "gender": "female", "phone": "12 ab",
            "email": "ida-at-example"})
        errors = response.context["form"].errors
        self.assertIn("phone", errors)
        self.assertIn("email", errors)

    def test_the_stop_link_asks_then_stops_and_records_how(self):
        agree(self.ida, "email")
        self.send_link("email")
        with smtp_server() as inbox, smtp_settings(inbox):
            send()
        token = LINK.search(inbox.messages[0]["body"]).group(1)
        self.client.logout()
        url = reverse("outbox_stop", args=[token])
        self.assertContains(self.client.get(url), "Stop beskederne")
        self.assertTrue(ContactConsent.objects.current().exists())
        self.assertContains(self.client.post(url), "ikke flere beskeder")
        consent = ContactConsent.objects.get()
        self.assertEqual((consent.stopped_at, consent.stopped_how), (NOW, "link"))

    @override_settings(SPOR_SMS_INBOUND_KEY="gateway-key")
    def test_an_sms_answer_stop_opts_out_and_cancels_what_waits(self):
        agree(self.ida, "sms")
        agree(self.ida, "email")
        self.send_link("sms")
        url = reverse("outbox_sms_inbound")
        self.client.logout()
        self.assertEqual(self.client.post(url + "?key=wrong", {"from": "12345678",
                                                               "text": "STOP"}).status_code, 403)
        bad = self.client.post(url + "?key=gateway-key", {"from": "not a number",
                                                          "text": "STOP"})
        self.assertEqual((bad.status_code, bad.json()), (400, {"error": "from: not a phone "
                                                                        "number"}))
        answer = self.client.post(url + "?key=gateway-key",
                                  json.dumps({"from": "0045 12 34 56 78", "text": "stop "}),
                                  content_type="application/json")
        self.assertEqual(answer.json(), {"stopped": 1})
        sms = ContactConsent.objects.get(channel="sms")
        self.assertEqual(sms.stopped_how, "sms")
        self.assertIsNone(ContactConsent.objects.get(channel="email").stopped_at)
        self.assertEqual(Message.objects.get().status, "cancelled")


class TemplateTests(OutboxTestCase):
    def test_a_template_must_carry_the_link_and_only_the_two_placeholders(self):
        self.login(self.lene)
        url = reverse("outbox_templates")
        response = self.client.post(url, {"template": "link-da", "link-da-subject": "Hej",
                                          "link-da-body": "Svar her {name}"})
        errors = response.context["rows"][0]["form"].errors
        self.assertIn("{name}", errors["body"][0])
        response = self.client.post(url, {"template": "link-da", "link-da-subject": "Hej",
                                          "link-da-body": "Svar her"})
        self.assertIn("{link}", response.context["rows"][0]["form"].errors["body"][0])

    def test_only_a_leader_edits_the_words(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("outbox_templates")).status_code, 403)


class ReminderTests(OutboxTestCase):
    def sent_link(self):
        agree(self.ida, "email")
        self.send_link("email")
        with smtp_server() as inbox, smtp_settings(inbox):
            send()
        return Message.objects.get()

    def test_a_link_not_answered_gets_reminders_up_to_the_limit_and_no_more(self):
        first = self.sent_link()
        self.assertEqual(queue_reminders(), 0)  # too early
        later = NOW + datetime.timedelta(hours=7)
        self.assertEqual(queue_reminders(later), 1)
        self.assertEqual(queue_reminders(later), 0)  # one at a time
        with time_machine.travel(later, tick=False), smtp_server() as inbox, \
                smtp_settings(inbox):
            send()
        self.assertEqual(inbox.messages[0]["subject"], "Påmindelse fra Helsingung")
        self.assertEqual(queue_reminders(NOW + datetime.timedelta(hours=14)), 1)
        self.assertEqual(queue_reminders(NOW + datetime.timedelta(hours=21)), 0)  # two sent
        self.assertEqual(first.reminders.count(), 2)

    def test_an_answered_link_gets_no_reminder(self):
        self.sent_link()
        Rating.record(self.ida_session, "ORS", "client", lines(20), "link")
        self.assertEqual(queue_reminders(NOW + datetime.timedelta(hours=7)), 0)

    def test_who_has_not_answered_lists_ida_under_alice_with_the_reminders(self):
        self.sent_link()
        queue_reminders(NOW + datetime.timedelta(hours=7))
        self.login(self.lene)
        response = self.client.get(reverse("outbox_not_answered"))
        [group] = response.context["clinicians"]
        self.assertEqual(group["clinician"], self.alice)
        [message] = group["messages"]
        self.assertEqual((message.client, message.n_reminders), (self.ida, 1))
        self.assertContains(response, "Ida Hansen")
        self.login(self.bob)  # another team: sees nothing of Ida
        self.assertEqual(self.client.get(reverse("outbox_not_answered")).context["clinicians"],
                         [])

    def test_an_expired_link_is_not_sent(self):
        agree(self.ida, "email")
        invite_expiry = timezone.now() - datetime.timedelta(minutes=1)
        from spor.measures.models import RatingInvite

        invite, token = RatingInvite.issue(self.ida_session, "ORS", "client", "link",
                                           self.alice)
        invite.expires_at = invite_expiry
        send_rating_link(self.ida_session, invite, token, [self.ida], ["email"], self.alice)
        with smtp_server() as inbox, smtp_settings(inbox):
            counts = send_due()
        self.assertEqual(counts["cancelled"], 1)
        self.assertEqual(Message.objects.get().last_error, "The link expired.")


class CaseloadLinkTests(OutboxTestCase):
    def cell(self, language="da"):
        """The rating-link cell of Ida's row in Alice's caseload."""
        self.client.cookies["django_language"] = language
        page = self.client.get(reverse("caseload")).content.decode()
        row = page[page.index("Ida Hansen"):]
        return row[row.index('<span class="link-status">'):row.index("</tr>")]

    def test_the_caseload_shows_each_state_of_idas_latest_link(self):
        agree(self.ida, "email")
        self.send_link("email")
        message = Message.objects.get()
        self.assertEqual(self.cell(), '<span class="link-status">ORS:\n'
                         '<span class="tag">venter på at blive sendt</span></span></td>\n  ')
        self.assertIn('<span class="tag">waiting to be sent</span>', self.cell("en"))
        with smtp_server() as inbox, smtp_settings(inbox):
            send()
        # Sent at 10:00 UTC, 11:00 in Copenhagen.
        self.assertIn('<span class="tag">sendt 12.03.2026 11:00</span>', self.cell())
        Message.objects.filter(pk=message.pk).update(opened_at=NOW)
        self.assertIn('<span class="tag">åbnet 12.03.2026 11:00</span>', self.cell())
        Message.objects.filter(pk=message.pk).update(opened_at=None, sent_at=None,
                                                      status=Message.Status.FAILED)
        self.assertIn('<span class="tag bad">ikke leveret</span>', self.cell())
        Rating.record(self.ida_session, "ORS", "client", lines(20), "link")
        self.assertIn('<span class="tag ok">besvaret</span>', self.cell())
        self.assertIn('<span class="tag ok">answered</span>', self.cell("en"))


class JobTests(OutboxTestCase):
    def test_sending_is_a_scheduled_job(self):
        self.assertEqual(jobs()["outbox"].every, datetime.timedelta(minutes=5))


SUMMER = datetime.datetime(2026, 7, 22, 9, 0, tzinfo=datetime.UTC)


@time_machine.travel(SUMMER, tick=False)
class ParentSurveyTests(ProgrammePersonas, PersonaTestCase):
    def test_a_due_survey_reaches_pia_by_sms_once_and_per_gets_nothing_without_consent(self):
        agree(self.pia, "sms")
        self.assertEqual(queue_surveys(), 1)
        self.assertEqual(queue_surveys(), 0)  # the same survey is not queued twice
        message = Message.objects.get()
        self.assertEqual((message.participant, message.followup.when), (self.pia, "3m"))
        with sms_gateway() as gateway, gateway_settings(gateway):
            send()
        text = json.loads(gateway.requests[0]["body"])["text"]
        token = LINK.search(text).group(1)

        # Carl (the parent course team) sees Pia's survey as not answered, with the link sent.
        self.login(self.carl)
        response = self.client.get(reverse("outbox_not_answered"))
        [group] = response.context["parent_courses"]
        self.assertEqual(group["course"], self.course)
        by_name = {s.participant.name: s for s in group["surveys"]}
        self.assertEqual(by_name["Pia Petersen"].message, message)
        self.assertIsNone(by_name["Per Poulsen"].message)
        self.assertContains(response, "ikke sendt: intet ja til beskeder")

        # Pia opens the link and answers; she is no longer on the list.
        self.client.logout()
        survey_page = self.client.get(reverse("outbox_open", args=[token]))
        self.assertTrue(survey_page["Location"].startswith("/parent-survey/"))
        self.client.post(survey_page["Location"], {"child_use": "smaller",
                                                   "uses_new_options": "yes"})
        message.followup.refresh_from_db()
        self.assertTrue(message.followup.is_answered)
        self.login(self.carl)
        surveys = self.client.get(reverse("outbox_not_answered")).context["parent_courses"]
        self.assertEqual([s.participant for g in surveys for s in g["surveys"]], [self.per])
        self.assertEqual(queue_reminders(SUMMER + datetime.timedelta(days=8)), 0)

    def test_a_participant_is_set_up_on_the_participant_contact_page(self):
        self.login(self.carl)
        url = reverse("participant_contact", args=[self.per.pk])
        response = self.client.post(url, {"sms": "on", "language": "da"})
        self.assertEqual(response.context["form"].errors["sms"],
                         ["Registrér først et telefonnummer."])
        self.client.post(reverse("participant_contact", args=[self.pia.pk]),
                         {"sms": "on", "language": "da"})
        self.assertEqual(ContactConsent.objects.get().participant, self.pia)
        self.login(self.bob)  # not in the parent course team
        self.assertEqual(self.client.get(url).status_code, 404)
