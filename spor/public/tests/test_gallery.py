"""Young people share small projects: uploads are checked by content and size, photos lose
their camera and place data, nothing shows before a counsellor approves it, and a removal
code takes a post away again."""

import io
import os
import random
import wave

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from spor.public.models import GalleryItem
from spor.public.testing import CAMERA, PublicTestCase, photo_with_gps, stamp

PAGE = reverse("public_page", kwargs={"service_slug": "helsingung"})
GALLERY = reverse("public_gallery", kwargs={"service_slug": "helsingung"})


def new_url(kind):
    return reverse("public_gallery_new", kwargs={"service_slug": "helsingung", "kind": kind})


def file_url(item, variant="file"):
    return reverse("public_gallery_file", kwargs={
        "service_slug": "helsingung", "gallery_item": item.pk, "variant": variant})


def mp3_with_tags() -> bytes:
    """An MP3 frame header wrapped in ID3v2 and ID3v1 tags that name the artist."""
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    body = b"TPE1" + (15).to_bytes(4, "big") + b"\x00\x00" + b"\x00Kim Holm, 2009"
    v2 = b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(body)]) + body
    v1 = b"TAG" + b"Min sang".ljust(30, b"\x00") + b"Kim Holm".ljust(30, b"\x00") + bytes(65)
    return v2 + frame * 20 + v1


def wav_with_tags() -> bytes:
    """A WAV whose LIST/INFO and iXML chunks name the artist and the place."""
    def chunk(name, data):
        return name + len(data).to_bytes(4, "little") + data + b"\x00" * (len(data) & 1)
    fmt = (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little") \
        + (16000).to_bytes(4, "little") + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    info = chunk(b"LIST", b"INFO" + chunk(b"IART", b"Kim Holm\x00")
                 + chunk(b"ICMT", b"Snekkersten"))
    body = b"WAVE" + chunk(b"fmt ", fmt) + info + chunk(b"data", bytes(range(256)) * 8) \
        + chunk(b"iXML", b"<LOCATION>Kim Holm, Snekkersten</LOCATION>")
    return b"RIFF" + len(body).to_bytes(4, "little") + body


def noisy_png(side=900) -> bytes:
    rng = random.Random(7)  # noqa: S311 — noise for a test picture
    image = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8)
                                                      for _ in range(side * side * 3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class GalleryTestCase(PublicTestCase):
    def share(self, kind, upload=None, **changes):
        data = {"nickname": "Ræv", "title": "Udsigten", "text": "Fra stranden.",
                "link": "", "permission": "on", "website": "", "stamp": stamp()}
        data.update(changes)
        if upload is not None:
            data["upload"] = upload
        return self.client.post(new_url(kind), data)

    def stored_path(self, field):
        return os.path.join(settings.MEDIA_ROOT, field.name)


class SharingTests(GalleryTestCase):
    def test_a_photo_loses_its_gps_and_camera_data_and_gets_a_removal_code(self):
        original = photo_with_gps(size=(2400, 1800))
        self.assertIn(CAMERA.encode(), original)
        self.assertIn("GPSInfo", str(Image.open(io.BytesIO(original)).getexif().get_ifd(
            0x8825)) + "GPSInfo")
        response = self.share("photo", SimpleUploadedFile("IMG_0001.jpg", original))
        self.assertEqual(response.status_code, 200)
        code = response.context["code"]
        self.assertRegex(code, r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
        self.assertContains(response, code)
        self.assertIn("no-store", response["Cache-Control"])
        item = GalleryItem.objects.get()
        self.assertEqual((item.status, item.content_type), ("pending", "image/jpeg"))
        self.assertNotEqual(item.removal_hash, code)
        for field in (item.file, item.thumb):
            with open(self.stored_path(field), "rb") as f:
                stored = f.read()
            self.assertNotIn(CAMERA.encode(), stored)
            self.assertNotIn(b"Exif", stored)
            image = Image.open(io.BytesIO(stored))
            self.assertEqual(dict(image.getexif()), {})
            self.assertEqual(image.format, "JPEG")
        self.assertEqual((item.width, item.height), (1600, 1200))
        self.assertEqual(Image.open(self.stored_path(item.thumb)).size, (640, 480))

    def test_a_turned_phone_photo_stays_upright_after_its_data_is_gone(self):
        image = Image.new("RGB", (300, 100), "red")
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90°": the phone was held upright
        out = io.BytesIO()
        image.save(out, "JPEG", exif=exif)
        self.share("photo", SimpleUploadedFile("p.jpg", out.getvalue()))
        item = GalleryItem.objects.get()
        self.assertEqual((item.width, item.height), (100, 300))

    def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name(self):
        for name, content in [("photo.jpg", b"<html><script>alert(1)</script></html>"),
                              ("photo.png", mp3_with_tags()),
                              ("photo.jpg", photo_with_gps()[:200])]:
            response = self.share("photo", SimpleUploadedFile(name, content,
                                                              content_type="image/jpeg"))
            self.assertEqual(response.status_code, 200, name)
            self.assertIn("upload", response.context["form"].errors, name)
            self.assertContains(response, "ikke et billede")
        self.assertFalse(GalleryItem.objects.exists())
        self.assertFalse(os.path.exists(os.path.join(settings.MEDIA_ROOT, "gallery")))

    @override_settings(SPOR_PUBLIC_IMAGE_MAX_MB=1)
    def test_a_picture_over_the_size_limit_is_refused_with_the_limit(self):
        big = noisy_png()
        self.assertGreater(len(big), 1024 * 1024)
        response = self.share("photo", SimpleUploadedFile("stor.png", big))
        self.assertIn("upload", response.context["form"].errors)
        self.assertContains(response, "højst 1 MB")
        self.assertFalse(GalleryItem.objects.exists())

    def test_a_sound_is_recognised_by_its_first_bytes_and_its_tags_are_cut(self):
        response = self.share("sound", SimpleUploadedFile("sang.mp3", mp3_with_tags()))
        self.assertEqual(response.status_code, 200)
        item = GalleryItem.objects.get()
        self.assertEqual(item.content_type, "audio/mpeg")
        with open(self.stored_path(item.file), "rb") as f:
            stored = f.read()
        self.assertTrue(stored.startswith(b"\xff\xfb"))
        self.assertNotIn(b"Kim Holm", stored)

    def test_every_tag_of_an_mp3_is_left_behind_wherever_it_is(self):
        frame = b"\xff\xfb\x90\x64" + bytes(413)
        ape = b"APETAGEX" + bytes(24) + b"Artist\x00Kim Holm" + b"APETAGEX" + bytes(24)
        mp3 = frame * 5 + b"ID3\x04\x00\x00\x00\x00\x00\x10TPE1Kim Holm....." + frame * 5 + ape
        self.share("sound", SimpleUploadedFile("s.mp3", mp3))
        with open(self.stored_path(GalleryItem.objects.get().file), "rb") as f:
            self.assertEqual(f.read(), frame * 10)

    def test_a_wav_keeps_its_sound_and_loses_its_tags(self):
        self.share("sound", SimpleUploadedFile("s.wav", wav_with_tags()))
        item = GalleryItem.objects.get()
        self.assertEqual(item.content_type, "audio/wav")
        with open(self.stored_path(item.file), "rb") as f:
            stored = f.read()
        self.assertNotIn(b"Kim Holm", stored)
        self.assertNotIn(b"Snekkersten", stored)
        self.assertIn(bytes(range(256)) * 8, stored)
        # The standard library reads what is stored: a whole, playable WAV.
        with wave.open(io.BytesIO(stored)) as w:
            self.assertEqual((w.getframerate(), w.getnframes()), (8000, 1024))

    def test_formats_that_cannot_be_cleaned_are_refused_with_what_to_use(self):
        for name, head in [("voice.m4a", b"\x00\x00\x00\x20ftypM4A "), ("s.ogg", b"OggS\x00\x02"),
                           ("s.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86")]:
            response = self.share("sound", SimpleUploadedFile(name, head + b"Kim Holm" * 100))
            self.assertContains(response, "Gem lyden som MP3 eller WAV")
        self.assertFalse(GalleryItem.objects.exists())

    def test_a_picture_sent_as_a_sound_is_refused(self):
        response = self.share("sound", SimpleUploadedFile("sang.mp3", photo_with_gps(),
                                                          content_type="audio/mpeg"))
        self.assertIn("upload", response.context["form"].errors)
        self.assertContains(response, "ikke en lydfil")

    @override_settings(SPOR_PUBLIC_SOUND_MAX_MB=1)
    def test_a_sound_over_the_size_limit_is_refused(self):
        wav = b"RIFF" + bytes(4) + b"WAVE" + bytes(1024 * 1024 + 10)
        response = self.share("sound", SimpleUploadedFile("lang.wav", wav))
        self.assertContains(response, "højst 1 MB")
        self.assertFalse(GalleryItem.objects.exists())

    def test_a_video_is_a_link_to_a_known_video_site_only(self):
        for link in ("http://youtube.com/watch?v=1", "https://evil.example/v",
                     "javascript:alert(1)", "https://youtube.com.evil.example/v"):
            response = self.share("video", link=link)
            self.assertIn("link", response.context["form"].errors, link)
        self.share("video", link="https://www.youtube.com/watch?v=abc")
        self.assertEqual(GalleryItem.objects.get().link_host, "youtube.com")

    def test_a_tip_needs_its_text_and_every_post_needs_permission_and_a_nickname(self):
        response = self.share("tip", text="", permission="", nickname="")
        self.assertEqual(set(response.context["form"].errors), {"text", "permission",
                                                                "nickname"})

    def test_an_unknown_kind_is_not_found(self):
        self.assertEqual(self.client.get(new_url("virus")).status_code, 404)

    def test_spam_protection_guards_the_gallery_too(self):
        self.share("tip", website="x", text="Køb billige ure")
        self.share("tip", stamp=stamp(seconds_ago=0), text="Køb billige ure")
        self.assertFalse(GalleryItem.objects.exists())

    def test_the_form_is_in_english_when_the_address_says_so(self):
        response = self.client.get(new_url("photo") + "?lang=en")
        self.assertContains(response, "Share a photo")


class ApprovalTests(GalleryTestCase):
    def setUp(self):
        super().setUp()
        self.share("photo", SimpleUploadedFile("a.jpg", photo_with_gps()), title="Havet")
        self.item = GalleryItem.objects.get()

    def decide(self, action, item=None):
        return self.client.post(reverse("gallery_decide",
                                        kwargs={"gallery_item": (item or self.item).pk}),
                                {"action": action})

    def test_nothing_shows_and_no_file_is_reachable_before_approval(self):
        self.assertNotContains(self.client.get(PAGE), "Havet")
        self.assertNotContains(self.client.get(GALLERY), "Havet")
        for variant in ("file", "small"):
            self.assertEqual(self.client.get(file_url(self.item, variant)).status_code, 404)
        self.assertFalse(hasattr(settings, "MEDIA_URL") and settings.MEDIA_URL
                         and self.client.get(settings.MEDIA_URL + self.item.file.name)
                         .status_code == 200)

    def test_a_counsellor_approves_and_the_post_shows_at_once(self):
        self.client.get(PAGE)  # cached without the post
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("gallery_review")), "Havet")
        self.assertRedirects(self.decide("approve"), reverse("gallery_review"))
        self.client.logout()
        self.assertContains(self.client.get(PAGE), "Havet")
        self.assertContains(self.client.get(GALLERY), "Havet")
        response = self.client.get(file_url(self.item, "small"))
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertIn("public", response["Cache-Control"])

    def test_a_counsellor_sees_a_waiting_file_and_outsiders_do_not(self):
        url = reverse("gallery_staff_file", kwargs={"gallery_item": self.item.pk,
                                                    "variant": "file"})
        self.login(self.carl)
        self.assertEqual(self.client.get(url).status_code, 200)
        for user, status in [(self.bob, 403), (self.tina, 403), (self.ali, 403),
                             (self.adam, 403), (self.olga, 404)]:
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, status, user)
            self.assertIn(self.decide("approve").status_code, (403, 404), user)
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, "pending")

    def test_a_rejected_post_is_erased_with_its_files(self):
        path = self.stored_path(self.item.file)
        self.assertTrue(os.path.exists(path))
        self.login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            self.decide("reject")
        self.assertFalse(GalleryItem.objects.exists())
        self.assertFalse(os.path.exists(path))

    def test_staff_remove_a_shown_post_when_a_young_person_asks_them(self):
        self.item.approve(self.alice)
        self.login(self.lene)
        self.decide("remove")
        self.client.logout()
        self.assertNotContains(self.client.get(PAGE), "Havet")
        self.assertEqual(self.client.get(file_url(self.item)).status_code, 404)

    def test_staff_post_on_a_young_persons_behalf_and_it_shows_at_once(self):
        self.login(self.alice)
        response = self.client.post(reverse("gallery_staff_new") + "?kind=tip", {
            "nickname": "Luna", "title": "Træk vejret", "text": "Ind 4, hold 4, ud 6.",
            "permission": "on"})
        self.assertRegex(response.context["code"], r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
        item = GalleryItem.objects.get(title="Træk vejret")
        self.assertEqual((item.status, item.submitted_by), ("approved", self.alice))
        self.client.logout()
        self.assertContains(self.client.get(PAGE), "Træk vejret")

    def test_a_sound_plays_on_a_phone_that_asks_for_part_of_the_file(self):
        self.share("sound", SimpleUploadedFile("s.mp3", mp3_with_tags()), title="Beat")
        sound = GalleryItem.objects.get(title="Beat")
        sound.approve(self.alice)
        response = self.client.get(file_url(sound), HTTP_RANGE="bytes=0-99")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(len(response.content), 100)
        self.assertEqual(response["Content-Range"], f"bytes 0-99/{sound.file.size}")
        self.assertEqual(self.client.get(file_url(sound), HTTP_RANGE="bytes=999999-")
                         .status_code, 416)


class RemovalCodeTests(GalleryTestCase):
    url = reverse("public_gallery_remove", kwargs={"service_slug": "helsingung"})

    def setUp(self):
        super().setUp()
        response = self.share("tip", title="Mit tip", text="Gå en tur.")
        self.code = response.context["code"]
        self.item = GalleryItem.objects.get()
        self.item.approve(self.alice)

    def remove(self, code):
        return self.client.post(self.url, {"code": code, "website": "", "stamp": stamp()})

    def test_the_code_removes_the_post_at_once(self):
        self.assertContains(self.client.get(PAGE), "Mit tip")
        response = self.remove(self.code.lower().replace("-", " "))
        self.assertContains(response, "fjernet")
        self.assertFalse(GalleryItem.objects.exists())
        self.assertNotContains(self.client.get(PAGE), "Mit tip")

    def test_a_wrong_code_removes_nothing_and_says_so_by_the_field(self):
        response = self.remove("ABCD-EFGH")
        self.assertIn("code", response.context["form"].errors)
        self.assertTrue(GalleryItem.objects.exists())

    def test_a_code_works_only_for_its_own_service(self):
        from spor.public.models import Page

        Page.objects.create(service=self.other_service, slug="andet", title="Andet",
                            published=True)
        url = reverse("public_gallery_remove", kwargs={"service_slug": "andet"})
        self.client.post(url, {"code": self.code, "website": "", "stamp": stamp()})
        self.assertTrue(GalleryItem.objects.exists())

    @override_settings(SPOR_PUBLIC_POSTS_PER_HOUR=3)
    def test_guessing_codes_is_stopped_by_the_limit(self):
        for _ in range(3):
            self.remove("AAAA-AAAA")
        self.assertEqual(self.remove(self.code).status_code, 429)
        self.assertTrue(GalleryItem.objects.exists())
