"""Rating without a login (hand-over and personal link), and scores from paper."""

import datetime
import re

import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from spor.audit.models import AccessLog
from spor.lib.testing import PersonaTestCase
from spor.measures import instruments
from spor.measures.models import Licence, Rating, RatingInvite
from spor.measures.tests.helpers import licence, lines, rate
from spor.treatment.models import Session

NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
class PersonalLinkTests(PersonaTestCase):
    def setUp(self):
        cache.clear()  # the rate limit counts per address across requests
        licence(self.service, self.adam)

    def make_link(self, instrument="ORS", rater="client"):
        self.login(self.alice)
        response = self.client.post(self.url("fit_link", self.ida_session.pk),
                                    {"instrument": instrument, "rater": rater})
        self.assertRedirects(response, self.url("fit_session", self.ida_session.pk),
                             fetch_redirect_response=False)
        page = self.client.get(self.url("fit_session", self.ida_session.pk))
        self.assertContains(page, "<svg")  # the QR code, shown once
        self.assertNotContains(self.client.get(self.url("fit_session", self.ida_session.pk)),
                               "qr-link")
        url = re.search(r'class="qr-link">([^<]+)<', page.content.decode())[1]
        self.client.logout()
        return url.replace("http://testserver", "")

    def answers(self, total=24.0, instrument="ORS"):
        return lines(total, instrument)

    def test_a_young_person_rates_once_through_the_link_without_logging_in(self):
        link = self.make_link()
        page = self.client.get(link)
        self.assertContains(page, "Hvordan går det? (ORS)")
        self.assertContains(page, 'role="slider"', count=4)
        self.assertNotContains(page, "Ida")
        self.assertNotContains(page, "Hansen")
        self.assertNotContains(page, "Mine forløb")  # no menu
        response = self.client.post(link, self.answers(24.0))
        self.assertContains(response, "Tak!")
        rating = Rating.objects.get()
        self.assertEqual((rating.session, rating.instrument, rating.rater, rating.source),
                         (self.ida_session, "ORS", "client", "link"))
        self.assertEqual(float(rating.total), 24.0)
        self.assertEqual(rating.recorded_by, self.alice)
        logged = AccessLog.objects.filter(client=self.ida, purpose="rating")
        self.assertEqual(sorted(logged.values_list("what", flat=True)),
                         ["Personal rating link", "Rating form", "Rating given"])

    def test_the_link_works_once(self):
        link = self.make_link()
        self.client.post(link, self.answers(20))
        again = self.client.post(link, self.answers(35))
        self.assertEqual(again.status_code, 410)
        self.assertContains(again, "Linket er brugt", status_code=410)
        self.assertEqual(float(Rating.objects.get().total), 20)
        self.assertEqual(self.client.get(link).status_code, 410)

    def test_showing_the_form_does_not_use_up_the_link(self):
        link = self.make_link()
        self.client.get(link)  # e.g. a messaging app's preview
        self.assertEqual(self.client.post(link, self.answers()).status_code, 200)

    def test_the_link_expires(self):
        link = self.make_link()
        with time_machine.travel(NOW + datetime.timedelta(hours=24, seconds=1), tick=False):
            response = self.client.get(link)
            self.assertContains(response, "Linket er udløbet", status_code=410)
            self.assertEqual(self.client.post(link, self.answers()).status_code, 410)
        self.assertFalse(Rating.objects.exists())

    def test_a_new_link_replaces_the_unused_one(self):
        first = self.make_link()
        second = self.make_link()
        self.assertEqual(self.client.get(first).status_code, 410)
        self.assertEqual(self.client.get(second).status_code, 200)

    def test_a_wrong_token_finds_nothing(self):
        link = self.make_link()
        response = self.client.get(link[:-3] + "xyz/")
        self.assertContains(response, "Vi kan ikke finde linket", status_code=404)
        self.assertEqual(self.client.get("/r/short/").status_code, 404)

    def test_only_a_hash_of_the_token_is_stored(self):
        link = self.make_link()
        token = link.strip("/").split("/")[-1]
        invite = RatingInvite.objects.get()
        self.assertNotEqual(invite.token_hash, token)
        self.assertEqual(RatingInvite.objects.by_token(token), invite)

    @override_settings(SPOR_RATING_RATE_LIMIT=5)
    def test_too_many_requests_from_one_address_are_turned_away(self):
        link = self.make_link()
        for attempt in range(5):
            self.assertEqual(self.client.get(f"/r/guess{attempt}/").status_code, 404)
        response = self.client.get(link)
        self.assertContains(response, "For mange forsøg", status_code=429)
        other = self.client.get(link, REMOTE_ADDR="10.0.0.7")
        self.assertEqual(other.status_code, 200)

    def test_a_missing_mark_is_named_and_nothing_is_stored(self):
        link = self.make_link()
        answers = self.answers()
        answers["socially"] = ""
        answers["overall"] = "11"
        response = self.client.post(link, answers)
        self.assertContains(response, 'href="#line-socially"', status_code=400)
        self.assertContains(response, 'href="#line-overall"', status_code=400)
        self.assertFalse(Rating.objects.exists())
        self.assertEqual(self.client.post(link, self.answers()).status_code, 200)

    def test_a_parent_is_told_to_rate_how_the_young_person_is_doing(self):
        link = self.make_link(rater="parent")
        self.assertContains(self.client.get(link), "hvordan den unge har det")
        self.client.post(link, self.answers())
        self.assertEqual(Rating.objects.get().rater, "parent")

    def test_a_parent_rates_lines_worded_about_the_young_person_in_danish_and_english(self):
        link = self.make_link(rater="parent")
        page = self.client.get(link)
        self.assertContains(page, "Personligt (hvordan den unge har det)")
        self.assertContains(page, "Socialt (den unges skole, arbejde, venner)")
        self.assertNotContains(page, "hvordan jeg har det")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.assertContains(self.client.get(link),
                            "Individually (the young person&#x27;s personal well-being)")
        with translation.override("en"):
            self.assertEqual(str(instruments.CORS.scales[0].label_for("parent")),
                             "The child (how is the child doing?)")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
        own = self.client.get(self.make_link())
        self.assertContains(own, "Personligt (hvordan jeg har det)")

    def test_without_a_licence_there_is_no_digital_rating(self):
        link = self.make_link()
        Licence.objects.all().delete()
        self.assertEqual(self.client.get(link).status_code, 403)
        self.login(self.alice)
        response = self.client.post(self.url("fit_link", self.ida_session.pk),
                                    {"instrument": "SRS", "rater": "client"}, follow=True)
        self.assertContains(response, "kræver tilbuddets licens")
        self.assertEqual(RatingInvite.objects.filter(instrument="SRS").count(), 0)

    def test_a_licence_that_ended_closes_the_screens(self):
        Licence.objects.update(valid_until=datetime.date(2026, 11, 27))
        self.login(self.alice)
        page = self.client.get(self.url("fit_session", self.ida_session.pk))
        self.assertContains(page, "Digital vurdering er lukket")
        self.assertNotContains(page, "Giv tabletten videre")


@time_machine.travel(NOW, tick=False)
class HandOverTests(PersonaTestCase):
    def setUp(self):
        cache.clear()
        licence(self.service)

    def test_handing_over_logs_the_clinician_out_and_shows_only_the_form(self):
        self.login(self.alice)
        response = self.client.post(self.url("fit_handover", self.ida_session.pk),
                                    {"instrument": "SRS", "rater": "client"})
        form_url = response["Location"]
        self.assertTrue(form_url.startswith("/r/"))
        # The tablet no longer reaches the clinician's pages.
        caseload = self.client.get(reverse("caseload"))
        self.assertTrue(caseload["Location"].startswith(reverse("login")))
        page = self.client.get(form_url)
        self.assertContains(page, "Hvordan var samtalen? (SRS)")
        self.assertNotContains(page, "Hansen")
        done = self.client.post(form_url, lines(38.5, "SRS"))
        self.assertContains(done, "Giv tabletten tilbage")
        self.assertContains(done, reverse("login") + "?next=")
        self.assertEqual(Rating.objects.get().source, "handover")
        self.assertEqual(self.client.get(form_url).status_code, 410)

    def test_a_hand_over_expires_sooner_than_a_link(self):
        self.login(self.alice)
        form_url = self.client.post(self.url("fit_handover", self.ida_session.pk),
                                    {"instrument": "ORS", "rater": "client"})["Location"]
        with time_machine.travel(NOW + datetime.timedelta(minutes=31), tick=False):
            self.assertEqual(self.client.get(form_url).status_code, 410)

    def test_a_missed_session_cannot_be_handed_over(self):
        missed = Session.objects.create(course=self.ida_course, date=datetime.date(2026, 3, 1),
                                        attendance="no_show")
        self.login(self.alice)
        response = self.client.post(self.url("fit_handover", missed.pk),
                                    {"instrument": "ORS", "rater": "client"})
        self.assertRedirects(response, self.url("fit_session", missed.pk))
        self.assertFalse(RatingInvite.objects.exists())

    def test_hand_over_and_link_take_post_only(self):
        self.login(self.alice)
        for name in ("fit_handover", "fit_link"):
            self.assertEqual(self.client.get(self.url(name, self.ida_session.pk)).status_code,
                             405)


@time_machine.travel(NOW, tick=False)
class TabletLockTests(PersonaTestCase):
    """With a tablet PIN the hand-over keeps the login but locks the tablet to the form."""

    def setUp(self):
        cache.clear()
        licence(self.service)
        self.alice.set_tablet_pin("2468")
        self.alice.save()
        self.login(self.alice)
        self.form_url = self.client.post(self.url("fit_handover", self.ida_session.pk),
                                         {"instrument": "ORS", "rater": "client"})["Location"]

    def unlock(self, pin):
        return self.client.post(reverse("tablet_unlock"), {"pin": pin})

    def test_every_other_page_leads_to_the_unlock_page_which_names_nobody(self):
        for name, args in (("caseload", ()), ("client_detail", (self.ida.pk,)),
                           ("fit_session", (self.ida_session.pk,)), ("tablet_pin", ())):
            self.assertRedirects(self.client.get(self.url(name, *args)),
                                 reverse("tablet_unlock"), fetch_redirect_response=False)
        self.assertRedirects(self.client.post(reverse("logout")), reverse("tablet_unlock"),
                             fetch_redirect_response=False)
        page = self.client.get(reverse("tablet_unlock"))
        self.assertContains(page, "Tabletten er låst")
        for private in ("Ida", "Hansen", "alice", "Mine forløb"):
            self.assertNotContains(page, private)
        self.assertContains(self.client.get(self.form_url), "Hvordan går det? (ORS)")

    def test_the_pin_takes_the_tablet_back_to_the_session_without_a_login(self):
        done = self.client.post(self.form_url, lines(30.0, "ORS"))
        self.assertContains(done, reverse("tablet_unlock"))
        self.assertNotContains(done, reverse("login"))
        self.assertRedirects(self.unlock("2468"), self.url("fit_session", self.ida_session.pk),
                             fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("caseload")).status_code, 200)
        # The SRS at the end is a second hand-over with no login in between.
        srs = self.client.post(self.url("fit_handover", self.ida_session.pk),
                               {"instrument": "SRS", "rater": "client"})["Location"]
        self.assertContains(self.client.get(srs), "Hvordan var samtalen? (SRS)")

    def test_five_wrong_pins_end_the_login(self):
        for left in (4, 3, 2, 1):
            page = self.unlock("1111")
            self.assertContains(page, f"{left} forsøg tilbage")
        self.assertTrue(self.unlock("1111")["Location"].startswith(reverse("login")))
        self.assertTrue(self.unlock("2468")["Location"].startswith(reverse("home")))
        self.assertTrue(self.client.get(reverse("caseload"))["Location"].startswith(
            reverse("login")))

    def test_a_full_login_is_always_the_way_out(self):
        response = self.client.post(reverse("tablet_unlock"), {"full_login": "1"})
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertTrue(self.client.get(reverse("caseload"))["Location"].startswith(
            reverse("login")))


class TabletPinTests(PersonaTestCase):
    def test_setting_a_pin_needs_the_password_and_digits(self):
        self.login(self.alice)
        page = self.client.post(reverse("tablet_pin"), {
            "pin": "12ab", "pin_again": "12ab", "password": "wrong"})
        self.assertContains(page, "Skriv 4 til 8 cifre")
        self.assertContains(page, "Adgangskoden er ikke rigtig")
        self.client.post(reverse("tablet_pin"), {
            "pin": "1357", "pin_again": "1357", "password": "alice-password-1"})
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_tablet_pin("1357"))
        self.assertNotIn("1357", self.alice.tablet_pin)


@time_machine.travel(NOW, tick=False)
class PaperTests(PersonaTestCase):
    """No licence here: paper scores can always be entered."""

    def paper(self, data, instrument="ORS"):
        self.login(self.alice)
        return self.client.post(
            self.url("fit_paper", self.ida_session.pk) + f"?instrument={instrument}", data)

    def test_a_clinician_enters_scores_from_a_paper_form(self):
        response = self.paper({"rater": "client", "individually": "4.5",
                               "interpersonally": "6", "socially": "5.2", "overall": "5"})
        self.assertRedirects(response, self.url("fit_session", self.ida_session.pk))
        rating = Rating.objects.get()
        self.assertEqual((float(rating.total), rating.source, rating.recorded_by),
                         (20.7, "paper", self.alice))

    def test_a_parent_s_paper_scores_are_entered_in_the_parent_s_words(self):
        self.login(self.alice)
        url = self.url("fit_paper", self.ida_session.pk) + "?instrument=ORS"
        self.assertNotContains(self.client.get(url), "hvordan den unge har det")
        page = self.client.get(url + "&rater=parent")
        self.assertContains(page, "Personligt (hvordan den unge har det)")
        self.assertContains(page, 'name="rater" value="parent"')
        self.paper({"rater": "parent", **lines(22)})
        self.assertEqual(Rating.objects.get().rater, "parent")

    def test_bad_scores_are_named_and_nothing_is_stored(self):
        response = self.paper({"rater": "client", "individually": "10.5",
                               "interpersonally": "6.25", "socially": "", "overall": "x"})
        for field in ("individually", "interpersonally", "socially", "overall"):
            self.assertContains(response, f'href="#id_{field}"')
        self.assertFalse(Rating.objects.exists())

    def test_entering_again_corrects_and_delete_removes(self):
        rate(self.ida_session, 20, instrument="SRS")
        self.login(self.alice)
        page = self.client.get(self.url("fit_paper", self.ida_session.pk) + "?instrument=SRS")
        self.assertContains(page, 'value="5.0"')
        self.paper({"rater": "client", **lines(37, "SRS")}, "SRS")
        self.assertEqual(float(Rating.objects.get().total), 37)
        self.paper({"rater": "client", "delete": "1"}, "SRS")
        self.assertFalse(Rating.objects.exists())

    def test_an_unknown_measure_is_not_found(self):
        self.login(self.alice)
        for code in ("XYZ", "PARENT_FOLLOWUP"):
            response = self.client.get(self.url("fit_paper", self.ida_session.pk)
                                       + f"?instrument={code}")
            self.assertEqual(response.status_code, 404)

    def test_the_session_page_marks_a_plan_change(self):
        self.login(self.alice)
        url = self.url("fit_session", self.ida_session.pk)
        self.assertContains(self.client.post(url, {"note": ""}), 'href="#id_note"')
        self.assertRedirects(self.client.post(url, {"note": "Forældrene er med igen"}), url)
        self.assertEqual(self.ida_session.plan_change.note, "Forældrene er med igen")
        self.client.post(url, {"remove": "1"})
        self.assertFalse(Session.objects.filter(plan_change__isnull=False).exists())

