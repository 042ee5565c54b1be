"""OpenPGP for outgoing email, with real GnuPG 2.2 as the reader that must understand it."""

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, MIMEPart

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from pysequoia.packet import PacketPile, Tag

from solidarity.messaging import openpgp
from solidarity.messaging.openpgp import (
    Encryptor,
    NetworkKey,
    OpenPgpError,
    binary_key,
    check_recipient_key,
    encrypt_email,
    generate_network_key,
    inspect_public_key,
    key_summary,
    wkd_hash,
    zbase32,
)
from tests.factories.messaging import GpgHome

SUBJECT = "Reunión del martes: acción en la plaza"
TEXT = "Hola, compañera: la reunión será el martes en la plaza.\nTrae agua y ánimo.\n"
HTML = "<p>Hola, compañera: la <b>reunión</b> será el martes en la plaza.</p>"


@pytest.fixture(scope="module")
def keyring(gnupg: GpgHome) -> GpgHome:
    """The recipient's side of every test: one GnuPG home for the module."""
    return gnupg


@pytest.fixture(scope="module")
def network(keyring: GpgHome) -> NetworkKey:
    """The network's own key, known to the recipient as a person's mail program would know it."""
    key = generate_network_key("Red de Apoyo Mutuo", "red@example.org")
    keyring.gpg("--import", stdin=key.public_armored.encode())
    return key


@pytest.fixture(scope="module")
def ed25519_key(keyring: GpgHome) -> str:
    keyring.new_key("rosa@example.org", "future-default")  # ed25519 primary, cv25519 encryption subkey
    return keyring.export("rosa@example.org")


@pytest.fixture(scope="module")
def rsa_key(keyring: GpgHome) -> str:
    fingerprint = keyring.new_key("raul@example.org", "rsa3072", "sign")
    keyring.gpg("--quick-add-key", fingerprint, "rsa3072", "encr", "0")
    return keyring.export("raul@example.org")


def announcement() -> EmailMessage:
    """A broadcast as the outbox builds it, through Django's own mail classes."""
    mail = EmailMultiAlternatives(
        subject=SUBJECT,
        body=TEXT,
        from_email="Red de Apoyo Mutuo <red@example.org>",
        to=["rosa@example.org"],
        headers={
            "List-Id": "Avisos <avisos.example.org>",
            "List-Unsubscribe": "<https://red.example.org/baja/abc123>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    mail.attach_alternative(HTML, "text/html")
    return mail.message()


def encrypted_parts(message: EmailMessage) -> tuple[MIMEPart, MIMEPart]:
    """The two parts of a multipart/encrypted message: version control, then the OpenPGP message."""
    control, data = message.iter_parts()
    return control, data


def assert_readable_by_gpg(keyring: GpgHome, network: NetworkKey, encrypted: EmailMessage) -> None:
    """gpg decrypts it, the network key's signature is good, and the real message is inside."""
    wire = message_from_bytes(encrypted.as_bytes(policy=policy.SMTP), policy=policy.default)
    _, data = encrypted_parts(wire)

    plaintext, status = keyring.decrypt(data.get_content())

    assert "[GNUPG:] DECRYPTION_OKAY" in status
    assert any(line.startswith("[GNUPG:] GOODSIG ") for line in status)
    assert any(line.startswith("[GNUPG:] VALIDSIG ") and line.endswith(network.fingerprint) for line in status)
    # MDC, not AEAD: SEIPDv1, which every OpenPGP program reads.
    assert any(line.startswith("[GNUPG:] DECRYPTION_INFO 2 ") and line.endswith(" 0") for line in status)
    assert b"\r\n" in plaintext
    inner = message_from_bytes(plaintext, policy=policy.default)
    assert isinstance(inner, EmailMessage)
    assert inner["Subject"] == SUBJECT
    assert inner.get_content_type() == "multipart/alternative"
    assert inner.get_param("protected-headers") == "v1"
    plain, html = inner.get_body(("plain",)), inner.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().replace("\r\n", "\n") == TEXT
    assert HTML in html.get_content()


def test_email_to_an_ed25519_key_is_decrypted_and_verified_by_gpg(
    keyring: GpgHome, network: NetworkKey, ed25519_key: str
) -> None:
    encrypted = encrypt_email(announcement(), recipient_key=ed25519_key, signer_secret=network.secret_armored)

    assert_readable_by_gpg(keyring, network, encrypted)


def test_email_to_an_rsa_key_is_decrypted_and_verified_by_gpg(
    keyring: GpgHome, network: NetworkKey, rsa_key: str
) -> None:
    message = EmailMessage()
    message["From"] = "red@example.org"
    message["To"] = "raul@example.org"
    message["Subject"] = SUBJECT
    message.set_content(TEXT)
    message.add_alternative(HTML, subtype="html")

    encrypted = Encryptor(network.secret_armored).encrypt_email(message, rsa_key)

    assert_readable_by_gpg(keyring, network, encrypted)


def test_plain_text_email_keeps_its_charset_inside(keyring: GpgHome, network: NetworkKey, ed25519_key: str) -> None:
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message.set_content(TEXT)

    encrypted = encrypt_email(message, recipient_key=ed25519_key, signer_secret=network.secret_armored)

    plaintext, _ = keyring.decrypt(encrypted_parts(encrypted)[1].get_content())
    inner = message_from_bytes(plaintext, policy=policy.default)
    assert isinstance(inner, EmailMessage)
    assert inner.get_content_type() == "text/plain"
    assert inner.get_param("protected-headers") == "v1"
    assert inner.get_content().replace("\r\n", "\n") == TEXT


def test_outer_message_is_rfc3156_and_shows_nothing_of_the_content(network: NetworkKey, ed25519_key: str) -> None:
    original = announcement()

    encrypted = encrypt_email(original, recipient_key=ed25519_key, signer_secret=network.secret_armored)

    wire = encrypted.as_bytes(policy=policy.SMTP)
    outer = message_from_bytes(wire, policy=policy.default)
    assert outer.get_content_type() == "multipart/encrypted"
    assert outer.get_param("protocol") == "application/pgp-encrypted"
    control, data = encrypted_parts(outer)
    assert control.get_content_type() == "application/pgp-encrypted"
    assert control.get_content().strip() == b"Version: 1"
    assert data.get_content_type() == "application/octet-stream"
    assert data.get_param("name") == "encrypted.asc"
    assert data.get_content().startswith(b"-----BEGIN PGP MESSAGE-----")
    assert outer["Subject"] == "..."
    for name in ("From", "To", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert outer[name] == original[name], name
    assert outer["Auto-Submitted"] == "auto-generated"
    for secret in (b"plaza", b"Reuni", b"martes", b"compa", b"agua"):
        assert secret not in wire
    assert original["Subject"] == SUBJECT, "the caller's message is left as it was"


def test_gpg_sees_the_network_key_as_v4_ed25519_with_cv25519_encryption(keyring: GpgHome, network: NetworkKey) -> None:
    listing = keyring.gpg("--with-colons", "--list-keys", network.fingerprint).stdout.decode()

    records = [line.split(":") for line in listing.splitlines()]
    primary = next(record for record in records if record[0] == "pub")
    subkeys = [record for record in records if record[0] == "sub"]
    fingerprints = [record[9] for record in records if record[0] == "fpr"]
    assert (primary[3], primary[16]) == ("22", "ed25519")
    assert any(sub[3] == "18" and sub[16] == "cv25519" and "e" in sub[11] for sub in subkeys)
    assert primary[6] == "", "the network key does not expire"
    # v4 fingerprints are 40 hex digits (v5 and v6 are 64).
    assert fingerprints[0] == network.fingerprint
    assert all(len(fingerprint) == 40 for fingerprint in fingerprints)
    assert network.secret_armored not in repr(network), "the secret stays out of logs and tracebacks"


def test_inspected_key_describes_a_usable_key(ed25519_key: str, keyring: GpgHome) -> None:
    info = inspect_public_key(ed25519_key)

    assert info.fingerprint == keyring.fingerprint("rosa@example.org")
    assert info.user_ids == ("Persona <rosa@example.org>",)
    assert info.expires_at is None
    assert info.can_encrypt
    assert not info.is_expired


def test_expired_key_is_described_as_expired_and_unusable(keyring: GpgHome, network: NetworkKey) -> None:
    keyring.new_key("caduca@example.org", "future-default", "default", "1d")
    armored = keyring.export("caduca@example.org")

    today = inspect_public_key(armored)
    later = inspect_public_key(armored, now=datetime.now(UTC) + timedelta(days=3))

    assert today.can_encrypt
    assert today.expires_at is not None
    assert later.is_expired
    assert not later.can_encrypt
    encryptor = Encryptor(network.secret_armored)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3), tick=False), pytest.raises(OpenPgpError) as error:
        encryptor.encrypt_email(announcement(), armored)
    assert error.value.code == "expired"


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("english")
def test_secret_key_is_refused(keyring: GpgHome, ed25519_key: str) -> None:
    secret = keyring.gpg("--armor", "--export-secret-keys", "rosa@example.org").stdout.decode()

    with pytest.raises(OpenPgpError) as error:
        inspect_public_key(secret)

    assert error.value.code == "secret_key"
    assert str(error.value) == "This is a secret key. Never share it: send the public key instead."


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("garbage", ["", "hello", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n"])
def test_garbage_is_refused_in_plain_words(garbage: str) -> None:
    with pytest.raises(OpenPgpError) as error:
        inspect_public_key(garbage)

    assert str(error.value) == "This is not an OpenPGP public key."


@pytest.mark.usefixtures("english")
def test_key_without_encryption_subkey_is_refused(keyring: GpgHome) -> None:
    keyring.new_key("firma@example.org", "ed25519", "sign")

    with pytest.raises(OpenPgpError) as error:
        inspect_public_key(keyring.export("firma@example.org"))

    assert error.value.code == "no_encryption_key"
    assert str(error.value) == "This key has no encryption subkey we can use."


@pytest.mark.usefixtures("english")
def test_two_keys_at_once_are_refused(ed25519_key: str, rsa_key: str) -> None:
    with pytest.raises(OpenPgpError) as error:
        inspect_public_key(ed25519_key + rsa_key)

    assert error.value.code == "several_keys"


@pytest.mark.usefixtures("english")
def test_revoked_key_is_refused(keyring: GpgHome) -> None:
    fingerprint = keyring.new_key("revocada@example.org", "future-default")
    # gpg keeps a ready revocation certificate, its armor line guarded by a colon.
    revocation = (keyring.home / "openpgp-revocs.d" / f"{fingerprint}.rev").read_text().replace(":-----", "-----")
    keyring.gpg("--import", stdin=revocation.encode())

    with pytest.raises(OpenPgpError) as error:
        inspect_public_key(keyring.export("revocada@example.org"))

    assert error.value.code == "revoked"


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("kind", ["garbage", "public key"])
def test_network_key_must_be_a_secret_key(kind: str, network: NetworkKey) -> None:
    signer = "garbage" if kind == "garbage" else network.public_armored

    with pytest.raises(OpenPgpError) as error:
        Encryptor(signer)

    assert error.value.code == "network_key"


def test_encryptor_keeps_working_past_its_cache_size(
    keyring: GpgHome, network: NetworkKey, ed25519_key: str, rsa_key: str
) -> None:
    encryptor = Encryptor(network.secret_armored, cache_size=1)

    for key in (ed25519_key, rsa_key, ed25519_key):
        assert_readable_by_gpg(keyring, network, encryptor.encrypt_email(announcement(), key))


# A key's summary, saved with it: what sending needs to know, so that a broadcast reads only each certificate.


def test_with_its_summary_a_key_is_encrypted_to_without_its_packets_being_read_again(
    keyring: GpgHome, network: NetworkKey, ed25519_key: str, rsa_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    summaries = {key: key_summary(key) for key in (ed25519_key, rsa_key)}
    monkeypatch.setattr(openpgp, "_parse_recipient", parse_nothing)

    encryptor = Encryptor(network.secret_armored)
    for key, summary in summaries.items():
        assert encryptor.can_encrypt(key, summary=summary)
        text = encryptor.encrypt_text(announcement().as_string(), key, summary=summary)
        assert_readable_by_gpg(keyring, network, message_from_bytes(text.encode(), policy=policy.default))


def test_a_summary_keeps_only_the_packets_encrypting_reads_and_gpg_still_decrypts(
    keyring: GpgHome, network: NetworkKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signing or authentication subkey is left out of what sending parses; the encryption subkey stays."""
    fingerprint = keyring.new_key("subclaves@example.org", "ed25519", "sign")
    keyring.gpg("--quick-add-key", fingerprint, "ed25519", "sign", "0")
    keyring.gpg("--quick-add-key", fingerprint, "ed25519", "auth", "0")
    keyring.gpg("--quick-add-key", fingerprint, "cv25519", "encr", "0")
    armored = keyring.export("subclaves@example.org")
    summary = json.loads(key_summary(armored))

    whole = list(PacketPile.from_bytes(armored.encode()))
    kept = list(PacketPile.from_bytes(base64.b64decode(summary["cert"])))
    assert [packet.tag for packet in whole].count(Tag.PublicSubkey) == 3
    assert [packet.tag for packet in kept].count(Tag.PublicSubkey) == 1  # the encryption subkey, with its binding
    assert [packet.tag for packet in kept if packet.tag != Tag.Signature] == [
        Tag.PublicKey,
        Tag.UserID,
        Tag.PublicSubkey,
    ]
    monkeypatch.setattr(openpgp, "_parse_recipient", parse_nothing)
    text = Encryptor(network.secret_armored).encrypt_text(
        announcement().as_string(), armored, summary=json.dumps(summary)
    )
    assert_readable_by_gpg(keyring, network, message_from_bytes(text.encode(), policy=policy.default))


def test_a_key_with_nothing_to_leave_out_is_summarised_without_a_second_copy(ed25519_key: str, rsa_key: str) -> None:
    for key in (ed25519_key, rsa_key):
        assert "cert" not in json.loads(key_summary(key))


def test_a_summary_that_is_not_the_keys_own_is_ignored_and_the_key_read_in_full(
    network: NetworkKey, ed25519_key: str, rsa_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    others = key_summary(rsa_key)
    monkeypatch.setattr(openpgp, "_parse_recipient", parse_nothing)

    for summary in (others, "", "not json", '{"sha256": "00", "until": "yesterday"}'):
        with pytest.raises(AssertionError, match="read in full"):
            Encryptor(network.secret_armored).encrypt_text(announcement().as_string(), ed25519_key, summary=summary)


def test_a_key_expired_since_its_summary_is_held_as_expired(keyring: GpgHome, network: NetworkKey) -> None:
    keyring.new_key("resumen@example.org", "future-default", "default", "1d")
    armored = keyring.export("resumen@example.org")
    summary = key_summary(armored)

    assert json.loads(summary)["until"] is not None
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3), tick=False):
        encryptor = Encryptor(network.secret_armored)
        assert not encryptor.can_encrypt(armored, summary=summary)
        with pytest.raises(OpenPgpError) as error:
            encryptor.encrypt_text(announcement().as_string(), armored, summary=summary)
    assert error.value.code == "expired"


def test_a_key_that_cannot_encrypt_now_has_no_summary(keyring: GpgHome, ed25519_key: str) -> None:
    keyring.new_key("sin.resumen@example.org", "future-default", "default", "1d")

    assert key_summary(keyring.export("sin.resumen@example.org"), now=datetime.now(UTC) + timedelta(days=3)) == ""
    assert key_summary("not a key") == ""
    assert key_summary(ed25519_key) != ""


def parse_nothing(armored: str) -> None:
    raise AssertionError("the key was read in full")


# A subscriber's own key: stricter than a coordinator's look at one, and what to tell them.


def test_a_subscribers_key_naming_their_address_is_accepted_without_warnings(ed25519_key: str) -> None:
    checked = check_recipient_key(ed25519_key, address="Rosa@Example.org")

    assert checked.names_address
    assert not checked.expires_soon
    assert checked.info.encrypts_until is None


def test_a_key_for_another_address_is_accepted_and_says_so(ed25519_key: str) -> None:
    checked = check_recipient_key(ed25519_key, address="otra@example.org")

    assert not checked.names_address


def test_a_key_expiring_within_30_days_is_accepted_and_says_so(keyring: GpgHome) -> None:
    keyring.new_key("pronto@example.org", "future-default", "default", "10d")

    checked = check_recipient_key(keyring.export("pronto@example.org"), address="pronto@example.org")

    assert checked.expires_soon
    assert checked.info.encrypts_until is not None
    assert checked.info.encrypts_until - datetime.now(UTC) < timedelta(days=11)


def test_a_key_whose_encryption_subkey_expires_soon_expires_soon(keyring: GpgHome) -> None:
    fingerprint = keyring.new_key("subclave@example.org", "ed25519", "sign")
    keyring.gpg("--quick-add-key", fingerprint, "cv25519", "encr", "5d")

    checked = check_recipient_key(keyring.export("subclave@example.org"), address="subclave@example.org")

    assert checked.info.expires_at is None
    assert checked.expires_soon


@pytest.mark.usefixtures("english")
def test_an_expired_key_is_refused_for_a_subscriber(keyring: GpgHome) -> None:
    keyring.new_key("vencida@example.org", "future-default", "default", "1d")
    armored = keyring.export("vencida@example.org")

    with pytest.raises(OpenPgpError) as error:
        check_recipient_key(armored, address="vencida@example.org", now=datetime.now(UTC) + timedelta(days=3))

    assert error.value.code == "expired"
    assert str(error.value) == "This key has expired. Renew it, or send a new one."


@pytest.mark.usefixtures("english")
def test_a_secret_key_is_refused_for_a_subscriber_without_echoing_it(keyring: GpgHome, ed25519_key: str) -> None:
    secret = keyring.gpg("--armor", "--export-secret-keys", "rosa@example.org").stdout.decode()

    with pytest.raises(OpenPgpError) as error:
        check_recipient_key(secret, address="rosa@example.org")

    assert error.value.code == "secret_key"
    assert secret.splitlines()[3] not in repr(error.value)


# Publishing the network's key.


def test_zbase32_and_the_wkd_hash_match_the_drafts_example() -> None:
    # draft-koch-openpgp-webkey-service, section 3.1: "Joe.Doe" hashes to this.
    assert wkd_hash("Joe.Doe") == "iy9q119eutrkn8s1mk4r39qejnbu3n5q"
    assert zbase32(b"") == ""


def test_gpg_computes_the_same_wkd_hash(keyring: GpgHome, ed25519_key: str) -> None:
    listing = keyring.gpg("--with-wkd-hash", "--list-keys", "rosa@example.org").stdout.decode()

    assert f"{wkd_hash('rosa')}@example.org" in listing


def test_the_binary_key_is_the_key_gpg_exports(keyring: GpgHome, network: NetworkKey) -> None:
    exported = keyring.gpg("--export", network.fingerprint).stdout

    served = binary_key(network.public_armored)

    assert served[:1] != b"-"
    home = keyring.home.parent / "wkd-reader"
    home.mkdir(mode=0o700, exist_ok=True)
    reader = GpgHome(home)
    reader.gpg("--import", stdin=served)
    assert reader.fingerprint("red@example.org") == network.fingerprint
    assert len(exported) > 0


def test_signed_mail_carries_the_network_key_in_an_autocrypt_header(
    keyring: GpgHome, network: NetworkKey, ed25519_key: str
) -> None:
    encrypted = encrypt_email(announcement(), recipient_key=ed25519_key, signer_secret=network.secret_armored)

    wire = encrypted.as_bytes(policy=policy.SMTP)
    assert all(len(line) <= 78 for line in wire.split(b"\r\n")[:40])
    outer = message_from_bytes(wire, policy=policy.default)
    attributes = dict(part.strip().split("=", 1) for part in str(outer["Autocrypt"]).replace("\r\n", "").split(";"))
    assert attributes["addr"] == "red@example.org"
    keydata = base64.b64decode("".join(attributes["keydata"].split()))
    assert keydata == binary_key(network.public_armored)
    assert len(outer.get_all("Autocrypt") or []) == 1


def test_mail_from_another_address_carries_no_autocrypt_header(network: NetworkKey, ed25519_key: str) -> None:
    message = announcement()
    message.replace_header("From", "Someone else <otra@example.org>")

    encrypted = encrypt_email(message, recipient_key=ed25519_key, signer_secret=network.secret_armored)

    assert encrypted["Autocrypt"] is None
