import pytest
from django.conf import settings


def pytest_configure(config):
    """Fast password hashing, and no two-factor step unless a test turns it on."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SPOR_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and page caches start empty in every test."""
    from django.core.cache import cache

    cache.clear()
