import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from solidarity.core import keyring, keys
from solidarity.core.commands import Command as SolidarityCommand

BAR = 30


def progress_bar(label: str, done: int, total: int) -> None:
    filled = BAR * done // max(total, 1)
    sys.stderr.write(f"\r{label}: [{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Command(SolidarityCommand):
    help = "Show, rotate or retire the encryption keys in the keyring."
    examples = (
        "  solidarity keys status\n"
        "  solidarity keys rotate            # a new key becomes primary; every value is re-encrypted\n"
        "  solidarity keys rotate --resume   # finish an interrupted rotation, without a new key\n"
        "  solidarity keys retire ab12cd34   # drop an old key once no value uses it\n"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="how many stored values each key protects")
        rotate = actions.add_parser("rotate", help="make new keys primary and re-encrypt everything")
        rotate.add_argument("--resume", action="store_true", help="only finish re-encrypting under the current keys")
        retire = actions.add_parser("retire", help="remove a key that no stored value uses")
        retire.add_argument("key_id")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            self.show_status()
        elif action == "rotate":
            changed = keys.reencrypt(progress_bar) if options["resume"] else keys.rotate(progress_bar)
            ring = keyring.current()
            self.stdout.write(
                f"Re-encrypted {changed} rows. Primary keys: values {ring.aead.primary}, indexes {ring.index.primary}."
            )
        else:
            try:
                keys.retire(options["key_id"])
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Retired key {options['key_id']}.")

    def show_status(self) -> None:
        ring = keyring.current()
        self.stdout.write(f"values: primary {ring.aead.primary}; keys {', '.join(sorted(ring.aead.keys))}")
        self.stdout.write(f"indexes: primary {ring.index.primary}; keys {', '.join(sorted(ring.index.keys))}")
        for label, tally in keys.status().items():
            counts = ", ".join(f"{name} {count}" for name, count in sorted(tally.items())) or "no values"
            self.stdout.write(f"{label}: {counts}")
