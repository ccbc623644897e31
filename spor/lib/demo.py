"""Shared pieces of the demo data set: a seeded random source and Danish names."""

import dataclasses
import datetime
import random

FIRST_NAMES_F = ["Freja", "Ida", "Emma", "Clara", "Laura", "Sofie", "Maja", "Anna", "Alma",
                 "Ella", "Karla", "Josefine", "Sara", "Nanna", "Mathilde", "Amalie", "Cecilie"]
FIRST_NAMES_M = ["Oliver", "William", "Noah", "Lucas", "Emil", "Victor", "Magnus", "Frederik",
                 "Mikkel", "Kasper", "Mads", "Jonas", "Tobias", "Rasmus", "Ahmad", "Yusuf",
                 "Emre", "Mathias", "Sebastian", "Malthe"]
LAST_NAMES = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
              "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen",
              "Olsen", "Thomsen", "Poulsen", "Yilmaz", "Holm", "Berg", "Lund"]
PSEUDONYMS = ["Ræven", "Mus", "Kalle", "Sol", "Lillebror", "Nova", "Bølge", "Skygge", "Kiwi",
              "Ninja", "Stjerne", "Pingo", "Bjørn", "Luna", "Taco", "Rocky", "Lyn", "Mango",
              "Fnug", "Zorro", "Pip", "Lotus", "Bamse", "Sky", "Flamingo", "Kaktus"]
DEMO_PASSWORD = "spor-demo-2026"  # noqa: S105 - published in the README, demo only


@dataclasses.dataclass
class DemoContext:
    """What one app's demo data needs from the others."""

    service: object
    today: datetime.date
    rng: random.Random
    teams: dict = dataclasses.field(default_factory=dict)
    staff: dict = dataclasses.field(default_factory=dict)

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        span = max((end - start).days, 0)
        return start + datetime.timedelta(days=self.rng.randint(0, span))

    def pick(self, weighted: dict):
        return self.rng.choices(list(weighted), weights=list(weighted.values()))[0]
