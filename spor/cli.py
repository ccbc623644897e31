"""The `spor` command: operator verbs (serve, jobs, backup, restore, demo, import, report)
and every Django management command."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
    if sys.argv[1:2] == ["demo"]:
        # The demo runs on this machine only; two-factor login would stand in the way.
        os.environ.setdefault("SPOR_REQUIRE_2FA", "0")
        os.environ.setdefault("SPOR_DEMO", "1")
    if sys.argv[1:2] == ["serve"]:
        # Long-lived workers keep their database connections (checked before each reuse).
        os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
