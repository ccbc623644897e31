"""The operator creates a new installation's first administrator with one command."""

import io

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from spor.accounts.models import AccountEvent, Service, User
from spor.lib.testing import RaceTestCase, at_once

PASSWORD = "first-admin-secret-2026"  # noqa: S105 (a test password)


def createadmin(*args, password=PASSWORD):
    out = io.StringIO()  # a scripted install: the password on standard input
    call_command("createadmin", *args, stdout=out, stdin=io.StringIO(password + "\n"))
    return out.getvalue()


class CreateAdminTests(TestCase):
    def test_it_creates_the_service_and_the_administrator_and_prints_the_enrolment_code(self):
        printed = createadmin("admin", "--service", "Ungdomsrådgivningen",
                              "--municipality", "Helsingør")
        admin = User.objects.get(username="admin")
        self.assertEqual((admin.role, admin.service.name, admin.service.municipality),
                         ("admin", "Ungdomsrådgivningen", "Helsingør"))
        self.assertTrue(admin.check_password(PASSWORD))
        code = printed.splitlines()[1].split()[0]
        self.assertTrue(admin.use_enrolment_code(code))
        self.assertEqual(sorted(AccountEvent.objects.values_list("what", flat=True)),
                         ["created", "enrolment_code"])
        self.assertNotIn(PASSWORD, printed)

    def test_a_single_service_is_taken_without_naming_it(self):
        Service.objects.create(name="Kommunen")
        createadmin("admin")
        self.assertEqual(User.objects.get().service.name, "Kommunen")

    def test_a_weak_password_is_refused_and_nothing_is_written(self):
        with self.assertRaisesMessage(CommandError, "password: "):
            createadmin("admin", "--service", "Ny", password="admin")
        self.assertFalse(Service.objects.exists())
        self.assertFalse(User.objects.exists())

    def test_a_taken_username_and_an_unnamed_service_among_several_are_named(self):
        service = Service.objects.create(name="A")
        Service.objects.create(name="B")
        User.objects.create_user("admin", role="admin", service=service)
        with self.assertRaisesMessage(CommandError, "username: 'admin' is taken"):
            createadmin("admin")
        with self.assertRaisesMessage(CommandError, "--service: name the service"):
            createadmin("other")


class CreateAdminRaceTests(RaceTestCase):
    def test_two_runs_at_once_make_one_administrator_and_name_the_taken_username(self):
        def run():
            return createadmin("first", "--service", "Helsingung")
        results = at_once(run, run)
        self.assertEqual(User.objects.filter(username="first").count(), 1)
        [refused] = [r for r in results if isinstance(r, Exception)]
        self.assertIsInstance(refused, CommandError)
        self.assertIn("username: 'first' is taken", str(refused))
