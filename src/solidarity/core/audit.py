"""The tamper-evident audit log: append entries to one hash chain, prune it, verify it, sign its head.

Who created, changed, viewed, exported or deleted which records, and when, from which role:
never the values themselves. Each entry's hash covers its fields and the previous entry's
hash, so altering, removing, inserting or reordering an entry breaks the chain at that entry.
A root user could rebuild the whole chain, so its head is also signed (Ed25519, from the
keyring) and kept elsewhere; `verify(head)` then proves the chain still contains it.
"""

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from django.db import transaction
from django.utils import timezone

from solidarity.core import keyring
from solidarity.core.models import GENESIS_HASH, AuditAction, AuditChain, AuditEntry

CLI, WORKER, SYSTEM, PUBLIC = "cli", "worker", "system", "public"
ACTORS = {CLI, WORKER, SYSTEM, PUBLIC}  # besides a user's uuid; PUBLIC: someone without an account
CHAIN_ROW = 1
MAX_DETAIL_CHARS = 2000
HEAD_MESSAGE = b"solidarity audit head v1\n"  # signed before seq:hash, so the signature means nothing else
CODE = re.compile(r"[a-z][a-z0-9_.]{0,39}")
HASH = re.compile(r"[0-9a-f]{64}")
HEAD_LINE = re.compile(r"(?P<seq>[0-9]+):(?P<hash>[0-9a-f]{64})(?::(?P<signature>[A-Za-z0-9+/=]*))?")
# The fields a hash covers: all but `hash`. A new field is added here on purpose, or never.
HASHED_FIELDS = ("seq", "at", "actor", "role", "action", "object_type", "object_ids", "detail", "prev_hash")

type DetailValue = str | int | bool | Sequence[str] | None
type Detail = Mapping[str, DetailValue]


class AuditChainBroken(Exception):
    """The chain failed verification where an intact one is required (before pruning)."""


class BadHead(ValueError):
    """A head given to verify is malformed, its signature does not verify, or no entry has its hash."""


@dataclass(frozen=True)
class Head:
    """A point of the chain: an entry's seq and hash (seq 0: the genesis, or the last pruned entry)."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Problem:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.reason}"


@dataclass(frozen=True)
class Verification:
    count: int  # entries walked
    start: Head  # the chain resumes after this point
    tip: Head  # the last entry walked
    problem: Problem | None


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 of the entry's canonical form: sorted-keys compact JSON of HASHED_FIELDS, `at` in UTC."""
    fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
    fields["at"] = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    fields["action"] = str(entry.action)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def clean_detail(detail: Detail | None) -> dict[str, DetailValue]:
    """Counts, flags, codes and field names only: flat, no floats (they may not round-trip), small."""
    cleaned: dict[str, DetailValue] = {}
    for key, value in (detail or {}).items():
        if not isinstance(key, str):
            raise ValueError("audit detail keys are strings")
        if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            cleaned[key] = list(value)
        elif value is None or isinstance(value, str | int):  # bool is an int
            cleaned[key] = value
        else:
            raise ValueError(f"audit detail {key!r}: only strings, integers, booleans and lists of strings")
    if len(json.dumps(cleaned)) > MAX_DETAIL_CHARS:
        raise ValueError("audit detail is too long: it holds counts and field names, never values")
    return cleaned


def clean_actor(actor: str) -> str:
    if actor in ACTORS:
        return actor
    try:
        return str(uuid.UUID(actor))
    except ValueError:
        raise ValueError(f"an audit actor is a user's uuid or one of {sorted(ACTORS)}") from None


def lock_chain() -> AuditChain:
    """The chain's row, locked until the transaction ends (SELECT ... FOR UPDATE; created on first use).

    On SQLite FOR UPDATE is a no-op: the IMMEDIATE transaction already holds the database's write lock.
    """
    row = AuditChain.objects.select_for_update().filter(pk=CHAIN_ROW).first()
    if row is None:
        # ON CONFLICT DO NOTHING: a concurrent first writer waits on the key instead of failing.
        AuditChain.objects.bulk_create([AuditChain(pk=CHAIN_ROW)], ignore_conflicts=True)
        row = AuditChain.objects.select_for_update().get(pk=CHAIN_ROW)
    return row


def record(
    actor: str,
    action: AuditAction | str,
    object_type: str,
    object_ids: Iterable[uuid.UUID | str],
    role: str = "",
    detail: Detail | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction: it commits or rolls back with the change.

    actor: a user's uuid, or CLI, WORKER, SYSTEM or PUBLIC; role: the actor's role code at the time;
    object_type: a stable label ("accounts.user"); object_ids: the records' uuids (a "viewed" entry
    lists every record one request showed); detail: counts and field names, never values.

    Invariants: seq grows by one with no gap; prev_hash is the hash of the entry before (or of the
    last pruned one); `at` is read under the lock, so along the chain it goes backwards only
    if the servers' clocks disagree (verify does not rely on it; prune deletes a prefix by seq).
    Lock: the chain's row, held until the caller's transaction ends: call this last in a
    transaction, after the other row locks, to keep every audited write short and deadlock-free.
    """
    if not CODE.fullmatch(object_type) or not (role == "" or CODE.fullmatch(role)):
        raise ValueError("an audit object type or role is a short lower-case code")
    fields = {
        "actor": clean_actor(actor),
        "role": role,
        "action": AuditAction(action).value,
        "object_type": object_type,
        "object_ids": list(dict.fromkeys(str(uuid.UUID(str(value))) for value in object_ids)),
        "detail": clean_detail(detail),
    }
    with transaction.atomic():
        chain = lock_chain()
        entry = AuditEntry(seq=chain.head_seq + 1, at=timezone.now(), prev_hash=chain.head_hash, **fields)
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditChain.objects.filter(pk=CHAIN_ROW).update(head_seq=entry.seq, head_hash=entry.hash)
    return entry


def prune(before: datetime, *, actor: str = SYSTEM) -> int:
    """Delete the entries older than `before`; the chain stays verifiable from the last one deleted.

    1. Refuse (AuditChainBroken) if the chain does not verify: pruning would erase the evidence.
    2. Under the chain's lock, the cut is the newest entry older than `before`; it and every entry
       before it go, so what stays is one unbroken chain.
    3. In the same transaction the chain's row records the cut's seq and hash: verify resumes there.
    4. The pruning is itself recorded (a count, no contents). Returns how many entries went.
    """
    problem = verify().problem
    if problem is not None:
        raise AuditChainBroken(str(problem))
    with transaction.atomic():
        chain = lock_chain()
        older = AuditEntry.objects.filter(seq__gt=chain.seq, at__lt=before)
        cut = older.order_by("-seq").values_list("seq", "hash").first()
        if cut is None:
            return 0
        deleted, _ = AuditEntry.objects.filter(seq__lte=cut[0]).delete()
        AuditChain.objects.filter(pk=CHAIN_ROW).update(seq=cut[0], hash=cut[1], pruned_at=timezone.now())
        record(actor, AuditAction.PURGED, "core.auditentry", [], detail={"entries": deleted, "through_seq": cut[0]})
    return deleted


def verify(head: Head | None = None) -> Verification:
    """Walk the chain in seq order, recomputing each hash, and return the first problem found.

    Takes no lock, so writers never wait: entries appended while it walks are walked too, and a
    prune that moves the chain's start meanwhile makes it walk again. With `head`, it also proves
    the entry at head.seq still has head.hash.
    """
    while True:
        start = chain_start()
        result = walk(start, head)
        if result.problem is None or chain_start() == start:
            return result


def chain_start() -> Head:
    row = AuditChain.objects.filter(pk=CHAIN_ROW).values_list("seq", "hash").first()
    return Head(*row) if row else Head(0, GENESIS_HASH)


def walk(start: Head, head: Head | None) -> Verification:
    """The verification proper; see verify(). Numbered as the checks apply, in seq order."""

    def result(problem: Problem | None) -> Verification:
        return Verification(count, start, Head(seq, prev_hash), problem)

    count, seq, prev_hash = 0, start.seq, start.hash
    anchored = start.hash if head and head.seq == start.seq else None  # the hash found at head.seq
    # 1. Nothing may lie at or before the start: those entries were pruned, or never written.
    stray = AuditEntry.objects.filter(seq__lte=start.seq).order_by("seq").values_list("seq", flat=True).first()
    if stray is not None:
        return result(Problem(stray, f"it lies before the start of the chain (entry {start.seq}): inserted"))
    required = start.seq  # the chain's row says the chain reaches at least this far
    while True:
        for entry in AuditEntry.objects.filter(seq__gt=seq).order_by("seq").iterator(chunk_size=2000):
            # 2. Each entry follows the one before, is unchanged, and chains to its hash.
            if entry.seq != seq + 1:
                return result(Problem(seq + 1, f"it is missing (entry {entry.seq} follows entry {seq})"))
            if entry_hash(entry) != entry.hash:
                return result(Problem(entry.seq, "it was altered: its hash does not match its contents"))
            if entry.prev_hash != prev_hash:
                return result(Problem(entry.seq, f"it does not chain to entry {seq}: replaced or inserted"))
            count, seq, prev_hash = count + 1, entry.seq, entry.hash
            if head and seq == head.seq:
                anchored = prev_hash
        # 3. The chain reaches its head (read after the walk: entries and head commit together).
        if seq < required:
            return result(Problem(seq + 1, f"it is missing: the chain ends at entry {seq}, its head at {required}"))
        tip = AuditChain.objects.filter(pk=CHAIN_ROW).values_list("head_seq", "head_hash").first()
        if tip is None:
            if seq == 0:
                break
            return result(Problem(start.seq + 1, "the chain's start and head are missing"))
        if tip[0] < seq:
            return result(Problem(tip[0] + 1, f"it follows the head of the chain (entry {tip[0]}): inserted"))
        if tip[0] == seq:
            if tip[1] != prev_hash:
                return result(Problem(seq, "it is not the head of the chain: replaced"))
            break
        required = tip[0]  # appended while walking: walk on
    # 4. With an anchored head: the entry at its seq still has its hash.
    if head is not None:
        if head.seq < start.seq:
            return result(Problem(head.seq, f"it was pruned (the chain resumes after entry {start.seq})"))
        if head.seq > seq:
            return result(Problem(head.seq, f"it is missing: the chain ends at entry {seq}"))
        if anchored != head.hash:
            return result(Problem(head.seq, "it does not match the anchored head: the chain was rewritten"))
    return result(None)


def head_message(head: Head) -> bytes:
    return HEAD_MESSAGE + f"{head.seq}:{head.hash}".encode()


def sign_head(head: Head) -> str:
    """One printable line, `seq:hash:signature` (base64 Ed25519 under the keyring's signing key)."""
    signature = keyring.current().signing_key.sign(head_message(head))
    return f"{head.seq}:{head.hash}:{base64.b64encode(signature).decode()}"


def read_head(text: str) -> Head:
    """A head to verify: `seq:hash:signature` (the signature must verify), `seq:hash`, or a bare hash.

    A bare hash is looked up in the chain, so BadHead also means "no entry has this hash".
    """
    text = text.strip()
    if HASH.fullmatch(text):
        found = AuditEntry.objects.filter(hash=text).values_list("seq", flat=True).first()
        start = chain_start()
        if found is None and start.hash != text:
            raise BadHead(f"no entry of the chain has the hash {text}: removed, rewritten or pruned")
        return Head(start.seq if found is None else found, text)
    line = HEAD_LINE.fullmatch(text)
    if line is None:
        raise BadHead("a head is seq:hash:signature, as `solidarity audit head` prints it, or a bare hash")
    head = Head(int(line["seq"]), line["hash"])
    if line["signature"] is not None:
        try:
            signature = base64.b64decode(line["signature"], validate=True)
            keyring.current().signing_key.public_key().verify(signature, head_message(head))
        except (binascii.Error, InvalidSignature):
            raise BadHead("the head's signature does not verify: altered, or signed with another key") from None
    return head
