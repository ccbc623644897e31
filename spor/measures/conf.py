"""FIT settings, read from the environment with typed helpers (see docs/fit.md).

Each can also be set in Django settings (tests use override_settings); the environment
gives the default. Norms and the SRS flag rules are not here: they are per service in the
database, editable by the administrator.
"""

from django.conf import settings

from spor.lib.env import envint

DEFAULTS = {
    # A personal rating link (QR code) for the young person's or a parent's own phone.
    "SPOR_RATING_LINK_HOURS": envint("SPOR_RATING_LINK_HOURS", 24),
    # Hand-over on the clinician's tablet: the form must be filled in within this time.
    "SPOR_HANDOVER_MINUTES": envint("SPOR_HANDOVER_MINUTES", 30),
    # Requests to the public rating pages per network address per 10 minutes.
    "SPOR_RATING_RATE_LIMIT": envint("SPOR_RATING_RATE_LIMIT", 60),
    # The expected course is drawn once the service has this many closed courses with two
    # or more ratings, and a band cell rests on at least this many courses.
    "SPOR_EXPECTED_MIN_COURSES": envint("SPOR_EXPECTED_MIN_COURSES", 30),
    "SPOR_EXPECTED_MIN_PER_CELL": envint("SPOR_EXPECTED_MIN_PER_CELL", 10),
    "SPOR_EXPECTED_MAX_SESSION": envint("SPOR_EXPECTED_MAX_SESSION", 12),
    # The band spans these percentiles; below the lower one is "off track".
    "SPOR_EXPECTED_LOW_PERCENTILE": envint("SPOR_EXPECTED_LOW_PERCENTILE", 25),
    "SPOR_EXPECTED_HIGH_PERCENTILE": envint("SPOR_EXPECTED_HIGH_PERCENTILE", 75),
    # A course whose outcome swings this many times by this many points is doubtful.
    "SPOR_ZIGZAG_SWINGS": envint("SPOR_ZIGZAG_SWINGS", 4),
    "SPOR_ZIGZAG_POINTS": envint("SPOR_ZIGZAG_POINTS", 6),
}
RATE_WINDOW_SECONDS = 600


def get(name: str) -> int:
    return getattr(settings, name, DEFAULTS[name])
