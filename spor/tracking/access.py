"""Object access for the diary's pages, through the one scoping function."""

from django.shortcuts import get_object_or_404

from spor.clients.models import Client
from spor.tracking.models import Device


def get_device_for_user(user, pk) -> Device:
    visible = Client.objects.visible_to(user).values("pk")
    return get_object_or_404(
        Device.objects.filter(client__in=visible).select_related("client"), pk=pk)
