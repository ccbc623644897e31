"""Test helpers for the public page: a published page for the personas' service, stamps
that look like a person took their time, and photos that carry GPS and camera data."""

import io
import shutil
import tempfile
import time

from django.core import signing
from django.core.cache import cache
from django.test import override_settings
from PIL import ExifTags, Image

from spor.lib.testing import PersonaTestCase
from spor.public.models import Page, TalkRequest
from spor.public.spam import SALT

CAMERA = "SporCam 3000"


def stamp(seconds_ago=30) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=SALT)


def photo_with_gps(size=(1200, 900), fmt="JPEG") -> bytes:
    """A photo as a phone takes it: GPS position (Helsingør), camera make and model."""
    image = Image.new("RGB", size, (200, 120, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Spor"
    exif[ExifTags.Base.Model] = CAMERA
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (56.0, 2.0, 9.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (12.0, 36.0, 50.0),
    }
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def converted_request_for(client) -> TalkRequest:
    """A request that became this client: its staff pages show the client's data."""
    from django.utils import timezone

    talk, _created = TalkRequest.objects.get_or_create(
        client=client, defaults={
            "service": client.service, "nickname": "Ida", "age": 16, "reach": "phone",
            "phone": "22334455", "status": TalkRequest.Status.CONVERTED,
            "converted_at": timezone.now()})
    return talk


class PublicTestCase(PersonaTestCase):
    """The personas' service with a published page, an empty cache and a private media
    folder for each test."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.page = Page.objects.create(
            service=cls.service, slug="helsingung", published=True, title="Helsingung",
            title_en="Helsingung for young people", intro="Et sted for unge.",
            intro_en="A place for young people.", body="## Hvem er vi?\nRådgivere.",
            opening_hours="Mandag–torsdag 9–16", phone="49280000")

    def setUp(self):
        super().setUp()
        cache.clear()
        media = tempfile.mkdtemp(prefix="spor-media-")
        self.addCleanup(shutil.rmtree, media, True)
        override = override_settings(MEDIA_ROOT=media)
        override.enable()
        self.addCleanup(override.disable)

    def talk_data(self, **changes):
        data = {"nickname": "Kiwi", "age": "16", "reach": "phone", "phone": "22 33 44 55",
                "email": "", "message": "Jeg vil gerne snakke om hash.",
                "parents": "talk_first", "website": "", "stamp": stamp()}
        data.update(changes)
        return data
