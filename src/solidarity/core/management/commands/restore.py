from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from solidarity.core import backup, passphrases
from solidarity.core.commands import Command as SolidarityCommand
from solidarity.core.commands import Database
from solidarity.core.management.commands.backup import ENV


class Command(SolidarityCommand):
    help = "Bring an encrypted backup back into an empty home and an empty database."
    examples = (
        "  SOLIDARITY_HOME=/srv/solidarity-new solidarity restore solidarity-2026-11-25.age\n"
        "  solidarity restore nightly.age --passphrase-file /root/backup-passphrase\n"
    )

    database = Database.NONE  # it wants an empty database: a migration first would make it refuse

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive written by `solidarity backup`")
        passphrases.add_arguments(parser, ENV)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup.restore(options["file"], passphrases.read(options, ENV))
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored the backup of {manifest['created_at']}. Start Solidarity with `solidarity up`.")
