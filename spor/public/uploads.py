"""Checks and cleaning of files young people upload.

The type is decided by the content, never by the file name or the browser's word for it.
Images are decoded and re-encoded by Pillow, which leaves behind everything but the
pixels: GPS position, camera, owner, thumbnails and comments. Sounds are accepted only in
the formats that can be rebuilt from their sound alone: an MP3 is kept as its audio
frames (ID3, APE and other tags, wherever they are, are left behind) and a WAV as its
"fmt " and "data" chunks (LIST/INFO, iXML, bext and the like are left behind). M4A, Ogg
and WebM can carry a name or the place of recording in structures that cannot be cut out
safely here, so they are refused with a message that says which formats to use.
"""

import dataclasses
import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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

# gettext_lazy by its own name: makemessages finds only the names it knows.
NOT_A_SOUND = gettext_lazy("This is not a sound file we can play. Use MP3 or WAV.")
CANNOT_CLEAN = gettext_lazy("M4A, Ogg and WebM files can carry hidden details, such as where "
                            "they were recorded, that we cannot remove. Save the sound as MP3 "
                            "or WAV.")


def check_sound(upload) -> tuple[bytes, str, str]:
    """Return (content without metadata, content type, extension) of a sound, or raise."""
    _check_size(upload, settings.SPOR_PUBLIC_SOUND_MAX_MB)
    upload.seek(0)
    content = upload.read()
    head = content[:16]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return clean_wav(content), "audio/wav", "wav"
    if head[:4] in (b"OggS", b"\x1a\x45\xdf\xa3") or head[4:8] == b"ftyp":
        raise ValidationError(CANNOT_CLEAN)
    return clean_mp3(content), "audio/mpeg", "mp3"


def clean_wav(content: bytes) -> bytes:
    """The WAV rebuilt from its format and sound chunks only."""
    kept, pos = {}, 12
    while pos + 8 <= len(content):
        chunk, size = content[pos:pos + 4], int.from_bytes(content[pos + 4:pos + 8], "little")
        data = content[pos + 8:pos + 8 + size]  # a recorder may leave the size too large
        if chunk in (b"fmt ", b"data") and chunk not in kept:
            kept[chunk] = data
        pos += 8 + size + (size & 1)
    if b"fmt " not in kept or not kept.get(b"data"):
        raise ValidationError(NOT_A_SOUND)
    body = b"".join(name + len(data).to_bytes(4, "little") + data + b"\x00" * (len(data) & 1)
                    for name, data in ((b"fmt ", kept[b"fmt "]), (b"data", kept[b"data"])))
    return b"RIFF" + (4 + len(body)).to_bytes(4, "little") + b"WAVE" + body


# kbit/s by (MPEG-1?, layer) and bitrate index; samples per second by version.
BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
BITRATES[(False, 3)] = BITRATES[(False, 2)]
SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mpeg_frame_length(content: bytes, pos: int) -> int:
    """The length of the MPEG audio frame that starts at pos, or 0 if none starts there."""
    if pos + 4 > len(content) or content[pos] != 0xFF or content[pos + 1] & 0xE0 != 0xE0:
        return 0
    version, layer = (content[pos + 1] >> 3) & 3, 4 - ((content[pos + 1] >> 1) & 3)
    rate_index, sample_index = content[pos + 2] >> 4, (content[pos + 2] >> 2) & 3
    if version == 1 or layer == 4 or rate_index in (0, 15) or sample_index == 3:
        return 0
    bitrate = BITRATES[(version == 3, layer)][rate_index] * 1000
    sample_rate, padding = SAMPLE_RATES[version][sample_index], (content[pos + 2] >> 1) & 1
    if layer == 1:
        return (12 * bitrate // sample_rate + padding) * 4
    per_frame = 72 if layer == 3 and version != 3 else 144
    return per_frame * bitrate // sample_rate + padding


def clean_mp3(content: bytes) -> bytes:
    """The MP3's audio frames and nothing else: every tag, wherever it sits, stays behind.

    After anything that is not a frame, the next frame counts only when another follows
    it, so that text inside a tag cannot pass for a frame.
    """
    frames, pos, in_step = [], 0, False
    while content[pos:pos + 3] == b"ID3" and pos + 10 <= len(content):  # a tag up front
        size = 0
        for byte in content[pos + 6:pos + 10]:  # "syncsafe" integer: 7 bits per byte
            size = (size << 7) | (byte & 0x7F)
        pos += 10 + size + (10 if content[pos + 5] & 0x10 else 0)
    while 0 <= pos < len(content):
        length = mpeg_frame_length(content, pos)
        fits = length and pos + length <= len(content)
        if fits and (in_step or mpeg_frame_length(content, pos + length)
                     or pos + length == len(content)):
            frames.append(content[pos:pos + length])
            pos, in_step = pos + length, True
        else:
            pos, in_step = content.find(b"\xff", pos + 1), False
    if len(frames) < 2:
        raise ValidationError(NOT_A_SOUND)
    return b"".join(frames)
