"""Encrypted backups: one archive (database, keyring, secret key, media), useless without its passphrase.

The archive is in the age format (passphrase mode, scrypt), so an operator can also open it
with the standalone `age` tool. Inside: a tar file with manifest.json, the database (an
SQLite online backup, consistent while Solidarity runs, or `pg_dump --format=custom`),
keyring.json, secret_key and media/. The database's sensitive values stay encrypted by
their fields inside it; the archive's passphrase protects the keyring that opens them.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage
from django.conf import settings
from django.db import connection

from solidarity.core import keyring

FORMAT = 1
MIN_PASSPHRASE = 12


class BackupError(Exception):
    """A backup or restore could not be done; the message says why, without secrets."""


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")


def pg_args(db: dict[str, Any]) -> list[str]:
    args = ["-h", str(db["HOST"] or "localhost"), "-p", str(db["PORT"] or 5432), "-d", str(db["NAME"])]
    return [*args, "-U", str(db["USER"])] if db.get("USER") else args


def pg_env(db: dict[str, Any]) -> dict[str, str] | None:
    return {**os.environ, "PGPASSWORD": str(db["PASSWORD"])} if db.get("PASSWORD") else None


def dump_database(folder: Path) -> str:
    """Write a consistent copy of the database into `folder`; returns its file name."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        source = sqlite3.connect(db["NAME"])
        target = sqlite3.connect(folder / "database.sqlite3")
        with target:
            source.backup(target)
        source.close()
        target.close()
        return "database.sqlite3"
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(folder / "database.pgdump"), *pg_args(db)]
    result = subprocess.run(command, capture_output=True, text=True, env=pg_env(db), check=False)  # noqa: S603
    if result.returncode:
        raise BackupError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:]}")
    return "database.pgdump"


def create(target: Path, passphrase: str) -> dict[str, Any]:
    """Write an encrypted backup to `target` (owner-only); returns its manifest."""
    check_passphrase(passphrase)
    if keyring.is_locked():
        raise BackupError("the keys are locked: run `solidarity keys unlock` first")
    home = Path(settings.HOME)
    with tempfile.TemporaryDirectory(prefix="solidarity-backup-") as scratch:
        folder = Path(scratch)
        database = dump_database(folder)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": database,
            "vendor": connection.vendor,
        }
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
            archive.add(folder / database, arcname=database)
            archive.add(keyring.keyring_path(), arcname="keyring.json")
            archive.add(home / "secret_key", arcname="secret_key")
            media = home / "media"
            if media.is_dir():
                archive.add(media, arcname="media")
    sealed = pyrage.passphrase.encrypt(buffer.getvalue(), passphrase)
    target.touch(mode=0o600)
    target.write_bytes(sealed)
    return manifest


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def open_archive(source: Path, passphrase: str) -> tarfile.TarFile:
    try:
        plain = pyrage.passphrase.decrypt(source.read_bytes(), passphrase)
    except pyrage.DecryptError:
        raise BackupError("wrong passphrase, or not a Solidarity backup") from None
    except OSError as error:
        raise BackupError(f"cannot read {source}: {error.strerror}") from None
    return tarfile.open(fileobj=io.BytesIO(plain), mode="r:gz")


def database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(source: Path, passphrase: str) -> dict[str, Any]:
    """Bring a backup back into this (empty) home and database; returns its manifest."""
    if not database_is_empty():
        raise BackupError("the database is not empty: restore into a new home and an empty database")
    home = Path(settings.HOME)
    with open_archive(source, passphrase) as archive, tempfile.TemporaryDirectory() as scratch:
        archive.extractall(scratch, filter="data")  # refuses absolute paths, links out, devices
        folder = Path(scratch)
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError("this backup was written by an unknown version of Solidarity")
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"this backup holds a {manifest['vendor']} database; configure the same kind")
        connection.close()
        load_database(folder / manifest["database"])
        for name in ("keyring.json", "secret_key"):
            shutil.copy(folder / name, home / name)
            (home / name).chmod(0o600)
        if (folder / "media").is_dir():
            shutil.copytree(folder / "media", home / "media", dirs_exist_ok=True)
    return manifest


def load_database(dump: Path) -> None:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        source = sqlite3.connect(dump)
        target = sqlite3.connect(db["NAME"])
        with target:
            source.backup(target)
        source.close()
        target.close()
        return
    command = ["pg_restore", "--no-owner", "--exit-on-error", *pg_args(db), str(dump)]
    result = subprocess.run(command, capture_output=True, text=True, env=pg_env(db), check=False)  # noqa: S603
    if result.returncode:
        raise BackupError(f"pg_restore failed: {result.stderr.strip().splitlines()[-1:]}")
