from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from spor.accounts.models import Service
from spor.public.models import GalleryItem, TalkRequest


class Command(BaseCommand):
    help = ("Erase what the public page keeps past each service's retention period: requests "
            "for a talk nobody took, the contact details of requests that became contacts, "
            "and gallery posts nobody reviewed. Re-runnable; run it daily.")

    def handle(self, *args, **options):
        now = timezone.now()
        requests = contacts = posts = 0
        for service in Service.objects.order_by("pk"):
            with transaction.atomic():
                requests += TalkRequest.objects.expired(service, now).delete()[0]
                # One statement: a request converted meanwhile is simply not matched.
                contacts += TalkRequest.objects.contact_expired(service, now).update(
                    phone="", email="", message="", contact_erased_at=now)
                # Never shown, so no cached page changes.
                for item in GalleryItem.objects.unreviewed_expired(service, now):
                    item.erase()
                    posts += 1
        # Counts only: never a nickname, number or address in the output.
        self.stdout.write(f"Erased {requests} requests for a talk, the contact details of "
                          f"{contacts} requests that became contacts, and {posts} unreviewed "
                          f"gallery posts.")
