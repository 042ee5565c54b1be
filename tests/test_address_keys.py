"""A person's own OpenPGP key: proved by an email encrypted to it, removed with a plain notice; the network's key
published on a page, as a file and in a Web Key Directory. Real SMTP and real gpg on the recipient's side."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from solidarity.core import retention
from solidarity.core.models import AuditEntry
from solidarity.core.services import get_network_settings
from solidarity.messaging import openpgp, pump, services
from solidarity.messaging.address_keys import (
    do_confirm_openpgp_key,
    do_propose_openpgp_key,
    do_remove_openpgp_key,
    key_state,
)
from solidarity.messaging.models import Address, Channel, KeyProof, Message, State
from tests.factories.messaging import GpgHome, body_of, decrypted, proof_path, set_openpgp_key, subkey_ids
from tests.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server, override_settings(MAILERS=server.mailers):
        yield server


def propose(address: str, armored: str, *, language: str = "en", throttle: bool = False) -> KeyProof | None:
    checked = openpgp.check_recipient_key(armored, address=address)
    return do_propose_openpgp_key(address, checked, language=language, throttle=throttle)


def test_a_proposed_key_takes_effect_only_through_the_link_inside_the_email_encrypted_to_it(
    smtp: SmtpServer, gnupg: GpgHome
) -> None:
    gnupg.new_key("old@example.org", "future-default")
    gnupg.new_key("nueva@example.org", "future-default")
    old = gnupg.export("old@example.org")
    set_openpgp_key("nueva@example.org", old)

    propose("nueva@example.org", gnupg.export("nueva@example.org"))
    pump.drain(Channel.EMAIL)

    # The proof is encrypted to the new key (not the one in effect), and signed by the network.
    [proof_mail] = smtp.inbox.to("nueva@example.org")
    inner, status = decrypted(gnupg, proof_mail)
    assert any(line.startswith("[GNUPG:] DECRYPTION_OKAY") for line in status)
    encrypted_to = {line.split()[2] for line in status if line.startswith("[GNUPG:] ENC_TO ")}
    assert encrypted_to == subkey_ids(gnupg, "nueva@example.org")
    assert "confirm your OpenPGP key" in str(inner["Subject"])
    assert services.find_address(Channel.EMAIL, "nueva@example.org").openpgp_key == old  # type: ignore[union-attr]  # made above

    # Opening the link changes nothing; its button does.
    path = proof_path(gnupg, proof_mail)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert openpgp.check_recipient_key(gnupg.export("nueva@example.org")).fingerprint[:4] in page.text
    assert services.find_address(Channel.EMAIL, "nueva@example.org").openpgp_key == old  # type: ignore[union-attr]
    assert client.post(path).status_code == 200
    now = services.find_address(Channel.EMAIL, "nueva@example.org")
    assert now is not None
    assert now.openpgp_key == gnupg.export("nueva@example.org").strip()
    assert now.openpgp_summary == openpgp.key_summary(gnupg.export("nueva@example.org"))  # what sending reads
    assert client.post(path).status_code == 404  # used once
    assert not KeyProof.objects.exists()


def test_an_unconfirmed_proposal_leaves_mail_encrypted_as_before(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("sinprueba@example.org", "future-default")

    propose("sinprueba@example.org", gnupg.export("sinprueba@example.org"))
    services.enqueue(
        services.Outgoing(
            Channel.EMAIL,
            "sinprueba@example.org",
            {"mime": "Subject: hi\nFrom: x@example.org\nTo: sinprueba@example.org\n\nplain\n"},
            idempotency_key="test:after-proposal",
        )
    )
    pump.drain(Channel.EMAIL)

    kinds = sorted(message.get_content_type() for message in smtp.inbox.to("sinprueba@example.org"))
    assert kinds == ["multipart/encrypted", "text/plain"]  # the proof, and the other mail in clear as before


def test_a_proof_is_never_sent_in_clear_even_when_the_network_allows_clear_mail_for_expired_keys(
    smtp: SmtpServer, gnupg: GpgHome
) -> None:
    gnupg.new_key("breve@example.org", "future-default", "default", "1d")
    propose("breve@example.org", gnupg.export("breve@example.org"))
    network = get_network_settings()
    network.clear_mail_when_key_expired = True
    network.save()

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        pump.drain(Channel.EMAIL)

    assert Message.objects.get(idempotency_key__startswith="messaging.key-proof:").state == State.HELD
    assert smtp.inbox.to("breve@example.org") == []


def test_a_proof_link_expires_after_a_week_and_the_proposal_is_purged(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("lenta@example.org", "future-default")
    propose("lenta@example.org", gnupg.export("lenta@example.org"))
    pump.drain(Channel.EMAIL)
    path = proof_path(gnupg, smtp.inbox.to("lenta@example.org")[0])

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert Client().post(path).status_code == 404
        assert retention.Purged("messaging.key-proofs", 1) in retention.purge()

    assert services.find_address(Channel.EMAIL, "lenta@example.org").openpgp_key == ""  # type: ignore[union-attr]


def test_confirming_one_proposal_ends_the_others(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("dos@example.org", "future-default")
    first = propose("dos@example.org", gnupg.export("dos@example.org"))
    second = propose("dos@example.org", gnupg.export("dos@example.org"))
    assert first is not None
    assert second is not None

    assert do_confirm_openpgp_key(second)
    assert not do_confirm_openpgp_key(first)


def test_a_public_form_sends_one_proof_per_address_every_few_minutes(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("inundada@example.org", "future-default")
    armored = gnupg.export("inundada@example.org")

    assert propose("inundada@example.org", armored, throttle=True) is not None
    assert propose("inundada@example.org", armored, throttle=True) is None
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert propose("inundada@example.org", armored, throttle=True) is not None


def test_removing_a_key_stops_encryption_and_says_so_in_a_plain_email(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("quita@example.org", "future-default")
    set_openpgp_key("quita@example.org", gnupg.export("quita@example.org"))
    waiting = propose("quita@example.org", gnupg.export("quita@example.org"))
    assert waiting is not None

    assert do_remove_openpgp_key("quita@example.org", language="es")
    assert not do_remove_openpgp_key("quita@example.org", language="es")  # nothing more to remove, nothing sent
    pump.drain(Channel.EMAIL)

    gone = services.find_address(Channel.EMAIL, "quita@example.org")
    assert gone is not None
    assert (gone.openpgp_key, gone.openpgp_summary) == ("", "")
    assert not KeyProof.objects.exists()  # what waited goes too
    notices = [m for m in smtp.inbox.to("quita@example.org") if m.get_content_type() == "text/plain"]
    [notice] = notices
    assert "cifrado desactivado" in str(notice["Subject"])
    assert "/openpgp/" in body_of(notice)


def test_key_changes_are_audited_without_the_key_or_the_address(smtp: SmtpServer, gnupg: GpgHome) -> None:
    fingerprint = gnupg.new_key("auditada@example.org", "future-default")
    proof = propose("auditada@example.org", gnupg.export("auditada@example.org"))
    assert proof is not None
    do_confirm_openpgp_key(proof)
    do_remove_openpgp_key("auditada@example.org", language="en")

    entries = list(AuditEntry.objects.filter(object_type="messaging.address").order_by("pk"))
    assert [entry.detail for entry in entries] == [
        {"openpgp_key": "proposed"},
        {"openpgp_key": "confirmed"},
        {"openpgp_key": "removed"},
    ]
    everything = repr(list(AuditEntry.objects.values()))
    assert fingerprint[-16:] not in everything
    assert fingerprint[-16:].lower() not in everything
    assert "auditada" not in everything


def test_the_key_state_shows_the_key_in_effect_and_the_one_waiting(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("estado@example.org", "future-default", "default", "20d")
    assert key_state("estado@example.org").current is None

    proof = propose("estado@example.org", gnupg.export("estado@example.org"))
    assert proof is not None
    waiting = key_state("estado@example.org")
    assert waiting.current is None
    assert waiting.waiting is not None
    do_confirm_openpgp_key(proof)

    state = key_state("estado@example.org")
    assert state.waiting is None
    assert state.current is not None
    assert state.current.fingerprint == gnupg.fingerprint("estado@example.org")
    assert state.current_expires_soon


# The network's key, published.


def test_the_network_key_page_shows_its_fingerprint_and_the_file_is_the_key() -> None:
    key = services.network_key()
    client = Client()

    page = client.get("/en/openpgp/")
    download = client.get("/openpgp/network-key.asc")

    assert page.status_code == 200
    assert key.fingerprint[:4] in page.text
    assert key.fingerprint[-4:] in page.text
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pgp-keys"
    assert download.content.decode() == key.public


def test_the_web_key_directory_serves_the_binary_key_gpg_reads(gnupg: GpgHome) -> None:
    key = services.network_key()
    local = openpgp.key_address(key.public).split("@")[0]
    client = Client()

    served = client.get(f"/.well-known/openpgpkey/hu/{openpgp.wkd_hash(local)}?l={local}")
    policy_file = client.get("/.well-known/openpgpkey/policy")

    assert served.status_code == 200
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Access-Control-Allow-Origin"] == "*"
    gnupg.gpg("--import", stdin=served.content)
    assert gnupg.fingerprint(openpgp.key_address(key.public)) == key.fingerprint
    assert policy_file.status_code == 200
    assert client.get(f"/.well-known/openpgpkey/hu/{openpgp.wkd_hash('someone')}").status_code == 404


def test_mail_signed_by_the_network_verifies_with_gpg_once_the_published_key_is_imported(
    smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("fresh-gnupg")
    home.chmod(0o700)
    reader = GpgHome(home)
    reader.new_key("lectora@example.org", "future-default")
    set_openpgp_key("lectora@example.org", reader.export("lectora@example.org"))
    content = {"mime": "Subject: hi\nFrom: x@example.org\nTo: lectora@example.org\n\nhello\n"}
    content["mime"] = content["mime"].replace("x@example.org", str(settings.DEFAULT_FROM_EMAIL))
    services.enqueue(services.Outgoing(Channel.EMAIL, "lectora@example.org", content, idempotency_key="test:signed"))
    pump.drain(Channel.EMAIL)
    [received] = smtp.inbox.to("lectora@example.org")

    _inner, before = decrypted(reader, received)
    assert any(line.startswith("[GNUPG:] NO_PUBKEY") or line.startswith("[GNUPG:] ERRSIG") for line in before)

    reader.gpg("--import", stdin=Client().get("/openpgp/network-key.asc").content)
    _inner, after = decrypted(reader, received)
    assert any(line.startswith("[GNUPG:] GOODSIG ") for line in after)
    assert any(line.startswith("[GNUPG:] VALIDSIG ") and services.network_key().fingerprint in line for line in after)
    assert not any("NO_PUBKEY" in line for line in after)
    assert received["Autocrypt"] is not None


def test_address_rows_are_not_made_by_looking_at_a_key_state() -> None:
    key_state("nadie@example.org")

    assert not Address.objects.exists()
