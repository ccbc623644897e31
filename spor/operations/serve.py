"""The production server: gunicorn running Spor's WSGI application.

Request logs go to stdout and name the URL pattern, never the path itself: paths carry
rating-link tokens and young people's identifiers, query strings carry searches. No
address, browser or referrer is logged either.
"""

import gc
import logging
import os
import traceback

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

# Variables a production server must be given rather than fall back on.
REQUIRED = {
    "SECRET_KEY": "Django's secret key (a long random text)",
    "SPOR_DATA_KEY": "the key that encrypts CPR numbers, kept apart from the backups",
    "ALLOWED_HOSTS": "the host names Spor answers to, e.g. spor.kommune.dk",
}


def refusals() -> list[str]:
    """Why this configuration must not be served, each naming the setting to fix."""
    problems = [f"{name} is not set: {what}." for name, what in REQUIRED.items()
                if not os.environ.get(name, "").strip()]
    if settings.DEBUG:
        problems.append("DEBUG is on: set DEBUG=false (DEBUG shows code and data in errors).")
    if not settings.HTTPS:
        problems.append("SPOR_HTTPS is not true: serve Spor behind an HTTPS proxy (Caddy, "
                        "nginx) and set SPOR_HTTPS=true.")
    return problems


def cautions(workers: int) -> list[str]:
    """What is served, but less safely than it should be."""
    if workers > 1 and not os.environ.get("REDIS_URL", "").strip():
        return [f"REDIS_URL is not set: each of the {workers} workers counts the rate limits "
                f"on its own, so every limit lets {workers} times as many tries through."]
    return []


def route(path: str) -> str:
    if path.startswith(settings.STATIC_URL) or path == "/healthz":
        return path
    try:
        return "/" + resolve(path).route
    except Resolver404:
        return "(no route)"


class RouteOnly(logging.Filter):
    """Django's request logger names the path ("Not Found: /r/<token>/"): name the route."""

    def filter(self, record):
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple) and len(record.args) == 2:
            record.args = (record.args[0], route(request.path))
        return True


class RequestLog(Logger):
    def access(self, resp, req, environ, request_time):
        try:
            self.access_log.info("%s %s %s %d %.0fms", req.method, route(req.path),
                                 resp.status_code, getattr(resp, "sent", 0) or 0,
                                 request_time.total_seconds() * 1000)
        except Exception:
            self.error(traceback.format_exc())


def sizes() -> tuple[int, int]:
    """Workers and threads: the settings, or one process per core of 8 threads each.

    Measured with bench/load.py on 2 cores (PostgreSQL on the same machine, 25 users and
    then without pauses), once charts became cheap to draw: 2 processes of 8 threads used
    51 to 64 ms of processor per request of the mix, 3 of 4 used 57 to 78 and 4 of 2 used
    61 to 65. More processes than cores compete for the same cores and each holds its own
    connections and memory; the threads let a request waiting on the database (a report)
    leave the others be."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return settings.SPOR_WORKERS or cores or 1, settings.SPOR_THREADS or 8


class Server(BaseApplication):
    def __init__(self, bind: str):
        self.bind = bind
        super().__init__()

    def load_config(self):
        workers, threads = sizes()
        for key, value in {
            "bind": [self.bind],
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "accesslog": "-",
            "errorlog": "-",
            "logger_class": RequestLog,
            "graceful_timeout": 30,  # SIGTERM: finish the requests under way, then stop
            "timeout": 120,  # the statistics PDF of a large service takes a while
            "preload_app": True,
            "forwarded_allow_ips": "*" if settings.SPOR_TRUSTED_PROXIES else "127.0.0.1",
            "proc_name": "spor",
        }.items():
            self.cfg.set(key, value)

    def load(self):
        """The application, loaded once before the workers are forked (preload_app).

        What it holds then (Django, the URL patterns, the templates' code: a few hundred
        thousand objects) lives as long as the process, so it is moved out of the reach of
        the collector of reference cycles, which would otherwise go through all of it at
        every collection of its oldest generation, in every worker, and would touch the
        pages the workers share with this process."""
        from spor.wsgi import application

        reverse("login")  # the URL patterns too: they are loaded at first use
        gc.freeze()
        return application
