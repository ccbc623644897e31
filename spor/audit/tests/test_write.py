from django.db import connection
from django.test import TransactionTestCase

from spor.accounts.models import Service, Team
from spor.audit.models import AccessLog, log_access
from spor.clients.models import Client
from spor.lib.testing import make_user


class WriteTests(TransactionTestCase):
    """Outside a transaction, as a page that only shows data is."""

    def setUp(self):
        service = Service.objects.create(name="Helsingung")
        self.alice = make_user(service, "alice", "clinician")
        team = Team.objects.create(service=service, name="Rådgivning")
        self.clients = [Client.objects.create(service=service, team=team, pseudonym=f"U{i}",
                                              birth_year=2008, gender="male")
                        for i in range(3)]

    def test_a_page_logs_its_clients_in_one_statement_without_a_transaction(self):
        # BEGIN and COMMIT are round trips of their own on every page that shows a young
        # person; a single INSERT is atomic without them.
        seen = []

        def watch(execute, sql, params, many, context):
            seen.append((sql.split()[0], connection.in_atomic_block))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(watch):
            log_access(self.alice, self.clients, "Caseload", AccessLog.Purpose.CASELOAD)
        self.assertEqual(seen, [("INSERT", False)])
        rows = AccessLog.objects.order_by("client__pseudonym")
        self.assertEqual([(r.client_id, r.user, r.username, r.what, r.purpose) for r in rows],
                         [(c.pk, self.alice, "alice", "Caseload", "caseload")
                          for c in self.clients])
        self.assertTrue(all(r.at for r in rows))

    def test_more_rows_than_one_statement_takes_are_written_in_one_transaction(self):
        many = self.clients * 400  # over SQLite's 999 variables in one statement
        log_access(self.alice, many, "Export", AccessLog.Purpose.EXPORT)
        self.assertEqual(AccessLog.objects.count(), 1200)
