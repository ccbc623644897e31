"""Simulated services for the FIT benches and tests: courses whose outcome totals follow
a known course, so that it is known which young people respond and which do not.

Each young person has a true level at intake; every rating is that level plus the change
so far plus rating noise, within 0–40, in tenths. The change rises towards the course's
own gain at the course's own pace (1 − e^(−(k−1)/pace)); the gain is larger the more room
there is to improve, and some courses gain nothing or lose. Courses end after a random
number of sessions. Nothing here reads the database.
"""

import dataclasses
import math
import random


@dataclasses.dataclass(frozen=True)
class Population:
    """How the simulated young people and their courses vary."""

    name: str
    intake_mean: float = 18.0
    intake_sd: float = 6.5
    noise_sd: float = 3.0  # of each rating around the true course
    share_flat: float = 0.3  # courses that gain nothing (or lose a little)
    share_worse: float = 0.07  # courses that lose reliably
    gain_per_room: float = 0.45  # mean gain as a share of the room up to 36
    gain_sd: float = 3.0
    pace: tuple = (0.7, 3.0)  # sessions to reach 63 % of the gain, from–to
    sessions: tuple = (3, 16)  # rated sessions in a course, from–to


POPULATIONS = (
    Population("typical"),
    Population("noisy ratings", noise_sd=4.0),
    Population("few respond", share_flat=0.45, share_worse=0.1),
    Population("high intakes", intake_mean=24.0, intake_sd=7.0),
    Population("slow change", pace=(2.0, 5.0)),
)


@dataclasses.dataclass
class SimulatedCourse:
    totals: list  # [(session, total)], session 1 being the intake

    @property
    def intake(self) -> float:
        return self.totals[0][1]


def simulate(population: Population, n: int, seed: int) -> list[SimulatedCourse]:
    rng = random.Random(seed)  # noqa: S311 -- simulated data, not a secret
    courses = []
    for _i in range(n):
        level = min(max(rng.gauss(population.intake_mean, population.intake_sd), 0), 40)
        draw = rng.random()
        if draw < population.share_worse:
            gain = -rng.uniform(5, 12)
        elif draw < population.share_worse + population.share_flat:
            gain = rng.uniform(-3, 2)
        else:
            gain = max(rng.gauss(population.gain_per_room * (36 - level), population.gain_sd),
                       1)
        pace = rng.uniform(*population.pace)
        length = rng.randint(*population.sessions)
        totals = []
        for k in range(1, length + 1):
            true = level + gain * (1 - math.exp(-(k - 1) / pace))
            total = min(max(true + rng.gauss(0, population.noise_sd), 0), 40)
            totals.append((k, round(total, 1)))
        courses.append(SimulatedCourse(totals))
    return courses
