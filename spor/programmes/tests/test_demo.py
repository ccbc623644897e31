import datetime
import random

from django.test import TestCase

from spor.accounts import demo as accounts_demo
from spor.accounts.models import Service
from spor.lib.demo import DemoContext
from spor.programmes import demo
from spor.programmes.figures import (
    consultancy_year,
    day_team_year,
    outreach_year,
    parent_courses_year,
)
from spor.programmes.models import DayTeamEnrolment, ParentFollowup
from spor.programmes.models.dayteam import busiest_day
from spor.treatment import demo as treatment_demo

TODAY = datetime.date(2026, 11, 28)


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.service = Service.objects.create(name="Demo")
        rng = random.Random(2014)  # noqa: S311 - the seeded demo, not a secret
        ctx = DemoContext(service=cls.service, today=TODAY, rng=rng)
        for module in (accounts_demo, treatment_demo, demo):
            module.populate(ctx)

    def test_each_programme_has_a_year_of_work(self):
        parents = parent_courses_year(self.service, 2026, as_of=TODAY)
        self.assertGreaterEqual(parents["courses"], 3)
        self.assertGreater(parents["followup_3m"]["answered"], 0)
        self.assertGreater(parents["followup_1y"]["due"], 0)
        self.assertGreater(day_team_year(self.service, 2026, as_of=TODAY)["place_days"], 100)
        self.assertGreater(outreach_year(self.service, 2026)["contacts"], 80)
        self.assertGreaterEqual(consultancy_year(self.service, 2026)["case_conferences"], 9)

    def test_the_leader_finds_surveys_due(self):
        self.assertTrue(ParentFollowup.objects.filter(
            participant__course__service=self.service).due(TODAY).exists())

    def test_the_day_team_never_holds_more_than_its_places(self):
        places = list(DayTeamEnrolment.objects.of_service(self.service)
                      .values_list("start_date", "end_date"))
        self.assertTrue(places)
        first = min(start for start, _end in places)
        _day, most = busiest_day(places, first, None)
        self.assertLessEqual(most, self.service.day_team_capacity)
