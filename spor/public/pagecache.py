"""Language by address, and a page cache for anonymous visitors.

Public pages take their language from the address (?lang=en), not from a cookie: then
every address is one page in one language that browsers, proxies and this cache may keep,
and switching language is a plain link that needs no form and no CSRF token.

Cached pages are rendered without any per-visitor data (no CSRF token, no messages), so
one rendering serves everyone. Each service's pages carry a version that changes whenever
its page or gallery changes, so an approved or removed post shows at once.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control

LANGS = {"da", "en"}


def public_language(request) -> str:
    lang = request.GET.get("lang", "da")
    return lang if lang in LANGS else "da"


def version(slug: str) -> int:
    key = f"public:version:{slug}"
    value = cache.get(key)
    if value is None:
        # Never reuse an old number after the cache lost the counter.
        value = time.time_ns()
        cache.set(key, value, timeout=None)
    return value


def bump(*slugs: str) -> None:
    """Forget the cached pages of these services, and the list of all pages ("-")."""
    for slug in {"-", *filter(None, slugs)}:
        cache.set(f"public:version:{slug}", time.time_ns(), timeout=None)


def public_view(view):
    """Render a public view in the language of its address."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        lang = public_language(request)
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = lang
        return response

    return wrapper


def cached_public_view(view):
    """A public GET page, rendered once per service version, language and page number,
    and shared by every anonymous visitor."""

    @wraps(view)
    def wrapper(request, **kwargs):
        slug = kwargs.get("service_slug") or "-"
        lang = public_language(request)
        page = request.GET.get("page", "1")
        anonymous = not request.user.is_authenticated
        key = None
        if anonymous and request.method == "GET" and page.isdigit() and len(page) < 5:
            key = f"public:page:{view.__name__}:{slug}:{lang}:{page}:{version(slug)}"
            hit = cache.get(key)
            if hit is not None:
                response = HttpResponse(hit, content_type="text/html; charset=utf-8")
                response.headers["Content-Language"] = lang
                patch_cache_control(response, public=True,
                                    max_age=settings.SPOR_PUBLIC_BROWSER_CACHE_SECONDS)
                return response
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, **kwargs)
        response.headers["Content-Language"] = lang
        if key and response.status_code == 200 and not response.cookies:
            cache.set(key, response.content, timeout=settings.SPOR_PUBLIC_PAGE_CACHE_SECONDS)
        if anonymous and response.status_code == 200:
            patch_cache_control(response, public=True,
                                max_age=settings.SPOR_PUBLIC_BROWSER_CACHE_SECONDS)
        return response

    return wrapper
