import pytest
from django.conf import settings


def pytest_configure(config):
    """Fast password hashing, and no two-factor step unless a test turns it on."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SPOR_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits, page caches and the FIT rules kept in the process start empty in every
    test."""
    from django.core.cache import cache

    from spor.measures.models import RULES

    cache.clear()
    RULES.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Danish): a request in English earlier in
    the same thread leaves its language active for code that runs without a request."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
