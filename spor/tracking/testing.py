"""Helpers for tests that need a paired app."""

import json

from spor.tracking.models import Device, PairingCode


def paired_device_for(client, name="Hashtrack, Android"):
    """A device paired to the client, made the way an app pairs; returns (device, token)."""
    row, code = PairingCode.make(client, None)
    return Device.pair(row, name)


def device_for(client):
    """Any device of the client (for walking URLs), made once."""
    return client.devices.first() or paired_device_for(client)[0]


class ApiCalls:
    """Mixin for TestCase: JSON calls to /api/v1 with a device token."""

    token = None

    def call(self, method, path, body=None, token=None, **extra):
        token = token if token is not None else self.token
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = json.dumps(body) if body is not None and not isinstance(body, str) else body
        return getattr(self.client, method)(f"/api/v1{path}", data=data,
                                            content_type="application/json",
                                            **headers, **extra)
