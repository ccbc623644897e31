"""The import folder of FORMATS.md: typed column parsers, per-file handlers, one transaction.

Each app describes its files as `CsvFile` subclasses; `run_import` reads a folder, checks
every row of every file, writes nothing if any problem was found, and returns the problems
as `file:line: column: message`.
"""

import codecs
import csv
import dataclasses
import datetime
import decimal
from collections import defaultdict
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


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

    def __init__(self, ctx, values: dict):
        self.ctx, self.values, self.problems = ctx, values, []

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

    def row(self, ctx: ImportContext, values: dict) -> str:
        """Validate and write one row; return "created", "updated" or "unchanged".

        Raise Problem(column, message) or a ValidationError keyed by column names.
        """
        raise NotImplementedError


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
    allowed = [c[0] if isinstance(c, tuple) else c for c in choices]
    if not value:
        if required:
            raise Problem(column, "a value is required: one of " + ", ".join(allowed))
        return default
    if value not in allowed:
        raise Problem(column, f"{value!r} is not one of " + ", ".join(allowed))
    return value


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
    if ref in ctx.broken[kind]:
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


def run_import(folder: Path, files: list[CsvFile], service) -> ImportContext:
    """Import every known file of `folder` in one transaction; roll back on any problem.

    `service()` gives the service to import into. It is called inside the transaction, so
    that a service made for the import is not left behind when the import is refused.
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
        with transaction.atomic():
            ctx.service = service()
            for handler in files:
                if handler.name in present:
                    try:
                        _read(ctx, folder / handler.name, handler)
                    except Unreadable as e:
                        # The rows after it, and the files that refer to them, would only
                        # repeat this problem in other words.
                        ctx.problem(handler.name, e.line, e.column, e.message)
                        break
            if ctx.problems:
                raise Rollback
    except Rollback:
        pass
    return ctx


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
    seen = {}
    while True:
        try:
            fields = next(reader, None)
        except csv.Error as e:
            raise Unreadable(reader.line_num, "row", f"not readable as CSV ({e})") from None
        if fields is None:
            break
        line = reader.line_num
        if not fields:
            continue  # an empty line
        if len(fields) > len(header):
            ctx.problem(name, line, "row", "more fields than columns in the header")
            continue
        values = dict(zip(header, fields))
        key = (values.get(handler.key) or "").strip()
        if key and key in seen and handler.key:
            ctx.problem(name, line, handler.key,
                        f"{key!r} appears twice (first on line {seen[key]})")
            continue
        seen[key] = line
        try:
            outcome = handler.row(ctx, values)
        except Problem as p:
            ctx.problem(name, line, p.column, p.message)
        except Problems as ps:
            for p in ps.problems:
                ctx.problem(name, line, p.column, p.message)
        except ValidationError as e:
            for column, messages in e.message_dict.items():
                column = handler.key if column == "__all__" else column
                for message in messages:
                    ctx.problem(name, line, column, message)
        else:
            ctx.counts[name][outcome] += 1
            continue
        if key and handler.key:
            ctx.broken[handler.key.removesuffix("_ref")].add(key)
