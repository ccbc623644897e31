"""Password hashing with Argon2 at the cost set in settings.py (SPOR_ARGON2_*).

Django's own Argon2 parameters take about 100 MB of memory and several threads per login;
under load on a small server that alone made logins take seconds. A stored hash made with
other parameters is re-hashed at the next login (Django's must_update).
"""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2Hasher(Argon2PasswordHasher):
    algorithm = "argon2"  # the same stored format as Django's: old hashes still verify

    @property
    def time_cost(self):
        return settings.SPOR_ARGON2_TIME_COST

    @property
    def memory_cost(self):
        return settings.SPOR_ARGON2_MEMORY_KIB

    @property
    def parallelism(self):
        return settings.SPOR_ARGON2_PARALLELISM
