"""The one rate limiter and the one client-address helper.

Every limit counts hits in a fixed window in the cache (one process needs nothing more;
several share REDIS_URL). Network addresses never reach the cache as they are: a key holds
only a keyed hash of the address, as the page for young people promises.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def client_address(request) -> str:
    """The visitor's address. Behind SPOR_TRUSTED_PROXIES proxies that each add to
    X-Forwarded-For, the address the outermost trusted proxy saw; without it, the
    address of whoever connected (the proxy itself, when there is one)."""
    proxies = settings.SPOR_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def address_key(request) -> str:
    """A keyed hash of the client's address: the same visitor gets the same key, and the
    key cannot be turned back into the address without the secret key."""
    return salted_hmac("spor.lib.ratelimit", client_address(request)).hexdigest()[:32]


def hit(scope: str, who: str, limit: int, window: int) -> int | None:
    """Count one hit of `who` in this window of `window` seconds.

    Returns None while within `limit`, else the seconds until the window ends (for a
    Retry-After header).
    """
    now = time.time()
    key = f"rate:{scope}:{who}:{int(now // window)}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return int(window - now % window) + 1 if count > limit else None


def over_limit(request, scope: str, limit: int, window: int) -> int | None:
    """`hit` for the client's address (as a keyed hash)."""
    return hit(scope, address_key(request), limit, window)
