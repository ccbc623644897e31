"""A course's FIT state worked out while a change of the service's rules commits: the
state follows the new rules, even in a process that kept the old ones (models.rules_of)."""

import datetime
import threading
import time
from decimal import Decimal

from django.db import connection, transaction

from spor.accounts.models import Service
from spor.lib.testing import RaceTestCase
from spor.measures import state
from spor.measures.models import RULES, FitState, Norm, rules_of
from spor.measures.tests.helpers import course_with

START = datetime.date(2026, 1, 5)


class RulesChangeRaceTests(RaceTestCase):
    def setUp(self):
        super().setUp()
        if connection.vendor != "postgresql":
            self.skipTest("READ COMMITTED between a lock and its wait is PostgreSQL's")
        # The service's own norm (a flushed test database has no shipped defaults).
        self.norm = Norm.objects.create(service=self.service, instrument="ORS", min_age=0,
                                        cutoff=Decimal(25), reliable_change=Decimal(5),
                                        source="Own")
        self.course = course_with(self.ida, self.team_a, [20, 22, 24.5], start=START,
                                  end=START + datetime.timedelta(days=30))

    def test_a_state_worked_out_behind_a_change_of_the_norms_follows_the_new_norms(self):
        self.assertEqual(FitState.objects.get(course=self.course).change, "no_change")
        kept = rules_of(Service.objects.get(pk=self.service.pk))  # this process's rules
        stamp = Service.objects.get(pk=self.service.pk).fit_rules_stamp
        holding, done = threading.Event(), threading.Event()

        def change_the_norms():
            """A reliable change of 4 for the service, committed once the refresh below
            waits for the lock this change holds on the course."""
            try:
                with transaction.atomic():
                    self.norm.reliable_change = Decimal(4)
                    self.norm.save()
                    holding.set()
                    with connection.cursor() as cursor:
                        for _ in range(200):
                            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE "
                                           "wait_event_type = 'Lock' AND datname = "
                                           "current_database()")
                            if cursor.fetchone()[0]:
                                break
                            time.sleep(0.02)
            finally:
                done.set()
                connection.close()

        writer = threading.Thread(target=change_the_norms)
        writer.start()
        holding.wait(10)
        RULES[self.service.pk] = (stamp, kept)  # as another process still keeps them
        with transaction.atomic():
            state.refresh([self.course.pk])  # waits for the change's lock on the course
        writer.join()
        self.assertTrue(done.is_set())
        self.assertEqual(FitState.objects.get(course=self.course).change,
                         "reliably_improved")
