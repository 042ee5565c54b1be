import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from solidarity.core import keyring, keys, passphrases
from solidarity.core.commands import Command as SolidarityCommand
from solidarity.core.commands import Database

BAR = 30
ENV = "SOLIDARITY_KEYS_PASSPHRASE"
MIN_PASSPHRASE = 12


def do_seal(options: dict[str, Any]) -> str:
    passphrase = passphrases.read(options, ENV, confirm=True)
    if len(passphrase) < MIN_PASSPHRASE:
        raise keyring.KeyringError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    keyring.seal(passphrase)
    return "Sealed. The keyring now lives only in memory: after a restart, run `solidarity keys unlock`."


def do_unlock(options: dict[str, Any]) -> str:
    keyring.unlock(passphrases.read(options, ENV))
    failed = keyring.after_unlock()  # what waited for the keys (texts received while locked) is handled now
    if failed:
        return f"Unlocked, but {', '.join(failed)} failed: the worker tries again within a minute."
    return "Unlocked: the network handles its data again."


def do_lock(options: dict[str, Any]) -> str:
    keyring.lock()
    return "Locked: the keyring is gone from memory until `solidarity keys unlock`."


def do_add_passphrase(options: dict[str, Any]) -> str:
    existing = passphrases.read(options, ENV)
    new_file = options.get("new_passphrase_file")
    new = passphrases.first_line(new_file.read_text()) if isinstance(new_file, Path) else getpass.getpass("New: ")
    if len(new) < MIN_PASSPHRASE:
        raise keyring.KeyringError(f"the new passphrase must have at least {MIN_PASSPHRASE} characters")
    return f"Added: {keyring.add_passphrase(existing, new)} passphrases now open the keyring."


SEALING = {"seal": do_seal, "unlock": do_unlock, "lock": do_lock, "add-passphrase": do_add_passphrase}


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
        "  solidarity keys seal              # sealed mode: keys only in memory, unlocked by an operator\n"
        "  solidarity keys unlock --passphrase-fd 3   # after each restart of a sealed network\n"
    )

    def database_for(self, options: dict[str, Any]) -> Database:
        # Sealing works on the keyring file alone (an operator may seal before the first start).
        return Database.NONE if options.get("action") in SEALING else Database.MIGRATED

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="how many stored values each key protects")
        seal = actions.add_parser("seal", help="keep the keyring only wrapped by a passphrase (sealed mode)")
        passphrases.add_arguments(seal, ENV)
        unlock = actions.add_parser("unlock", help="open a sealed keyring into memory for the running network")
        passphrases.add_arguments(unlock, ENV)
        actions.add_parser("lock", help="forget the unlocked keyring (a sealed network stops handling data)")
        add = actions.add_parser("add-passphrase", help="another operator's passphrase, in a slot of its own")
        passphrases.add_arguments(add, ENV)
        add.add_argument("--new-passphrase-file", type=Path, help="read the new passphrase from this file")
        rotate = actions.add_parser("rotate", help="make new keys primary and re-encrypt everything")
        rotate.add_argument("--resume", action="store_true", help="only finish re-encrypting under the current keys")
        retire = actions.add_parser("retire", help="remove a key that no stored value uses")
        retire.add_argument("key_id")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action in SEALING:
                self.stdout.write(SEALING[action](options))
                return
        except keyring.KeyringError as error:
            raise CommandError(str(error)) from None
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
        mode = "sealed, locked" if keyring.is_locked() else "sealed, unlocked" if keyring.is_sealed() else "standard"
        self.stdout.write(f"custody: {mode}")
        if keyring.is_locked():
            return
        ring = keyring.current()
        self.stdout.write(f"values: primary {ring.aead.primary}; keys {', '.join(sorted(ring.aead.keys))}")
        self.stdout.write(f"indexes: primary {ring.index.primary}; keys {', '.join(sorted(ring.index.keys))}")
        for label, tally in keys.status().items():
            counts = ", ".join(f"{name} {count}" for name, count in sorted(tally.items())) or "no values"
            self.stdout.write(f"{label}: {counts}")
