import datetime

from django.core.exceptions import ValidationError
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext_lazy as _

IN_FUTURE = _("The date is in the future.")


def today() -> datetime.date:
    return timezone.localdate()


def not_in_future(day: datetime.date | None, on: datetime.date | None = None) -> None:
    """The one rule for a date that records what has happened: not after today (or `on`).
    A validator for form fields; models and the API call it through future_errors()."""
    if day is not None and day > (on or today()):
        raise ValidationError(IN_FUTURE, code="future")


def future_errors(on: datetime.date | None = None, **days) -> dict:
    """{field: message} for each of the named days that lies after today (or `on`)."""
    errors = {}
    for field, day in days.items():
        try:
            not_in_future(day, on)
        except ValidationError:
            errors[field] = IN_FUTURE
    return errors


def years_between(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def short(day: datetime.date) -> str:
    """A day as people read it in the active language (SHORT_DATE_FORMAT, "d.m.Y" in Danish);
    templates say the same with ``|date:"SHORT_DATE_FORMAT"``."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def short_writer():
    """A function that writes days as `short` does, in the active language, for many days
    at once: the format is read and taken apart once, where Django's date_format does both
    for every day (a long course's chart describes a hundred ratings in words)."""
    parts = [(bool(i % 2), part if i % 2 else dateformat.re_escaped.sub(r"\1", part))
             for i, part in enumerate(dateformat.re_formatchars.split(
                 str(formats.get_format("SHORT_DATE_FORMAT")))) if part]

    def write(day: datetime.date) -> str:
        found = dateformat.DateFormat(day)
        return "".join(str(getattr(found, part)()) if code else part for code, part in parts)

    return write
