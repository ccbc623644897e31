from django.conf import settings


def pytest_configure(config):
    """Fast password hashing, and no two-factor step unless a test turns it on."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SPOR_REQUIRE_2FA = False
