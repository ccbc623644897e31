from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spor.operations import backup


class Command(BaseCommand):
    help = ("Restore a backup folder made by `spor backup` into this empty installation: "
            "checks every checksum and the data key first, then migrates the restored "
            "database to this version.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        try:
            done = backup.restore(folder)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        manifest = done["manifest"]
        self.stdout.write(f"Restored the backup of {manifest['created_at']} made by Spor "
                          f"{manifest['spor_version']}:")
        for label, count in sorted(done["rows"].items()):
            if count:
                self.stdout.write(f"  {label}: {count} rows")
        self.stdout.write(f"  {done['media_files']} media files")
        if done["migrated"]:
            self.stdout.write(f"Migrated forward: {', '.join(done['migrated'])}.")
        self.stdout.write(self.style.SUCCESS("The restore is complete."))
