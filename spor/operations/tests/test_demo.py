import io

from django.core.management import CommandError, call_command
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from spor.accounts.models import Service, Team
from spor.clients.models import Client, Relative
from spor.operations.management.commands.demo import DEMO_SERVICE, DemoServer
from spor.treatment.models import Course, Session


def demo(*args):
    out = io.StringIO()
    call_command("demo", "--no-server", *args, stdout=out)
    return out.getvalue()


class DemoCommandTests(TestCase):
    def test_the_demo_names_its_outreach_team_and_caseworkers_and_courses_hold_no_outreach(self):
        demo()
        service = Service.objects.get(name=DEMO_SERVICE)
        outreach = Team.objects.get(service=service, kind=Team.Kind.OUTREACH)
        self.assertEqual(outreach.name, "Opsøgende team")
        caseworkers = Relative.objects.filter(client__service=service, kind="caseworker")
        self.assertTrue(caseworkers.exists())
        self.assertFalse(caseworkers.filter(name__iexact="Sagsbehandler").exists())
        self.assertTrue(Session.objects.filter(course__kind=Course.Kind.INDIVIDUAL).exists())
        self.assertFalse(Session.objects.filter(course__client__service=service,
                                                kind="outreach").exists())


class DemoResetTests(TransactionTestCase):
    """--reset empties the database as an operator runs it: outside any transaction (on
    PostgreSQL, TRUNCATE refuses to run inside one with deferred constraints pending)."""

    def test_reset_makes_the_same_demo_again_and_a_second_run_keeps_what_is_there(self):
        demo()
        clients = Client.objects.count()
        Service.objects.filter(name=DEMO_SERVICE).update(municipality="Changed in the tour")
        self.assertIn("already there", demo())
        self.assertEqual(Service.objects.get().municipality, "Changed in the tour")
        out = demo("--reset")
        self.assertIn("Erasing the demo data", out)
        self.assertEqual(Service.objects.get().municipality, "Helsingør")
        self.assertEqual(Client.objects.count(), clients)

    def test_reset_refuses_a_database_with_another_service_and_erases_nothing(self):
        Service.objects.create(name="Ungdomsrådgivningen Nord")
        with self.assertRaisesMessage(CommandError, "1 service(s) besides the demo"):
            demo("--reset")
        self.assertTrue(Service.objects.filter(name="Ungdomsrådgivningen Nord").exists())

    def test_the_demo_server_announces_itself_with_an_iso_date(self):
        server = DemoServer(stdout=io.StringIO())
        server.addr = "127.0.0.1"
        server.on_bind(8123)
        text = server.stdout._out.getvalue()
        self.assertIn(f"{timezone.localdate():%Y-%m-%d}", text)
        self.assertIn("http://127.0.0.1:8123/", text)
        self.assertNotRegex(text, r"(January|February|March|April|May|June|July|August|"
                                  r"September|October|November|December) \d\d, \d{4}")
