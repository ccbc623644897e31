"""FIT in the demo: a licence, ratings at most sessions (mostly rising curves, some off
track, some weak sessions), a few parents rating, plan changes, and an expected course
learned from the closed courses."""

import datetime
import math

from django.utils import timezone

from spor.measures import expected, instruments
from spor.measures.models import Licence, PlanChange, Rating
from spor.treatment.models import Course, Session

PLAN_NOTES = ["Forældrene er med igen", "Samtaler uden forældre", "Fokus på søvn og skole",
              "Aftalt kortere samtaler hver uge", "Ny plan for weekenderne"]
SOURCES = {Rating.Source.HANDOVER: 70, Rating.Source.LINK: 20, Rating.Source.PAPER: 10}
# How the course goes: gain over the course and the share of courses.
KINDS = {"responder": 68, "slow": 17, "flat": 10, "worse": 3, "zigzag": 2}


def populate(ctx):
    service = ctx.service
    Licence.objects.create(service=service, holder=service.name, reference="ICCE-DK-2014-118",
                           granted_on=ctx.today - datetime.timedelta(days=800),
                           recorded_by=ctx.staff.get("admin"))
    courses = list(Course.objects.filter(client__service=service).select_related("client")
                   .order_by("start_date", "pk"))
    sessions = {}
    for session in (Session.objects.filter(course__in=courses, attendance="attended")
                    .order_by("date", "created_at")):
        sessions.setdefault(session.course_id, []).append(session)
    # The demo clinician's caseload shows an off-track course first, and the team's
    # caseload a weak session and a course going the wrong way.
    behandler = ctx.staff["behandler"]
    visible = set(Course.objects.visible_to(behandler).values_list("pk", flat=True))
    active = [c for c in courses if c.pk in visible and c.end_date is None
              and len(sessions.get(c.pk, [])) >= 5]
    mine = [c for c in active if c.clinician_id == behandler.pk]
    others = [c for c in active if c.clinician_id != behandler.pk]
    shown = {c.pk: kind for c, kind in [*zip(mine, ["stuck", "responder"], strict=False),
                                        *zip(others, ["alliance", "worse"], strict=False)]}
    ratings, plans = [], []
    for course in courses:
        course_sessions = sessions.get(course.pk, [])
        if not course_sessions:
            continue
        kind = shown.get(course.pk) or ctx.pick(KINDS)
        _course(ctx, course, course_sessions, kind, ratings, plans)
    Rating.objects.bulk_create(ratings, batch_size=2000)
    PlanChange.objects.bulk_create(plans)
    expected.refit(service)


def _course(ctx, course, sessions, kind, ratings, plans):
    rng = ctx.rng
    client = course.client
    age = client.age_on(course.start_date or sessions[0].date)
    outcome = instruments.outcome_for(age)
    intake = min(max(rng.gauss(19, 5.5), 4), 34) if kind != "stuck" else 15.5
    gain = {"responder": rng.uniform(7, 14), "slow": rng.uniform(3, 6), "flat": 0, "stuck": 0,
            "alliance": rng.uniform(4, 8), "worse": -rng.uniform(5, 8), "zigzag": 2}[kind]
    gain = min(gain, 36 - intake)
    parents = course.kind == Course.Kind.FAMILY or (age < 18 and rng.random() < 0.25)
    weak_at = rng.randrange(2, len(sessions)) if len(sessions) > 3 and rng.random() < 0.3 \
        else None
    if kind == "alliance":
        weak_at = len(sessions) - 1
    for n, session in enumerate(sessions):
        made = timezone.make_aware(datetime.datetime.combine(session.date, datetime.time(14)))
        source = ctx.pick(SOURCES)
        if n == 0 or rng.random() < 0.88:
            shape = 1 - math.exp(-n / 2)
            total = intake + gain * shape + rng.gauss(0, 1.3)
            if kind == "zigzag":
                total = intake + (7 if n % 2 else 0) + rng.gauss(0, 0.8)
            if kind in ("flat", "stuck"):
                total = intake + rng.gauss(0, 1)
            ratings.append(_rating(ctx, session, outcome, "client", total, source, made, 0.6))
            if parents and rng.random() < 0.5:
                ratings.append(_rating(ctx, session, instruments.get("ORS"), "parent",
                                       total - 2 + rng.gauss(0, 2), Rating.Source.LINK, made,
                                       0.6))
        if rng.random() < 0.85 or n == weak_at:
            alliance = instruments.alliance_for(age, group=session.kind == "group")
            srs = min(40, rng.gauss(38.4, 0.45))
            if n == weak_at:
                srs = rng.uniform(29, 34.5)
            ratings.append(_rating(ctx, session, alliance, "client", srs, source,
                                   made + datetime.timedelta(minutes=50), 0.15))
            if n == weak_at and n + 1 < len(sessions) and kind != "alliance":
                plans.append(PlanChange(session=sessions[n + 1],
                                        note=rng.choice(PLAN_NOTES)))


def _rating(ctx, session, definition, rater, total, source, made, spread):
    """A rating whose four lines add up to about `total`, spread as real marks are."""
    total = min(max(total, 0.4), 39.6)
    values = []
    for _ in range(4):
        values.append(min(max(round(total / 4 + ctx.rng.gauss(0, spread), 1), 0), 10))
    answers = definition.clean({s.code: v for s, v in zip(definition.scales, values,
                                                          strict=True)})
    rating = Rating(session=session, course_id=session.course_id, date=session.date,
                    instrument=definition.code, rater=rater, answers=answers, source=source,
                    created_at=made)
    rating.total = rating._total()
    return rating
