"""Messaging's objects for the URL walk (core.permissions.WALK_FILLERS): a text in the inbox, a webhook,
a key waiting for its proof, the network key's Web Key Directory hash."""

import secrets

from django.utils import timezone

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.messaging import openpgp
from solidarity.messaging.address_keys import digest
from solidarity.messaging.models import Channel, Inbound, InboundState, KeyProof
from solidarity.messaging.services import address_state, network_key

PROOF_TOKEN = "walk-proof-" + secrets.token_urlsafe(16)


def waiting_text(world: WalkWorld) -> str:
    found = Inbound.objects.filter(backend="walk", provider_id="walk-1").first()
    if found is None:
        found = Inbound.objects.create(
            backend="walk",
            provider_id="walk-1",
            sender="+19195550188",
            body="someone at my door",
            state=InboundState.UNMATCHED,
            command="unmatched",
            received_at=timezone.now(),
        )
    return str(found.uuid)


def waiting_proof(world: WalkWorld) -> str:
    """A key proposed for an address, its proof link's token (a new one once an endpoint has used the last)."""
    if not KeyProof.objects.filter(token_hash=digest(PROOF_TOKEN)).exists():
        made = openpgp.generate_network_key("Walk", "walk.key@example.org")  # any public key will do
        KeyProof.objects.create(
            address=address_state(Channel.EMAIL, "walk.key@example.org"),
            openpgp_key=made.public_armored,
            token_hash=digest(PROOF_TOKEN),
        )
    return PROOF_TOKEN


def network_hash(world: WalkWorld) -> str:
    return openpgp.wkd_hash(openpgp.key_address(network_key().public).split("@", 1)[0])


def register() -> None:
    WALK_FILLERS.register("message", waiting_text)  # the inbox: a text waiting in it
    WALK_FILLERS.register("backend", lambda world: "loopback")  # the SMS webhook: no backend in the walk's settings
    WALK_FILLERS.register("proof", waiting_proof)  # a key's proof link
    WALK_FILLERS.register("hashed", network_hash)  # the Web Key Directory: the network key's address
