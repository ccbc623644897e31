"""`spor import` at national size, against a bare insert of the same rows in the same run.

    .venv/bin/python bench/import_speed.py [--scale 0.1]          # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/import_bench \
        .venv/bin/python bench/import_speed.py [--scale 0.1]

At scale 1 the folder holds 150,000 clients, 200,000 courses, 2,000,000 sessions and about
4,000,000 ratings, made with the distributions of bench/national_data.py. Prints, per
file and in all, the rows per second of

- the bare insert: the file parsed with Python's csv module and inserted with one
  `executemany` into a table of text columns without keys or checks;
- `spor import` into an empty service (every row checked and written);
- `spor import` of the same folder again (every row checked and found unchanged);

the ratio of the import's time to the bare insert's (target: at most 20; in brackets the
ratio of the processes' own processor time, steadier on a busy machine) and the peak
memory of each, each step run as a process of its own (target: at most 300 MB). Give it a
PostgreSQL database of its own: the import's rows stay there.
"""

import argparse
import csv
import datetime
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("SPOR_DATA_DIR", tempfile.mkdtemp(prefix="spor-import-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
sys.path.insert(0, str(ROOT))

FILES = {
    "clients.csv": ("client_ref", "anonymous", "birth_year", "birth_date", "gender",
                    "first_name", "last_name"),
    "courses.csv": ("course_ref", "client_ref", "kind", "start_date", "end_date", "referral",
                    "main_substance", "outcome", "in_school_at_end"),
    "sessions.csv": ("session_ref", "course_ref", "date", "kind", "duration_min", "attendance"),
    "ratings.csv": ("session_ref", "instrument", "rater", "item1", "item2", "item3", "item4"),
}
YEARS = (2020, 2025)


def weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_folder(folder: Path, scale: float, seed=2014) -> dict:
    """The CSV folder: the mix of bench/national_data.py, about two ratings an attended
    session (the young person's ORS and SRS, a parent's ORS at one in four)."""
    rng = random.Random(seed)  # noqa: S311 (made-up data)
    courses = int(200_000 * scale)
    clients = max(1, int(courses * 0.75))
    first = datetime.date(YEARS[0], 1, 1)
    span = (datetime.date(YEARS[1], 12, 31) - first).days
    counts = dict.fromkeys(FILES, 0)
    files = {name: (folder / name).open("w", newline="", encoding="utf-8") for name in FILES}
    out = {name: csv.writer(f) for name, f in files.items()}
    for name, header in FILES.items():
        out[name].writerow(header)
    for i in range(clients):
        anonymous = rng.random() < 0.45
        born = datetime.date(rng.randint(1996, 2010), rng.randint(1, 12), rng.randint(1, 28))
        out["clients.csv"].writerow(
            [f"c{i}", "true" if anonymous else "false", born.year,
             "" if anonymous else born.isoformat(),
             weighted(rng, {"male": 60, "female": 38, "other": 2}),
             "" if anonymous else "Ung", "" if anonymous else "Bench"])
    counts["clients.csv"] = clients
    session = 0
    for i in range(courses):
        end = first + datetime.timedelta(days=rng.randint(60, span))
        start = end - datetime.timedelta(days=rng.randint(14, 400))
        out["courses.csv"].writerow([
            f"k{i}", f"c{i % clients}",
            "anonymous_counselling" if rng.random() < 0.4 else
            weighted(rng, {"individual": 80, "family": 12, "day_team": 8}),
            start.isoformat(), end.isoformat(),
            weighted(rng, {"self": 40, "parent": 25, "caseworker": 20, "school": 8,
                           "police_ssp": 4, "health": 3}),
            weighted(rng, {"cannabis": 73, "party_drugs": 15, "cannabis_plus": 5,
                           "alcohol": 3, "unknown": 2, "benzodiazepines": 1, "methadone": 1}),
            weighted(rng, {"stopped": 38, "reduced": 15, "unchanged": 25, "increased": 3,
                           "unknown": 14, "": 5}),
            weighted(rng, {"true": 60, "false": 30, "": 10})])
        days = (end - start).days
        for day in sorted(rng.randint(0, days) for _ in range(rng.randint(1, 19))):
            session += 1
            attendance = weighted(rng, {"attended": 88, "cancelled": 7, "no_show": 5})
            out["sessions.csv"].writerow([
                f"s{session}", f"k{i}", (start + datetime.timedelta(days=day)).isoformat(),
                weighted(rng, {"individual": 75, "family": 10, "network": 6, "group": 5,
                               "partner": 2, "outreach": 2}), 60, attendance])
            if attendance != "attended":
                continue
            raters = [("ORS", "client"), ("SRS", "client")]
            if rng.random() < 0.27:
                raters.append(("ORS", "parent"))
            for code, rater in raters:
                out["ratings.csv"].writerow([f"s{session}", code, rater] + [
                    rng.randint(0, 100) / 10 for _ in range(4)])
                counts["ratings.csv"] += 1
    counts["courses.csv"], counts["sessions.csv"] = courses, session
    for f in files.values():
        f.close()
    return counts


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """This process's own processor time: on a shared machine, steady where the clock is
    not (on PostgreSQL the server's work is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bare(folder: Path) -> dict:
    """Seconds per file: csv module, one executemany per file, tables without checks."""
    from django.db import connection, transaction

    times = {"cpu": 0.0}
    with transaction.atomic(), connection.cursor() as cursor:
        for name, header in FILES.items():
            table = "bare_" + name.removesuffix(".csv")
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} ({', '.join(c + ' TEXT' for c in header)})")
            began, cpu = time.perf_counter(), cpu_seconds()
            with (folder / name).open(newline="", encoding="utf-8") as f:
                rows = csv.reader(f)
                next(rows)
                # The driver's own cursor: Django's SQLite wrapper peeks at the rows with
                # itertools.tee, which keeps every row of the file in memory (2 GB at scale 1).
                raw = cursor.cursor if connection.vendor == "sqlite" else cursor
                marks = ", ".join(["?" if connection.vendor == "sqlite" else "%s"] * len(header))
                raw.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608
            times[name] = time.perf_counter() - began
            times["cpu"] += cpu_seconds() - cpu
        for name in FILES:
            cursor.execute(f"DROP TABLE bare_{name.removesuffix('.csv')}")
    return times


def run_import(folder: Path, service: str) -> dict:
    """Seconds in all and the command's summary."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    began, cpu = time.perf_counter(), cpu_seconds()
    call_command("import", str(folder), "--service", service, stdout=out)
    return {"seconds": time.perf_counter() - began, "cpu": cpu_seconds() - cpu,
            "summary": out.getvalue().strip()}


def step(*args) -> dict:
    """Run one step of this script as a process of its own, for its own peak memory."""
    result = subprocess.run([sys.executable, __file__, "--step", *args], capture_output=True,  # noqa: S603 (this script)
                            text=True, check=False, env=os.environ)
    if result.returncode:
        sys.exit(f"{args[0]} failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 (our own output)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--step", choices=["bare", "import"])
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--service", default="")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.step == "bare":
        times = bare(args.folder)
        print(repr({"times": times, "cpu": times.pop("cpu"), "peak_mb": peak_mb()}))
        return
    if args.step == "import":
        print(repr({**run_import(args.folder, args.service), "peak_mb": peak_mb()}))
        return
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory(prefix="spor-import-folder-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        counts = make_folder(folder, args.scale)
        rows = sum(counts.values())
        size = sum((folder / n).stat().st_size for n in FILES) / 2**20
        print(f"database: {connection.vendor}; scale {args.scale}: "
              + ", ".join(f"{n} {counts[n]:,}" for n in FILES)
              + f" ({rows:,} rows, {size:.0f} MB, made in {time.perf_counter() - began:.0f} s)")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
              flush=True)
        # Each step's line as soon as it is done: a national run takes hours.
        base = step("bare", "--folder", str(folder))
        bare_seconds = sum(base["times"].values())
        print(f"{'file':14} {'rows':>10} {'bare rows/s':>12}")
        for name in FILES:
            print(f"{name:14} {counts[name]:>10,} {counts[name] / base['times'][name]:>12,.0f}")
        print(f"{'bare insert':24} {bare_seconds:8.1f} s {rows / bare_seconds:>10,.0f} rows/s  "
              f"peak {base['peak_mb']:.0f} MB  (processor time {base['cpu']:.1f} s)", flush=True)
        service = f"Import bench {time.time():.0f}"
        for label in ("import, new rows", "import again, unchanged"):
            result = step("import", "--folder", str(folder), "--service", service)
            print(f"{label:24} {result['seconds']:8.1f} s "
                  f"{rows / result['seconds']:>10,.0f} rows/s  peak {result['peak_mb']:.0f} MB  "
                  f"{result['seconds'] / bare_seconds:5.1f}x bare  "
                  f"(processor time {result['cpu'] / base['cpu']:.1f}x)")
            print("  summary: " + "; ".join(result["summary"].splitlines()[:-1]), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")

if __name__ == "__main__":
    main()
