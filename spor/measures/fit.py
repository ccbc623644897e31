"""The arithmetic of Feedback Informed Treatment, free of the database.

Scores are compared in whole tenths: every line is scored with one decimal, so every
total, difference, cutoff and reliable-change value is a whole number of tenths, and
comparing tenths classifies a change of exactly 5.0 the same way on every database and in
Python (floating point would not).
"""

import dataclasses
import statistics
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # numpy is loaded only where an expected course is worked with
    from spor.measures.trajectory import Band, Trajectory

# The off-track rule's limits, in points (chosen on simulated services where it is known
# who does not respond: bench/fit_expected.py, docs/fit.md). From the second rating after
# the intake: gained on average less than MEAN_GAIN over the ratings after it, the latest
# less than LATEST_GAIN above the intake and less than MEDIAN_MARGIN above the expected
# median. At the first rating after the intake only a clear fall: FIRST_BELOW or more
# under the expected median and FIRST_DROP or more under the intake.
OFF_TRACK_MEAN_GAIN = 1.6
OFF_TRACK_LATEST_GAIN = 2
OFF_TRACK_MEDIAN_MARGIN = 2
OFF_TRACK_FIRST_BELOW = 6
OFF_TRACK_FIRST_DROP = 2


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
    marks = [tenths(v) for v in items]
    total, item_below = sum(marks), tenths(rule.item_below)
    reasons = []
    if total < tenths(rule.total_below):
        reasons.append("total")
    if any(mark < item_below for mark in marks):
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

def model_from(kind: str, params: dict) -> "Trajectory":
    """The expected course of a stored row: learned or from a file, one model form."""
    from spor.measures.trajectory import Trajectory

    return Trajectory(params)


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
    """An open alarm: its kind, the session (numbered among attended sessions) whose rating
    raised it, the total there and what was expected (the limit it is measured against)."""

    kind: str
    message: str
    session: int | None = None
    value: float | None = None
    expected: float | None = None

    @property
    def rank(self) -> int:
        return SEVERITY.index(self.kind)


def off_track(outcome: Sequence[tuple[int, float]], band: "Band | None", rci) -> bool:
    """The decision rule (limits above): one rating after the intake raises the alarm only
    when it is a clear fall below the intake and the expected median; from the second on,
    when the young person has on average gained little since the intake, the latest total
    is hardly above the intake and not above the expected median by more than a little.
    A reliable improvement (2.0 → 9.0) is never off track. Averaging keeps one low rating
    from raising an alarm; waiting for a second rating keeps a noisy first one from it."""
    if band is None or len(outcome) < 2:
        return False
    first, later = tenths(outcome[0][1]), [tenths(total) for _k, total in outcome[1:]]
    last, mid = later[-1], tenths(band.mid)
    if rci is not None and last - first >= tenths(rci):
        return False
    if len(later) == 1:
        return (last <= mid - tenths(OFF_TRACK_FIRST_BELOW)
                and last <= first - tenths(OFF_TRACK_FIRST_DROP))
    return (last - first < tenths(OFF_TRACK_LATEST_GAIN)
            and last < mid + tenths(OFF_TRACK_MEDIAN_MARGIN)
            and sum(later) < (first + tenths(OFF_TRACK_MEAN_GAIN)) * len(later))


def most_serious_first(alarms: Sequence[Alarm]) -> list[Alarm]:
    return sorted(alarms, key=lambda a: a.rank)


def severity(alarms: Sequence[Alarm]) -> int:
    """The rank of the most serious alarm (0 is the most serious); past the end for none."""
    return min((a.rank for a in alarms), default=len(SEVERITY))


def outcome_alarms(outcome: Sequence[tuple[int, float]], band: "Band | None", rci,
                   no_change_session: int) -> list[Alarm]:
    """Alarms from the young person's own outcome totals as (session number, total),
    sessions numbered among the sessions the young person attended, the first being the
    intake; `band` is the expected course at the latest.

    Worse: the latest total is reliably below the intake. Off track: see `off_track`.
    No change: at session `no_change_session` or later the total is not reliably above the
    intake.
    """
    found = []
    if len(outcome) < 2:
        return found
    (_k0, first), (k, last) = outcome[0], outcome[-1]
    if rci is not None and tenths(last) - tenths(first) <= -tenths(rci):
        change = (tenths(last) - tenths(first)) / 10
        found.append(Alarm(AlarmKind.WORSE, _(
            "Reliably worse than at intake at session %(k)s (%(change)s)") % {
            "k": k, "change": fmt(change, sign=True)}, k, float(last), float(first)))
    if off_track(outcome, band, rci):
        found.append(Alarm(AlarmKind.OFF_TRACK, _(
            "Below the expected course at session %(k)s (%(total)s, most who began alike "
            "had %(mid)s or more)") % {"k": k, "total": fmt(last), "mid": fmt(band.mid)},
            k, float(last), band.mid))
    if rci is not None and k >= no_change_session and \
            -tenths(rci) < tenths(last) - tenths(first) < tenths(rci):
        change = (tenths(last) - tenths(first)) / 10
        found.append(Alarm(AlarmKind.NO_CHANGE, _(
            "No reliable change by session %(k)s (%(change)s)") % {
            "k": k, "change": fmt(change, sign=True)}, k, float(last),
            (tenths(first) + tenths(rci)) / 10))
    return found


def alliance_alarm(reasons: Sequence[str], session: int | None = None, value=None,
                   limit=None) -> list[Alarm]:
    if not reasons:
        return []
    return [Alarm(AlarmKind.ALLIANCE, _("Alliance: %(why)s") % {
        "why": ", ".join(str(ALLIANCE_REASONS[r]) for r in reasons)}, session,
        None if value is None else float(value), None if limit is None else float(limit))]


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


# An effect size is shown only where it can carry a meaning (docs/fit.md): from this many
# courses, and when the first ratings spread by at least this many points (standard
# deviation). Below that the page says why instead of a number.
EFFECT_MIN_COURSES = 10
EFFECT_MIN_SPREAD = 3


@dataclasses.dataclass(frozen=True)
class Effect:
    """An effect size and what it rests on; `value` is None with the `reason` why."""

    value: float | None
    n: int
    spread: float | None
    reason: str = ""


def effect(pairs: Sequence, adjusted: bool = False) -> Effect:
    """The effect size of (first, last) pairs — or (first, last, expected) triples with
    `adjusted` — by the rule above."""
    n = len(pairs)
    spread = statistics.stdev(float(p[0]) for p in pairs) if n >= 2 else None
    if n < EFFECT_MIN_COURSES:
        return Effect(None, n, spread, _("too few courses (n = %(n)s, %(min)s needed)") % {
            "n": n, "min": EFFECT_MIN_COURSES})
    if spread < EFFECT_MIN_SPREAD:
        return Effect(None, n, spread, _(
            "the spread is too small (SD %(sd)s points of the first ratings, %(min)s "
            "needed)") % {"sd": fmt(spread), "min": EFFECT_MIN_SPREAD})
    value = adjusted_effect_size(pairs) if adjusted else effect_size(pairs)
    return Effect(value, n, spread)


def fmt(value, sign=False) -> str:
    """A total with one decimal in the language's own notation (a comma in Danish)."""
    text = formats.number_format(round(abs(float(value)), 1), 1)
    if float(value) < 0:
        return "−" + text
    return ("+" + text) if sign else text
