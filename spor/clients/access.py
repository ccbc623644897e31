"""Object access for views: every lookup goes through Client.objects.visible_to(user).

Each helper returns the object or raises Http404, so a user outside the scope cannot even
learn that the object exists.
"""

from django.shortcuts import get_object_or_404

from spor.clients.models import Client, Consent, Relative


def get_client_for_user(user, pk) -> Client:
    return get_object_or_404(
        Client.objects.visible_to(user).select_related("service", "team"), pk=pk)


def get_relative_for_user(user, pk) -> Relative:
    visible = Client.objects.visible_to(user).values("pk")
    return get_object_or_404(
        Relative.objects.filter(client__in=visible).select_related("client__service"), pk=pk)


def get_consent_for_user(user, pk) -> Consent:
    visible = Client.objects.visible_to(user).values("pk")
    return get_object_or_404(
        Consent.objects.filter(client__in=visible).select_related("client__service"), pk=pk)
