"""A realistic year (two for the parent courses, so that 1-year surveys exist) of each
programme: parent courses with follow-up surveys, the day team, outreach with its grants,
consultancy and the network group's case conferences."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from spor.clients.models import Client
from spor.lib.demo import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from spor.programmes.models import (
    CaseConference,
    ConferenceCase,
    ConsultancyActivity,
    DayTeamAttendance,
    DayTeamEnrolment,
    Exam,
    FundingSource,
    Grant,
    OutreachContact,
    ParentAttendance,
    ParentCourse,
    ParentFollowup,
    ParentParticipant,
    TeachingWeek,
    TimetableSlot,
    Volunteer,
)
from spor.programmes.models.dayteam import monday_of
from spor.treatment.models import Course

DAY = datetime.timedelta(days=1)

# The annual report's answers three months after a parent course (Helsingung 2014), in per cent.
CHILD_USE = {"unchanged": 14, "larger": 6, "smaller": 40, "stopped": 23, "dont_know": 14,
             None: 3}
NEW_OPTIONS = {"yes": 57, "no": 5, "dont_know": 35, None: 3}
COMMENTS = ["Det har hjulpet at tale med andre forældre i samme situation.",
            "Vi taler bedre sammen derhjemme nu, i bilen eller over opvasken.",
            "Aftenen med den unge gæst gjorde stort indtryk.",
            "Jeg prøver at skelne mellem person og handling, det er svært men virker.",
            "Det er stadig op og ned, men jeg føler mig mindre alene."]
VOLUNTEERS = ["Ayşe Demir", "Mehmet Yıldız", "Leyla Haddad", "Omar Khalil", "Zeynep Kaya",
              "Fatma Aydın", "Karim Saleh"]
PLACES = {
    OutreachContact.Place.CLUB: (25, ["Klub Nord", "Ungdomsklubben Vapnagaard",
                                      "Klub Syd"], (5, 20), (0, 2)),
    OutreachContact.Place.SCHOOL: (15, ["Nordvestskolen", "Helsingør Skole",
                                        "Ungdomsskolen"], (10, 40), (0, 1)),
    OutreachContact.Place.CULTURE_HOUSE: (15, ["Kulturværftet", "Kulturhuset Toldkammeret"],
                                          (4, 15), (1, 4)),
    OutreachContact.Place.FAMILY_VISIT: (20, [""], (1, 3), (1, 1)),
    OutreachContact.Place.OPEN_EVENT: (10, ["Åbent hus i Helsingung", "Eid-fest i Vapnagaard"],
                                       (10, 50), (3, 12)),
    OutreachContact.Place.STREET: (15, ["Stengade", "Banegården", "Vapnagaard"], (3, 12),
                                   (0, 1)),
}
PARTNERS = ["Familierådgivningen", "Lokalcenteret", "SSPK", "Ungdomsskolen", "UU Øresund",
            "Nordvestskolen", "Klub Nord", "Jobcentret"]
TOPICS = {
    ConsultancyActivity.Kind.SUPERVISION: ["Motivation og rusmidler i samtalen",
                                           "Supervision af klubmedarbejdere"],
    ConsultancyActivity.Kind.COURSE: ["Samtaler om rusmidler med unge",
                                      "Hash i dag: viden og tegn"],
    ConsultancyActivity.Kind.STAFF_DAY: ["Inddragelse af kærester i arbejdet med den unge",
                                         "Temadag om Best Practice"],
    ConsultancyActivity.Kind.CASE_SPARRING: ["Sparring i en konkret sag",
                                             "Hvordan kommer vi i kontakt med en ung?"],
}
CASES = [
    ("Dreng, 15 år, ryger hash dagligt og er holdt op med at komme i skole. Forældrene er "
     "uenige om, hvad de skal gøre.",
     "Tilbud om fælles familiesamtale i Helsingung; skolen inviteres til netværksmøde."),
    ("Pige, 17 år, fester hver weekend med festrusmidler. Har selv bedt om hjælp hos "
     "sagsbehandleren.",
     "Anonym rådgivning først; sagsbehandleren følger op om en måned."),
    ("Dreng, 16 år, i konflikt med politiet. Forbruget er ukendt, familien er presset.",
     "SSPK tager kontakt til familien; Helsingung deltager i næste møde."),
    ("Pige, 14 år, bekymring fra skolen om hash i vennegruppen.",
     "Skolen bruger vores samtaleguide; forældrene tilbydes forældreaftener."),
    ("Ung mand, 19 år, hashforbrug og angst, har droppet ud af uddannelse.",
     "Henvises til individuelt forløb; UU inddrages om uddannelse."),
]


def populate(ctx):
    _parent_courses(ctx)
    _day_team(ctx)
    _outreach(ctx)
    _consultancy(ctx)


def _noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _parent_courses(ctx):
    rng, today = ctx.rng, ctx.today
    team = ctx.teams["parents"]
    staff = [u for u in ctx.staff.values() if team in u.teams.all()]
    young = list(Client.objects.filter(service=ctx.service, anonymous=False)
                 .exclude(team=ctx.teams["day_team"]))
    seasons = ["Vinter", "Vinter", "Forår", "Forår", "Forår", "Sommer", "Sommer", "Sommer",
               "Efterår", "Efterår", "Efterår", "Vinter"]
    for days_ago in (720, 610, 500, 390, 280, 150, 105, 40, -24):
        start = today - datetime.timedelta(days=days_ago)
        start -= datetime.timedelta(days=(start.weekday() - 1) % 7)  # Tuesday evenings
        season = seasons[start.month - 1]
        course = ParentCourse.objects.create(
            service=ctx.service, team=team, start_date=start,
            name=f"{season} {start.year}", note="Lokale 2. Besøg af en ung på tredje aften.")
        course.staff.set(rng.sample(staff, min(2, len(staff))))
        course.plan_evenings()
        evenings = list(course.evenings.all())
        attendance = []
        for _ in range(rng.randint(4, 8)):
            participant = _participant(ctx, course, young)
            for evening in evenings:
                if evening.date <= today and rng.random() < 0.85:
                    attendance.append(ParentAttendance(evening=evening, participant=participant))
        ParentAttendance.objects.bulk_create(attendance)
    _answers(ctx)


def _participant(ctx, course, young):
    rng = ctx.rng
    relation = ctx.pick({"mother": 45, "father": 35, "sibling": 8, "other": 12})
    first = rng.choice(FIRST_NAMES_M if relation == "father" or (
        relation != "mother" and rng.random() < 0.4) else FIRST_NAMES_F)
    child = rng.choice(young) if young and rng.random() < 0.2 else None
    participant = ParentParticipant(
        course=course, name=f"{first} {child.last_name if child else rng.choice(LAST_NAMES)}",
        relation=relation, young_person=child,
        phone=f"{rng.choice([2, 3, 4, 5, 6])}{rng.randint(0, 9999999):07d}",
        young_person_age=rng.randint(14, 21),
        young_person_gender=ctx.pick({"male": 60, "female": 38, "other": 2}))
    participant.save()
    return participant


def _answers(ctx):
    rng, today = ctx.rng, ctx.today
    # In an order of their own, not the keys' (random): each survey draws from the seeded
    # generator, so the order decides the demo's answers.
    surveys = ParentFollowup.objects.filter(
        participant__course__service=ctx.service, due_date__lt=today).order_by(
        "due_date", "participant__course__start_date", "participant__name", "when")
    for survey in surveys:
        answered_on = min(survey.due_date + datetime.timedelta(days=rng.randint(0, 12)),
                          today)
        # Surveys that fell due lately are still being answered: the due list has work.
        likely = 0.85 if (today - survey.due_date).days > 30 else 0.35
        if rng.random() < likely and answered_on < today:
            answers = {"child_use": ctx.pick(CHILD_USE), "uses_new_options": ctx.pick(NEW_OPTIONS),
                       "comment": rng.choice(COMMENTS) if rng.random() < 0.3 else None}
            source = ctx.pick({ParentFollowup.Source.PARENT_LINK: 60,
                               ParentFollowup.Source.STAFF: 40})
            survey.record(answers, source, at=_noon(answered_on))
            survey.save()
        elif (today - survey.due_date).days > 60:
            survey.closed_at = _noon(survey.due_date + datetime.timedelta(days=45))
            survey.save()


def _school_day(day):
    """Weekdays outside the summer and Christmas holidays."""
    return day.weekday() < 5 and day.month != 7 and not (
        (day.month == 12 and day.day > 21) or (day.month == 1 and day.day < 3))


def _day_team(ctx):
    rng, today = ctx.rng, ctx.today
    service = ctx.service
    TimetableSlot.ensure_default(service)
    courses = (Course.objects.filter(client__team=ctx.teams["day_team"], kind=Course.Kind.DAY_TEAM,
                                     client__service=service)
               .select_related("client__service").order_by("start_date"))
    year_ago = today - datetime.timedelta(days=365)
    attendance, enrolments = [], []
    for course in courses:
        enrolment = DayTeamEnrolment(client=course.client, start_date=course.start_date,
                                     end_date=course.end_date)
        try:
            enrolment.full_clean()
        except ValidationError:
            continue  # the day team was full then: the demo keeps to the capacity
        enrolment.save()
        enrolments.append(enrolment)
        day = max(enrolment.start_date, year_ago)
        while day <= min(enrolment.end_date or today, today):
            if _school_day(day):
                attendance.append(DayTeamAttendance(
                    enrolment=enrolment, date=day,
                    status=ctx.pick({"present": 85, "notified": 10, "absent": 5})))
            day += DAY
    DayTeamAttendance.objects.bulk_create(attendance)
    monday = monday_of(year_ago)
    weeks = []
    while monday <= today:
        if _school_day(monday + 2 * DAY):
            weeks.append(TeachingWeek(service=service, monday=monday,
                                      hours=Decimal(rng.choice([8, 9, 9.5, 10, 10, 10]))))
        monday += 7 * DAY
    TeachingWeek.objects.bulk_create(weeks)
    _exams(ctx, enrolments)


def _exams(ctx, enrolments):
    """Folkeskolens afgangsprøve in June for those who had a place then; the subjects read
    for next June for those who have a place now."""
    rng, today = ctx.rng, ctx.today
    june = datetime.date(today.year if today.month > 6 else today.year - 1, 6, 2)
    subjects = [("danish", "written"), ("danish", "oral"), ("english", "oral"),
                ("maths", "written")]
    grades = [12, 10, 7, 7, 4, 4, 2, 2, 0]
    exams = []
    for enrolment in enrolments:
        if enrolment.client.age_on(enrolment.start_date) > 17:
            continue
        if enrolment.is_active_on(june):
            exams += [Exam(enrolment=enrolment, subject=s, form=f,
                           exam_date=june + datetime.timedelta(days=rng.randint(0, 14)),
                           grade=rng.choice(grades)) for s, f in subjects]
        elif enrolment.is_active_on(today):
            exams += [Exam(enrolment=enrolment, subject=s, form=f) for s, f in subjects]
    Exam.objects.bulk_create(exams)


def _outreach(ctx):
    rng, today = ctx.rng, ctx.today
    service = ctx.service
    volunteers = [Volunteer.objects.create(service=service, name=name) for name in VOLUNTEERS]
    begun = datetime.date(today.year - 1, 1, 1)
    pool = FundingSource.objects.create(
        service=service, name="Satspuljen: opsøgende arbejde blandt unge med anden etnisk "
                              "baggrund", kind=FundingSource.Kind.MINISTRY_POOL,
        giver="Sundheds- og Ældreministeriet", reference="SUM 2024-1187")
    foundation = FundingSource.objects.create(
        service=service, name="TrygFonden: frivilligkorps", kind=FundingSource.Kind.FOUNDATION,
        giver="TrygFonden", reference="ID 155-22")
    for year in range(3):
        Grant.objects.create(source=pool, starts=begun.replace(year=begun.year + year),
                             ends=datetime.date(begun.year + year, 12, 31),
                             amount=Decimal("450000"))
    Grant.objects.create(source=foundation, starts=begun, ends=datetime.date(
        begun.year + 1, 12, 31), amount=Decimal("600000"), note="Udbetales i to rater")
    outreach_staff = [u for u in ctx.staff.values()
                      if ctx.teams["outreach"] in u.teams.all()]
    sources = [pool, foundation]
    day = today - datetime.timedelta(days=365)
    while day <= today:
        if day.weekday() < 5 and rng.random() < 0.5 or day.weekday() == 5 and rng.random() < 0.2:
            _contact(ctx, day, outreach_staff, volunteers, sources)
        day += DAY


def _contact(ctx, day, staff, volunteers, sources):
    rng = ctx.rng
    kind = ctx.pick({k: v[0] for k, v in PLACES.items()})
    _weight, places, young_range, family_range = PLACES[kind]
    young = rng.randint(*young_range)
    families = rng.randint(*family_range)
    reached = young + families
    to_service = min(reached, ctx.pick({0: 70, 1: 22, 2: 8}))
    contact = OutreachContact.objects.create(
        service=ctx.service, date=day, place_kind=kind, place=rng.choice(places),
        young_people=young, families=families, referrals_service=to_service,
        referrals_other=min(reached - to_service, ctx.pick({0: 80, 1: 20})),
        other_volunteers=ctx.pick({0: 80, 1: 15, 2: 5}),
        hours=Decimal(rng.choice([1.5, 2, 2, 3, 3, 4])),
        note=rng.choice(["", "", "God snak med en gruppe drenge om hash og penge.",
                         "Forældre spurgte til forældreaftenerne.",
                         "Uddelte foldere på tyrkisk og arabisk."]))
    contact.staff.set(rng.sample(staff, rng.randint(1, len(staff))) if staff else [])
    contact.volunteers.set(rng.sample(volunteers, rng.randint(1, 3)))
    contact.funding.set([s for s in sources if any(
        g.starts <= day <= g.ends for g in s.grants.all())])


def _consultancy(ctx):
    rng, today = ctx.rng, ctx.today
    service = ctx.service
    clinicians = [u for u in ctx.staff.values() if u.role == "clinician"]
    for _ in range(42):
        day = ctx.day_between(today - datetime.timedelta(days=365), today)
        kind = ctx.pick({"supervision": 30, "course": 20, "staff_day": 10, "case_sparring": 40})
        activity = ConsultancyActivity.objects.create(
            service=service, date=day, kind=kind, partner=rng.choice(PARTNERS),
            hours=Decimal(6 if kind == "staff_day" else rng.choice([1, 1.5, 2, 2, 3])),
            attendees=rng.randint(3, 80 if kind == "staff_day" else 15),
            topic=rng.choice(TOPICS[kind]))
        activity.staff.set(rng.sample(clinicians, rng.randint(1, 2)))
    month = datetime.date(today.year - 1, today.month, 1)
    while month <= today:
        day = month + datetime.timedelta(days=(1 - month.weekday()) % 7 + 7)  # 2nd Tuesday
        if month.month != 7 and day <= today:
            conference = CaseConference.objects.create(
                service=service, date=day,
                units_present="Lokalcentret, Myndighed, SSPK, Helsingung")
            ConferenceCase.objects.bulk_create(
                [ConferenceCase(conference=conference, summary=s, advice=a)
                 for s, a in rng.sample(CASES, rng.randint(2, 4))])
        month = (month + datetime.timedelta(days=32)).replace(day=1)
