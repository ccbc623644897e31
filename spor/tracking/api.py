"""The JSON API for tracking apps, version 1 (docs/api.md).

An app pairs with a code a clinician made, gets a token scoped to one young person, and
with it uploads diary entries, lists and corrects its own entries, and reads the young
person's outcome ratings. Nothing else. Every error is JSON: {"message": ..., "errors":
[{"field": ..., "message": ...}]}, with the field named as a path into the request
(`entries.3.amount`). Messages are in English: they are read by developers.
"""

import datetime
import decimal
import logging
import re
import uuid
from typing import Annotated, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, WithJsonSchema

from spor.audit.models import AccessLog, log_access
from spor.lib.busy import RETRY_AFTER_SECONDS, is_busy
from spor.lib.ratelimit import hit, over_limit
from spor.tracking import ors
from spor.tracking.models import (
    MAXIMUM,
    NOTE_LENGTH,
    UNITS,
    Answer,
    Device,
    DiaryEntry,
    PairingCode,
    Source,
    Unit,
    answer_errors,
)

logger = logging.getLogger(__name__)
MAX_BATCH = 1000
LIST_LIMIT = 1000
APP = AccessLog.Purpose.APP


def requests_per_minute() -> int:
    return settings.SPOR_API_REQUESTS_PER_MINUTE


def pairings_per_minute() -> int:
    return settings.SPOR_API_PAIRINGS_PER_MINUTE


# Errors --------------------------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, status: int, message: str, errors=(), headers=None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, list(errors)
        self.headers = headers or {}


def invalid(errors: list[tuple[str, str]]) -> ApiError:
    first_field, first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ApiError(422, f"{first_field}: {first}{more}",
                    [{"field": f, "message": m} for f, m in errors])


def error_body(message: str, errors=()) -> dict:
    return {"message": message, "errors": list(errors)}


def field_path(loc) -> str:
    """("body", "batch", "entries", 3, "amount") -> "entries.3.amount"."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[2:] if parts[0] == "body" and len(parts) > 1 else parts[1:]
    return ".".join(str(p) for p in parts) or "body"


PYDANTIC_MESSAGES = {
    "extra_forbidden": "unknown field",
    "missing": "this field is required",
}


class Error(Schema):
    message: str = Field(description="What went wrong, naming the first field at fault.")
    errors: list["FieldError"] = Field(default_factory=list)


class FieldError(Schema):
    field: str = Field(description="Path to the field, e.g. entries.3.amount", examples=[
        "entries.0.amount"])
    message: str


Error.model_rebuild()
# 503: the server's database is busy (with Retry-After); nothing was stored.
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error,
          503: Error}


# Authentication and rate limits --------------------------------------------------------

class DeviceToken(HttpBearer):
    """A paired device's token: `Authorization: Bearer spor_…`."""

    def authenticate(self, request, token):
        device = Device.for_token(token)
        if device is None:
            return None
        wait = hit("api:device", str(device.pk), requests_per_minute(), 60)
        if wait:
            raise ApiError(429, "Too many requests with this token; wait and try again.",
                           headers={"Retry-After": str(wait)})
        now = timezone.now()
        # Written at most once a minute: the page shows when the app was last heard from.
        if device.last_used_at is None or now - device.last_used_at > datetime.timedelta(
                minutes=1):
            Device.objects.filter(pk=device.pk).update(last_used_at=now)
        request.device = device
        return device


api = NinjaAPI(
    title="Spor tracking API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "For apps that keep a use diary with a young person. A clinician makes a pairing "
        "code; the app exchanges it for a token (POST /pairing) and sends the token as "
        "`Authorization: Bearer <token>`. Errors are JSON: `{\"message\": ..., \"errors\": "
        "[{\"field\": ..., \"message\": ...}]}`. See docs/api.md."),
    auth=DeviceToken(),
    docs_url=None,  # a page of our own: Swagger UI would load from a CDN
    openapi_url="/openapi.json",
)


def _respond(request, status, body, headers=None):
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request, exc):
    return _respond(request, exc.status, error_body(exc.message, exc.errors), exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _respond(request, 401, error_body(
        "A valid device token is required: Authorization: Bearer <token>. The token may "
        "have been revoked; pair again with a new code."), {"WWW-Authenticate": "Bearer"})


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    errors = []
    for error in exc.errors:
        message = PYDANTIC_MESSAGES.get(error.get("type"), error.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        errors.append((field_path(error.get("loc", ())), message))
    if not errors:
        errors = [("body", "invalid request")]
    return _api_error(request, invalid(errors))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    message = str(exc)
    if exc.status_code == 400:
        message = "The request body is not valid JSON."
    return _respond(request, exc.status_code, error_body(message))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _respond(request, 404, error_body("Not found."))


@api.exception_handler(Exception)
def _server_error(request, exc):
    if is_busy(exc):
        return _respond(request, 503, error_body(
            "The server's database is busy; nothing was stored. Send the request again "
            "after Retry-After seconds."), {"Retry-After": str(RETRY_AFTER_SECONDS)})
    logger.exception("API error on %s %s", request.method, request.path)
    return _respond(request, 500, error_body("Server error. It has been logged; try again "
                                             "later."))


def only_params(request, *names) -> None:
    """Refuse query parameters the operation does not know, as unknown fields are."""
    unknown = [(name, "unknown query parameter") for name in request.GET if name not in names]
    if unknown:
        raise invalid(unknown)


# Schemas -------------------------------------------------------------------------------

class Strict(BaseModel):
    """Input: unknown fields are refused. A plain pydantic model, not ninja's Schema, whose
    extra validator (for reading ORM objects) would double the time of a large batch."""

    model_config = ConfigDict(extra="forbid")


def _iso_day(value):
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    raise ValueError("a date as YYYY-MM-DD")


def _json_number(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a number, such as 1.5")
    number = decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(
        value)
    if not number.is_finite():
        raise ValueError("a finite number")
    return number


def _iso_time(value):
    if isinstance(value, str) and re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)", value):
        return value
    raise ValueError("a time as YYYY-MM-DDTHH:MM:SS with a time zone (Z or +01:00)")


def _text(value: str) -> str:
    # PostgreSQL cannot store the NUL character; no diary note or device name needs one.
    if "\x00" in value:
        raise ValueError("text without NUL characters")
    return value


Text = Annotated[str, AfterValidator(_text)]
Day = Annotated[datetime.date, BeforeValidator(_iso_day),
                WithJsonSchema({"type": "string", "format": "date"})]
def _in_utc(value: datetime.datetime) -> datetime.datetime:
    # Databases take offsets within ±15 hours only; as UTC every real time is fine.
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("a time between the years 1 and 9999") from None


Time = Annotated[datetime.datetime, BeforeValidator(_iso_time), AfterValidator(_in_utc),
                 WithJsonSchema({"type": "string", "format": "date-time"})]
Amount = Annotated[decimal.Decimal | None, BeforeValidator(_json_number), WithJsonSchema({
    "anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": float(max(MAXIMUM.values()))},
              {"type": "null"}]})]
SubstanceCode = Literal[tuple(str(s) for s in UNITS)]
UnitCode = Literal[tuple(u.value for u in Unit)]
AnswerCode = Literal[tuple(a.value for a in Answer)]


class EntryIn(Strict):
    id: uuid.UUID = Field(description="Made by the app (UUID 4). Sending the same entry "
                                      "again is harmless: it is stored once.")
    date: Day = Field(description="The day the answer is about (not in the future, not "
                                  "before the young person was born).")
    substance: SubstanceCode
    answer: AnswerCode = Field(description="used, not_used or not_known. A day with no "
                                           "entry was not asked about.")
    amount: Amount = Field(None, description="With answer=used: the amount in `unit`, in "
                                             "the unit's steps (docs/api.md). Leave out both "
                                             "amount and unit when the amount is not known.")
    unit: UnitCode | None = Field(None, description="Units allowed per substance: see "
                                                    "docs/api.md.")
    note: Text = Field("", max_length=NOTE_LENGTH)


class Batch(Strict):
    entries: list[EntryIn] = Field(min_length=1, max_length=MAX_BATCH)


class EntryOut(Schema):
    id: uuid.UUID
    date: datetime.date
    substance: str
    answer: str
    amount: float | None
    unit: str | None
    note: str
    device_id: uuid.UUID | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class EntryList(Schema):
    entries: list[EntryOut]
    more: bool = Field(description="More entries changed after the last one: ask again "
                                   "with `cursor`.")
    cursor: str | None = Field(description="Pass as `cursor` to get the entries changed "
                                           "after these (store it for the next sync).")


class UploadResult(Schema):
    created: int = Field(description="Entries stored by this request.")
    unchanged: int = Field(description="Entries that were already stored exactly like this.")


class PairIn(Strict):
    code: Text = Field(min_length=4, max_length=20, description="The code the clinician "
                                                               "showed, with or without -.")
    device_name: Text = Field(min_length=1, max_length=100, description="Shown to the "
                                                                       "clinician, e.g. "
                                                                       "'Hashtrack, Android'")


class PairOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`. Shown only "
                                   "now: keep it in the phone's secure storage.")
    device_id: uuid.UUID


class Rating(Schema):
    date: datetime.date
    instrument: str = Field(description="ORS, or CORS for children under 13")
    total: float = Field(description="0–40, one decimal")


class RatingList(Schema):
    ratings: list[Rating]


# Query parameters (module-level, as ninja reads their descriptions from the defaults).
SINCE_TIME = Query(None, description="Only entries created or changed at or after this time "
                                     "(ISO 8601 with a time zone).")
CURSOR_PARAM = Query(None, max_length=80, description="From the previous answer: continue "
                                                      "after it.")
SINCE_DAY = Query(None, description="Only ratings of sessions on or after this day "
                                    "(YYYY-MM-DD); without it, the last 365 days.")


# Operations ----------------------------------------------------------------------------

@api.post("/pairing", auth=None, response={201: PairOut, **ERRORS}, operation_id="pair",
          summary="Exchange a pairing code for a device token")
def pair(request, body: PairIn):
    only_params(request)
    wait = over_limit(request, "api:pair", pairings_per_minute(), 60)
    if wait:
        raise ApiError(429, "Too many pairing attempts; wait and try again.",
                       headers={"Retry-After": str(wait)})
    with transaction.atomic():
        pairing = PairingCode.open_for(body.code)
        if pairing is None:
            raise ApiError(404, "code: this pairing code is unknown, used or expired. Ask "
                                "for a new one.", [{"field": "code", "message":
                                                   "unknown, used or expired"}])
        updated = PairingCode.objects.filter(pk=pairing.pk, used_at__isnull=True).update(
            used_at=timezone.now())
        if not updated:  # used by a request that came a moment earlier
            raise ApiError(404, "code: this pairing code has just been used.",
                           [{"field": "code", "message": "used"}])
        device, token = Device.pair(pairing, body.device_name.strip() or "App")
        log_access(None, pairing.client, gettext_noop("App paired"), APP)
    return Status(201, {"token": token, "device_id": device.pk})


# What makes two entries the same: a re-sent entry must match on all of these.
CONTENT = ("client_id", "date", "substance", "answer", "amount", "unit", "note")


def _row(device, data: EntryIn, now) -> dict:
    return {"id": data.id, "client_id": device.client_id, "date": data.date,
            "substance": data.substance, "answer": data.answer, "amount": data.amount,
            "unit": data.unit or "", "note": data.note, "source": Source.APP,
            "device_id": device.pk, "created_at": now, "updated_at": now}


def _check(rows, client, prefix="") -> None:
    errors = []
    last_day = timezone.localdate()
    for n, row in enumerate(rows):
        found = answer_errors(client, row["date"], row["substance"], row["answer"],
                              row["amount"], row["unit"], row["note"], last_day)
        errors += [(f"{prefix}{n}.{field}" if prefix else field, str(message))
                   for field, message in found.items()]
    if errors:
        raise invalid(errors)


def _same(row, stored) -> bool:
    return stored["source"] == Source.APP and all(row[k] == stored[k] for k in CONTENT)


@api.post("/entries", response={200: UploadResult, **ERRORS}, operation_id="upload_entries",
          summary="Upload diary entries (all or nothing)")
def upload(request, batch: Batch):
    """Stores every entry of the batch, or none when any is invalid.

    An entry whose id is already stored with the same content is left as it is
    (`unchanged`): a retried upload creates nothing twice. An id already stored with
    different content is refused with 409: to change an entry, PUT /entries/{id}.
    """
    only_params(request)
    device = request.device
    now = timezone.now()
    rows = [_row(device, data, now) for data in batch.entries]
    seen = {}
    for n, row in enumerate(rows):
        if row["id"] in seen:
            raise invalid([(f"entries.{n}.id", f"the same id as entries.{seen[row['id']]}")])
        seen[row["id"]] = n
    _check(rows, device.client, "entries.")
    with transaction.atomic():
        stored = {e["id"]: e for e in DiaryEntry.objects.filter(pk__in=list(seen))
                  .values("id", "source", *CONTENT)}
        conflicts = [(f"entries.{seen[pk]}.id", "an entry with this id is already stored "
                      "with other content; correct it with PUT /entries/{id}")
                     for pk, old in stored.items() if not _same(rows[seen[pk]], old)]
        if conflicts:
            raise ApiError(409, f"{conflicts[0][0]}: {conflicts[0][1]}",
                           [{"field": f, "message": m} for f, m in conflicts])
        new = [row for row in rows if row["id"] not in stored]
        try:
            DiaryEntry.objects.insert(new)
        except IntegrityError:  # the same ids sent by two requests at once
            raise ApiError(409, "entries: some entries were stored by another request at the "
                                "same moment; send the batch again.") from None
        if new:
            log_access(None, device.client, gettext_noop("Use diary entries from the app"),
                       APP)
    return {"created": len(new), "unchanged": len(rows) - len(new)}


def _out(entry: DiaryEntry) -> dict:
    return {"id": entry.pk, "date": entry.date, "substance": entry.substance,
            "answer": entry.answer,
            "amount": float(entry.amount) if entry.amount is not None else None,
            "unit": entry.unit or None, "note": entry.note, "device_id": entry.device_id,
            "created_at": entry.created_at, "updated_at": entry.updated_at}


def _own(device):
    """The entries the young person's apps sent: the clinician's stay on the clinic side."""
    return DiaryEntry.objects.filter(client=device.client_id, source=Source.APP)


# A cursor is the (updated_at, id) of the last entry given, as microseconds since 1970 and
# the id: URL-safe, and exact where several entries were stored in the same moment.
CURSOR = re.compile(r"^(\d{1,18})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def make_cursor(entry: DiaryEntry) -> str:
    return f"{(entry.updated_at - EPOCH) // MICROSECOND}.{entry.pk}"


def read_cursor(value: str):
    match = CURSOR.match(value or "")
    if not match:
        raise invalid([("cursor", "not a cursor given by this API")])
    try:
        return EPOCH + int(match[1]) * MICROSECOND, uuid.UUID(match[2])
    except OverflowError:
        raise invalid([("cursor", "not a cursor given by this API")]) from None


@api.get("/entries", response={200: EntryList, **ERRORS}, operation_id="list_entries",
         summary="The young person's app entries, in the order they changed")
def entries(request, since: Time | None = SINCE_TIME,
            cursor: str | None = CURSOR_PARAM):
    only_params(request, "since", "cursor")
    rows = _own(request.device)
    if since is not None:
        rows = rows.filter(updated_at__gte=since)
    if cursor:
        at, pk = read_cursor(cursor)
        rows = rows.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=pk))
    found = list(rows.order_by("updated_at", "id")[:LIST_LIMIT + 1])
    more, found = len(found) > LIST_LIMIT, found[:LIST_LIMIT]
    log_access(None, request.device.client, gettext_noop("Use diary listed by the app"), APP)
    next_cursor = make_cursor(found[-1]) if found else cursor
    return {"entries": [_out(e) for e in found], "more": more, "cursor": next_cursor}


class Correction(Strict):
    date: Day
    substance: SubstanceCode
    answer: AnswerCode
    amount: Amount = None
    unit: UnitCode | None = None
    note: Text = Field("", max_length=NOTE_LENGTH)


@api.put("/entries/{entry_id}", response={200: EntryOut, **ERRORS},
         operation_id="correct_entry", summary="Correct one of the app's entries")
def correct(request, entry_id: uuid.UUID, body: Correction):
    only_params(request)
    with transaction.atomic():
        entry = _own(request.device).select_for_update().filter(pk=entry_id).first()
        if entry is None:
            raise Http404
        entry.client = request.device.client
        for field in ("date", "substance", "answer", "amount", "note"):
            setattr(entry, field, getattr(body, field))
        entry.unit = body.unit or ""
        try:
            entry.clean()
        except DjangoValidationError as e:
            raise invalid([(field, str(m)) for field, messages in e.message_dict.items()
                           for m in messages]) from None
        entry.updated_at, entry.device = timezone.now(), request.device
        entry.save()
        log_access(None, entry.client, gettext_noop("Use diary entry corrected by the app"),
                   APP)
    return _out(entry)


@api.delete("/entries/{entry_id}", response={204: None, **ERRORS}, operation_id="delete_entry",
            summary="Delete one of the app's entries")
def delete(request, entry_id: uuid.UUID):
    only_params(request)
    with transaction.atomic():
        deleted, _kinds = _own(request.device).filter(pk=entry_id).delete()
        if not deleted:
            raise Http404
        log_access(None, request.device.client,
                   gettext_noop("Use diary entry deleted by the app"), APP)
    return Status(204, None)


@api.get("/ratings", response={200: RatingList, **ERRORS},
         operation_id="list_ratings",
         summary="The young person's own outcome ratings (ORS totals), oldest first")
def ratings(request, since: Day | None = SINCE_DAY):
    only_params(request, "since")
    client = request.device.client
    since = since or timezone.localdate() - datetime.timedelta(days=365)
    found = ors.totals(client, since)
    log_access(None, client, gettext_noop("Outcome ratings read by the app"), APP)
    return {"ratings": found}
