from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from spor.operations import backup


class Command(BaseCommand):
    help = ("Write a backup folder (the database, the uploaded media and a manifest with "
            "checksums and the schema version) into DIR, by default SPOR_BACKUP_DIR. The data "
            "key (SPOR_DATA_KEY) is never in the backup: keep it safe, apart from it.")

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", type=Path)
        parser.add_argument("--keep", type=int, default=0,
                            help="Then delete all but the newest KEEP backups in DIR.")

    def handle(self, *args, folder, keep, **options):
        parent = folder or settings.SPOR_BACKUP_DIR
        try:
            path = backup.write(parent)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
        self.stdout.write(backup.KEY_NOTE)
        for gone in backup.prune(parent, keep):
            self.stdout.write(f"Deleted the older backup {gone.name}.")
