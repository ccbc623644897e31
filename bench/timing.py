"""Timing for the benchmarks: the median of a few runs."""

import statistics
import time


def timed(run, repeat=5, warm=False):
    """(median seconds, last result) of `repeat` runs, after one untimed run if `warm`."""
    if warm:
        run()
    times, result = [], None
    for _ in range(repeat):
        begin = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - begin)
    return statistics.median(times), result
