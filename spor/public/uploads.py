"""Checks and cleaning of files young people upload.

The type is decided by the content, never by the file name or the browser's word for it.
Images are decoded and re-encoded by Pillow, which leaves behind everything but the
pixels: GPS position, camera, owner, thumbnails and comments. Sounds are recognised by
their first bytes; MP3 tags (which can hold a name) are cut off.
"""

import dataclasses
import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
LARGE, SMALL = 1600, 640  # long edges: sharp on a phone, light on a weak connection
MAX_PIXELS = 50_000_000


@dataclasses.dataclass
class Processed:
    large: bytes
    small: bytes
    width: int
    height: int


class SizeLimit(FileUploadHandler):
    """Drop a file that grows past the limit while it is received, and note it on the
    request, instead of storing it first and refusing it afterwards."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit, self.received = limit, 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler stores the file


def _check_size(upload, megabytes: int) -> None:
    if upload.size > megabytes * 1024 * 1024:
        raise ValidationError(_("The file is too large: at most %(mb)s MB.") % {"mb": megabytes})


def process_image(upload) -> Processed:
    """Return the picture re-encoded as JPEG in two sizes, or raise ValidationError."""
    _check_size(upload, settings.SPOR_PUBLIC_IMAGE_MAX_MB)
    upload.seek(0)
    not_a_picture = ValidationError(_("This is not a picture we can show. Use a JPEG, PNG, "
                                      "WebP or GIF photo."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in IMAGE_FORMATS:
                raise not_a_picture
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The picture has too many pixels."))
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, OSError, SyntaxError, ValueError):
        raise not_a_picture from None
    try:
        image = _upright_rgb(image)
    except (OSError, ValueError):
        raise not_a_picture from None
    large = _jpeg(image, LARGE)
    return Processed(large=large[0], small=_jpeg(image, SMALL)[0],
                     width=large[1], height=large[2])


def _upright_rgb(image):
    # Turn the pixels upright before the orientation tag goes with the rest of the data.
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image, edge):
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, icc_profile= or comment=: Pillow writes only the pixels.
    copy.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue(), copy.width, copy.height


# Sound --------------------------------------------------------------------------------

SOUND_TYPES = [
    # (test on the first bytes, content type, extension)
    (lambda b: b[:4] == b"OggS", "audio/ogg", "ogg"),
    (lambda b: b[:4] == b"RIFF" and b[8:12] == b"WAVE", "audio/wav", "wav"),
    (lambda b: b[4:8] == b"ftyp", "audio/mp4", "m4a"),
    (lambda b: b[:4] == b"\x1a\x45\xdf\xa3", "audio/webm", "webm"),
    (lambda b: b[:3] == b"ID3" or (len(b) > 1 and b[0] == 0xFF and b[1] & 0xE0 == 0xE0),
     "audio/mpeg", "mp3"),
]


def check_sound(upload) -> tuple[bytes, str, str]:
    """Return (content, content type, extension) of a sound file, or raise."""
    _check_size(upload, settings.SPOR_PUBLIC_SOUND_MAX_MB)
    upload.seek(0)
    content = upload.read()
    for test, content_type, ext in SOUND_TYPES:
        if test(content[:16]):
            if ext == "mp3":
                content = strip_id3(content)
            return content, content_type, ext
    raise ValidationError(_("This is not a sound file we can play. Use MP3, M4A, OGG, WebM "
                            "or WAV."))


def strip_id3(content: bytes) -> bytes:
    """Cut the ID3v2 block at the start and the ID3v1 block at the end of an MP3."""
    while content[:3] == b"ID3" and len(content) >= 10:
        size = 0
        for byte in content[6:10]:  # "syncsafe" integer: 7 bits per byte
            size = (size << 7) | (byte & 0x7F)
        footer = 10 if content[5] & 0x10 else 0
        content = content[10 + size + footer:]
    if len(content) >= 128 and content[-128:-125] == b"TAG":
        content = content[:-128]
    return content
