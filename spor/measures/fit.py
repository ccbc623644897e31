"""The arithmetic of Feedback Informed Treatment, free of the database.

Scores are compared in whole tenths: every line is scored with one decimal, so every
total, difference, cutoff and reliable-change value is a whole number of tenths, and
comparing tenths classifies a change of exactly 5.0 the same way on every database and in
Python (floating point would not).
"""

import dataclasses
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

MAX_TOTAL = 40
# No expected course above this intake: there is little room left to improve.
CEILING = 32
# Expected course: intake bands (in tenths, upper bound exclusive except the last).
INTAKE_BINS = ((0, 120), (120, 180), (180, 240), (240, 280), (280, CEILING * 10 + 1))


def tenths(value) -> int:
    return int(round(float(value) * 10))


class ChangeClass(models.TextChoices):
    """Jacobson–Truax classes; the values are the keys of the yearly statistics JSON."""

    RECOVERED = "recovered", _("Recovered")
    IMPROVED = "reliably_improved", _("Reliably improved")
    NO_CHANGE = "no_change", _("No reliable change")
    DETERIORATED = "deteriorated", _("Reliably deteriorated")


def norm_for(norms: Iterable, instrument: str, age: int):
    """The norm (cutoff and reliable change) of a measure for an age, or None.

    `norms` holds objects with instrument, min_age, max_age, cutoff and reliable_change:
    the bands in effect for one service (Norm rows or anything shaped like them).
    """
    for norm in norms:
        if (norm.instrument == instrument and norm.min_age <= age
                and (norm.max_age is None or age <= norm.max_age)):
            return norm
    return None


def change_class(first, last, cutoff, rci) -> ChangeClass | None:
    """Jacobson–Truax class of a course from its first and last outcome total.

    Reliable improvement is a rise of at least `rci`; it is recovery when the young person
    also crossed the clinical cutoff, from below it (clinical range) to at or above it.
    None when there is no norm for the young person's age.
    """
    if rci is None:
        return None
    change, rci = tenths(last) - tenths(first), tenths(rci)
    if change >= rci:
        if cutoff is not None and tenths(first) < tenths(cutoff) <= tenths(last):
            return ChangeClass.RECOVERED
        return ChangeClass.IMPROVED
    if change <= -rci:
        return ChangeClass.DETERIORATED
    return ChangeClass.NO_CHANGE


def alliance_flags(items: Sequence, previous_total, rule) -> list[str]:
    """Why an alliance rating (SRS, CSRS, Group SRS) is flagged; empty when it is not.

    `rule` has total_below, item_below and drop_by (Decimal or float). The reasons are
    "total" (total below the limit), "item" (a line below the limit) and "drop" (the total
    fell by `drop_by` or more since the previous session).
    """
    total = sum(tenths(v) for v in items)
    reasons = []
    if total < tenths(rule.total_below):
        reasons.append("total")
    if any(tenths(v) < tenths(rule.item_below) for v in items):
        reasons.append("item")
    if previous_total is not None and tenths(previous_total) - total >= tenths(rule.drop_by):
        reasons.append("drop")
    return reasons


def swings(values: Sequence, size=6) -> int:
    """How many times the totals swing by `size` points or more, counting a run of big
    moves in the same direction once: up 7, down 8, up 6 is three swings."""
    directions = []
    for a, b in pairwise(values):
        step = tenths(b) - tenths(a)
        if abs(step) >= tenths(size):
            direction = 1 if step > 0 else -1
            if not directions or directions[-1] != direction:
                directions.append(direction)
    return len(directions)


def zigzags(values: Sequence, count=4, size=6) -> bool:
    """A course whose outcome swings back and forth is doubtful, not trusted: the ratings
    may say more about how the form is filled in than about change."""
    return swings(values, size) >= count


# Expected course -----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Band:
    """Expected outcome at one session for one intake: low and high percentile, median,
    and the number of courses it rests on."""

    low: float
    mid: float
    high: float
    n: int


def intake_bin(intake) -> tuple[int, int] | None:
    value = tenths(intake)
    for low, high in INTAKE_BINS:
        if low <= value < high:
            return (low, high)
    return None


class BinnedPercentiles:
    """Expected course learned from closed courses: percentiles of the outcome total at
    session k (1 = the intake session) for courses whose intake fell in the same band.
    Sessions from `max_session` on are pooled."""

    kind = "binned"

    def __init__(self, cells: list[dict], max_session: int, n_courses: int,
                 percentiles=(25, 75)):
        self.cells = {(tuple(c["intake"]), c["session"]): c for c in cells}
        self.max_session, self.n_courses = max_session, n_courses
        self.percentiles = tuple(percentiles)

    def band(self, intake, session: int) -> Band | None:
        if session < 2 or tenths(intake) > CEILING * 10:
            return None
        cell = self.cells.get((intake_bin(intake), min(session, self.max_session)))
        if cell is None:
            return None
        return Band(cell["low"], cell["mid"], cell["high"], cell["n"])

    def params(self) -> dict:
        return {"cells": list(self.cells.values()), "max_session": self.max_session,
                "n_courses": self.n_courses, "percentiles": list(self.percentiles)}

    @classmethod
    def from_params(cls, params: dict) -> "BinnedPercentiles":
        cells = [{**c, "intake": tuple(c["intake"])} for c in params["cells"]]
        return cls(cells, params["max_session"], params["n_courses"],
                   params.get("percentiles", (25, 75)))


def fit_binned(courses: Iterable[Sequence[tuple[int, float]]], *, min_per_cell: int,
               max_session: int = 12, percentiles=(25, 75)) -> BinnedPercentiles:
    """Fit the expected course from closed courses.

    Each course is its outcome totals as (session number, total), session 1 being the
    intake. Courses with an intake above the ceiling or one rating only teach nothing and
    are left out; so are zig-zag courses (the caller leaves them out, see `zigzags`).
    A cell (intake band, session) needs `min_per_cell` courses. The percentiles are then
    made monotone in the intake (a higher intake never expects less) by weighted pooling
    of adjacent violators, as sampling noise in small cells would otherwise break it.
    """
    values = defaultdict(list)
    used = 0
    for series in courses:
        series = sorted(series)
        if len(series) < 2 or tenths(series[0][1]) > CEILING * 10:
            continue
        used += 1
        band = intake_bin(series[0][1])
        late = [total for k, total in series if k >= max_session]
        for k, total in series[1:]:
            if k < max_session:
                values[(band, k)].append(float(total))
        if late:
            values[(band, max_session)].append(sum(float(v) for v in late) / len(late))
    low_pct, high_pct = percentiles
    cells = []
    for k in range(2, max_session + 1):
        row = []
        for band in INTAKE_BINS:
            found = values.get((band, k), [])
            if len(found) >= min_per_cell:
                low, mid, high = numpy.percentile(found, [low_pct, 50, high_pct])
                row.append({"intake": band, "session": k, "n": len(found),
                            "low": float(low), "mid": float(mid), "high": float(high)})
        weights = [c["n"] for c in row]
        for key in ("low", "mid", "high"):
            for cell, value in zip(row, monotone([c[key] for c in row], weights), strict=True):
                cell[key] = round(value, 1)
        cells.extend(row)
    return BinnedPercentiles(cells, max_session, used, percentiles)


def monotone(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Weighted isotonic (non-decreasing) fit by pooling adjacent violators."""
    blocks = []  # [mean, weight, count]
    for value, weight in zip(values, weights, strict=True):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return [mean for mean, _weight, count in blocks for _ in range(count)]


class LogLinear:
    """A licensed trajectory model loaded from a file: for each of low, mid and high,
    expected total = b0 + b1·intake + b2·ln(k) + b3·intake·ln(k), sessions from
    `max_session` on as `max_session`. See docs/fit.md for the file format."""

    kind = "loglinear"
    KEYS = ("low", "mid", "high")

    def __init__(self, params: dict):
        self.params_ = params
        self.max_session = params["max_session"]
        self.n_courses = params.get("n_courses", 0)

    def value(self, key, intake, session) -> float:
        b0, b1, b2, b3 = self.params_[key]
        log_k = math.log(min(session, self.max_session))
        return min(max(b0 + b1 * intake + b2 * log_k + b3 * intake * log_k, 0), MAX_TOTAL)

    def band(self, intake, session: int) -> Band | None:
        if session < 2 or tenths(intake) > CEILING * 10:
            return None
        low, mid, high = (round(self.value(key, float(intake), session), 1)
                          for key in self.KEYS)
        return Band(low, mid, high, self.n_courses)

    def params(self) -> dict:
        return self.params_

    @classmethod
    def from_params(cls, params: dict) -> "LogLinear":
        return cls(params)

    @classmethod
    def validate(cls, params) -> dict:
        """Check a model file's content; errors name the key at fault."""
        if not isinstance(params, dict):
            raise ValidationError(_("The file must hold one JSON object."))
        errors = {}
        known = {"name", "source", "max_session", "n_courses", *cls.KEYS}
        for key in params:
            if key not in known:
                errors[key] = _("unknown key")
        for key in ("name", "source"):
            if not isinstance(params.get(key), str) or not params[key].strip():
                errors[key] = _("a text is required")
        max_session = params.get("max_session")
        if not isinstance(max_session, int) or isinstance(max_session, bool) \
                or not 2 <= max_session <= 100:
            errors["max_session"] = _("a whole number from 2 to 100 is required")
        n = params.get("n_courses", 0)
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            errors["n_courses"] = _("a whole number of 0 or more is required")
        for key in cls.KEYS:
            b = params.get(key)
            if not (isinstance(b, list) and len(b) == 4 and all(
                    isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                    for x in b)):
                errors[key] = _("four numbers are required: b0, b1, b2, b3")
        if errors:
            raise ValidationError(errors)
        model = cls(params)
        for session in range(2, max_session + 1):
            for key in cls.KEYS:
                _b0, b1, _b2, b3 = params[key]
                if b1 + b3 * math.log(session) < 0:
                    raise ValidationError({key: _(
                        "the expected total falls as the intake rises (at session %(k)s); "
                        "a higher intake must never expect less") % {"k": session}})
            for step in range(0, CEILING * 2 + 1):
                intake = step / 2
                low, mid, high = (model.value(k, intake, session) for k in cls.KEYS)
                if not low <= mid <= high:
                    raise ValidationError({"mid": _(
                        "low, mid and high must stay in that order (intake %(i)s, session "
                        "%(k)s)") % {"i": intake, "k": session}})
        return params


MODELS = {BinnedPercentiles.kind: BinnedPercentiles, LogLinear.kind: LogLinear}


def model_from(kind: str, params: dict):
    return MODELS[kind].from_params(params)


# Alarms --------------------------------------------------------------------------------

class AlarmKind(models.TextChoices):
    OFF_TRACK = "off_track", _("Below the expected course")
    ALLIANCE = "alliance", _("Alliance")
    NO_CHANGE = "no_change", _("No reliable change")
    WORSE = "worse", _("Reliably worse")


# The most serious first: the young person getting worse than at intake, then falling
# below the expected course, a weak alliance, and no reliable change.
SEVERITY = (AlarmKind.WORSE, AlarmKind.OFF_TRACK, AlarmKind.ALLIANCE, AlarmKind.NO_CHANGE)


@dataclasses.dataclass(frozen=True)
class Alarm:
    kind: str
    message: str

    @property
    def rank(self) -> int:
        return SEVERITY.index(self.kind)


def most_serious_first(alarms: Sequence[Alarm]) -> list[Alarm]:
    return sorted(alarms, key=lambda a: a.rank)


def severity(alarms: Sequence[Alarm]) -> int:
    """The rank of the most serious alarm (0 is the most serious); past the end for none."""
    return min((a.rank for a in alarms), default=len(SEVERITY))


def outcome_alarms(outcome: Sequence[tuple[int, float]], band: Band | None, rci,
                   no_change_session: int) -> list[Alarm]:
    """Alarms from the young person's own outcome totals as (session number, total).

    Off track: the latest total is below the band of the expected course. Worse: the
    latest total is reliably below the intake. No change: by `no_change_session` (and at
    every session after it) the total is not reliably above the intake.
    """
    found = []
    if len(outcome) < 2:
        return found
    (_k0, first), (k, last) = outcome[0], outcome[-1]
    if band is not None and tenths(last) < tenths(band.low):
        found.append(Alarm(AlarmKind.OFF_TRACK, _(
            "Below the expected course at session %(k)s (%(total)s, expected at least "
            "%(low)s)") % {"k": k, "total": fmt(last), "low": fmt(band.low)}))
    if rci is not None:
        change = tenths(last) - tenths(first)
        if change <= -tenths(rci):
            found.append(Alarm(AlarmKind.WORSE, _(
                "Reliably worse than at intake (%(change)s)") % {"change": fmt(change / 10,
                                                                             sign=True)}))
        elif k >= no_change_session and change < tenths(rci):
            found.append(Alarm(AlarmKind.NO_CHANGE, _(
                "No reliable change by session %(k)s (%(change)s)") % {
                "k": k, "change": fmt(change / 10, sign=True)}))
    return found


def alliance_alarm(reasons: Sequence[str]) -> list[Alarm]:
    if not reasons:
        return []
    return [Alarm(AlarmKind.ALLIANCE, _("Alliance: %(why)s") % {
        "why": ", ".join(str(ALLIANCE_REASONS[r]) for r in reasons)})]


ALLIANCE_REASONS = {
    "total": _("session rating below the limit"),
    "item": _("a line below the limit"),
    "drop": _("session rating dropped"),
}


# Effect sizes --------------------------------------------------------------------------

def effect_size(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Pre–post effect size: mean change divided by the spread (SD) of the intakes."""
    if len(pairs) < 2:
        return None
    firsts = [float(a) for a, _b in pairs]
    spread = statistics.stdev(firsts)
    if spread == 0:
        return None
    return statistics.fmean(float(b) - float(a) for a, b in pairs) / spread


def adjusted_effect_size(triples: Sequence[tuple[float, float, float]]) -> float | None:
    """Severity-adjusted effect size against the learned expectation: the mean distance of
    the last total above the expected median for the same intake and session, divided by
    the spread of the intakes. 0 is exactly as expected; positive is better."""
    if len(triples) < 2:
        return None
    spread = statistics.stdev(float(a) for a, _b, _e in triples)
    if spread == 0:
        return None
    return statistics.fmean(float(b) - float(e) for _a, b, e in triples) / spread


def fmt(value, sign=False) -> str:
    """A total with one decimal in the language's own notation (a comma in Danish)."""
    text = formats.number_format(round(abs(float(value)), 1), 1)
    if float(value) < 0:
        return "−" + text
    return ("+" + text) if sign else text
