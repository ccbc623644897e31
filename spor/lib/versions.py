"""The version of the code that made something kept: a short hash of its source files.
A kept report, chart or panel carries it in its key, so a new release of that code makes
it anew."""

import functools
import hashlib
from pathlib import Path


@functools.cache
def digest(*paths) -> str:
    """A short hash of the files' contents, read once per process."""
    return hashlib.sha256(b"".join(Path(p).read_bytes() for p in paths)).hexdigest()[:16]
