"""A person's own OpenPGP key for their email address: proposed, proved by an encrypted email, removed.

Invariants:
- The key in effect (`Address.openpgp_key`, what the pump encrypts every email to) changes only
  in `do_confirm_openpgp_key`, when the button behind the link inside an email encrypted to the
  proposed key is pressed. That link reaches only someone who reads the address's mail AND holds
  the key's secret half: a stranger who knows a subscription's token, or types someone's address
  on the sign-up page, cannot redirect their mail to a key of their own, nor make it unreadable.
- Until then the old state stays: a proposal is a KeyProof row and its email, nothing more.
  Several proposals may wait (each link names its own key); confirming one deletes them all, so
  older links stop working. A link works for PROOF_LIFETIME.
- The proof email carries its key in its outbox content (`openpgp_key`): the pump encrypts it to
  that key, never to the address's current one, and never sends it in clear.
- Removing the key needs no proof (whoever may unsubscribe may stop encryption), but is never
  silent: a plain email tells the address that encryption was turned off.
- A secret key is refused before anything is stored (messaging.openpgp), and no key, fingerprint
  or address is logged or written to the audit log: entries name the address row's uuid only.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings
from solidarity.messaging import mail, openpgp
from solidarity.messaging.models import Address, Channel, KeyProof
from solidarity.messaging.services import Outgoing, address_state, enqueue, find_address

PROOF_LIFETIME = timedelta(days=7)
PROPOSE_AGAIN_AFTER = timedelta(minutes=5)  # from a public form: one proof email per address this often
MAX_WAITING = 3  # proposals kept per address; an older one goes when a new one comes


def digest(token: str) -> str:
    # The token is 256 random bits: a plain hash is enough, no slow KDF needed.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class KeyState:
    """What an address's page shows: the key in effect and the newest one waiting for its proof."""

    current: openpgp.KeyInfo | None
    waiting: openpgp.KeyInfo | None
    waiting_since: datetime | None

    @property
    def current_expires_soon(self) -> bool:
        ends = self.current.encrypts_until if self.current else None
        return ends is not None and ends <= timezone.now() + openpgp.EXPIRES_SOON


def describe(armored: str) -> openpgp.KeyInfo | None:
    try:
        return openpgp.inspect_public_key(armored)
    except openpgp.OpenPgpError:
        return None  # a key kept before the checks were as strict: the page shows it as unusable


def key_state(address: str) -> KeyState:
    """The email address's key and the newest proposal still waiting (nothing when it has no row)."""
    found = find_address(Channel.EMAIL, address)
    if found is None:
        return KeyState(None, None, None)
    waiting = waiting_proofs(found).order_by("-created_at", "-pk").first()
    return KeyState(
        current=describe(str(found.openpgp_key)) if found.openpgp_key else None,
        waiting=describe(str(waiting.openpgp_key)) if waiting else None,
        waiting_since=waiting.created_at if waiting else None,
    )


def waiting_proofs(address: Address) -> QuerySet[KeyProof]:
    return KeyProof.objects.filter(address=address, created_at__gt=timezone.now() - PROOF_LIFETIME)


def do_propose_openpgp_key(
    address: str,
    checked: openpgp.KeyCheck,
    *,
    language: str,
    actor: str = audit.PUBLIC,
    throttle: bool = False,
) -> KeyProof | None:
    """Someone gives a key (checked by openpgp.check_recipient_key) as the key of an email address.

    Sends the proof: an email encrypted to that key, whose link makes it the address's key. The
    key in effect does not change. `throttle` (a public form anyone can fill in): nothing is
    sent if a proposal for this address came within PROPOSE_AGAIN_AFTER; returns None then.
    Lock: the address's row, so two proposals at once keep MAX_WAITING.
    """
    with transaction.atomic():
        state = address_state(Channel.EMAIL, address)
        Address.objects.select_for_update().filter(pk=state.pk).first()
        recent = KeyProof.objects.filter(address=state, created_at__gt=timezone.now() - PROPOSE_AGAIN_AFTER)
        if throttle and recent.exists():
            return None
        kept = KeyProof.objects.filter(address=state).order_by("-created_at", "-pk").values_list("pk", flat=True)
        KeyProof.objects.filter(pk__in=list(kept[MAX_WAITING - 1 :])).delete()
        token = secrets.token_urlsafe(32)
        proof = KeyProof.objects.create(
            address=state, openpgp_key=checked.armored, token_hash=digest(token), language=language
        )
        send_proof(proof, token, checked)
        record(actor, state, "proposed")
    return proof


def send_proof(proof: KeyProof, token: str, checked: openpgp.KeyCheck) -> None:
    """The email that proves the key: encrypted to it (the pump reads `openpgp_key`), with the link inside."""
    language = proof.language or settings.LANGUAGE_CODE
    with translation.override(language):
        link = absolute(reverse("openpgp:confirm-key", args=[token]))
        context = {
            "network": get_network_settings().name,
            "link": link,
            "fingerprint": spaced(checked.fingerprint),
            "expires": checked.info.encrypts_until if checked.expires_soon else None,
            "names_address": checked.names_address,
        }
        subject = render_to_string("messaging/email/key_proof_subject.txt", context).strip()
        body = render_to_string("messaging/email/key_proof_body.txt", context)
    to = str(proof.address.address)
    content = mail.email_content(to=to, subject=subject, text=body, language=language)
    content["openpgp_key"] = str(proof.openpgp_key)
    key = f"messaging.key-proof:{proof.uuid}"
    enqueue(Outgoing(Channel.EMAIL, to, content, idempotency_key=key, language=language))


def proof_for(token: str) -> KeyProof | None:
    """The proposal a proof link names, while it is valid (see messaging.access for pages)."""
    if not token:
        return None
    return (
        KeyProof.objects.filter(token_hash=digest(token), created_at__gt=timezone.now() - PROOF_LIFETIME)
        .select_related("address")
        .first()
    )


def do_confirm_openpgp_key(proof: KeyProof, *, actor: str = audit.PUBLIC) -> bool:
    """The proof link's button: the proposed key becomes the address's key. False if the link was used meanwhile.

    The proposal is claimed by deleting it (a double click or a second tab changes nothing), and
    every other proposal for the address goes with it.
    """
    with transaction.atomic():
        if KeyProof.objects.filter(pk=proof.pk).delete()[0] != 1:
            return False
        state = Address.objects.select_for_update().get(pk=proof.address_id)
        put_key(state, str(proof.openpgp_key))
        KeyProof.objects.filter(address=state).delete()
        record(actor, state, "confirmed")
    return True


def put_key(state: Address, armored: str) -> None:
    """`armored` becomes the address's key in effect ("": none), with its summary (openpgp.key_summary); saved."""
    state.openpgp_key = armored
    state.openpgp_summary = openpgp.key_summary(armored)
    state.save(update_fields=["openpgp_key", "openpgp_summary", "updated_at"])


def do_remove_openpgp_key(address: str, *, language: str, actor: str = audit.PUBLIC) -> bool:
    """Stop encrypting to this email address: its key and every waiting proposal go. False if it had no key.

    A plain email tells the address (queued after the key is gone, so the pump sends it in clear):
    a downgrade must not go unnoticed.
    """
    with transaction.atomic():
        state = find_address(Channel.EMAIL, address)
        if state is None:
            return False
        Address.objects.select_for_update().filter(pk=state.pk).first()
        state.refresh_from_db(fields=["openpgp_key"])
        KeyProof.objects.filter(address=state).delete()
        if not state.openpgp_key:
            return False
        put_key(state, "")
        record(actor, state, "removed")
        send_removed(str(state.address), language, state)
    return True


def send_removed(to: str, language: str, state: Address) -> None:
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"network": get_network_settings().name, "page": absolute(reverse("openpgp:network-key"))}
        subject = render_to_string("messaging/email/key_removed_subject.txt", context).strip()
        body = render_to_string("messaging/email/key_removed_body.txt", context)
    content = mail.email_content(to=to, subject=subject, text=body, language=language)
    key = f"messaging.key-removed:{state.uuid}:{secrets.token_hex(8)}"
    enqueue(Outgoing(Channel.EMAIL, to, content, idempotency_key=key, language=language))


def record(actor: str, state: Address, change: str) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.CHANGED,
        object_type="messaging.address",
        object_ids=[state.uuid],
        detail={"openpgp_key": change},
    )


def absolute(path: str) -> str:
    return str(settings.BASE_URL).rstrip("/") + path


def spaced(fingerprint: str) -> str:
    """A fingerprint as gpg shows it: groups of four, easier to compare by eye."""
    return " ".join(fingerprint[start : start + 4] for start in range(0, len(fingerprint), 4))
