"""Spor: Feedback Informed Treatment, registration and yearly statistics."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spor")
except PackageNotFoundError:  # run from a source tree that was not installed
    __version__ = "unknown"
