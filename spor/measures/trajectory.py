"""The expected course: a trajectory model of the outcome total at session k for a given
intake, free of the database (see docs/fit.md, "Expected course").

One model form serves a service's own learned course and a licensed model from a file:
for each of low, mid and high, the expected total is the sum of coefficients times terms

    1, x, ln k, x·ln k, s1(x), s1(x)·ln k, s2(x), s2(x)·ln k, …

where x is the intake (the first total), k the session after it (1 = the intake session;
from `max_session` on, as `max_session`) and s1, s2, … the terms of a natural cubic spline
in the intake with the knots `intake_knots` (Hastie, Tibshirani & Friedman, The Elements of
Statistical Learning, eq. 5.4–5.5). Without knots it is the log-linear form of published
expected-treatment-response models: b0 + b1·x + b2·ln k + b3·x·ln k.

A service's own course is learned by quantile regression (Koenker & Bassett 1978) of every
rating after the intake on those terms, one fit per percentile, so the band needs no
assumption of normal, equal spread: ORS totals are bounded by 0 and 40 and skewed near the
ends. A natural spline is linear beyond its outer knots, which is how the model
extrapolates to intakes the service has few or none of; the band widens where the courses
near the intake are few (`counts`, see `Trajectory.grid`). Every band is then made to
hold what a band must:
totals within 0–40, a higher intake never expects less (the running maximum over the
intake), and low ≤ mid ≤ high (sorted, as Chernozhukov, Fernández-Val & Galichon 2010 do
for crossing quantile curves).
"""

import dataclasses
import math
from collections.abc import Iterable, Sequence

import numpy
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_TOTAL = 40
KEYS = ("low", "mid", "high")
GRID = numpy.arange(0, MAX_TOTAL * 10 + 1) / 10  # every intake in tenths
# "n near the point": courses rated at the session whose intake lies this close.
NEAR = 2
# Knots at these quantiles of the intakes, by how many courses there are (Harrell,
# Regression Modeling Strategies, 2nd ed., section 2.4.6): fewer knots with less data.
KNOTS = ((100, (0.10, 0.5, 0.90)), (300, (0.05, 0.35, 0.65, 0.95)),
         (None, (0.05, 0.275, 0.5, 0.725, 0.95)))
# Knots of the spline in ln k: where courses change fastest, early on.
SESSION_KNOTS = (2, 4, 12)


@dataclasses.dataclass(frozen=True)
class Band:
    """Expected outcome at one session for one intake: low and high edge, median, and the
    number of courses it rests on near that intake."""

    low: float
    mid: float
    high: float
    n: int


def spline_terms(x, knots: Sequence[float]) -> list:
    """The non-linear terms of a natural cubic spline with these knots (ESL eq. 5.5)."""
    x = numpy.asarray(x, dtype=float)
    if len(knots) < 3:
        return []
    last = knots[-1]

    def d(j):
        return (numpy.clip(x - knots[j], 0, None) ** 3
                - numpy.clip(x - last, 0, None) ** 3) / (last - knots[j])

    return [d(j) - d(len(knots) - 2) for j in range(len(knots) - 2)]


def terms(x, k, max_session: int, intake_knots: Sequence[float] = (),
          session_knots: Sequence[float] = ()) -> numpy.ndarray:
    """The model's terms for intakes `x` and sessions `k` (arrays of the same length): each
    session term (1, ln k, then the spline in ln k) times each intake term (1, x, then the
    spline in x), in that order."""
    x = numpy.asarray(x, dtype=float)
    log_k = numpy.log(numpy.minimum(numpy.asarray(k, dtype=float), max_session))
    by_intake = [numpy.ones_like(x), x, *spline_terms(x, intake_knots)]
    by_session = [numpy.ones_like(x), log_k,
                  *spline_terms(log_k, [math.log(v) for v in session_knots])]
    return numpy.column_stack([u * v for v in by_session for u in by_intake])


def size(intake_knots: Sequence[float], session_knots: Sequence[float]) -> int:
    return max(len(intake_knots), 2) * max(len(session_knots), 2)


class Trajectory:
    """An expected course from its parameters (the JSON of docs/fit.md)."""

    def __init__(self, params: dict):
        self.params_ = params
        self.max_session = params["max_session"]
        self.n_courses = params.get("n_courses", 0)
        self.intake_knots = params.get("intake_knots", [])
        self.session_knots = params.get("session_knots", [])
        self.percentiles = tuple(params.get("percentiles", (25, 75)))
        self.counts = params.get("counts")
        self._grids = {}

    def raw(self, key: str, x, session: int) -> numpy.ndarray:
        """One edge as its coefficients give it, before it is made to hold."""
        x = numpy.asarray(x, dtype=float)
        t = terms(x, numpy.full(x.shape, session), self.max_session, self.intake_knots,
                  self.session_knots)
        return t @ numpy.asarray(self.params_[key], dtype=float), t

    def grid(self, session: int) -> dict:
        """low, mid and high for every intake 0.0–40.0 at one session, made to hold: within
        0–40, never falling with the intake, in order, and, for a learned course, each edge
        moved out by (high − low)/(2√n), n the courses near the intake (half the standard
        error of a quartile of n ratings, the regression borrowing from its neighbours):
        wider where the service has few courses like this one."""
        k = min(session, self.max_session)
        if k not in self._grids:
            low, mid, high = (self.raw(key, GRID, k)[0] for key in KEYS)
            if self.counts is not None:
                near = [self.near(x, k) for x in range(MAX_TOTAL + 1)]
                n = numpy.interp(GRID, numpy.arange(MAX_TOTAL + 1), near)  # no steps
                spread = numpy.clip(high - low, 0, None) / (2 * numpy.sqrt(numpy.maximum(n, 1)))
                low, high = low - spread, high + spread
            found = [numpy.maximum.accumulate(numpy.clip(v, 0, MAX_TOTAL))
                     for v in (low, mid, high)]
            low, mid, high = numpy.sort(numpy.vstack(found), axis=0)
            self._grids[k] = {"low": low, "mid": mid, "high": high}
        return self._grids[k]

    def near(self, intake, session: int) -> int:
        """How many of the courses it was learned from were rated at this session (or at
        `max_session` and later) with an intake within NEAR points."""
        if self.counts is None:
            return self.n_courses
        row = self.counts[min(session, self.max_session) - 2]
        centre = int(round(float(intake)))
        return sum(row[max(centre - NEAR, 0):centre + NEAR + 1])

    def band(self, intake, session: int) -> Band | None:
        if session < 2:
            return None
        i = min(max(int(round(float(intake) * 10)), 0), MAX_TOTAL * 10)
        grid = self.grid(session)
        low, mid, high = (round(float(grid[key][i]), 1) for key in KEYS)
        return Band(low, mid, high, self.near(intake, session))

    def params(self) -> dict:
        return self.params_

    @classmethod
    def validate(cls, params) -> dict:
        """Check a model file's content; errors name the key at fault."""
        if not isinstance(params, dict):
            raise ValidationError(_("The file must hold one JSON object."))
        errors = {}
        known = {"name", "source", "max_session", "n_courses", "intake_knots",
                 "session_knots", "percentiles", "counts", *KEYS}
        for key in params:
            if key not in known:
                errors[key] = _("unknown key")
        for key in ("name", "source"):
            if not isinstance(params.get(key), str) or not params[key].strip():
                errors[key] = _("a text is required")
        max_session = params.get("max_session")
        if not _whole(max_session) or not 2 <= max_session <= 100:
            errors["max_session"] = _("a whole number from 2 to 100 is required")
            max_session = None
        n = params.get("n_courses", 0)
        if not _whole(n) or n < 0:
            errors["n_courses"] = _("a whole number of 0 or more is required")
        knots = {}
        for key, high in (("intake_knots", MAX_TOTAL), ("session_knots", 100)):
            found = params.get(key, [])
            if not (isinstance(found, list) and (not found or 3 <= len(found) <= 7)
                    and all(_number(v) and (1 if key == "session_knots" else 0) <= v <= high
                            for v in found)
                    and all(a < b for a, b in zip(found, found[1:], strict=False))):
                errors[key] = _("3 to 7 rising numbers from %(low)s to %(high)s are "
                                "required") % {"low": 1 if key == "session_knots" else 0,
                                               "high": high}
                found = []
            knots[key] = found
        n_terms = size(knots["intake_knots"], knots["session_knots"])
        for key in KEYS:
            b = params.get(key)
            if not (isinstance(b, list) and len(b) == n_terms and all(_number(x) for x in b)):
                errors[key] = _("%(n)s numbers are required: one for each term") % {
                    "n": n_terms}
        pct = params.get("percentiles", [25, 75])
        if not (isinstance(pct, list) and len(pct) == 2 and all(_whole(v) for v in pct)
                and 0 < pct[0] < 50 < pct[1] < 100):
            errors["percentiles"] = _("two whole numbers are required, below and above 50")
        counts = params.get("counts")
        if counts is not None and not (
                max_session and isinstance(counts, list) and len(counts) == max_session - 1
                and all(isinstance(r, list) and len(r) == MAX_TOTAL + 1
                        and all(_whole(v) and v >= 0 for v in r) for r in counts)):
            errors["counts"] = _("one list of 41 whole numbers is required for each session "
                                 "from 2 to max_session")
        if errors:
            raise ValidationError(errors)
        if not knots["intake_knots"] and not knots["session_knots"]:
            cls(params).check_log_linear()
        return params

    def check_log_linear(self):
        """A model without splines (the published log-linear form) is refused where it falls
        with the intake or where low, mid and high cross; a spline model is made to hold
        instead (see the module's text)."""
        for session in range(2, self.max_session + 1):
            for key in KEYS:
                _b0, b1, _b2, b3 = self.params_[key]
                if b1 + b3 * math.log(session) < 0:
                    raise ValidationError({key: _(
                        "the expected total falls as the intake rises (at session %(k)s); "
                        "a higher intake must never expect less") % {"k": session}})
            low, mid, high = (numpy.clip(self.raw(key, GRID[::5], session)[0], 0, MAX_TOTAL)
                              for key in KEYS)
            crossed = numpy.flatnonzero((low > mid + 1e-9) | (mid > high + 1e-9))
            if crossed.size:
                raise ValidationError({"mid": _(
                    "low, mid and high must stay in that order (intake %(i)s, session "
                    "%(k)s)") % {"i": float(GRID[::5][crossed[0]]), "k": session}})


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Learning ------------------------------------------------------------------------------

def quantile_regression(x: numpy.ndarray, y: numpy.ndarray, tau: float, steps: int = 100):
    """Coefficients minimising the check loss of quantile `tau` (Koenker & Bassett 1978),
    by the majorize–minimize iteration of Hunter & Lange (2000): weighted least squares
    with weights 1/|residual|. Columns are scaled for the solve and scaled back."""
    scale = x.std(axis=0)
    scale[scale == 0] = 1
    xs = x / scale
    ridge = 1e-8 * numpy.eye(xs.shape[1])
    beta = numpy.linalg.lstsq(xs, y, rcond=None)[0]
    shift = (2 * tau - 1) * xs.sum(axis=0)
    for _step in range(steps):
        w = 1 / (numpy.abs(y - xs @ beta) + 1e-3)
        # einsum rather than a BLAS product: the same numbers, and it does not stall when
        # BLAS threads compete for a busy machine's cores.
        gram = numpy.einsum("ij,ik->jk", xs, xs * w[:, None])
        new = numpy.linalg.lstsq(gram + ridge * numpy.trace(gram),
                                 numpy.einsum("ij,i->j", xs, w * y) + shift, rcond=None)[0]
        moved = numpy.abs(xs @ (new - beta)).max()
        beta = new
        if moved < 5e-3:  # no fitted value moves by more than 0.005 points
            break
    return beta / scale


def learn(courses: Iterable[Sequence[tuple[int, float]]], *, max_session: int = 12,
          percentiles=(25, 75), name: str = "", source: str = "") -> dict:
    """The parameters of an expected course learned from closed courses.

    Each course is its outcome totals as (session, total), session 1 being the intake;
    courses with one rating teach nothing and are left out (and zig-zag courses by the
    caller). Every rating after the intake is one observation, later sessions as
    `max_session`: each rating counts as it is, no course is averaged.
    """
    intakes, rows_x, rows_k, rows_y = [], [], [], []
    counts = [[0] * (MAX_TOTAL + 1) for _k in range(max_session - 1)]
    for series in courses:
        series = sorted(series)
        if len(series) < 2:
            continue
        intake = float(series[0][1])
        intakes.append(intake)
        seen = set()
        for k, total in series[1:]:
            rows_x.append(intake)
            rows_k.append(k)
            rows_y.append(float(total))
            cell = min(k, max_session)
            if cell not in seen:  # a course counts once at each session
                seen.add(cell)
                counts[cell - 2][int(round(intake))] += 1
    params = {"name": name or "Expected course",
              "source": source or f"Learned from {len(intakes)} closed courses",
              "max_session": max_session,
              "n_courses": len(intakes), "percentiles": list(percentiles), "counts": counts}
    if not intakes:
        return {**params, **{key: [0.0, 1.0, 0.0, 0.0] for key in KEYS}}
    sessions = [v for v in SESSION_KNOTS if v <= max_session]
    sessions = sessions if len(sessions) >= 3 else []
    knots = knots_for(intakes)
    if len(rows_y) < 10 * size(knots, sessions):  # too few ratings for the splines
        knots, sessions = [], []
    x = terms(rows_x, rows_k, max_session, knots, sessions)
    y = numpy.asarray(rows_y)
    if knots:
        params["intake_knots"] = knots
    if len(sessions) >= 3:
        params["session_knots"] = sessions
    for key, tau in zip(KEYS, (percentiles[0] / 100, 0.5, percentiles[1] / 100), strict=True):
        params[key] = [float(b) for b in quantile_regression(x, y, tau)]
    return params


def knots_for(intakes: Sequence[float]) -> list[float]:
    """Knots at quantiles of the intakes, fewer with fewer courses; none when the intakes
    are too alike to place three apart."""
    n = len(intakes)
    quantiles = next(q for limit, q in KNOTS if limit is None or n < limit)
    knots = sorted({round(float(v), 1) for v in numpy.quantile(intakes, quantiles)})
    return knots if len(knots) >= 3 and knots[-1] - knots[0] >= 2 else []
