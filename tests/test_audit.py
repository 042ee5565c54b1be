"""The tamper-evident audit log: one hash chain, caught when edited, prunable, anchored by a signed head."""

import base64
import io
import json
import logging
import queue
import random
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from solidarity.accounts.models import User
from solidarity.core import audit
from solidarity.core.models import AuditAction, AuditChain, AuditEntry, ScheduledRun
from solidarity.core.schedule import enqueue_due
from solidarity.core.tasks import anchor_audit_head, prune_audit_log
from tests.conftest import in_threads, require_services, solidarity, worker_env
from tests.factories.messaging import deliver

TABLE = AuditEntry._meta.db_table
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def viewed(count: int = 1) -> list[AuditEntry]:
    """`count` entries as a coordinator's page views would write them."""
    return [
        audit.record(
            str(uuid.uuid4()),
            AuditAction.VIEWED,
            "accounts.user",
            [uuid.uuid4(), uuid.uuid4()],
            role="coordinator",
            detail={"records": 2},
        )
        for _ in range(count)
    ]


def raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("TABLE", TABLE), params)


def test_entries_chain_to_each_other_and_verify(db: None) -> None:
    first, second, third = viewed(3)

    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    result = audit.verify()
    assert result.problem is None
    assert result.count == 3
    assert result.tip == audit.Head(3, third.hash)


def test_the_hash_covers_every_field_but_itself(db: None) -> None:
    [entry] = viewed()

    fields = {field.name for field in AuditEntry._meta.concrete_fields}
    assert set(audit.HASHED_FIELDS) == fields - {"hash"}
    assert AuditEntry.objects.get(seq=entry.seq).hash == audit.entry_hash(entry)


def test_an_entry_holds_ids_and_counts_never_values(db: None) -> None:
    actor = str(uuid.uuid4())
    with pytest.raises(ValueError, match="uuid"):
        audit.record("rosa@example.org", AuditAction.VIEWED, "accounts.user", [])
    with pytest.raises(ValueError, match="badly formed"):
        audit.record(actor, AuditAction.VIEWED, "accounts.user", ["+19195550142"])
    nested: Any = {"fields": {"phone": "+19195550142"}}  # the type says no: prove the check does too
    with pytest.raises(ValueError, match="only strings"):
        audit.record(actor, AuditAction.CHANGED, "accounts.user", [], detail=nested)
    with pytest.raises(ValueError, match="too long"):
        audit.record(actor, AuditAction.CHANGED, "accounts.user", [], detail={"fields": ["notes"] * 500})
    with pytest.raises(ValueError, match="code"):
        audit.record(actor, AuditAction.VIEWED, "Rosa's file", [])
    assert not AuditEntry.objects.exists()

    entry = audit.record(actor, "changed", "accounts.user", [uuid.UUID(actor)], detail={"fields": ("email",)})
    assert entry.detail == {"fields": ["email"]}
    assert audit.verify().problem is None


def test_an_entry_rolls_back_with_the_change_it_audits(db: None) -> None:
    [kept] = viewed()

    def fail_after_auditing() -> None:
        with transaction.atomic():
            viewed()
            raise RuntimeError("the audited change failed")

    with pytest.raises(RuntimeError):
        fail_after_auditing()

    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [kept.seq]
    assert audit.verify().problem is None
    assert viewed()[0].seq == kept.seq + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_append_to_one_chain() -> None:
    def append(_: int) -> None:
        for _ in range(10):
            with transaction.atomic():
                viewed()

    in_threads(4, append)

    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 41))
    result = audit.verify()
    assert result.problem is None
    assert result.count == 40


UPDATES = ["at", "actor", "role", "action", "object_type", "object_ids", "detail", "prev_hash", "hash"]


def tamper(kind: str, chain: list[AuditEntry], rng: random.Random) -> tuple[int, str]:
    """Edit the chain with raw SQL, as someone with the database would.

    Returns the seq verify must name, and which edit this was (so the test can check it tried them all).
    """
    target = rng.choice(chain)
    where = "tail" if target == chain[-1] else "middle"
    if kind == "update":
        column = rng.choice(UPDATES)
        value = {
            "at": target.at + timedelta(microseconds=1),
            "actor": str(uuid.uuid4()),
            "role": "admin",
            "action": "deleted",
            "object_type": "people.person",
            "object_ids": json.dumps([str(uuid.uuid4())]),
            "detail": json.dumps({"records": 0}),
            "prev_hash": "e" * 64,
            "hash": "f" * 64,
        }[column]
        raw(f"UPDATE TABLE SET {column} = %s WHERE seq = %s", value, target.seq)  # noqa: S608  # a known column
        return target.seq, column
    if kind == "delete":
        raw("DELETE FROM TABLE WHERE seq = %s", target.seq)
        return target.seq, where
    if kind == "insert":
        # A careful forger: a well-formed entry, hashed and chained like a real one, before or after the chain.
        seq, prev_hash = rng.choice([(0, "0" * 64), (chain[-1].seq + 1, chain[-1].hash)])
        forged = AuditEntry(
            seq=seq,
            at=chain[-1].at,
            actor="system",
            role="",
            action="deleted",
            object_type="accounts.user",
            object_ids=[],
            detail={},
            prev_hash=prev_hash,
        )
        raw(
            "INSERT INTO TABLE (seq, at, actor, role, action, object_type, object_ids, detail, prev_hash, hash)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            *(forged.seq, forged.at, forged.actor, forged.role, forged.action, forged.object_type),
            *("[]", "{}", forged.prev_hash, audit.entry_hash(forged)),
        )
        return seq, "before" if seq == 0 else "after"
    first, second = sorted(rng.sample([entry.seq for entry in chain], 2))
    raw("UPDATE TABLE SET seq = %s WHERE seq = %s", 10**15, first)
    raw("UPDATE TABLE SET seq = %s WHERE seq = %s", first, second)
    raw("UPDATE TABLE SET seq = %s WHERE seq = %s", second, 10**15)
    return first, "with the tail" if second == chain[-1].seq else "middle"


@pytest.mark.parametrize(
    ("kind", "edits"),
    [
        ("update", set(UPDATES)),
        ("delete", {"middle", "tail"}),
        ("insert", {"before", "after"}),
        ("swap", {"middle", "with the tail"}),
    ],
)
def test_every_raw_sql_edit_is_caught_naming_its_entry(db: None, kind: str, edits: set[str]) -> None:
    rng = random.Random(kind)  # noqa: S311  # random edits, the same ones at every run: no secret here
    tried = set()
    for _ in range(40):
        with transaction.atomic():
            chain = viewed(8)
            assert audit.verify().problem is None

            edited, edit = tamper(kind, chain, rng)

            problem = audit.verify().problem
            assert problem is not None, f"{kind} {edit} of entry {edited} went unnoticed"
            assert problem.seq == edited, f"{kind} {edit}: {problem}"
            tried.add(edit)
            transaction.set_rollback(True)  # the next edit starts from a fresh chain
    assert tried == edits


def test_pruning_keeps_the_rest_of_the_chain_verifiable(db: None) -> None:
    with time_machine.travel(MONDAY, tick=False):
        viewed(3)
    with time_machine.travel(MONDAY + timedelta(days=30), tick=False):
        kept = viewed(2)

        assert audit.prune(MONDAY + timedelta(days=1)) == 3

    chain = AuditChain.objects.get()
    assert (chain.seq, chain.head_seq) == (3, 6)
    assert kept[0].prev_hash == chain.hash
    pruning = AuditEntry.objects.get(seq=6)
    assert (pruning.action, pruning.object_type, pruning.detail) == (
        "purged",
        "core.auditentry",
        {"entries": 3, "through_seq": 3},
    )
    result = audit.verify()
    assert (result.problem, result.count, result.start.seq) == (None, 3, 3)
    # The start is still proven: the first entry after it cannot go unnoticed.
    raw("DELETE FROM TABLE WHERE seq = %s", kept[0].seq)
    assert audit.verify().problem == audit.Problem(4, "it is missing (entry 5 follows entry 3)")


def test_pruning_refuses_a_broken_chain(db: None) -> None:
    with time_machine.travel(MONDAY, tick=False):
        viewed(3)
    raw("UPDATE TABLE SET role = 'admin' WHERE seq = 2")

    with pytest.raises(audit.AuditChainBroken, match="entry 2"):
        audit.prune(MONDAY + timedelta(days=1))

    assert AuditEntry.objects.count() == 3


def test_a_signed_head_verifies_and_a_forged_one_is_refused(db: None) -> None:
    viewed(3)
    line = audit.sign_head(audit.verify().tip)
    seq, digest, signature = line.split(":")

    assert audit.read_head(line) == audit.Head(3, digest)
    assert audit.verify(audit.read_head(line)).problem is None
    assert audit.read_head(digest) == audit.Head(3, digest)
    other_key = Ed25519PrivateKey.generate().sign(audit.head_message(audit.Head(3, digest)))
    forgeries = [
        f"2:{digest}:{signature}",  # another seq
        f"{seq}:{'0' * 64}:{signature}",  # another hash
        f"{seq}:{digest}:{signature[:-4]}AAA=",  # an altered signature
        f"{seq}:{digest}:{base64.b64encode(other_key).decode()}",  # another key
        f"{seq} {digest}",
        "f" * 64,  # a hash the chain never held
    ]
    for forged in forgeries:
        with pytest.raises(audit.BadHead):
            audit.read_head(forged)


def test_a_rewritten_chain_verifies_alone_but_not_against_its_signed_head(db: None) -> None:
    viewed(5)
    anchored = audit.read_head(audit.sign_head(audit.verify().tip))

    # Someone with the database rewrites entry 2 and rebuilds every hash after it, and the head row.
    prev_hash = AuditEntry.objects.get(seq=1).hash
    for entry in AuditEntry.objects.filter(seq__gte=2).order_by("seq"):
        entry.role = "admin" if entry.seq == 2 else entry.role
        entry.prev_hash = prev_hash
        entry.hash = prev_hash = audit.entry_hash(entry)
        AuditEntry.objects.filter(seq=entry.seq).update(role=entry.role, prev_hash=entry.prev_hash, hash=entry.hash)
    AuditChain.objects.update(head_hash=prev_hash)

    assert audit.verify().problem is None
    problem = audit.verify(anchored).problem
    assert problem == audit.Problem(5, "it does not match the anchored head: the chain was rewritten")


def test_a_pruned_or_removed_head_cannot_be_proven(db: None) -> None:
    with time_machine.travel(MONDAY, tick=False):
        viewed(2)
    early = audit.verify().tip
    with time_machine.travel(MONDAY + timedelta(days=30), tick=False):
        viewed(1)
        audit.prune(MONDAY + timedelta(days=1))

    assert audit.verify(audit.Head(2, early.hash)).problem is None  # the last pruned entry is the start
    assert audit.verify(audit.Head(1, "a" * 64)).problem == audit.Problem(
        1, "it was pruned (the chain resumes after entry 2)"
    )
    assert audit.verify(audit.Head(9, "a" * 64)).problem == audit.Problem(9, "it is missing: the chain ends at entry 4")


def test_audit_verify_command_prints_a_summary_or_fails_naming_the_entry(db: None) -> None:
    call_command("audit", "verify")  # an empty chain is intact
    viewed(4)
    output: list[str] = []

    for args in (["verify"], ["head"]):
        lines = io.StringIO()
        call_command("audit", *args, stdout=lines)
        output.append(lines.getvalue().strip())

    assert output[0] == "4 entries, chain intact"
    lines = io.StringIO()
    call_command("audit", "verify", "--head", output[1], stdout=lines)
    assert lines.getvalue().strip() == "4 entries, chain intact, contains head 4"
    with pytest.raises(CommandError, match="signature does not verify"):
        call_command("audit", "verify", "--head", output[1][:-8] + "AAAAAAA=")

    raw("DELETE FROM TABLE WHERE seq = 2")
    with pytest.raises(CommandError, match=r"^audit chain broken at entry 2: it is missing"):
        call_command("audit", "verify")
    with pytest.raises(CommandError, match="entry 2"):
        call_command("audit", "head")  # a broken chain's head is never signed


def test_the_daily_job_logs_the_signed_head_or_the_break(db: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="solidarity.audit")
    viewed(2)

    anchor_audit_head.enqueue()
    raw("UPDATE TABLE SET actor = 'cli' WHERE seq = 1")
    anchor_audit_head.enqueue()

    signed, broken = caplog.records
    assert (signed.name, signed.levelno) == ("solidarity.audit", logging.WARNING)
    line = signed.getMessage().removeprefix("audit head ")
    assert audit.read_head(line).seq == 2
    assert broken.levelno == logging.ERROR
    assert broken.getMessage() == "audit chain broken at entry 1: it was altered: its hash does not match its contents"


def core_jobs(names: list[str]) -> list[str]:
    """core's own daily jobs among those enqueued (parts register theirs too: lists settles broadcasts each minute)."""
    return [name for name in names if name in {"anchor-audit-head", "purge-expired", "prune-audit-log"}]


def test_a_due_job_is_enqueued_once_even_when_asked_twice(db: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="solidarity.audit")

    daily = ["anchor-audit-head", "purge-expired", "prune-audit-log"]
    with time_machine.travel(MONDAY, tick=False):
        assert core_jobs(enqueue_due()) == daily
        assert core_jobs(enqueue_due()) == []
    with time_machine.travel(MONDAY + timedelta(hours=23), tick=False):
        assert core_jobs(enqueue_due()) == []
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        assert core_jobs(enqueue_due()) == daily

    assert len(caplog.records) == 2  # the anchor logged the head twice
    assert ScheduledRun.objects.get(name="anchor-audit-head").next_run_at == MONDAY + timedelta(days=2)


@pytest.mark.django_db(transaction=True)
def test_workers_ticking_together_enqueue_a_due_job_once() -> None:
    with time_machine.travel(MONDAY, tick=False):
        results = in_threads(4, lambda _: core_jobs(enqueue_due()))

    # Each due job is enqueued by exactly one of them.
    assert sorted(name for names in results for name in names) == [
        "anchor-audit-head",
        "prune-audit-log",
        "purge-expired",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_the_signed_head_on_its_first_tick(stop_processes: list[subprocess.Popen[str]]) -> None:
    require_services()
    [entry] = viewed()

    worker = solidarity("worker", env=worker_env())
    stop_processes.append(worker)
    lines: queue.Queue[str] = queue.Queue()

    def read_output() -> None:
        for line in worker.stdout or []:
            lines.put(line)

    threading.Thread(target=read_output, daemon=True).start()
    deadline = time.monotonic() + 60
    line = ""
    while "solidarity.audit: audit head " not in line:
        assert time.monotonic() < deadline, "the worker did not log the audit head"
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
    assert audit.read_head(line.split("audit head ")[1]) == audit.Head(1, entry.hash)


def test_the_daily_head_is_mailed_to_coordinators_and_admins(coordinator: User, admin: User, medic: User) -> None:
    viewed(2)

    anchor_audit_head.enqueue()

    sent = deliver()
    assert sorted(recipient for message in sent for recipient in message.to) == sorted([coordinator.email, admin.email])
    line = next(line for line in str(sent[0].body).splitlines() if line.count(":") == 2)
    assert audit.read_head(line).seq == audit.verify().tip.seq


def test_the_daily_job_prunes_the_log_past_its_period_and_the_chain_still_verifies(db: None) -> None:
    with time_machine.travel(MONDAY, tick=False):
        viewed(3)
    with time_machine.travel(MONDAY + timedelta(days=400), tick=False):
        viewed(2)
        prune_audit_log.enqueue()

    assert AuditEntry.objects.filter(at__lt=MONDAY + timedelta(days=1)).count() == 0
    result = audit.verify()
    assert result.problem is None
    assert result.start.seq == 3
