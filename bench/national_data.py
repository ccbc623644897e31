"""A national-size data set for the statistics benchmark, written fast and reproducibly.

Rows are made in Python from a seeded random source and streamed into the database with
COPY on PostgreSQL and executemany on SQLite. Columns the benchmark does not care about
get their model defaults, so the generator keeps working as models grow.
"""

import datetime
import random
import uuid

from django.db import connection
from django.db.models import NOT_PROVIDED
from psycopg.types.json import Jsonb

from spor.accounts.models import Service, Team
from spor.clients.models import Client
from spor.treatment.models import Course, Session

YEARS = (2020, 2025)  # courses end from the first to the last of these years
CHUNK = 20_000


def weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def columns(model, values):
    """The table's columns in order, each with its value or the model's default."""
    row = []
    for field in model._meta.concrete_fields:
        if field.attname in values:
            row.append(values[field.attname])
        elif field.default is not NOT_PROVIDED:
            row.append(field.get_default())
        elif field.null:
            row.append(None)
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            row.append(datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
        elif field.blank:
            row.append("")
        else:
            raise ValueError(f"{model.__name__}.{field.attname} needs a value")
    return row


def write(model, rows):
    """Stream rows (dicts of attname -> value) into the model's table."""
    names = [f.column for f in model._meta.concrete_fields]
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(f'"{n}"' for n in names)
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for values in rows:
                    copy.write_row([Jsonb(v) if isinstance(v, dict) else v
                                    for v in columns(model, values)])
        else:
            marks = ", ".join(["%s"] * len(names))
            sql = f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({marks})'  # noqa: S608
            batch = []
            for values in rows:
                row = columns(model, values)
                batch.append([f.get_db_prep_save(v, connection) for f, v in
                              zip(fields, row, strict=True)])
                if len(batch) == CHUNK:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


def generate(services=100, courses=200_000, sessions=2_000_000, seed=2014, ratings=None):
    """Services with teams, ~0.75 clients a course, courses, sessions (and ratings, if a
    `ratings(rng, sessions_of_course)` row maker is given). Returns the counts written."""
    rng = random.Random(seed)  # noqa: S311 (made-up data)
    made_services = Service.objects.bulk_create(
        [Service(name=f"Bench {seed}-{i:03}") for i in range(services)])
    teams = Team.objects.bulk_create(
        [Team(service=s, name="Rådgivning og behandling") for s in made_services])
    n_clients = int(courses * 0.75)
    client_rows = []

    def clients():
        for i in range(n_clients):
            team = teams[i % services]
            anonymous = rng.random() < 0.45
            birth_year = rng.randint(1996, 2010)
            pk = uuid.UUID(int=rng.getrandbits(128), version=4)
            client_rows.append((pk, team, birth_year))
            values = {"id": pk, "service_id": team.service_id, "team_id": team.pk,
                      "anonymous": anonymous, "birth_year": birth_year,
                      "gender": weighted(rng, {"male": 60, "female": 38, "other": 2}),
                      "pseudonym": "x" if anonymous else ""}
            if not anonymous:
                values.update(first_name="Ung", last_name="Bench", birth_date=datetime.date(
                    birth_year, rng.randint(1, 12), rng.randint(1, 28)))
            yield values

    write(Client, clients())
    first = datetime.date(YEARS[0], 1, 1)
    span = (datetime.date(YEARS[1], 12, 31) - first).days
    per_course = sessions / courses
    counts = {"courses": 0, "sessions": 0, "ratings": 0}
    course_sessions = []

    def course_rows():
        for i in range(courses):
            client_id, team, _born = client_rows[i % n_clients]
            kind = ("anonymous_counselling" if rng.random() < 0.4 else
                    weighted(rng, {"individual": 80, "family": 12, "day_team": 8}))
            end = first + datetime.timedelta(days=rng.randint(60, span))
            start = end - datetime.timedelta(days=rng.randint(14, 400))
            pk = uuid.UUID(int=rng.getrandbits(128), version=4)
            n = max(1, round(rng.expovariate(1 / per_course)))
            course_sessions.append((pk, start, end, n))
            counts["courses"] += 1
            yield {"id": pk, "client_id": client_id, "team_id": team.pk, "kind": kind,
                   "start_date": start, "end_date": end,
                   "referral": weighted(rng, {"self": 40, "parent": 25, "caseworker": 20,
                                              "school": 8, "police_ssp": 4, "health": 3}),
                   "main_substance": weighted(rng, {"cannabis": 73, "party_drugs": 15,
                                                    "cannabis_plus": 5, "alcohol": 3,
                                                    "unknown": 2, "benzodiazepines": 1,
                                                    "methadone": 1}),
                   "outcome": weighted(rng, {"stopped": 38, "reduced": 15, "unchanged": 25,
                                             "increased": 3, "unknown": 14, "": 5}),
                   "occupation_at_start": weighted(rng, {"school": 60, "work": 10, "none": 30}),
                   "occupation_at_end": weighted(rng, {"school": 65, "work": 15, "none": 20})}

    write(Course, course_rows())
    scale = sessions / sum(n for *_rest, n in course_sessions)

    def sessions_of(j):
        """The sessions of course j, the same every time they are asked for."""
        course_id, start, end, n = course_sessions[j]
        local = random.Random(f"{seed}-{j}")  # noqa: S311
        days = (end - start).days
        dates = sorted(start + datetime.timedelta(days=local.randint(0, days))
                       for _ in range(max(1, round(n * scale))))
        return [(uuid.UUID(int=local.getrandbits(128), version=4), course_id, day,
                 weighted(local, {"individual": 75, "family": 10, "network": 6, "group": 5,
                                  "partner": 2, "outreach": 2}),
                 weighted(local, {"attended": 88, "cancelled": 7, "no_show": 5}))
                for day in dates]

    def session_rows():
        for j in range(len(course_sessions)):
            for pk, course_id, day, kind, attendance in sessions_of(j):
                counts["sessions"] += 1
                yield {"id": pk, "course_id": course_id, "date": day, "kind": kind,
                       "attendance": attendance, "duration_min": 60}

    write(Session, session_rows())
    if ratings:
        counts["ratings"] = ratings(rng, (sessions_of(j) for j in range(len(course_sessions))),
                                    write)
    return counts
