"""The expected course and the off-track alarm on simulated services (no database).

    python bench/fit_expected.py [training courses] [held-out courses]

For each simulated population of spor/measures/simulation.py: learns the expected course
from `training` closed courses (default 3,000) with the code `spor fit_expected` runs, then
on `held-out` other courses of the same population (default 20,000):

- calibration: in every intake fifth and session 2–10 with at least 100 ratings, the share
  of ratings below the band's lower edge and above its upper edge (the band claims 25 % and
  25 %); the worst distance from the claim is printed, target 5 points;
- the off-track alarm: sensitivity (of courses that end with no reliable change or worse
  and reach session 4, the share flagged by session 4) and false alarms (of courses that
  end reliably improved or recovered, the share ever flagged by session 6), target ≥ 70 %
  and ≤ 20 %. The same for every outcome alarm together (off track, no reliable change by
  session 4, reliably worse), which is what the caseload shows.

Change is measured with a reliable change of 5 points, as the default norms.
"""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")

import django  # noqa: E402

django.setup()

import numpy  # noqa: E402

from spor.measures.fit import AlarmKind, off_track, outcome_alarms  # noqa: E402
from spor.measures.simulation import POPULATIONS, simulate  # noqa: E402
from spor.measures.trajectory import Trajectory, learn  # noqa: E402

RCI = 5
NO_CHANGE_SESSION = 4


def calibration(model, courses):
    """{(fifth, session): [ratings, below, above]} for sessions 2–10."""
    edges = numpy.quantile([c.intake for c in courses], [0.2, 0.4, 0.6, 0.8])
    cells = {}
    for course in courses:
        fifth = int(numpy.searchsorted(edges, course.intake, side="right"))
        for k, total in course.totals[1:10]:
            band = model.band(course.intake, k)
            cell = cells.setdefault((fifth, k), [0, 0, 0])
            cell[0] += 1
            cell[1] += total < band.low
            cell[2] += total > band.high
    return cells


def alarms(model, courses, flagged):
    """(sensitivity, false alarms) in percent, for `flagged(series, band)`."""
    missed = [0, 0]
    false = [0, 0]
    for course in courses:
        series = course.totals
        change = series[-1][1] - series[0][1]
        hits = {series[i][0] for i in range(1, len(series))
                if flagged(series[:i + 1], model.band(course.intake, series[i][0]))}
        if change < RCI and len(series) >= 4:
            missed[0] += 1
            missed[1] += any(k <= 4 for k in hits)
        elif change >= RCI:
            false[0] += 1
            false[1] += any(k <= 6 for k in hits)
    return 100 * missed[1] / missed[0], 100 * false[1] / false[0]


def any_outcome_alarm(series, band):
    return any(a.kind != AlarmKind.ALLIANCE
               for a in outcome_alarms(series, band, RCI, NO_CHANGE_SESSION))


def main():
    n_train = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    n_test = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    print(f"training {n_train} courses, held out {n_test}; targets: calibration within 5 "
          "points, sensitivity >= 70 %, false alarms <= 20 %")
    print(f"{'population':<14} {'fit s':>6} {'cells':>5} {'below':>6} {'above':>6} "
          f"{'worst':>6} {'sens':>5} {'false':>6} {'any: sens':>10} {'false':>6}")
    for number, population in enumerate(POPULATIONS):
        train = simulate(population, n_train, seed=2 * number + 1)
        test = simulate(population, n_test, seed=2 * number + 2)
        begin = time.perf_counter()
        model = Trajectory(learn([c.totals for c in train]))
        seconds = time.perf_counter() - begin
        cells = [c for c in calibration(model, test).values() if c[0] >= 100]
        ratings = sum(c[0] for c in cells)
        worst = max(max(abs(100 * b / n - 25), abs(100 * a / n - 25)) for n, b, a in cells)
        sens, false = alarms(model, test, lambda s, band: off_track(s, band, RCI))
        any_sens, any_false = alarms(model, test, any_outcome_alarm)
        print(f"{population.name:<14} {seconds:6.1f} {len(cells):5d} "
              f"{100 * sum(c[1] for c in cells) / ratings:5.1f}% "
              f"{100 * sum(c[2] for c in cells) / ratings:5.1f}% {worst:6.1f} "
              f"{sens:4.0f}% {false:5.0f}% {any_sens:9.0f}% {any_false:5.0f}%", flush=True)


if __name__ == "__main__":
    main()
