#!/usr/bin/env python3
"""Act as a young person's tracking app against a running Spor, over HTTP only.

    python3 scripts/demo_app.py --server http://127.0.0.1:8000 --code ABCD-EFGH

Pairs with a code made on the young person's page ("Par en app"), uploads a diary for the
last month in one batch, sends the same batch again (nothing is stored twice), lists the
entries back and reads the young person's outcome ratings. Needs nothing but Python.
"""

import argparse
import datetime
import json
import random
import sys
import urllib.error
import urllib.request
import uuid


def call(server, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (the server given on the command line)
        f"{server}/api/v1{path}", method=method, headers=headers, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def month_of_entries(substance, days, seed):
    """One answer a day for the last `days` days, use getting rarer towards today."""
    rng = random.Random(seed)  # noqa: S311 (made-up diary, not security)
    today = datetime.datetime.now().astimezone().date()
    entries = []
    for n in range(days, 0, -1):
        day = today - datetime.timedelta(days=n)
        if rng.random() < 0.1:
            continue  # a day the app was not opened
        entry = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                 "date": day.isoformat(), "substance": substance, "answer": "not_used"}
        if rng.random() < 0.7 * n / days + 0.1:
            if substance == "alcohol":
                entry.update(answer="used", amount=rng.choice([2, 3, 4, 6]),
                             unit="standard_drink")
            else:
                entry.update(answer="used", amount=round(rng.randint(4, 30) * 0.05, 2),
                             unit="gram")
        entries.append(entry)
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http://127.0.0.1:8000")
    parser.add_argument("--code", required=True, help="the pairing code shown in Spor")
    parser.add_argument("--device-name", default="Demo app (scripts/demo_app.py)")
    parser.add_argument("--substance", default="cannabis", choices=["cannabis", "alcohol"])
    parser.add_argument("--days", type=int, default=31)
    args = parser.parse_args()
    server = args.server.rstrip("/")

    status, paired = call(server, "POST", "/pairing",
                          {"code": args.code, "device_name": args.device_name})
    if status != 201:
        sys.exit(f"Pairing failed ({status}): {paired['message']}")
    token = paired["token"]
    print(f"Paired as device {paired['device_id']}.")

    batch = {"entries": month_of_entries(args.substance, args.days, seed=args.code)}
    for attempt in ("Uploaded", "Uploaded again"):
        status, result = call(server, "POST", "/entries", batch, token)
        if status != 200:
            sys.exit(f"Upload failed ({status}): {result['message']}")
        print(f"{attempt}: {result['created']} created, {result['unchanged']} unchanged.")

    status, listed = call(server, "GET", "/entries", token=token)
    used = sum(1 for e in listed["entries"] if e["answer"] == "used")
    print(f"The diary holds {len(listed['entries'])} entries from this app, {used} days of use.")

    status, ratings = call(server, "GET", "/ratings", token=token)
    if status == 200:
        totals = ", ".join(f"{r['date']}: {r['total']}" for r in ratings["ratings"][-5:])
        print(f"Outcome ratings (ORS): {totals or 'none yet'}")
    else:
        print(f"Outcome ratings: {ratings['message']}")


if __name__ == "__main__":
    main()
