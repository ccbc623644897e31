"""Two senders at once, each in its own thread with its own database connection, against
one real SMTP server: every message goes out exactly once."""

import re

from spor.lib.testing import RaceTestCase, at_once
from spor.outbox.models import Message
from spor.outbox.queue import send_rating_link
from spor.outbox.sending import send_due
from spor.outbox.tests.helpers import agree, smtp_settings
from spor.outbox.tests.servers import smtp_server


class TwoSendersTests(RaceTestCase):
    def test_two_senders_at_once_send_each_of_120_messages_once(self):
        from spor.measures.models import RatingInvite

        self.ida.email = "ida@example.dk"
        self.ida.save()
        agree(self.ida, "email")
        for _n in range(120):
            invite, token = RatingInvite.issue(self.ida_session, "ORS", "client", "link",
                                               self.alice)
            send_rating_link(self.ida_session, invite, token, [self.ida], ["email"], self.alice)
        with smtp_server() as inbox, smtp_settings(inbox):
            results = at_once(lambda: send_due(batch=10), lambda: send_due(batch=10))
        for result in results:
            if isinstance(result, Exception):
                raise result
        self.assertEqual(sum(r["sent"] for r in results), 120)
        self.assertTrue(all(r["sent"] > 0 for r in results), results)  # both did work
        tokens = [re.search(r"/m/([\w-]+)/", m["body"]).group(1) for m in inbox.messages]
        self.assertEqual(len(tokens), 120)
        self.assertEqual(len(set(tokens)), 120)
        self.assertEqual(Message.objects.filter(status="sent", attempts=1).count(), 120)
