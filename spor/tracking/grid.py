"""The week grid of a timeline follow-back interview: the last 30 days (or one calendar
month) per substance, a row per week, a cell per day, typed from the keyboard.

A cell holds an amount in the grid's unit ("1.5", "1,5"), an amount with a unit ("2 j",
"3 gs"), 0 or - for not used, ? for not known, + for used with an amount not known, or
nothing (not asked). Each cell is the clinician's one answer for that day and substance;
where an app or the import said something else that day, the cell is flagged and the
interview counts (DiaryEntryQuerySet.marked: the rule the summary and the chart read).
"""

import calendar
import dataclasses
import datetime
import decimal
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from spor.lib import grid as cells
from spor.lib.dates import today
from spor.tracking.models import (
    UNIT_SHORT,
    UNITS,
    Answer,
    DiaryEntry,
    Source,
    Unit,
    earliest_day,
)
from spor.tracking.summary import WINDOW
from spor.treatment.models import Substance

# What may follow an amount in a cell; the English and Danish words clinicians type.
UNIT_WORDS = {
    Unit.GRAM: ("g", "gr", "gram"),
    Unit.JOINT: ("j", "joint", "joints", "jointe"),
    Unit.STANDARD_DRINK: ("gs", "genstand", "genstande", "drink", "drinks",
                          "standard_drink"),
    Unit.PILL: ("p", "pill", "pills", "pille", "piller"),
    Unit.OCCASION: ("x", "gang", "gange", "time", "times", "occasion", "occasions"),
}
WORD_UNIT = {word: unit for unit, words in UNIT_WORDS.items() for word in words}
CELL = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([a-zæøå_]*)$")


def cell_name(substance: str, day: datetime.date) -> str:
    return f"{substance}-{day:%Y-%m-%d}"


def parse_cell(text: str, substance: str, unit: str) -> DiaryEntry | None:
    """The answer typed in a cell, or None for an empty cell; ValidationError if unreadable."""
    text = (text or "").strip().lower()
    if not text:
        return None
    if text in ("0", "-"):
        return DiaryEntry(substance=substance, answer=Answer.NOT_USED)
    if text == "?":
        return DiaryEntry(substance=substance, answer=Answer.NOT_KNOWN)
    if text == "+":
        return DiaryEntry(substance=substance, answer=Answer.USED)
    match = CELL.match(text)
    if not match:
        raise ValidationError(_("Type an amount, 0 for not used, ? for not known or + for "
                                "used (amount not known)."))
    amount = decimal.Decimal(match[1].replace(",", "."))
    if match[2]:
        if match[2] not in WORD_UNIT:
            raise ValidationError(_("%(word)s is not a unit.") % {"word": match[2]})
        unit = WORD_UNIT[match[2]]
    if amount == 0:
        return DiaryEntry(substance=substance, answer=Answer.NOT_USED)
    return DiaryEntry(substance=substance, answer=Answer.USED, amount=amount, unit=unit)


def cell_text(entry: DiaryEntry | None, unit: str) -> str:
    """How an answer is shown in a cell with the grid's unit."""
    if entry is None:
        return ""
    if entry.answer == Answer.NOT_USED:
        return "0"
    if entry.answer == Answer.NOT_KNOWN:
        return "?"
    if entry.amount is None:
        return "+"
    amount = entry.amount.normalize()
    number = formats.number_format(amount, max(0, -amount.as_tuple().exponent))
    return number if entry.unit == unit else f"{number} {UNIT_WORDS[entry.unit][0]}"


@dataclasses.dataclass
class Cell(cells.Cell):
    others: list = dataclasses.field(default_factory=list)  # app and import entries
    conflict: bool = False  # the interview and an app or the import disagree


@dataclasses.dataclass
class Week:
    cells: list  # seven, None outside the range

    @property
    def number(self) -> int:
        return next(c.day for c in self.cells if c is not None).isocalendar().week


@dataclasses.dataclass
class Sheet:
    """One substance's days: weeks of seven cells (None outside the range)."""

    substance: str
    unit: str
    weeks: list

    @property
    def label(self):
        return Substance(self.substance).label

    @property
    def units(self):
        return [(u, Unit(u).label) for u in UNITS[self.substance]]

    @property
    def unit_short(self):
        return UNIT_SHORT[self.unit]

    def cells(self):
        return [c for week in self.weeks for c in week.cells if c is not None]


def month_days(month: datetime.date) -> list[datetime.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, last + 1)]


def recent_days(day: datetime.date | None = None) -> list[datetime.date]:
    """The 30 days up to today: the interview's window, whatever day of the month it is."""
    day = day or today()
    return [day - datetime.timedelta(days=n) for n in range(WINDOW - 1, -1, -1)]


def parse_month(value: str | None) -> datetime.date | None:
    """'2026-03' -> 1 March 2026; anything else is None (the last 30 days)."""
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return None


def default_substances(client, days: list[datetime.date]) -> list[str]:
    """The substances of the client's courses and of the days' entries."""
    found = []
    for course in client.courses.all():
        found += [course.main_substance, *course.secondary_substances]
    found += list(client.diary_entries.filter(date__gte=days[0], date__lte=days[-1])
                  .values_list("substance", flat=True).distinct())
    found = [s for s in dict.fromkeys(found) if s in UNITS and s != Substance.UNKNOWN]
    return found or [Substance.CANNABIS]


def build(client, days, substances, units, data=None) -> list[Sheet]:
    """The sheets of consecutive days, filled from the diary or from posted data (with
    errors), each cell flagged where the interview and the app disagree."""
    entries = list(client.diary_entries.marked().filter(
        date__gte=days[0], date__lte=days[-1], substance__in=substances))
    mine = {(e.date, e.substance): e for e in entries if e.source == Source.CLINICIAN}
    others = {}
    for e in entries:
        if e.source != Source.CLINICIAN:
            others.setdefault((e.date, e.substance), []).append(e)
    first, last = earliest_day(client), today()
    lead = days[0].weekday()
    sheets = []
    for substance in substances:
        unit = units.get(substance) or UNITS[substance][0]
        cells = [None] * lead
        for day in days:
            name = cell_name(substance, day)
            text = (data.get(name, "") if data is not None
                    else cell_text(mine.get((day, substance)), unit))
            found = others.get((day, substance), [])
            for e in found:  # an app's answer the interview replaced with another one
                e.overruled = not e.counts and not _same(e, mine[day, substance])
            cells.append(Cell(day, name, text, first <= day <= last, others=found,
                              conflict=any(e.overruled for e in found)))
        cells += [None] * (-len(cells) % 7)
        weeks = [cells[i:i + 7] for i in range(0, len(cells), 7)]
        sheets.append(Sheet(substance, unit, [Week(w) for w in weeks]))
    return sheets


def save(client, user, sheets) -> int:
    """Check every open cell and save the sheets' answers, all or none.

    Returns the number of changed answers; raises ValidationError (with the cells' errors
    set on the sheets) when any cell is wrong.
    """
    wanted, bad = {}, False
    for sheet in sheets:
        for cell in sheet.cells():
            if not cell.open:
                continue
            try:
                entry = parse_cell(cell.text, sheet.substance, sheet.unit)
                if entry is not None:
                    entry.client, entry.date = client, cell.day
                    entry.clean()
            except ValidationError as e:
                cell.error = " ".join(e.messages)
                bad = True
                continue
            wanted[(cell.day, sheet.substance)] = entry
    if bad:
        raise ValidationError(_("Some cells could not be saved."))
    days = [c.day for s in sheets for c in s.cells()]
    with transaction.atomic():
        stored = {(e.date, e.substance): e for e in client.diary_entries.select_for_update()
                  .filter(source=Source.CLINICIAN, date__gte=min(days), date__lte=max(days),
                          substance__in=[s.substance for s in sheets])}
        for entry in filter(None, wanted.values()):
            entry.source, entry.recorded_by = Source.CLINICIAN, user
        return cells.write(DiaryEntry, stored, wanted, compare=ANSWER,
                           also=("recorded_by", "updated_at"))


ANSWER = ("answer", "amount", "unit")


def _same(old, new) -> bool:
    return all(getattr(old, f) == getattr(new, f) for f in ANSWER)
