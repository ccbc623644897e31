"""A database still busy after the wait: answer 503 with Retry-After, never 500.

With SQLite (one writer at a time) a burst of writes can outlast the busy timeout; the
request is refused whole (its transaction rolled back) and the client is told to retry.
"""

from django.db import OperationalError

from spor.errors import page

RETRY_AFTER_SECONDS = 5


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc)


class BusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_busy(exc):
            return None
        response = page(request, 503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
