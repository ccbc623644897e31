"""`spor serve` under load: a page mix at 10, 25 and 50 concurrent users, then the
saturation throughput of the mix against a trivial logged-in page, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load_bench .venv/bin/python bench/load.py
    ... bench/load.py --users 10,25 --seconds 20 --saturation-seconds 10 --courses 100
    ... bench/load.py --pages "caseload,session form,session form POST"

The database gets the demo and a service of `--courses` active courses (500) of
`--sessions` (20) attended sessions rated ORS and SRS, all in the caseload of one team
leader (made once; a second run reuses them, after deleting the sessions earlier runs
posted, so that every run starts from the same data). The server is `spor serve`
(gunicorn, its default workers and threads unless SPOR_WORKERS/SPOR_THREADS are set) on
`--port`, with two-factor login off and the leader's sessions made beforehand, so that the
numbers are the pages', not the login's (bench/login.py measures that).

Each simulated user takes the next page of the mix (the leader's caseload, the team
caseload, a client page, the session form and its POST, a session's ratings page, the
FIT overview, the statistics page), then pauses 1 to 3 seconds as people do. Prints per
level (60 s each) the throughput, p50/p95/p99 and errors (any answer but the expected one,
or none within 60 s), the same per page, the load average, and the share of the cores the
load itself used (this process's processor time) and the server used (its processes and
its PostgreSQL backends). Between levels it waits until the server is idle, so that
requests given up in one level are not served during the next. Then, with no pauses, as
many requests as `--saturate` users get answered, first of a trivial logged-in page, then
of the mix, then logins (the POST of the login form: the Argon2 password check at
SPOR_ARGON2_*, the new session). Target: 0 errors, p95 at 50 users at most 200 ms, the
mix's saturation throughput at least 1/5 of the trivial page's.
"""

import argparse
import datetime
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# One folder for the keys of the demo's encrypted data, shared by this script and the
# server, kept between runs that reuse the database.
os.environ.setdefault("SPOR_DATA_DIR", str(Path(tempfile.gettempdir()) / "spor-load-bench"))
Path(os.environ["SPOR_DATA_DIR"]).mkdir(exist_ok=True)
os.environ["SPOR_REQUIRE_2FA"] = "0"
sys.path.insert(0, str(HERE))

BENCH_SERVICE = "Load bench"
PASSWORD = "load-bench-password-1"  # noqa: S105 (a bench account)
TOKEN = re.compile(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"')


def prepare(courses: int, sessions: int) -> dict:
    """The demo and the bench service (made once), and what the users need: the leader's
    session cookies and the pages' addresses."""
    from fit_pages import START  # sets Django up: first
    from fit_pages import courses as make_courses

    # isort: split
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as Browser
    from django.urls import reverse

    from spor.accounts.hashers import Argon2Hasher
    from spor.accounts.models import Service, Team, User
    from spor.lib.dates import today
    from spor.measures import state
    from spor.treatment.models import Course, Session

    END = START + datetime.timedelta(days=7 * sessions)
    call_command("migrate", verbosity=0)
    call_command("demo", no_server=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    service = Service.objects.filter(name=BENCH_SERVICE).first()
    if service is None:
        began = time.perf_counter()
        service = Service.objects.create(name=BENCH_SERVICE)
        team = Team.objects.create(service=service, name="Team")
        leader = User.objects.create_user(f"loadleader{service.pk}", role="leader",
                                          service=service)
        leader.teams.set([team])
        make_courses(service, team, leader, courses, sessions)
        state.refresh_services([service.pk])
        print(f"made {courses} courses x {sessions} rated sessions in "
              f"{time.perf_counter() - began:.0f} s")
    leader = User.objects.filter(service=service, role="leader").first()
    # Each run starts from the same data: the sessions earlier runs posted (dated the day
    # they ran, after the made ones) are deleted and the courses' FIT state rebuilt.
    posted = Session.objects.filter(course__client__service=service, date__gt=END)
    if posted.exists():
        print(f"removed {posted.count()} sessions posted by an earlier run")
        with state.deferred():  # each course's state once
            posted.delete()
    if connection.vendor == "postgresql":
        # As autovacuum would in production. Where it is off (this machine's server), the
        # planner took the tables for empty: the statistics page took 30-38 s instead of
        # 0.6 s and the FIT overview's count of active courses 78 ms instead of 10.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    active = list(Course.objects.filter(client__service=service, end_date__isnull=True)
                  .select_related("client").order_by("pk"))
    print(f"bench service: {len(active)} active courses in the leader's caseload")
    pages = []
    for course in active[:50]:
        session = Session.objects.filter(course=course).order_by("-date").first()
        pages.append({
            "caseload": reverse("caseload"),
            "team caseload": reverse("caseload") + "?scope=team",
            "client page": reverse("client_detail", args=[course.client.pk]),
            "session form": reverse("session_new", args=[course.pk]),
            "ratings page": reverse("fit_session", args=[session.pk]),
            "FIT overview": reverse("fit_overview"),
            "statistics page": reverse("statistics") + f"?year={today().year - 1}",
        })
    # For the logins: hashed as the server does (Spor's Argon2 at SPOR_ARGON2_*), not with
    # the fast hasher bench/pages.py sets for the page benchmarks.
    hasher = Argon2Hasher()
    leader.password = hasher.encode(PASSWORD, hasher.salt())
    leader.save(update_fields=["password"])
    cookies = []
    for _ in range(64):
        browser = Browser()
        browser.force_login(leader)
        cookies.append(browser.cookies[settings.SESSION_COOKIE_NAME].value)
    return {"pages": pages, "cookies": cookies, "trivial": reverse("talk_request_count"),
            "login": reverse("login"), "username": leader.username,
            "secret": settings.SECRET_KEY, "data_key": settings.SPOR_DATA_KEY}


class User:
    """One person at a browser: a connection of their own (kept alive) and a session."""

    def __init__(self, port, cookie, pages):
        self.port, self.pages = port, pages
        self.cookies = {"sessionid": cookie}
        self.connection = None

    def request(self, method, path, body=None):
        headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.port}",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": f"https://127.0.0.1:{self.port}"})
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                             timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection: open a new one, once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return response.status, content.decode("utf-8", "replace")

    def visit(self, page, urls, record):
        """One page of the mix; the session form is its GET, then its POST."""
        from spor.lib.dates import today

        began = time.perf_counter()
        try:
            if page == "session form POST":
                status, body = self.request("GET", urls["session form"])
                tokens = dict(TOKEN.findall(body))
                form = urllib.parse.urlencode({
                    **tokens, "date": today().isoformat(),
                    "kind": "individual", "attendance": "attended", "duration_min": "45"})
                began = time.perf_counter()  # the POST alone
                status, body = self.request("POST", urls["session form"], form)
                ok = status == 302
            elif page == "login":
                self.cookies = {}  # a new browser: no session yet
                status, body = self.request("GET", urls["login"])
                form = urllib.parse.urlencode({
                    **dict(TOKEN.findall(body)), "username": urls["username"],
                    "password": PASSWORD})
                began = time.perf_counter()  # the POST alone: the password check
                status, body = self.request("POST", urls["login"], form)
                ok = status == 302 and "sessionid" in self.cookies
            else:
                status, body = self.request("GET", urls.get(page, page))
                ok = status == 200
        except Exception as e:  # noqa: BLE001 (counted as an error, named)
            status, ok, body = repr(e), False, ""
        record(page, time.perf_counter() - began, ok, status)


MIX = ["caseload", "team caseload", "client page", "session form", "session form POST",
       "ratings page", "FIT overview", "statistics page"]


def run_level(port, ctx, users, seconds, pause, mix=MIX):
    """Each user visits pages of the mix in turn (from a random start) for `seconds`, then
    finishes the page under way. Returns the results, the seconds taken and the processor
    seconds the load itself used (this process) and the server used (its processes and
    database backends)."""
    results, lock = [], threading.Lock()
    stop = time.monotonic() + seconds

    def record(page, elapsed, ok, status):
        with lock:
            results.append((page, elapsed, ok, status))

    def person(i):
        rng = random.Random(i)  # noqa: S311 (timing only)
        user = User(port, ctx["cookies"][i % len(ctx["cookies"])], ctx["pages"])
        urls = {**ctx["pages"][i % len(ctx["pages"])], "login": ctx["login"],
                "username": ctx["username"]}
        k = rng.randrange(len(mix))
        time.sleep(rng.uniform(0, pause[1]))  # people do not all arrive at once
        while time.monotonic() < stop:
            user.visit(mix[k % len(mix)], urls, record)
            k += 1
            if pause[1]:
                time.sleep(rng.uniform(*pause))

    threads = [threading.Thread(target=person, args=(i,)) for i in range(users)]
    began, cpu, served = time.monotonic(), time.process_time(), server_cpu(ctx["server"])
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (results, time.monotonic() - began, time.process_time() - cpu,
            used(served, server_cpu(ctx["server"])))


def _stat(pid: str) -> list[str]:
    """A process's /proc stat fields after its name (state, parent, …); [] if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def server_cpu(server) -> dict:
    """Processor seconds used so far by each of the server's processes and each
    PostgreSQL backend of this database (a local server), by process id (Linux /proc)."""
    from django.db import connection

    pids = [str(server.pid)] + [p.name for p in Path("/proc").glob("[0-9]*")
                                if _stat(p.name)[1:2] == [str(server.pid)]]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = "
                           "current_database() AND pid <> pg_backend_pid()")
            pids += [str(pid) for (pid,) in cursor.fetchall()]
    tick = os.sysconf("SC_CLK_TCK")
    return {pid: (int(f[11]) + int(f[12])) / tick  # utime + stime
            for pid in pids if (f := _stat(pid))}


def used(before: dict, after: dict) -> float:
    """Processor seconds between two samples; a process begun in between counts whole."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def settle(ctx, quiet=0.05, longest=120):
    """Wait until the server and its database are idle (under `quiet` of a core for a
    second), so that requests a level left behind (given up by the load, still served)
    do not count in the next one. Returns the seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < longest:
        before = server_cpu(ctx["server"])
        time.sleep(1)
        if used(before, server_cpu(ctx["server"])) < quiet:
            break
    return time.monotonic() - began


def percentiles(times):
    if not times:
        return 0, 0, 0
    if len(times) == 1:
        return (times[0] * 1000,) * 3
    q = statistics.quantiles(times, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def summary(label, results, seconds):
    times = [r[1] for r in results]
    errors = [r for r in results if not r[2]]
    p50, p95, p99 = percentiles(times)
    print(f"{label:22} {len(results) / seconds:7.1f} req/s  p50 {p50:6.0f} ms  "
          f"p95 {p95:6.0f} ms  p99 {p99:6.0f} ms  errors {len(errors)} of {len(results)}")
    kinds = {}
    for page, _elapsed, _ok, status in errors:
        kinds.setdefault((page, str(status)), 0)
        kinds[page, str(status)] += 1
    for (page, status), n in sorted(kinds.items()):
        print(f"    error: {page}: {status} ({n}x)")


def report(label, measured, cores, pages=()):
    """A level's line, the processor time the load and the server took, and per page."""
    results, seconds, load_cpu, server = measured
    summary(label, results, seconds)
    print(f"{'':22} the load used {load_cpu / seconds / cores:4.0%} of the {cores} cores, "
          f"the server and its database {server / seconds / cores:4.0%} "
          f"({server * 1000 / max(len(results), 1):.0f} ms of processor per request); "
          f"load average {os.getloadavg()[0]:.1f}")
    for page in pages:
        summary(f"  {page}", [r for r in results if r[0] == page], seconds)


def serve(port, ctx):
    env = {**os.environ, "DEBUG": "false", "SPOR_HTTPS": "true", "SECRET_KEY": ctx["secret"],
           "SPOR_DATA_KEY": ctx["data_key"], "ALLOWED_HOSTS": "127.0.0.1"}
    log = open(Path(os.environ["SPOR_DATA_DIR"]) / "serve.log", "w")  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "spor", "serve", "--bind",  # noqa: S603
                               f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    for _ in range(120):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            sys.exit(f"spor serve stopped; see {log.name}")
        time.sleep(0.5)
    server.terminate()
    sys.exit(f"spor serve did not answer; see {log.name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="10,25,50", help="concurrent users per level")
    parser.add_argument("--seconds", type=float, default=60, help="length of each level")
    parser.add_argument("--saturate", type=int, default=10,
                        help="users without pauses for the saturation throughput")
    parser.add_argument("--saturation-seconds", type=float, default=30)
    parser.add_argument("--courses", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--pages", default=",".join(MIX),
                        help="the mix (comma-separated page names), e.g. without one page")
    args = parser.parse_args()
    mix = [page for page in args.pages.split(",") if page]
    if unknown := set(mix) - set(MIX):
        parser.error(f"--pages: no such page: {', '.join(sorted(unknown))}")

    sys.stdout.reconfigure(line_buffering=True)  # each line as it is measured
    ctx = prepare(args.courses, args.sessions)
    from django.db import connection

    from spor.operations.serve import sizes

    workers, threads = sizes()
    print(f"database: {connection.vendor}; spor serve with {workers} workers of {threads} "
          f"threads; load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    server = serve(args.port, ctx)
    ctx["server"] = server
    cores = os.cpu_count()
    try:
        run_level(args.port, ctx, 4, 5, (0, 0))  # every worker's first requests
        for users in [int(n) for n in args.users.split(",")]:
            settle(ctx)
            report(f"{users} users",
                   run_level(args.port, ctx, users, args.seconds, (1, 3), mix), cores, mix)
        print(f"saturation, {args.saturate} users without pauses:")
        settle(ctx)
        trivial = run_level(args.port, ctx, args.saturate, args.saturation_seconds, (0, 0),
                            mix=[ctx["trivial"]])
        report("  trivial page", trivial, cores)
        settle(ctx)
        mixed = run_level(args.port, ctx, args.saturate, args.saturation_seconds, (0, 0), mix)
        report("  page mix", mixed, cores, mix)
        ratio = (len(mixed[0]) / mixed[1]) / (len(trivial[0]) / trivial[1])
        print(f"  the mix's throughput is {ratio:.2f} of the trivial page's (target: 0.20)")
        print(f"logins, {args.saturate} at once without pauses (the POST: the password "
              f"check, the session):")
        settle(ctx)
        report("  login", run_level(args.port, ctx, args.saturate, args.saturation_seconds,
                                    (0, 0), mix=["login"]), cores)
    finally:
        server.terminate()
        server.wait(60)


if __name__ == "__main__":
    main()
