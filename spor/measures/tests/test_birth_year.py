"""A young person known only by birth year is one of two ages: where that decides the
measure or the cutoff, the pages say both and which one Spor counts."""

import datetime

import time_machine
from django.urls import reverse

from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase
from spor.measures.tests.helpers import TODAY, course_with

START = datetime.date(2026, 3, 2)


@time_machine.travel(TODAY)
class BirthYearTests(PersonaTestCase):
    def page_for(self, born, birth_date=None):
        client = Client.objects.create(service=self.service, team=self.team_a,
                                       pseudonym=f"Ugle{born}", birth_year=born,
                                       birth_date=birth_date, gender="female") \
            if birth_date is None else Client.objects.create(
                service=self.service, team=self.team_a, anonymous=False, first_name="Sara",
                last_name="Holm", birth_year=born, birth_date=birth_date, gender="female")
        course = course_with(client, self.team_a, [20, 22], start=START, clinician=self.alice,
                             kind="anonymous_counselling" if birth_date is None
                             else "individual")
        self.login(self.alice)
        return self.client.get(reverse("fit_course", args=[course.pk]))

    def test_seventeen_or_eighteen_names_both_cutoffs_and_the_one_counted(self):
        self.assertContains(self.page_for(2008),
                            "Kun fødselsåret kendes: 17 eller 18 år ved forløbets start. "
                            "Spor regner med 18, den alder den unge når i kalenderåret (ORS, "
                            "grænse 25,0); som 17-årig ville det være ORS, grænse 28,0.")

    def test_twelve_or_thirteen_names_both_measures(self):
        self.assertContains(self.page_for(2013), "12 eller 13 år")
        self.assertContains(self.page_for(2013), "som 12-årig ville det være CORS, grænse 32,0")

    def test_nothing_is_said_where_both_ages_give_the_same_norm_or_the_date_is_known(self):
        self.assertNotContains(self.page_for(2010), "Kun fødselsåret kendes")
        self.assertNotContains(self.page_for(2008, datetime.date(2008, 10, 1)),
                               "Kun fødselsåret kendes")
