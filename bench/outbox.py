"""Sending speed of the outbox: 10,000 due e-mail messages to a real SMTP server (aiosmtpd
in this process), by two senders at once, as two `spor jobs` runs overlapping would.
Prints messages per second and checks that every message arrived exactly once.

    .venv/bin/python bench/outbox.py                 # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/outbox_bench \\
        .venv/bin/python bench/outbox.py [--messages 10000] [--senders 2] [--port 8140]

Each message is queued as the product queues it (its own token, the link encrypted); the
time is that of claiming, composing, handing over by SMTP and recording, per message.
"""

import argparse
import datetime
import os
import re
import sys
import tempfile
import threading
import time

os.environ.setdefault("SPOR_DATA_DIR", tempfile.mkdtemp(prefix="spor-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from spor.accounts.models import Service, Team  # noqa: E402
from spor.clients.models import Client  # noqa: E402
from spor.outbox.models import ContactConsent, Message  # noqa: E402
from spor.outbox.sending import send_due  # noqa: E402
from spor.outbox.tests.servers import smtp_server  # noqa: E402

PEOPLE = 500


def queue(n: int) -> None:
    service = Service.objects.create(name="Helsingung (bench)")
    team = Team.objects.create(service=service, name="Rådgivning")
    expires = timezone.now() + datetime.timedelta(days=1)
    with transaction.atomic():
        people = []
        for i in range(PEOPLE):
            client = Client.objects.create(service=service, team=team, anonymous=False,
                                           first_name="Ung", last_name=str(i), birth_year=2008,
                                           email=f"ung{i}@bench.example")
            ContactConsent.objects.create(service=service, client=client, channel="email")
            people.append(client)
        for i in range(n):
            Message.queue(recipient=people[i % PEOPLE], channel="email", kind="rating",
                          target=f"/r/bench-{i}/", expires_at=expires)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--port", type=int, default=None, help="SMTP port (default: free)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    Message.objects.all().delete()
    started = time.monotonic()
    queue(args.messages)
    print(f"database: {connection.vendor}; queued {args.messages} messages in "
          f"{time.monotonic() - started:.1f} s")

    results = [None] * args.senders
    with smtp_server(args.port) as inbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port

        def sender(k):
            try:
                results[k] = send_due(batch=100)
            finally:
                connection.close()

        threads = [threading.Thread(target=sender, args=(k,)) for k in range(args.senders)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        received = list(inbox.messages)

    tokens = [re.search(r"/m/([\w-]+)/", m["body"]).group(1) for m in received]
    sent = Message.objects.filter(status="sent", attempts=1).count()
    print(f"{args.senders} senders: {[r['sent'] if r else None for r in results]} sent each")
    print(f"sent {sent} in {elapsed:.1f} s: {args.messages / elapsed:.0f} messages per second")
    print(f"received {len(received)} e-mails, {len(set(tokens))} distinct links; "
          f"sent twice: {len(tokens) - len(set(tokens))}")
    ok = sent == len(received) == len(set(tokens)) == args.messages
    print("OK: every message arrived exactly once" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
