"""The import folder of FORMATS.md: typed column parsers, per-file handlers, one transaction.

Each app describes its files as `CsvFile` subclasses; `run_import` reads a folder, checks
every row of every file, writes nothing if any problem was found, and returns the problems
as `file:line: column: message`.
"""

import codecs
import contextlib
import csv
import dataclasses
import datetime
import decimal
import functools
from collections import defaultdict
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from spor.lib import bulk, dates


class Problem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


class Problems(Exception):
    """Every problem of one row, so that a row's mistakes are all reported at once."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


class Row:
    """Typed access to one row's values; a bad value is noted and read as None.

    Call `check()` before using the values: it raises every problem noted so far.
    """

    def __init__(self, ctx, values: dict, line: int | None = None):
        self.ctx, self.values, self.line, self.problems = ctx, values, line, []

    def _get(self, parse, column, *args, **kwargs):
        try:
            return parse(self.values, column, *args, **kwargs)
        except Problem as p:
            self.problems.append(p)
            return None

    def text(self, column, *a, **k):
        return self._get(text, column, *a, **k)

    def boolean(self, column, *a, **k):
        return self._get(boolean, column, *a, **k)

    def choice(self, column, *a, **k):
        return self._get(choice, column, *a, **k)

    def date(self, column, *a, **k):
        return self._get(date, column, *a, **k)

    def integer(self, column, *a, **k):
        return self._get(integer, column, *a, **k)

    def number(self, column, *a, **k):
        return self._get(number, column, *a, **k)

    def refer(self, column, kind, lookup):
        try:
            return refer(self.ctx, self.values, column, kind, lookup)
        except Problem as p:
            self.problems.append(p)
            return None

    def problem(self, column, message):
        self.problems.append(Problem(column, message))

    def check(self):
        if self.problems:
            raise Problems(self.problems)


class Rollback(Exception):
    pass


@dataclasses.dataclass
class ImportContext:
    service: object
    problems: list = dataclasses.field(default_factory=list)
    counts: dict = dataclasses.field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    # Objects found or made by earlier files, by kind and ref: refs["client"]["c1"].
    refs: dict = dataclasses.field(default_factory=lambda: defaultdict(dict))
    # Refs whose row had a problem: later rows that point at them say so, once.
    broken: dict = dataclasses.field(default_factory=lambda: defaultdict(set))
    # The keys of the files written in bulk, stored and imported (see RefMap).
    keys: "RefMap | None" = None
    kinds: dict = dataclasses.field(default_factory=dict)  # the bulk files, by kind
    # The courses that rows written in bulk (which send no signals) belong to: their
    # derived state is worked out again after the import (see CsvFile.course_of).
    courses: set = dataclasses.field(default_factory=set)
    today: datetime.date = dataclasses.field(default_factory=dates.today)

    def problem(self, file, line, column, message):
        self.problems.append(f"{file}:{line}: {column}: {message}")


class CsvFile:
    """One file of the import folder. Subclasses set the columns and handle one row."""

    name = ""
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    # A column group of which at least one must be present, e.g. birth_date or birth_year.
    one_of: tuple[str, ...] = ()
    key = ""  # the *_ref column that identifies a row

    # Files with many rows are checked and written in bulk: a row's values are checked by
    # the model's rule functions without building a model, new rows are inserted many at
    # a time, and only a row that changes a stored one goes through `row()`.
    model = None  # the model whose table new rows go into
    kind = ""  # what the key names, for the rows that refer to it: "client"
    # The file this one refers to: (column, kind, the parent's fields `new()` needs).
    parent: tuple | None = None
    stored: tuple[str, ...] = ()  # fields compared with the stored row: equal is "unchanged"
    course_of = ""  # the field of a new row that names its course, if it belongs to one

    def row(self, ctx: ImportContext, values: dict) -> str:
        """Validate and write one row; return "created", "updated" or "unchanged".

        Raise Problem(column, message) or a ValidationError keyed by column names.
        """
        raise NotImplementedError

    def key_of(self, values: dict) -> str:
        return (values.get(self.key) or "").strip()

    def existing(self, service):
        """The stored keys of the service, as a values_list of (key, pk)."""
        raise NotImplementedError

    def new(self, ctx: ImportContext, r: "Row", parent: dict | None, pk=None) -> dict:
        """The checked values of a row, as {attname: value} ready to insert; problems are
        noted on `r`. `parent` holds the `parent` fields of the row it refers to, `pk` is
        that of the stored row with the same key (None for a new row)."""
        raise NotImplementedError

    def twice(self, key: str, first: int) -> Problem:
        return Problem(self.key, f"{key!r} appears twice (first on line {first})")


# Column parsers: empty text is None (or the default); bad text raises Problem. ----------

def text(values, column, max_length=200, required=False):
    value = (values.get(column) or "").strip()
    if required and not value:
        raise Problem(column, "a value is required")
    if len(value) > max_length:
        raise Problem(column, f"at most {max_length} characters")
    return value


def boolean(values, column, required=False):
    value = (values.get(column) or "").strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    if not value and not required:
        return None
    raise Problem(column, f"expected true or false, not {value!r}" if value
                  else "a value is required (true or false)")


def choice(values, column, choices, required=False, default=""):
    value = (values.get(column) or "").strip()
    allowed = _allowed(choices if isinstance(choices, (tuple, type)) else tuple(choices))
    if not value:
        if required:
            raise Problem(column, "a value is required: one of " + ", ".join(allowed))
        return default
    if value not in allowed:
        raise Problem(column, f"{value!r} is not one of " + ", ".join(allowed))
    return value


@functools.cache
def _allowed(choices) -> tuple:
    """The codes of a choices enum, of (code, label) pairs or of codes."""
    return tuple(c[0] if isinstance(c, tuple) else getattr(c, "value", c) for c in choices)


def date(values, column, required=False):
    value = (values.get(column) or "").strip()
    if not value:
        if required:
            raise Problem(column, "a date is required (YYYY-MM-DD)")
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Problem(column, f"{value!r} is not a date as YYYY-MM-DD") from None


def integer(values, column, low, high, required=False):
    value = (values.get(column) or "").strip()
    if not value:
        if required:
            raise Problem(column, "a whole number is required")
        return None
    try:
        number = int(value)
    except ValueError:
        raise Problem(column, f"{value!r} is not a whole number") from None
    if not low <= number <= high:
        raise Problem(column, f"{number} is not between {low} and {high}")
    return number


def number(values, column, low, high, places=1, required=False):
    """A decimal with a point and at most `places` decimals, within [low, high]."""
    value = (values.get(column) or "").strip()
    if not value:
        if required:
            raise Problem(column, "a number is required")
        return None
    return _number(value, column, low, high, places)


@functools.lru_cache(maxsize=4096)
def _number(value, column, low, high, places):
    """A ratings file repeats the same few hundred numbers: each is parsed once (a bad
    one raises every time, and is not kept)."""
    try:
        result = decimal.Decimal(value)
        if not result.is_finite() or "," in value:
            raise decimal.InvalidOperation
    except decimal.InvalidOperation:
        raise Problem(column, f"{value!r} is not a number (use a point for decimals)") from None
    if result.as_tuple().exponent < -places:
        raise Problem(column, f"{value} has more than {places} decimal(s)")
    if not low <= result <= high:
        raise Problem(column, f"{value} is not between {low} and {high}")
    return result


def refer(ctx, values, column, kind, lookup):
    """The object a *_ref column points at: made by this import or already stored."""
    ref = text(values, column, 64, required=True)
    if ref in ctx.broken[kind] or (ctx.keys and ctx.keys.broken(kind, ref)):
        raise Problem(column, f"{ref!r} has problems of its own (see above)")
    if ref not in ctx.refs[kind]:
        found = lookup(ref)
        if found is None:
            raise Problem(column, f"unknown {kind} {ref!r}")
        ctx.refs[kind][ref] = found
    return ctx.refs[kind][ref]


def save(obj, fields: dict, column_of: dict | None = None, changed=False) -> str:
    """Set `fields` on obj, validate with the model's rules, save; say what happened."""
    column_of = column_of or {}
    if not changed and not obj._state.adding and all(
            getattr(obj, name) == value for name, value in fields.items()):
        return "unchanged"
    outcome = "updated" if not obj._state.adding else "created"
    for name, value in fields.items():
        setattr(obj, name, value)
    try:
        obj.full_clean()
    except ValidationError as e:
        raise ValidationError({column_of.get(k, k): v for k, v in e.message_dict.items()}) \
            from None
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as e:
        raise Problem(column_of.get("__all__", "row"), f"cannot be stored: {e}") from None
    return outcome


def run_import(folder: Path, files: list[CsvFile], service, after=None,
               writing=contextlib.nullcontext) -> ImportContext:
    """Import every known file of `folder` in one transaction; roll back on any problem.

    `service()` gives the service to import into. It is called inside the transaction, so
    that a service made for the import is not left behind when the import is refused.
    `writing(service)` is entered in the transaction around all that is written.
    """
    ctx = ImportContext(service=None)
    if not folder.is_dir():
        ctx.problem(folder, 0, "folder", "not a folder")
        return ctx
    known = {f.name for f in files}
    present = {p.name for p in folder.iterdir() if p.is_file()}
    for name in sorted(present):
        if name.endswith(".csv") and name not in known:
            ctx.problem(name, 1, "file", "unknown file; expected one of " +
                        ", ".join(sorted(known)))
    for required in ("clients.csv", "courses.csv"):
        if required not in present:
            ctx.problem(required, 0, "file", "the file is missing")
    try:
        with page_cache(), transaction.atomic(), contextlib.ExitStack() as stack:
            ctx.service = service()
            stack.enter_context(writing(ctx.service))
            ctx.keys = RefMap(ctx)
            ctx.kinds = {f.kind: f for f in files if f.model is not None}
            for handler in files:
                if handler.name in present:
                    try:
                        _read(ctx, folder / handler.name, handler)
                        if handler.model is not None:
                            bulk.analyze(handler.model,
                                         ctx.counts[handler.name].get("created", 0))
                    except Unreadable as e:
                        # The rows after it, and the files that refer to them, would only
                        # repeat this problem in other words.
                        ctx.problem(handler.name, e.line, e.column, e.message)
                        break
            ctx.keys.drop()
            if ctx.problems:
                raise Rollback
            if after is not None:
                after(ctx)  # in the transaction: derived state is stored with the rows
    except Rollback:
        pass
    return ctx


# SQLite's page cache for an import, in KiB: the default 2 MB holds little of the indexes
# that every new row is written into, and each row then reads its index pages back from
# the file again. It is memory only: what is written, and when (all at the commit), is
# the same.
PAGE_CACHE_KIB = 65536


@contextlib.contextmanager
def page_cache():
    """A larger SQLite page cache for the import's connection while it runs (set outside
    its transaction, so that a failed import still puts the setting back)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


class Unreadable(Exception):
    """A line that is not text: the file cannot be read any further."""

    def __init__(self, line: int, column: str, message: str):
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


NOT_UTF8 = "the file is not UTF-8 — save it as UTF-8"
NUL = "contains a NUL character, which is not text (was the file saved as UTF-8 text?)"


def lines(path: Path, header: list[str]):
    """The file's lines as text, read one at a time (memory stays flat in the file size).

    A line that is not UTF-8 or holds a NUL character raises Unreadable, naming the
    line and, once `header` (filled in by the caller) is known, the column.
    """
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Unreadable(number, _column_of(raw, "\ufffd", header), NOT_UTF8) from None
            if "\0" in line:
                raise Unreadable(number, _column_of(raw, "\0", header), NUL)
            yield line


def _column_of(raw: bytes, bad: str, header: list[str]) -> str:
    """The column of the first field holding `bad`, as well as one line can tell."""
    if not header:
        return "header"
    try:
        fields = next(csv.reader([raw.decode("utf-8", errors="replace").replace("\0", bad)]))
    except (csv.Error, StopIteration):
        return "row"
    for n, field in enumerate(fields):
        if bad in field:
            return header[n] if n < len(header) else "row"
    return "row"


def _read(ctx, path, handler):
    name = handler.name
    header: list[str] = []
    reader = csv.reader(lines(path, header))
    try:
        header += [h.strip() for h in next(reader, [])]
    except csv.Error as e:
        raise Unreadable(reader.line_num, "header", f"not a CSV file ({e})") from None
    allowed = set(handler.required) | set(handler.optional) | set(handler.one_of)
    ok = True
    for column in header:
        if column not in allowed:
            ctx.problem(name, 1, column or "(empty)", "unknown column")
            ok = False
    if len(set(header)) != len(header):
        ctx.problem(name, 1, "header", "a column appears twice")
        ok = False
    for column in handler.required:
        if column not in header:
            ctx.problem(name, 1, column, "required column is missing")
            ok = False
    if handler.one_of and not set(handler.one_of) & set(header):
        ctx.problem(name, 1, " or ".join(handler.one_of), "one of these columns is required")
        ok = False
    if not ok:
        return
    rows = _rows(ctx, name, reader, header)
    if handler.model is not None:
        _in_bulk(ctx, handler, rows)
        return
    seen = {}
    for line, values in rows:
        key = (values.get(handler.key) or "").strip()
        if key and key in seen and handler.key:
            ctx.problem(name, line, handler.key,
                        f"{key!r} appears twice (first on line {seen[key]})")
            continue
        seen[key] = line
        outcome = _row(ctx, handler, line, values)
        if outcome is None and key and handler.key:
            ctx.broken[handler.key.removesuffix("_ref")].add(key)


def _rows(ctx, name, reader, header):
    """(line, {column: text}) for each row of the file."""
    while True:
        try:
            fields = next(reader, None)
        except csv.Error as e:
            raise Unreadable(reader.line_num, "row", f"not readable as CSV ({e})") from None
        if fields is None:
            return
        line = reader.line_num
        if not fields:
            continue  # an empty line
        if len(fields) > len(header):
            ctx.problem(name, line, "row", "more fields than columns in the header")
            continue
        yield line, dict(zip(header, fields, strict=False))


def _report(ctx, handler, line, error) -> None:
    """Note a Problem, Problems or ValidationError (keyed by column) of one row."""
    name = handler.name
    if isinstance(error, Problem):
        ctx.problem(name, line, error.column, error.message)
    elif isinstance(error, Problems):
        for p in error.problems:
            ctx.problem(name, line, p.column, p.message)
    else:
        for column, messages in error.message_dict.items():
            column = handler.key if column == "__all__" else column
            for message in messages:
                ctx.problem(name, line, column, message)


def _row(ctx, handler, line, values) -> str | None:
    """One row through `handler.row()`: its outcome, or None after noting its problems."""
    try:
        outcome = handler.row(ctx, values)
    except (Problem, Problems, ValidationError) as e:
        _report(ctx, handler, line, e)
        return None
    ctx.counts[handler.name][outcome] += 1
    return outcome


def batches(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _in_bulk(ctx, handler, rows) -> None:
    """Check a file's rows a batch at a time and insert its new rows many at a time.

    Each batch costs a few queries, whatever its size: one to find the batch's keys among
    those stored and imported with the stored values of the rows found, one for the rows
    it refers to, one insert. Memory holds one batch, not the file.
    """
    keys = ctx.keys
    parent_column = handler.parent[0] if handler.parent else None
    # Keys as the database stores them, like those read back (RefMap): none is converted.
    pk_field = handler.model._meta.pk
    new_pk = pk_field.get_default
    if pk_field.get_internal_type() == "UUIDField" and \
            not connection.features.has_native_uuid_field:
        new_pk = bulk.rising_uuid_hex
    for batch in batches(((line, values, handler.key_of(values)) for line, values in rows),
                         keys.batch):
        own = keys.find(handler, [key for _line, _values, key in batch], handler.stored)
        parents = {}
        if handler.parent:
            _column, kind, fields = handler.parent
            found = keys.find(ctx.kinds[kind], [(values.get(parent_column) or "").strip()
                                                for _line, values, _key in batch], fields)
            parents = {ref: stored for ref, (_pk, _first, stored) in found.items()}
        new, mapped = [], []
        for line, values, key in batch:
            pk, first, stored = own.get(key, (None, None, None))
            if first is not None:
                _report(ctx, handler, line, handler.twice(key, first))
                continue
            r = Row(ctx, values, line)
            parent = None
            if handler.parent:
                ref = r.text(parent_column, 64, required=True)
                parent = parents.get(ref)
                if ref and parent is None:
                    r.problem(parent_column, f"{ref!r} has problems of its own (see above)"
                              if ref in parents else f"unknown {handler.parent[1]} {ref!r}")
            fields = handler.new(ctx, r, parent, pk) if not r.problems else None
            if r.problems:
                _report(ctx, handler, line, Problems(r.problems))
                pk = None
            elif pk is None:
                fields.setdefault("id", new_pk())
                new.append(fields)
                pk = fields["id"]
                ctx.counts[handler.name]["created"] += 1
                if handler.course_of:
                    ctx.courses.add(fields[handler.course_of])
            elif all(stored[f] == fields[f] for f in handler.stored):
                ctx.counts[handler.name]["unchanged"] += 1
            elif _row(ctx, handler, line, values) is None:
                pk = None
            own[key] = (pk, line, None)
            mapped.append((key, pk, line))
        bulk.insert(handler.model, new)
        keys.add(handler, mapped)


BATCH = 2000  # rows checked and written at a time


class RefMap:
    """Every key of the files written in bulk, stored before or imported now, with its
    primary key and the line it was imported from (None where stored before; the primary
    key is None where the row had problems).

    Kept in a temporary table per kind, not in memory: a national import has millions of
    sessions. A kind's table is filled with the service's stored keys when first asked.
    """

    def __init__(self, ctx):
        self.ctx, self.tables = ctx, {}
        self.batch = min(BATCH, (connection.features.max_query_params or BATCH) - 1)

    def table(self, handler) -> str:
        kind = handler.kind
        if kind not in self.tables:
            name = connection.ops.quote_name(f"spor_import_{kind}")
            pk_type = handler.model._meta.pk.db_type(connection)
            sql, params = handler.existing(self.ctx.service).query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMPORARY TABLE {name} (ref VARCHAR(300) PRIMARY KEY, "
                               f"pk {pk_type} NULL, line INTEGER NULL)")
                # A key stored twice (made outside the import) keeps one of its rows.
                cursor.execute(f"INSERT INTO {name} (ref, pk) SELECT * FROM ({sql}) AS stored "  # noqa: S608 (names from the models)
                               "WHERE true ON CONFLICT (ref) DO NOTHING", params)
                if connection.vendor == "postgresql":  # nothing analyzes a temporary table
                    cursor.execute(f"ANALYZE {name}")
            self.tables[kind] = name
        return self.tables[kind]

    def find(self, handler, keys, fields=()) -> dict:
        """{key: (pk, line, stored)} of the keys known, where `stored` is {"pk": pk,
        field: value} of the row as stored (None where the row had problems), read as
        the driver gives it (see bulk.loader): keys as the database stores them, the
        other values as Python's."""
        keys = list({k for k in keys if k})
        if not keys:
            return {}
        meta = handler.model._meta
        quote = connection.ops.quote_name
        columns = "".join(f", m.{quote(meta.get_field(f).column)}" for f in fields)
        where, params = bulk.among("t.ref", keys)
        read = bulk.loader(handler.model, fields)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT t.ref, t.pk, t.line{columns} "  # noqa: S608 (names from the models)
                           f"FROM {self.table(handler)} t LEFT JOIN {quote(meta.db_table)} m "
                           f"ON m.{quote(meta.pk.column)} = t.pk WHERE {where}", params)
            return {key: (pk, line, None if pk is None else {"pk": pk, **read(values)})
                    for key, pk, line, *values in cursor.fetchall()}

    def broken(self, kind, key) -> bool:
        handler = self.ctx.kinds.get(kind)
        if handler is None:
            return False
        found = self.find(handler, [key]).get(key)
        return found is not None and found[0] is None

    def add(self, handler, rows) -> None:
        """Note (key, pk, line) of the rows just imported."""
        rows = [(key, pk, line) for key, pk, line in rows if key]
        if not rows:
            return
        table = self.table(handler)
        upsert = "ON CONFLICT (ref) DO UPDATE SET pk = excluded.pk, line = excluded.line"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # one statement, not one for each row
                pk_type = handler.model._meta.pk.db_type(connection)
                cursor.execute(f"INSERT INTO {table} (ref, pk, line) SELECT * FROM "  # noqa: S608
                               f"unnest(%s::varchar[], %s::{pk_type}[], %s::integer[]) {upsert}",
                               [list(column) for column in zip(*rows, strict=True)])
            else:
                cursor.executemany(f"INSERT INTO {table} (ref, pk, line) "  # noqa: S608
                                   f"VALUES (%s, %s, %s) {upsert}", rows)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for name in self.tables.values():
                cursor.execute(f"DROP TABLE {name}")
        self.tables = {}
