"""The base of every `solidarity` command: --help ends with examples, and the database is ready first.

A fresh SOLIDARITY_HOME (or a new PostgreSQL database) has no tables until `solidarity up` or
`solidarity manage migrate` has run, and an upgrade may bring migrations not yet applied. Each
command says what it needs (`database`), checked before it runs, so none ends in a traceback:
- MIGRATED: it reads or writes the tables; when they are missing or behind, one line says what
  to run first. A silent migration would surprise here (purge, keys, a worker of the scale path).
- PREPARE: it migrates first, as `up` does: `demo`, a newcomer's first step.
- NONE: it reads no table, or wants the database empty (`restore`), or prepares it itself (`up`).
"""

import argparse
from enum import StrEnum
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from solidarity.core.db import psycopg_params

NOT_READY = (
    "the database is not set up, or not up to date: run `solidarity up` once (it prepares the database) "
    "or `solidarity manage migrate`, then run this again"
)


class Database(StrEnum):
    NONE = "none"
    MIGRATED = "migrated"
    PREPARE = "prepare"


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def reach_database() -> None:
    """Raise CommandError, in one line, when the database cannot be reached."""
    if connection.vendor == "postgresql":
        probe_postgresql()
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        raise CommandError(f"cannot reach the database: {error}".splitlines()[0]) from None


def probe_postgresql() -> None:
    """Connect once, directly: the pool would retry quietly for its whole timeout."""
    import psycopg  # here, not at the top: a network on SQLite never needs it (some 9 MB a process)

    try:
        psycopg.connect(**psycopg_params(), connect_timeout=5).close()
    except psycopg.Error as error:
        raise CommandError(f"cannot reach the database: {error}".splitlines()[0]) from None


def unapplied_migrations() -> int:
    """How many migrations the database lacks (all of them on a fresh one). Creates no table."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ready_database(need: Database) -> None:
    """Make sure the database is what a command needs (the module's docstring); CommandError if not."""
    if need is Database.NONE:
        return
    reach_database()
    if not unapplied_migrations():
        return
    if need is Database.MIGRATED:
        raise CommandError(NOT_READY)
    call_command("migrate", interactive=False, verbosity=0)  # also creates the database cache's table


class Command(BaseCommand):
    examples = ""
    database = Database.MIGRATED

    def database_for(self, options: dict[str, Any]) -> Database:
        """What this run needs of the database; a command whose actions differ answers per action."""
        return self.database

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = HelpFormatter
        if self.examples:
            parser.epilog = "examples:\n" + self.examples
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        ready_database(self.database_for(options))
        return super().execute(*args, **options)
