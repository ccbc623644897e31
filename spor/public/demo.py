"""The demo service's page for young people: a written page with a picture, a few new
requests for a talk (one of them past the treatment guarantee), one request that became a
contact, and a gallery with approved and waiting posts."""

import datetime
import io
import math
import struct
import wave

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from spor.public import uploads
from spor.public.models import GalleryItem, Page, TalkRequest

BODY = """## Hvem er vi?
Vi er rådgivere, der er vant til at snakke med unge om hash, alkohol og fester – og om \
livet i det hele taget. Vi dømmer ikke, og vi bestemmer ikke over dig.

## Hvad kan vi snakke om?
- Dit forbrug af hash, alkohol eller andre rusmidler
- Sure forældre eller en kæreste, der brokker sig
- Skolen, uddannelse og arbejde
- Søvn, stress og social angst

Det er dig, der bestemmer, hvad vi skal snakke om, og hvad dit mål er.

## Anonym rådgivning
Er du under 25, kan du få op til **5 anonyme samtaler**. Du behøver ikke sige dit navn. \
Er du under 18, snakker vi med dig om, hvornår dine forældre skal vide besked."""

BODY_EN = """## Who are we?
We are counsellors who are used to talking with young people about cannabis, alcohol and \
parties – and about life in general. We do not judge you, and we do not decide for you.

## What can we talk about?
- Your use of cannabis, alcohol or other substances
- Angry parents, or a partner who complains
- School, education and work
- Sleep, stress and social anxiety

You decide what we talk about, and what your goal is.

## Anonymous counselling
If you are under 25, you can have up to **5 anonymous talks**. You do not have to give \
your name. If you are under 18, we talk with you about when your parents should know."""

REQUESTS = [
    # days ago, nickname, age, reach, phone, email, discreet, parents, message
    (1, "Kiwi", 16, "phone", "22334455", "", True, "talk_first",
     "Jeg ryger en del hash, og mine forældre er sure hele tiden. Vil gerne snakke med "
     "nogen, der ikke er mine forældre."),
    (3, "Sol", 19, "email", "", "sol.demo@example.com", False, "no",
     "Kan I hjælpe mig med at drikke mindre til fester?"),
    (9, "M", 15, "i_call", "", "", False, "yes", ""),
    (16, "Bølgen", 22, "phone", "31425364", "", False, "no",
     "Har svært ved at sove uden at ryge først."),
]

TIPS = [
    ("Luna", "Når angsten banker på",
     "Træk vejret ind i 4 sekunder, hold det i 4, og pust ud i 6. Gør det fem gange.\n"
     "Og sig det til én, du stoler på – det hjalp mig mest."),
    ("Rocky", "Sådan ryger jeg mindre",
     "Jeg ryger aldrig før skole.\nJeg har altid tyggegummi med.\n"
     "Når trangen kommer, går jeg en tur med hunden. Den går over efter ti minutter.\n"
     "Jeg skrev op, hvad jeg brugte af penge. Det var vildt."),
]


def populate(ctx):
    now = timezone.now()
    leader = ctx.staff.get("leder")
    counsellor = ctx.staff.get("behandler")
    page = Page(
        service=ctx.service, slug="helsingung", published=True, title="Helsingung",
        intro="Et sted for unge mellem 12 og 25, der vil snakke om hash, alkohol og fester "
              "– eller om alt det andet, der fylder. Det er gratis, og du kan være anonym.",
        body=BODY,
        opening_hours="Mandag–torsdag 9–16\nFredag 9–13\n"
                      "Åben anonym rådgivning: tirsdag 15–18 (kom bare)",
        phone="70102030", email="ung@helsingung.example", address="Strandgade 1, Helsingør",
        title_en="Helsingung",
        intro_en="A place for young people aged 12 to 25 who want to talk about cannabis, "
                 "alcohol and parties – or anything else on their mind. It is free, and you "
                 "can stay anonymous.",
        body_en=BODY_EN,
        opening_hours_en="Monday–Thursday 9–16\nFriday 9–13\n"
                         "Open anonymous counselling: Tuesday 15–18 (just drop in)",
        picture_alt="Havet ved solnedgang", picture_alt_en="The sea at sunset",
        updated_by=leader)
    page.set_picture(uploads.process_image(_upload(_sunset(1200, 700), "png")))
    page.save()

    for days, nickname, age, reach, phone, email, discreet, parents, message in REQUESTS:
        TalkRequest.objects.create(
            service=ctx.service, created_at=now - datetime.timedelta(days=days, hours=3),
            nickname=nickname, age=age, reach=reach, phone=phone, email=email,
            discreet=discreet, parents=parents, message=message)
    taken = TalkRequest.objects.create(
        service=ctx.service, created_at=now - datetime.timedelta(days=5), nickname="Nova",
        age=17, reach="phone", phone="40506070", parents="talk_first",
        message="Jeg vil gerne holde en pause fra at feste.")
    if counsellor:
        taken.convert(counsellor)

    _post(ctx, now, 20, GalleryItem.Kind.PHOTO, "Ræv", "Solnedgang ved stranden",
          "Taget på vej hjem fra skole.", image=_sunset(900, 1200, warm=False))
    for n, (nickname, title, text) in enumerate(TIPS):
        _post(ctx, now, 12 - n * 4, GalleryItem.Kind.TIP, nickname, title, text)
    _post(ctx, now, 6, GalleryItem.Kind.SOUND, "Taco", "Mit første beat",
          "Lavet på min telefon i dagteamet.", sound=_tune())
    _post(ctx, now, 1, GalleryItem.Kind.PHOTO, "Fnug", "Min cykel", "Jeg har selv malet "
          "den.", image=_sunset(800, 800, warm=False), approve=False)


def _post(ctx, now, days, kind, nickname, title, text, image=None, sound=None, approve=True):
    item = GalleryItem(service=ctx.service, kind=kind, nickname=nickname, title=title,
                       text=text, created_at=now - datetime.timedelta(days=days))
    if image:
        processed = uploads.process_image(_upload(image, "png"))
        item.store(processed.large, "image/jpeg", "jpg", thumb=processed.small)
        item.width, item.height = processed.width, processed.height
    if sound:
        item.store(*uploads.check_sound(_upload(sound, "wav")))
    item.give_removal_code()
    item.save()
    if approve:
        item.approve(ctx.staff.get("behandler"))


def _upload(content: bytes, ext: str):
    return SimpleUploadedFile(f"demo.{ext}", content)


def _sunset(width, height, warm=True) -> bytes:
    """A small drawn picture: sky, sun and sea."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = ((250, 170, 90), (190, 70, 60)) if warm else ((120, 180, 220), (240, 190, 140))
    horizon = int(height * 0.62)
    for y in range(horizon):
        t = y / horizon
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t)
                                                   for a, b in zip(top, bottom, strict=True)))
    r = min(width, height) // 7
    draw.ellipse([width // 2 - r, horizon - r, width // 2 + r, horizon + r],
                 fill=(255, 225, 150))
    draw.rectangle([0, horizon, width, height], fill=(35, 90, 110))
    for y in range(horizon + 12, height, 22):
        draw.line([(width // 4, y), (width * 3 // 4, y)], fill=(230, 150, 100), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _tune() -> bytes:
    """Three seconds of a small melody, as WAV."""
    rate, notes = 8000, [262, 330, 392, 523, 392, 330]
    frames = bytearray()
    for i in range(rate * 3):
        freq = notes[i * len(notes) // (rate * 3)]
        envelope = 1 - (i % (rate // 2)) / (rate // 2)
        frames += struct.pack("<h", int(9000 * envelope * math.sin(2 * math.pi * freq * i / rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return out.getvalue()
