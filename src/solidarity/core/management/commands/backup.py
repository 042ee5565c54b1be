from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from solidarity.core import backup, passphrases
from solidarity.core.commands import Command as SolidarityCommand
from solidarity.core.commands import Database

ENV = "SOLIDARITY_BACKUP_PASSPHRASE"


class Command(SolidarityCommand):
    help = "Write one encrypted backup (database, keyring, media). Safe while Solidarity runs."
    examples = (
        "  solidarity backup /mnt/usb/solidarity-2026-11-25.age\n"
        "  solidarity backup nightly.age --passphrase-file /root/backup-passphrase   # from cron\n"
        "  age -d nightly.age > nightly.tar.gz   # the standalone age tool opens it too\n"
    )

    database = Database.NONE  # it copies the database as it is, set up or not

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="where to write the archive")
        passphrases.add_arguments(parser, ENV)

    def handle(self, *args: Any, **options: Any) -> None:
        target: Path = options["file"]
        if target.exists():
            raise CommandError(f"{target} exists: choose a new file name")
        try:
            manifest = backup.create(target, passphrases.read(options, ENV, confirm=True))
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        size = target.stat().st_size
        self.stdout.write(f"Backup written to {target} ({size / 1024:.0f} KB, {manifest['vendor']} database).")
