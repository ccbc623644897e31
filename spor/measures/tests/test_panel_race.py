"""The kept FIT panel (templatetags/fit.py) when a change commits while a page is drawn:
its key is read from the stored state before the panel's data, so that under READ
COMMITTED a change committed in between only puts newer content under the older key, and
the next page, which reads the newer key, shows the change."""

import datetime
import threading

from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from spor.lib.testing import RaceTestCase
from spor.measures.models import PlanChange
from spor.measures.templatetags import fit as tags
from spor.measures.tests.helpers import course_with


class KeptPanelRaceTests(RaceTestCase):
    def setUp(self):
        super().setUp()
        if connection.vendor != "postgresql":
            self.skipTest("READ COMMITTED between two reads is PostgreSQL's")
        course = course_with(self.ida, self.team_a, [18, 19, 20, 21],
                             start=datetime.date(2026, 9, 1), clinician=self.alice)
        self.sessions = list(course.sessions.order_by("date"))
        tags.PANELS.clear()
        self.browser = Browser()
        self.browser.force_login(self.alice)

    def page(self) -> str:
        return self.browser.get(reverse("client_detail", args=[self.ida.pk])).content.decode()

    def plan(self, n, note):
        """A plan change noted at the n-th session, committed in a connection of its own
        (it refreshes the course's stored state)."""
        def write():
            try:
                PlanChange.objects.create(session=self.sessions[n], note=note)
            finally:
                connection.close()
        writer = threading.Thread(target=write)
        writer.start()
        writer.join()

    def test_a_change_committed_while_the_panel_is_drawn_shows_on_the_next_page(self):
        self.assertNotIn("Skolen er med", self.page())  # kept under the first state
        self.plan(1, "Skolen er med")
        # The next page reads the stored state (the key) and the panel's data one after the
        # other; a second change commits after the first of those reads.
        met = []

        def then_a_change(real):
            def read(*args, **kwargs):
                found = real(*args, **kwargs)
                if not met:
                    met.append(real.__name__)
                    self.plan(2, "Træner igen")
                return found
            return read

        state_of, course_fits = tags.state_of, tags.course_fits
        tags.state_of, tags.course_fits = then_a_change(state_of), then_a_change(course_fits)
        try:
            between = self.page()
        finally:
            tags.state_of, tags.course_fits = state_of, course_fits
        self.assertEqual(len(met), 1)  # the change came between the two reads
        # The newer state is a newer key: the next page draws the panel anew.
        after = self.page()
        self.assertIn("Skolen er med", after)
        self.assertIn("Træner igen", after)
        # This one was drawn from the data as it then was, with both changes, and kept
        # under the older state: newer content under an older key, never the reverse.
        self.assertIn("Skolen er med", between)
        self.assertIn("Træner igen", between)
