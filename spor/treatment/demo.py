"""About 150 young people over two years: anonymous and enrolled, sessions of every kind."""

import datetime

from spor.clients.models import Client, Consent, Relative
from spor.lib.demo import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES, PSEUDONYMS
from spor.treatment.models import Course, FollowUp, Goal, Session, Substance

SUBSTANCES = {Substance.CANNABIS: 73, Substance.PARTY_DRUGS: 15, Substance.CANNABIS_PLUS: 5,
              Substance.ALCOHOL: 3, Substance.UNKNOWN: 2, Substance.BENZODIAZEPINES: 1,
              Substance.METHADONE: 1}
OUTCOMES = {"stopped": 40, "reduced": 20, "unchanged": 22, "increased": 3, "unknown": 15}
REFERRALS = {"self": 30, "parent": 25, "caseworker": 20, "school": 10, "police_ssp": 7,
             "health": 5, "other": 3}
GOALS = [
    "Have det bedre med mine forældre",
    "Ryge mindre hash i hverdagen, ikke før skole",
    "Komme i skole hver dag",
    "Kunne sove om natten uden at ryge først",
    "Få styr på min sociale angst",
    "Starte på en uddannelse efter sommer",
    "At min kæreste holder op med at brokke sig",
    "Holde fri fra hash i weekenderne",
    "Få nye venner der ikke ryger",
    "Have penge til hele måneden",
    "Tage folkeskolens afgangsprøve",
    "Finde ud af om jeg vil stoppe eller bare skære ned",
]
NOTES = ["Talte om fordele og ulemper ved hash.", "Mor deltog den sidste halve time.",
         "Lagde en plan for weekenden.", "God energi, vil gerne fortsætte.",
         "Talte om søvn og trang om aftenen.", "Kort samtale, den unge var træt.",
         "Talte om skolen og en mulig praktikplads.", ""]


def populate(ctx, clients=150):
    rng, today = ctx.rng, ctx.today
    clinicians = [u for u in ctx.staff.values() if u.role == "clinician"]
    counselling = ctx.teams["counselling"]
    sessions, staff_links = [], []
    for i in range(clients):
        start = ctx.day_between(today - datetime.timedelta(days=730), today)
        anonymous = rng.random() < 0.55
        age = rng.choice([14, 15, 15, 16, 16, 17, 17, 18, 19, 20, 21, 22, 23, 24])
        gender = ctx.pick({"male": 60, "female": 37, "other": 3})
        clinician = rng.choice(clinicians)
        day_team = not anonymous and age <= 17 and rng.random() < 0.12
        team = ctx.teams["day_team"] if day_team else counselling
        client = _client(ctx, i, anonymous, age, gender, start, team)
        kind = (Course.Kind.ANONYMOUS if anonymous else Course.Kind.DAY_TEAM if day_team
                else ctx.pick({Course.Kind.INDIVIDUAL: 85, Course.Kind.FAMILY: 15}))
        request = start - datetime.timedelta(days=rng.randint(0, 20))
        course = Course(client=client, team=team, clinician=clinician, kind=kind,
                        request_date=request, start_date=start,
                        referral="self" if anonymous else ctx.pick(REFERRALS),
                        main_substance=ctx.pick(SUBSTANCES),
                        occupation_at_start=ctx.pick({"school": 60, "work": 10, "none": 30}))
        if course.main_substance == Substance.CANNABIS and rng.random() < 0.3:
            course.secondary_substances = [Substance.ALCOHOL]
        length = rng.randint(14, 120) if anonymous else rng.randint(60, 420)
        end = start + datetime.timedelta(days=length)
        if end < today - datetime.timedelta(days=20):
            course.end_date = end
            course.end_reason = ctx.pick({"completed": 60, "client_ended": 15,
                                          "no_contact": 15, "referred": 5, "moved": 5})
            course.outcome = ctx.pick(OUTCOMES)
            course.occupation_at_end = ctx.pick({"school": 65, "work": 15, "none": 20})
        n_sessions = rng.randint(1, 5) if anonymous else max(2, length // 9)
        if anonymous and n_sessions == 5 and course.end_date:
            course.decision = ctx.pick({"continue": 1, "end": 2})
            course.decision_parents = "informed" if client.may_be_under(18, start) else ""
            course.decided_by = clinician
        course.save()
        last = course.end_date or today
        dates = sorted(ctx.day_between(start, last) for _ in range(n_sessions))
        for n, day in enumerate(dates):
            session_kind = _session_kind(ctx, course, n)
            attendance = ("attended" if n == 0 or anonymous else
                          ctx.pick({"attended": 86, "cancelled": 8, "no_show": 6}))
            session = Session(course=course, date=day, kind=session_kind, attendance=attendance,
                              duration_min=rng.choice([45, 60, 60, 60, 90]),
                              note=rng.choice(NOTES))
            sessions.append(session)
            staff_links.append((session, clinician))
        if not anonymous:
            for text in rng.sample(GOALS, rng.randint(1, 3)):
                Goal.objects.create(course=course, text=text, set_on=start,
                                    status=_goal_status(ctx, course))
            if course.end_date:
                for months in FollowUp.MONTHS:
                    due = course.end_date + datetime.timedelta(days=months * 30 + 5)
                    if due < today and rng.random() < 0.6:
                        FollowUp.objects.create(
                            course=course, months=months, observed_on=due,
                            use=ctx.pick(OUTCOMES),
                            occupation=ctx.pick({"school": 60, "work": 25, "none": 15}))
    Session.objects.bulk_create(sessions)
    Through = Session.staff.through
    Through.objects.bulk_create([Through(session_id=s.pk, user_id=u.pk) for s, u in staff_links])


# The municipality's caseworkers that the demo's young people have (a name, not the
# word "Sagsbehandler": the relation already says what they are).
CASEWORKERS = ["Birthe Kragh", "Jonas Lind", "Marianne Østergaard", "Rasmus Holt"]


def _client(ctx, i, anonymous, age, gender, start, team):
    rng = ctx.rng
    birth_year = start.year - age
    if anonymous:
        return Client.objects.create(
            service=ctx.service, team=team, anonymous=True, gender=gender,
            pseudonym=f"{rng.choice(PSEUDONYMS)} {i + 1}", birth_year=birth_year)
    first = rng.choice(FIRST_NAMES_F if gender == "female" else FIRST_NAMES_M)
    born = datetime.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
    client = Client(service=ctx.service, team=team, anonymous=False, gender=gender,
                    first_name=first, last_name=rng.choice(LAST_NAMES), birth_date=born,
                    birth_year=born.year, phone=f"2{rng.randint(0, 9999999):07d}")
    serial = rng.randint(0, 999) + (4000 if born.year >= 2000 else 1000)
    client.set_cpr(f"{born:%d%m%y}{serial:04d}")
    client.save()
    if client.may_be_under(18, start):
        mother = Relative.objects.create(client=client, kind="parent", has_custody=True,
                                         name=f"{rng.choice(FIRST_NAMES_F)} {client.last_name}",
                                         phone=f"4{rng.randint(0, 9999999):07d}")
        Consent.objects.create(client=client, given_by="parent", parent=mother,
                               given_on=start)
    if client.age_on(start) >= 15:
        Consent.objects.create(client=client, given_by="client", given_on=start)
    if rng.random() < 0.3:
        Relative.objects.create(client=client, kind="caseworker",
                                name=CASEWORKERS[i % len(CASEWORKERS)],
                                organisation="Familierådgivningen")
    return client


def _session_kind(ctx, course, n):
    if course.kind == Course.Kind.ANONYMOUS:
        return "individual"
    if course.kind == Course.Kind.DAY_TEAM:
        return ctx.pick({"day_team": 70, "individual": 20, "family": 10})
    if course.kind == Course.Kind.FAMILY:
        return ctx.pick({"family": 60, "individual": 30, "network": 10})
    if n == 0:
        return "individual"
    return ctx.pick({"individual": 70, "family": 10, "network": 7, "partner": 3, "group": 10})


def _goal_status(ctx, course):
    if course.end_date is None:
        return ""
    return ctx.pick({"achieved": 45, "partly": 35, "not_achieved": 20})

