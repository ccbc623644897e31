"""Insert many new, checked rows without building a model for each.

bulk_create builds a model and prepares every value of every row through the ORM: for
the app's uploads and the import that is most of the time. Rules are checked before, by
the model's own rule functions (see Client, Course, Session, Rating); this only writes.
"""

import decimal
import functools
import json
import operator
import os
import threading
import time

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import NOT_PROVIDED
from django.utils import timezone
from psycopg.types.json import Jsonb

SQLITE_BATCH = 5000


def _defaults(model) -> dict:
    """Each column's value where a row gives none: the model's default (a callable one is
    called once per insert), now for auto_now(_add) fields, "" or None otherwise."""
    now = timezone.now()
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.default is not NOT_PROVIDED:
            values[field.attname] = field.get_default()
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            values[field.attname] = (now if field.get_internal_type() == "DateTimeField"
                                     else timezone.localdate(now))
        else:  # a row that needs a value here gives one
            values[field.attname] = "" if field.empty_strings_allowed and not field.null \
                else None
    return values


def insert(model, rows) -> int:
    """Insert rows given as {attname: value} (the primary key included where the model's
    default would make it) into the model's table: COPY on PostgreSQL, one prepared
    statement run for each row on SQLite. Returns the number of rows."""
    fields = model._meta.concrete_fields
    defaults = _defaults(model)
    pk = model._meta.pk
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            json = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
            # The driver's own cursor copies; Django's errors (IntegrityError…) as usual.
            with connection.wrap_database_errors, \
                    cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    values = []
                    for f in fields:
                        value = row[f.attname] if f.attname in row else (
                            pk.get_default() if f is pk else defaults[f.attname])
                        values.append(Jsonb(value) if f.attname in json else value)
                    copy.write_row(values)
                    n += 1
            return n
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (names from the model)
        wrapper = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is asked for every value
        # Defaults are the same for every row of the insert: prepared once. Each row is
        # laid over them, its values converted where SQLite cannot take them as they are,
        # and read out in the columns' order: a few steps in C for each row, not one in
        # Python for each value.
        given = {f.attname: f.get_db_prep_save(defaults[f.attname], wrapper)
                 for f in fields if f is not pk}
        prep = [(f.attname, to_db) for f in fields if (to_db := _prep(f, wrapper)) is not None]
        pk_to_db = _prep(pk, wrapper) or (lambda value: value)
        ordered = operator.itemgetter(*(f.attname for f in fields))
        batch = []
        for row in rows:
            values = given | row
            for attname, to_db in prep:
                if attname in row and (value := row[attname]) is not None:
                    values[attname] = to_db(value)
            if pk.attname not in row:
                values[pk.attname] = pk_to_db(pk.get_default())
            batch.append(ordered(values))
            if len(batch) == SQLITE_BATCH:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


# Values SQLite takes as they are; the others go through the field's own preparation,
# or the same, written out, for the most common types.
AS_IS = {"CharField", "TextField", "EmailField", "BooleanField", "IntegerField",
         "SmallIntegerField", "PositiveSmallIntegerField", "PositiveIntegerField",
         "BigIntegerField"}


def _prep(field, wrapper):
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind in AS_IS:
        return None
    if kind == "UUIDField" and not wrapper.features.has_native_uuid_field:
        # A key read back from the database (csvimport.RefMap) is already its hex.
        return lambda value: value if isinstance(value, str) else value.hex
    if kind == "DecimalField":  # as the field and the driver's adapter would: its text
        return lambda value: str(value) if type(value) is decimal.Decimal \
            and value.is_finite() else field.get_db_prep_save(value, wrapper)
    if kind == "DateField":
        return lambda value: value.isoformat()
    if kind == "JSONField" and field.encoder is None:  # as the field would, without its steps
        return lambda value: value.text if type(value) is Encoded else json.dumps(value)
    return lambda value: field.get_db_prep_save(value, wrapper)


class Encoded(dict):
    """A JSON object that carries its text, as json.dumps writes it (see `encoded`)."""

    __slots__ = ("text",)


@functools.cache
def _object_text(keys: tuple) -> str:
    return "{" + ", ".join(json.dumps(key) + ": %r" for key in keys) + "}"


def encoded(values: dict) -> dict:
    """`values` with its JSON text written from one template for its keys, when every
    value is a finite float (whose text json.dumps writes as repr does): an insert on
    SQLite stores that text, where encoding each of an import's millions of ratings'
    answers was a twentieth of its time. Other values are given back as they are."""
    numbers = tuple(values.values())
    if not all(type(n) is float and n - n == 0 for n in numbers):
        return values
    result = Encoded(values)
    result.text = _object_text(tuple(values)) % numbers
    return result


# Rows written to a table before an import tells the planner its new size (analyze).
ANALYZE_FROM = 10_000


def analyze(model, written: int) -> None:
    """Tell PostgreSQL's planner the new size of a table just written in bulk. Without it,
    the reads that follow in the same transaction (the next file's references, the FIT
    state of every course) are planned for the table as it was, often empty: one full scan
    of millions of ratings for each few hundred courses, a time that grows with the square
    of the import. ANALYZE samples a fixed number of rows, whatever the table's size.

    Only after `ANALYZE_FROM` new rows: the size it records in pg_class is kept even when
    the import is rolled back, and a small import's count would mislead the planner about
    a table that later grows (autovacuum corrects it in time, but only where it runs)."""
    if connection.vendor == "postgresql" and written >= ANALYZE_FROM:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def loader(model, fields):
    """read(values) gives {field: value} of the stored values of `fields` (attnames), as
    the driver gives them, converted where the driver leaves it to Django (JSON). Keys
    (foreign keys) stay as the database stores them; dates, JSON and booleans come as
    Python's."""
    pairs = [(f, _load(model._meta.get_field(f))) for f in fields]

    def read(values):
        return {f: value if load is None or value is None else load(value)
                for (f, load), value in zip(pairs, values, strict=True)}
    return read


def among(column: str, values) -> tuple:
    """(SQL, params) for `column` being one of `values` (a few thousand at most): one
    array parameter on PostgreSQL, where the driver would otherwise work through a
    placeholder for each value, a list of them on SQLite."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


_last_key = 0
_key_lock = threading.Lock()


def rising_uuid_hex() -> str:
    """The hex of a new UUID for each new row of a national import, each greater than the
    one before: the time in milliseconds, then random bits (RFC 9562's version 7); within
    one millisecond, the previous key raised by a random step. A row with a random key
    (uuid4) goes to a random place in its table's key index, and in every index of the
    rows that refer to it (a rating's session and course): most of the insert's time on
    SQLite once those indexes are larger than its page cache. Rising keys are written at
    the end of each index. The keys stay as hard to guess as before: at least 32 random
    bits from one to the next, 74 from one millisecond to the next."""
    global _last_key
    random = int.from_bytes(os.urandom(14))
    with _key_lock:
        # 48 bits of milliseconds, then the 74 bits a version 7 UUID leaves to randomness.
        key = max(time.time_ns() // 1_000_000 << 74 | random >> 38,
                  _last_key + 1 + (random & 0xffff_ffff))
        _last_key = key
    uuid = (key >> 74 << 80 | 7 << 76 | (key >> 62 & 0xfff) << 64 | 0b10 << 62
            | key & (1 << 62) - 1)
    return f"{uuid:032x}"


def stored_rows(queryset, size=2000):
    """The rows of a values_list() queryset as the driver gives them, a batch of `size`
    at a time: without the ORM's conversion of every value, most of the time of reading
    many rows. Keys stay as the database stores them (see `stored_key`); convert the
    other values where they are needed with `converter`."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield from rows


def stored_key(value):
    """A primary or foreign key (UUID) as the database stores it and stored_rows reads it."""
    if value is None or connection.features.has_native_uuid_field:
        return value
    return value.hex


def converter(model, name):
    """The ORM's own conversion of a stored value of `model`'s field `name` (a decimal,
    date or UUID: values that cannot change), worked out once for each value met, so that
    a column of few distinct values (totals) costs little."""
    col = model._meta.get_field(name).get_col(model._meta.db_table)
    steps = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
    seen = {}

    def convert(value):
        if value in seen:
            return seen[value]
        result = value
        if value is not None:
            for step in steps:
                result = step(result, col, connection)
        if len(seen) < 10_000:
            seen[value] = result
        return result
    return convert


def _load(field):
    """The conversion of a stored value to Python's that the driver leaves to Django: JSON
    (read as text on both databases). Dates and booleans the drivers convert themselves
    (on SQLite by the converters Django registers for the declared column types)."""
    return json.loads if field.get_internal_type() == "JSONField" else None
