"""The stored FIT state of each course (FitState): worked out by one function from the same
computation as the course's own page, and kept current in the transaction of every change
that can move it.

What changes a course's state: its ratings, its sessions (attendance, date, order), the
course itself (start, end), the young person's birth date, the responses to its alarms,
and the service's expected course, norms, alliance flag rules and alarm settings.
Signals on those models call `refresh` (see apps.py), which locks the course rows first,
so that two changes to one course at the same time are applied one after the other and
the last state stored sees both. Code that writes many rows without signals (bulk
inserts) calls `refresh` or `refresh_services` itself, and `deferred()` batches the work
of many single saves into one refresh at the end of the block. `spor fit_state` rebuilds
every row from scratch.
"""

import contextlib
import contextvars
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from spor.lib import bulk
from spor.measures.alarms import attach, order_key
from spor.measures.fit import SEVERITY, Alarm, change_class
from spor.measures.models import AlarmResponse, FitState, Rating, renew_rules
from spor.measures.progress import course_fits

CHUNK = 500  # courses worked out at a time: memory stays flat for a national rebuild
BULK_FROM = 50  # courses stored at once from which they are written in bulk (_store)
FIELDS = [f.name for f in FitState._meta.concrete_fields if f.name != "course"]
_pending: contextvars.ContextVar = contextvars.ContextVar("fit_state_pending", default=None)


def fields_of(fit) -> dict:
    """The stored fields of one course from its CourseFit (progress.course_fits): the alarms
    as worded in the current language, the change classes and the scores the overviews
    count. This is the one place that decides what is stored; the rules themselves
    (alarms, change class, expected course) live in fit.py and progress.py."""
    own = fit.own
    last = own[-1] if own else None
    band = next((b for s, b in fit.band if last is not None and s.number == last.number), None)
    parents = fit.outcome.get(Rating.Rater.PARENT, [])
    alliance = fit.alliance.get(Rating.Rater.CLIENT, [])
    rated = [p.date for series in (*fit.outcome.values(), *fit.alliance.values())
             for p in series]
    parent_change = None
    if len(parents) >= 2 and fit.norm is not None:
        parent_change = change_class(parents[0].total, parents[-1].total, fit.norm.cutoff,
                                     fit.norm.reliable_change)
    language = translation.get_language()
    return {
        "alarms": [{"kind": str(a.kind), "message": {language: str(a.message)},
                    "session": a.session, "value": a.value, "expected": a.expected}
                   for a in fit.alarms],
        "change": fit.change or "",
        "doubtful": fit.doubtful,
        "outcome_first": own[0].total if own else None,
        "outcome_latest": last.total if last else None,
        "outcome_count": len(own),
        "expected_mid": None if band is None else Decimal(str(round(band.mid, 1))),
        "alliance_latest": alliance[-1].total if alliance else None,
        "latest_date": max(rated, default=None),
        "parent_first": parents[0].total if parents else None,
        "parent_latest": parents[-1].total if parents else None,
        "parent_count": len(parents),
        "parent_change": parent_change or "",
    }


def compute(courses, service, scope=None) -> dict:
    """Stored fields of each course (with `client` loaded) of one service, by course id.

    Worked out in the site's first language; the courses with alarms are worked out again
    in each other language for the alarms' wording.
    """
    languages = [code for code, _name in settings.LANGUAGES]
    with translation.override(languages[0]):
        found = {pk: fields_of(fit) for pk, fit in course_fits(courses, service, scope).items()}
    alarmed = [c for c in courses if found[c.pk]["alarms"]]
    _rank_unanswered(found, [c.pk for c in alarmed])
    for language in languages[1:]:
        if not alarmed:
            break
        with translation.override(language):
            for pk, fit in course_fits(alarmed, service).items():
                for stored, alarm in zip(found[pk]["alarms"], fit.alarms, strict=True):
                    stored["message"][language] = str(alarm.message)
    return found


def _rank_unanswered(found: dict, alarmed: list) -> None:
    """Set `alarm_rank` on the stored fields: the caseload's order (alarms.order_key) from
    the alarms and the responses recorded to them (one query for the alarmed courses)."""
    responses = defaultdict(list)
    for response in AlarmResponse.objects.filter(course__in=alarmed).only(
            "course", "kind", "session"):
        responses[response.course_id].append(response)
    for pk, fields in found.items():
        alarms = [Alarm(a["kind"], "", a["session"]) for a in fields["alarms"]]
        rank = order_key(attach(alarms, responses[pk]))[0] if alarms else len(SEVERITY)
        fields["alarm_rank"] = None if rank == len(SEVERITY) else rank


def refresh(course_ids) -> None:
    """Work out and store the state of these courses, in the caller's transaction."""
    from spor.accounts.models import Service
    from spor.treatment.models import Course

    course_ids = set(course_ids)
    if not course_ids:
        return
    pending = _pending.get()
    if pending is not None:
        pending["courses"] |= course_ids
        return
    # In the caller's transaction when there is one, without a savepoint of its own (two
    # round trips on every rating and session saved): an error here undoes the caller's
    # change too, as it must, since the state would no longer follow it.
    with transaction.atomic(savepoint=False):
        # Lock first: a concurrent change to the same course waits, then sees this one.
        # Up to a chunk of courses (a rating, a session: one) are locked and read at once.
        locked = Course.objects.select_for_update(of=("self",)).filter(pk__in=course_ids)
        if len(course_ids) <= CHUNK:
            chunks = [locked.select_related("client__service").order_by("pk")]
        else:
            ids = sorted(locked.values_list("pk", flat=True))
            chunks = (Course.objects.filter(pk__in=ids[start:start + CHUNK]).select_related(
                "client__service") for start in range(0, len(ids), CHUNK))
        for courses in chunks:
            by_service = defaultdict(list)
            for course in courses:
                by_service[course.client.service].append(course)
            # The services' FIT rules stamps as committed once the locks are held: the
            # locking read gives the services as they were when it began, before it waited,
            # perhaps for a change of the rules that then committed (READ COMMITTED), and a
            # process that kept the rules under the older stamp would use them.
            stamps = dict(Service.objects.filter(pk__in=[s.pk for s in by_service])
                          .values_list("pk", "fit_rules_stamp"))
            for service, listed in by_service.items():
                service.fit_rules_stamp = stamps[service.pk]
                _store(compute(listed, service))


def refresh_services(service_ids) -> None:
    """Work out and store the state of every course of these services."""
    from spor.treatment.models import Course

    service_ids = {pk for pk in service_ids if pk is not None}
    if not service_ids:
        return
    pending = _pending.get()
    if pending is not None:
        pending["services"] |= service_ids
        return
    from spor.accounts.models import Service

    with transaction.atomic():
        for service in Service.objects.filter(pk__in=service_ids).order_by("pk"):
            ids = list(Course.objects.filter(client__service=service).order_by("pk")
                       .select_for_update().values_list("pk", flat=True))
            for start in range(0, len(ids), CHUNK):
                chunk = Course.objects.filter(pk__in=ids[start:start + CHUNK])
                _store(compute(list(chunk.select_related("client")), service, scope=chunk))


def rebuild() -> int:
    """Work out every course's state from scratch, with the FIT rules read anew by every
    process; returns the number of courses."""
    from spor.accounts.models import Service
    from spor.treatment.models import Course

    with transaction.atomic():
        renew_rules(Service.objects.all())
        FitState.objects.all().delete()
        refresh_services(Service.objects.values_list("pk", flat=True))
        return FitState.objects.filter(course__in=Course.objects.values("pk")).count()


@contextlib.contextmanager
def deferred():
    """Collect the refreshes asked for inside the block and run them once at its end, in
    the same transaction (for code that saves many ratings or sessions one by one)."""
    if _pending.get() is not None:
        yield
        return
    pending = {"courses": set(), "services": set()}
    token = _pending.set(pending)
    try:
        with transaction.atomic():
            yield
            _pending.reset(token)
            token = None
            refresh_services(pending["services"])
            from spor.treatment.models import Course

            done = set(Course.objects.filter(client__service__in=pending["services"])
                       .values_list("pk", flat=True)) if pending["services"] else set()
            refresh(pending["courses"] - done)
    finally:
        if token is not None:
            _pending.reset(token)


def _store(found: dict) -> None:
    """Store the state of these courses, in the caller's transaction: one upsert through
    the ORM for a few courses (a rating or a session saved), and for many (an import) the
    old rows deleted and the new ones inserted in bulk (bulk.insert), without the ORM's
    preparation of every value."""
    if not found:
        return
    now = timezone.now()
    if len(found) < BULK_FROM:
        FitState.objects.bulk_create(
            [FitState(course_id=pk, computed_at=now, **fields) for pk, fields in found.items()],
            update_conflicts=True, unique_fields=["course"], update_fields=FIELDS)
        return
    table = connection.ops.quote_name(FitState._meta.db_table)
    where, params = bulk.among(connection.ops.quote_name(FitState._meta.pk.column),
                               [bulk.stored_key(pk) for pk in found])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608 (the model's names)
    bulk.insert(FitState, [{"course_id": bulk.stored_key(pk), "computed_at": now, **fields}
                           for pk, fields in found.items()])


def state_of(course) -> FitState:
    """A course's stored state (select_related("fit_state") to read many at once); an
    empty state for a course not worked out yet."""
    try:
        return course.fit_state
    except FitState.DoesNotExist:
        return FitState(course=course)
