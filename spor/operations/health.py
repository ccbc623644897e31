"""/healthz for load balancers and container health checks.

Answered by a middleware placed first, before host validation and HTTPS redirects, so a
check from inside the container or the server needs no host name and no certificate. It
tells whether the database answers, every migration is applied and the data folder is
writable; it needs no login and shows nothing personal.
"""

import json
import tempfile

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse

PATH = "/healthz"
_migrated = False  # once true, true for the life of the process: code changes restart it


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _migrations() -> str:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return f"{len(plan)} migrations not applied: run spor migrate"
        _migrated = True
    return "ok"


def _data_dir() -> str:
    with tempfile.NamedTemporaryFile(dir=settings.DATA_DIR, prefix=".healthz-"):
        pass
    return "ok"


def status() -> dict[str, str]:
    checks = {}
    for name, check in (("database", _database), ("migrations", _migrations),
                        ("data_dir", _data_dir)):
        try:
            checks[name] = check()
        except (DatabaseError, OSError) as e:
            checks[name] = f"failed: {type(e).__name__}"
        if name == "database" and checks[name] != "ok":
            checks["migrations"] = "unknown"
            break
    return checks


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != PATH:
            return self.get_response(request)
        checks = status()
        healthy = all(value == "ok" for value in checks.values())
        response = HttpResponse(json.dumps({"status": "ok" if healthy else "failing", **checks}),
                                content_type="application/json", status=200 if healthy else 503)
        response["Cache-Control"] = "no-store"
        return response
