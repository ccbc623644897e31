"""A young person asks for a talk: what they must fill in, what they are told, and how the
form holds off programs that send spam."""

import datetime

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from spor.clients.models import Client
from spor.public.models import TalkRequest
from spor.public.testing import PublicTestCase, stamp


class AskForATalkTests(PublicTestCase):
    def url(self, name="public_talk"):
        return reverse(name, kwargs={"service_slug": "helsingung"})

    def test_the_form_says_what_happens_next_and_that_it_is_anonymous(self):
        response = self.client.get(self.url())
        self.assertContains(response, "Hvad sker der nu?")
        self.assertContains(response, "anonymt")
        self.assertContains(response, "inden for 14 dage")
        self.assertContains(response, 'name="csrfmiddlewaretoken"')
        self.assertIn("no-store", response["Cache-Control"])

    def test_a_request_lands_as_new_with_its_date_and_a_clean_number(self):
        response = self.client.post(self.url(), self.talk_data())
        self.assertRedirects(response, self.url("public_talk_thanks"))
        talk = TalkRequest.objects.get()
        self.assertEqual((talk.service, talk.nickname, talk.age, talk.status),
                         (self.service, "Kiwi", 16, TalkRequest.Status.NEW))
        self.assertEqual(talk.phone, "22334455")
        self.assertEqual(talk.request_date, timezone.localdate())
        self.assertEqual(talk.guarantee_date, talk.request_date + datetime.timedelta(days=14))

    def test_the_thank_you_page_tells_how_to_call_us_and_that_they_need_not_answer(self):
        response = self.client.get(self.url("public_talk_thanks"))
        self.assertContains(response, "49 28 00 00")
        self.assertContains(response, "Mandag–torsdag 9–16")
        self.assertContains(response, "Du behøver ikke svare")

    def test_a_young_person_who_will_call_us_gives_no_number(self):
        self.client.post(self.url(), self.talk_data(reach="i_call", phone="22334455"))
        talk = TalkRequest.objects.get()
        self.assertEqual((talk.reach, talk.phone, talk.email), ("i_call", "", ""))

    def test_it_names_the_field_that_is_missing_or_wrong(self):
        cases = [
            ({"reach": "phone", "phone": ""}, "phone", "nummer"),
            ({"reach": "phone", "phone": "12 34"}, "phone", "8 cifre"),
            ({"reach": "email", "phone": "", "email": ""}, "email", "e-mail"),
            ({"reach": "email", "email": "not-an-address"}, "email", "e-mail"),
            ({"age": "8"}, "age", "mellem 10 og 30"),
            ({"nickname": ""}, "nickname", ""),
        ]
        for changes, field, words in cases:
            response = self.client.post(self.url(), self.talk_data(**changes))
            self.assertEqual(response.status_code, 200, changes)
            self.assertIn(field, response.context["form"].errors, changes)
            self.assertContains(response, f'id="id_{field}_error"')
            self.assertContains(response, words)
        self.assertFalse(TalkRequest.objects.exists())

    def test_a_form_shown_again_carries_a_fresh_stamp(self):
        old = stamp(600)
        response = self.client.post(self.url(), self.talk_data(stamp=old, age="8"))
        self.assertNotEqual(response.context["form"].data["stamp"], old)

    def test_english_is_one_click_away_and_stays_through_the_form(self):
        danish = self.client.get(self.url())
        self.assertContains(danish, f'href="{self.url()}?lang=en"')
        response = self.client.get(self.url() + "?lang=en")
        self.assertContains(response, "What happens next?")
        self.assertContains(response, '<html lang="en">')
        response = self.client.post(self.url() + "?lang=en", self.talk_data())
        self.assertRedirects(response, self.url("public_talk_thanks") + "?lang=en")

    def test_an_unpublished_page_takes_no_requests(self):
        self.page.published = False
        self.page.save()
        self.assertEqual(self.client.post(self.url(), self.talk_data()).status_code, 404)
        self.assertFalse(TalkRequest.objects.exists())


class SpamTests(PublicTestCase):
    url = reverse("public_talk", kwargs={"service_slug": "helsingung"})
    thanks = reverse("public_talk_thanks", kwargs={"service_slug": "helsingung"})

    def test_a_filled_honeypot_looks_sent_but_keeps_nothing(self):
        response = self.client.post(self.url, self.talk_data(website="http://spam.example"))
        self.assertRedirects(response, self.thanks)
        self.assertFalse(TalkRequest.objects.exists())

    def test_the_honeypot_is_hidden_from_people_and_screen_readers(self):
        html = self.client.get(self.url).content.decode()
        self.assertIn('<div class="hp" aria-hidden="true">', html)
        self.assertIn('tabindex="-1"', html)

    def test_a_form_sent_within_seconds_is_refused_with_a_kind_word(self):
        response = self.client.post(self.url, self.talk_data(stamp=stamp(seconds_ago=1)))
        self.assertContains(response, "Det gik hurtigt!")
        self.assertFalse(TalkRequest.objects.exists())

    def test_a_missing_or_forged_stamp_is_refused(self):
        for value in ("", "12345", stamp().replace(":", ";")):
            response = self.client.post(self.url, self.talk_data(stamp=value))
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "knappen igen")
        self.assertFalse(TalkRequest.objects.exists())

    def test_a_stamp_older_than_twelve_hours_is_refused(self):
        response = self.client.post(self.url, self.talk_data(stamp=stamp(13 * 3600)))
        self.assertContains(response, "knappen igen")
        self.assertFalse(TalkRequest.objects.exists())

    @override_settings(SPOR_PUBLIC_POSTS_PER_HOUR=3)
    def test_an_address_that_posts_too_often_is_asked_to_wait(self):
        for _ in range(3):
            self.assertEqual(self.client.post(self.url, self.talk_data()).status_code, 302)
        response = self.client.post(self.url, self.talk_data())
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "49 28 00 00", status_code=429)
        self.assertEqual(TalkRequest.objects.count(), 3)
        other = self.client.post(self.url, self.talk_data(), REMOTE_ADDR="10.9.8.7")
        self.assertEqual(other.status_code, 302)

    @override_settings(SPOR_PUBLIC_POSTS_PER_HOUR=2, SPOR_TRUSTED_PROXIES=1)
    def test_behind_a_proxy_the_limit_counts_the_address_the_proxy_saw(self):
        for n in range(3):
            self.client.post(self.url, self.talk_data(),
                             HTTP_X_FORWARDED_FOR=f"forged-{n}, 10.0.0.1")
        self.assertEqual(TalkRequest.objects.count(), 2)
        other = self.client.post(self.url, self.talk_data(), HTTP_X_FORWARDED_FOR="10.0.0.2")
        self.assertEqual(other.status_code, 302)


class NothingIsRevealedTests(PublicTestCase):
    """The page never tells whether the service knows a nickname, number or address."""

    def test_a_known_nickname_number_and_address_get_the_same_answer_as_unknown_ones(self):
        Client.objects.create(service=self.service, team=self.team_a, anonymous=False,
                              first_name="Kim", last_name="Holm", phone="22334455",
                              email="kim@example.com", birth_year=2009)
        TalkRequest.objects.create(service=self.service, nickname="Kiwi", age=16,
                                   phone="22334455")
        url = reverse("public_talk", kwargs={"service_slug": "helsingung"})
        known = [self.talk_data(nickname="Ræven", phone="22334455"),
                 self.talk_data(nickname="Kiwi", reach="email", phone="",
                                email="kim@example.com")]
        unknown = [self.talk_data(nickname="Zebra", phone="99887766"),
                   self.talk_data(nickname="Zebra", reach="email", phone="",
                                  email="nobody@example.com")]
        for a, b in zip(known, unknown, strict=True):
            first, second = self.client.post(url, a), self.client.post(url, b)
            self.assertEqual((first.status_code, first["Location"]),
                             (second.status_code, second["Location"]))
            page_a = self.client.get(first["Location"]).content
            page_b = self.client.get(second["Location"]).content
            self.assertEqual(page_a, page_b)
        self.assertEqual(TalkRequest.objects.count(), 5)
