"""Use diaries for a few young people in treatment: the clinician's timeline follow-back of
the month before the start, then an app's daily entries since it was paired, with use
falling off as treatment goes on. A few days are left unanswered, as in real diaries."""

import datetime
import decimal
import random

from django.utils import timezone

from spor.tracking.models import Answer, DiaryEntry, PairingCode, Source
from spor.tracking.models import Device as DeviceModel
from spor.treatment.models import Course, Substance

D = decimal.Decimal
APPS = ["Hashtrack, Android", "Hashtrack, iPhone", "Alkoholdagbog, iPhone"]
PAIRED = 5  # young people with a paired app


def populate(ctx):
    # A random source of its own, so that the modules after this one see the same data
    # whether or not this one is installed.
    rng = random.Random(6)  # noqa: S311 (demo data, not security)
    courses = list(
        Course.objects.filter(client__service=ctx.service, end_date__isnull=True,
                              start_date__gte=ctx.today - datetime.timedelta(days=150),
                              start_date__lte=ctx.today - datetime.timedelta(days=30),
                              main_substance__in=[Substance.CANNABIS, Substance.ALCOHOL,
                                                  Substance.CANNABIS_PLUS])
        .select_related("client", "clinician").order_by("start_date", "pk"))
    # The demo clinician ("behandler") first, so that the tour finds them.
    courses.sort(key=lambda c: (c.clinician.username != "behandler", c.start_date))
    entries = []
    for n, course in enumerate(courses[:PAIRED]):
        substance = (Substance.ALCOHOL if course.main_substance == Substance.ALCOHOL
                     else Substance.CANNABIS)
        name = APPS[2] if substance == Substance.ALCOHOL else APPS[n % 2]
        paired = course.start_date + datetime.timedelta(days=rng.randint(3, 14))
        device = _pair(course, name, paired)
        intake = [course.start_date - datetime.timedelta(days=d) for d in range(30, 0, -1)]
        entries += _days(rng, course, substance, intake, 0.75, Source.CLINICIAN, None)
        since = [paired + datetime.timedelta(days=d)
                 for d in range((ctx.today - paired).days)]
        entries += _days(rng, course, substance, since, 0.6, Source.APP, device,
                         falling=True)
    DiaryEntry.objects.bulk_create(entries)


def _pair(course, name, day):
    row, _code = PairingCode.make(course.client, course.clinician)
    device, _token = DeviceModel.pair(row, name)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 30)))
    DeviceModel.objects.filter(pk=device.pk).update(
        paired_at=at, last_used_at=timezone.now() - datetime.timedelta(hours=20))
    return device


def _days(rng, course, substance, days, chance, source, device, falling=False):
    alcohol = substance == Substance.ALCOHOL
    rows = []
    for i, day in enumerate(days):
        if rng.random() < (0.04 if source == Source.CLINICIAN else 0.12):
            continue  # not asked, or the app was not opened that day
        p = chance * (1 - 0.7 * i / len(days)) if falling else chance
        row = DiaryEntry(client=course.client, date=day, substance=substance, source=source,
                         device=device, recorded_by=course.clinician if device is None else None)
        if rng.random() < 0.03:
            row.answer = Answer.NOT_KNOWN
        elif rng.random() < p:
            row.answer = Answer.USED
            if alcohol:
                row.amount, row.unit = D(rng.choice([2, 3, 4, 5, 6, 8, 10])), "standard_drink"
            elif rng.random() < 0.3:
                row.amount, row.unit = D(rng.choice([1, 2, 3])), "joint"
            else:
                row.amount, row.unit = D(rng.randint(4, 40)) * D("0.05"), "gram"
        else:
            row.answer = Answer.NOT_USED
        rows.append(row)
    return rows
