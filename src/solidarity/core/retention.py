"""Retention: each model with personal data declares, as data, how long it keeps it.

A part declares its rules in its own `retention.py`, as a tuple named RULES, in the change that
adds the model:

    RULES = (
        Rule(name="lists.unsubscribed", model=Subscription, what="...", default_days=7,
             after="unsubscribed_at", where=Q(state=SubscriptionState.UNSUBSCRIBED)),
    )

core reads every installed part's RULES at start-up (`discover`, from CoreConfig.ready) into
the RULES registry. The daily purge job, `solidarity purge` and the retention table of
docs/security.md all read that one registry, so the documentation cannot drift.

Purged means gone: rows are deleted (never flagged), SQLite runs with secure_delete and
its write-ahead log is truncated after a purge, PostgreSQL rewrites the purged tables,
and the audit log records what went (counts, never contents).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from importlib import import_module
from operator import or_
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from solidarity.core import audit
from solidarity.core.hooks import Registry
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings


@dataclass(frozen=True)
class Rule:
    """Rows of `model` matching `where` go once a date in `after` is older than the rule's period.

    `after` names one date field, or several: a row is due as soon as any of them is past the
    cut-off (an invitation goes once used or once expired). A null date is never due.
    """

    name: str  # stable: the key of its period in the network settings
    model: type[models.Model]
    what: str  # plain words for docs/security.md: what goes, and when
    default_days: int
    after: str | tuple[str, ...]
    where: Q = field(default_factory=Q)

    def days(self) -> int:
        return int(get_network_settings().retention_days.get(self.name, self.default_days))

    def due(self, cutoff: datetime) -> "models.QuerySet[Any]":
        """The rows to delete, given the cut-off."""
        fields = (self.after,) if isinstance(self.after, str) else self.after
        older = reduce(or_, (Q(**{f"{name}__lt": cutoff}) for name in fields))
        return self.model._default_manager.filter(self.where, older)


RULES = Registry[str, Rule]("core.retention-rules")


def register(rule: Rule) -> None:
    RULES.register(rule.name, rule)


def discover() -> None:
    """Register the RULES of every installed app's `retention` module (CoreConfig.ready calls this once)."""
    for config in apps.get_app_configs():
        if config.name != "solidarity.core" and module_has_submodule(config.module, "retention"):
            for rule in import_module(f"{config.name}.retention").RULES:
                register(rule)


@dataclass(frozen=True)
class Purged:
    rule: str
    count: int


def purge(*, dry_run: bool = False, now: datetime | None = None) -> list[Purged]:
    """Delete what every rule says is due. Idempotent: a second run finds nothing left."""
    now = now or timezone.now()
    results = []
    for rule in RULES.values():
        cutoff = now - timedelta(days=rule.days())
        with transaction.atomic():
            due = rule.due(cutoff)
            count = due.count()
            if count and not dry_run:
                due.delete()
                audit.record(
                    actor="system",
                    action=AuditAction.PURGED,
                    object_type=rule.model._meta.label_lower,
                    object_ids=[],
                    detail={"rule": rule.name, "count": count},
                )
        results.append(Purged(rule.name, count))
    if not dry_run and any(result.count for result in results):
        wipe_free_space({RULES[result.rule].model._meta.db_table for result in results if result.count})
    return results


def wipe_free_space(tables: set[str]) -> None:
    """Make deleted rows unrecoverable from the database files, not just invisible.

    Only outside a transaction (the daily job, the command): inside one, both would fail.
    """
    if connection.in_atomic_block:
        return
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old page images leave the log
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in sorted(tables):
                # FULL rewrites the table into a new file, so deleted rows leave the database's files.
                # It locks the table briefly: tables of personal data are small, and this runs once a day.
                cursor.execute(f'VACUUM FULL "{table}"')  # table names come from our own models


def policy_table() -> str:
    """Solidarity's own retention rules as a Markdown table, for docs/security.md."""
    lines = ["| rule | what is deleted | default period |", "| --- | --- | --- |"]
    lines += [
        f"| `{rule.name}` | {rule.what} | {rule.default_days} days |"
        for rule in RULES.values()
        if rule.model.__module__.startswith("solidarity.")
    ]
    return "\n".join(lines)
