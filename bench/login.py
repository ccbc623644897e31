"""What a password check costs with Argon2 at Django's parameters and at Spor's settings
(SPOR_ARGON2_*), alone and with 8 logins at once, measured in the same run.

    .venv/bin/python bench/login.py

Prints milliseconds per check (median) and peak memory the hashing needs; the ratio of
Spor's setting to Django's shows what the setting buys on this machine. Logins through
`spor serve` (the login form's POST, 10 at once) are measured by bench/load.py's last
step.
"""

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402

from spor.accounts.hashers import Argon2Hasher  # noqa: E402

PASSWORD = "spor-demo-2026"  # noqa: S105


def per_check(hasher, encoded, workers, checks=16):
    def one(_):
        began = time.perf_counter()
        assert hasher.verify(PASSWORD, encoded)
        return (time.perf_counter() - began) * 1000

    with ThreadPoolExecutor(workers) as pool:
        return statistics.median(pool.map(one, range(checks)))


def main():
    rows = []
    for name, hasher, memory in [
            ("Django's Argon2", Argon2PasswordHasher(), Argon2PasswordHasher.memory_cost),
            ("Spor's setting", Argon2Hasher(), settings.SPOR_ARGON2_MEMORY_KIB)]:
        encoded = hasher.encode(PASSWORD, hasher.salt())
        params = encoded.split("$")[3]
        rows.append((name, params, memory, per_check(hasher, encoded, 1),
                     per_check(hasher, encoded, 8)))
    base = rows[0]
    for name, params, memory, alone, loaded in rows:
        print(f"{name:16} {params:22} {memory / 1024:6.0f} MiB per check  "
              f"alone {alone:6.1f} ms ({alone / base[3]:.2f}x)  "
              f"8 at once {loaded:7.1f} ms ({loaded / base[4]:.2f}x)")


if __name__ == "__main__":
    main()
