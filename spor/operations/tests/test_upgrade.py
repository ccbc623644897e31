from django.db import connection
from django.test import SimpleTestCase

from spor.operations.tests.installations import Installation

INTACT = """
from spor.audit.models import AccessLog
from spor.clients.models import Client
from spor.measures.models import Rating
from spor.treatment.models import Course, Session
ida = Client.objects.get(first_name="Ida")
rating = Rating.objects.get()
print(Client.objects.count(), Course.objects.count(), Session.objects.count(),
      ida.reveal_cpr(), rating.instrument, rating.total, AccessLog.objects.count(),
      Course.objects.filter(end_date__isnull=False).count())
"""


class UpgradeTests(SimpleTestCase):
    """The database release 0.1.0 left (fixtures/make_release_fixture.py), migrated by
    today's `spor migrate` on this run's database kind."""

    def test_spor_migrate_brings_a_0_1_0_database_to_today_with_its_data(self):
        site = Installation(connection.vendor)
        self.addCleanup(site.remove)
        site.load_release_fixture("0.1.0")
        before = site.spor("showmigrations", "--plan").stdout
        self.assertIn("[ ]", before, "today has migrations 0.1.0 did not")
        site.spor("migrate", "--no-input")
        self.assertNotIn("[ ]", site.spor("showmigrations", "--plan").stdout)
        self.assertEqual(site.python(INTACT).split()[-8:],
                         ["3", "3", "3", "050310-4322", "ORS", "21.0", "1", "1"])
        self.assertIn('"migrations": "ok"', site.python(
            "from django.test import Client; print(Client().get('/healthz').content.decode())"))
