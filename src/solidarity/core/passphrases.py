"""Where an operator's passphrase comes from: a prompt, a file, a file descriptor, a systemd
credential or an environment variable. Never a command-line argument (`ps` shows those).

The risks, for docs and --help: a prompt needs a person at the keyboard; a file or an
environment variable lets cron run unattended but sits on the same machine (keep the file
owner-only, ideally on another disk); a file descriptor or a systemd credential
(LoadCredential=) hands it over without writing it anywhere Solidarity keeps.
"""

import getpass
import os
from pathlib import Path

from django.core.management.base import CommandError, CommandParser


def add_arguments(parser: CommandParser, env_var: str) -> None:
    parser.add_argument("--passphrase-file", type=Path, help="read the passphrase from this file (first line)")
    parser.add_argument("--passphrase-fd", type=int, help="read the passphrase from this open file descriptor")
    parser.add_argument(
        "--passphrase-credential",
        help="read it from the systemd credential of this name ($CREDENTIALS_DIRECTORY/NAME)",
    )
    parser.epilog = (parser.epilog or "") + (
        f"\nWithout these options the passphrase comes from ${env_var}, or else from a prompt.\n"
    )


def first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def read(options: dict[str, object], env_var: str, *, confirm: bool = False) -> str:
    file, fd, credential = (
        options.get("passphrase_file"),
        options.get("passphrase_fd"),
        options.get("passphrase_credential"),
    )
    try:
        if isinstance(file, Path):
            return first_line(file.read_text())
        if isinstance(fd, int):
            with os.fdopen(fd) as handle:
                return first_line(handle.read())
        if isinstance(credential, str):
            folder = os.environ.get("CREDENTIALS_DIRECTORY")
            if not folder:
                raise CommandError("no systemd credentials here ($CREDENTIALS_DIRECTORY is not set)")
            return first_line((Path(folder) / credential).read_text())
    except OSError as error:
        raise CommandError(f"cannot read the passphrase: {error.strerror}") from None
    if os.environ.get(env_var):
        return os.environ[env_var]
    try:
        passphrase = getpass.getpass("Passphrase: ")
        if confirm and getpass.getpass("Again: ") != passphrase:
            raise CommandError("the two passphrases differ")
    except EOFError:
        raise CommandError(f"no passphrase: use --passphrase-file, --passphrase-fd or ${env_var}") from None
    return passphrase
