"""Secrets for a fresh install, kept in the data folder when not given by the environment.

A production deployment sets SECRET_KEY and SPOR_DATA_KEY. A fresh clone has neither, so
a random key is made once and stored beside the SQLite file, never in the repository.
Losing SPOR_DATA_KEY makes stored CPR numbers unreadable: back it up with the database.
"""

import os
import secrets
import time
from pathlib import Path


def stored_secret(folder: Path, name: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            value = path.read_text().strip()
            if value:
                return value
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty") from None
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value
