"""OpenPGP for outgoing email: the network's own key, checking a recipient's key, PGP/MIME.

The network signs with a key of its own and encrypts to a recipient's public key when the
outbox holds one. Three rules follow from what people's mail programs can read:

- The network key is Cv25519 (Ed25519 signing, X25519 encryption) in the RFC 4880 (v4)
  profile. pysequoia's default profile is RFC 9580 (v6 keys, SEIPDv2/AEAD), which
  GnuPG 2.2 cannot read; and RSA is out because the RSA code pysequoia bundles has a
  timing advisory for private-key operations. A recipient's RSA key is fine: encrypting
  to it is a public-key operation.
- Sequoia picks SEIPDv2 only when every recipient key advertises it, so a v4 key made by
  GnuPG gets SEIPDv1 with MDC, which every OpenPGP program reads.
- Solidarity never hands a key it generated to a person, and refuses a secret key pasted
  where a public key belongs: it never wants anyone's secret key.

The network's public key is published so that recipients can check its signature: on a page,
at a Web Key Directory address (`wkd_hash`), and in an Autocrypt header on every signed email
(`Encryptor` adds it when the message's From is the key's own address).
"""

import base64
import functools
import hashlib
import itertools
import json
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parseaddr

import pysequoia
from django.utils.translation import gettext as _
from pysequoia.packet import KeyFlags, Packet, PacketPile, PublicKeyAlgorithm, SignatureType, Tag

# The outer Subject of an encrypted message; the real one travels inside (protected headers).
HIDDEN_SUBJECT = "..."
# Headers copied into the encrypted part so a mail program can show (and check) the real ones.
PROTECTED_HEADERS = ("Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-ID", "In-Reply-To", "References")
RECIPIENT_CACHE_SIZE = 1024
EXPIRES_SOON = timedelta(days=30)  # a subscriber's key that stops working within this is accepted, with a warning
AUTOCRYPT_LINE = 76  # base64 characters per folded line of the Autocrypt header's keydata
ZBASE32 = "ybndrfg8ejkmcpqxot1uwisza345h769"  # the Web Key Directory's alphabet (z-base-32)

# The two parts of RFC 3156's multipart/encrypted: the version, and the data's headers (the data follows).
_CONTROL_PART = (
    "Content-Type: application/pgp-encrypted\nContent-Description: PGP/MIME version identification\n\nVersion: 1\n"
)
_DATA_PART = (
    'Content-Type: application/octet-stream; name="encrypted.asc"\n'
    "Content-Description: OpenPGP encrypted message\n"
    'Content-Disposition: inline; filename="encrypted.asc"\n\n'
)
_PROTECTED = {name.lower() for name in PROTECTED_HEADERS}
_LINE_END = re.compile(r"\r\n|\r|\n")

_SECRET_TAGS = (Tag.SecretKey, Tag.SecretSubkey)
_SELF_SIGNATURES = (
    SignatureType.DirectKey,
    SignatureType.PositiveCertification,
    SignatureType.GenericCertification,
    SignatureType.CasualCertification,
    SignatureType.PersonaCertification,
)
_NETWORK_KEY_ALGORITHMS = (
    PublicKeyAlgorithm.EdDSA,
    PublicKeyAlgorithm.Ed25519,
    PublicKeyAlgorithm.ECDH,
    PublicKeyAlgorithm.X25519,
)


class OpenPgpError(Exception):
    """A key or message we cannot use; `str(error)` is a short sentence for a coordinator."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class NetworkKey:
    """The network's own key pair; `secret_armored` belongs in an encrypted field, nowhere else."""

    secret_armored: str = field(repr=False)
    public_armored: str
    fingerprint: str


@dataclass(frozen=True)
class KeyInfo:
    """What a coordinator needs to know about a recipient's public key, at one moment."""

    fingerprint: str
    user_ids: tuple[str, ...]
    created: datetime
    expires_at: datetime | None
    is_expired: bool
    can_encrypt: bool
    encrypts_until: datetime | None = None  # when its last usable encryption key (or the key) expires; None: never


@dataclass(frozen=True)
class KeyCheck:
    """A subscriber's key that passed `check_recipient_key`, and what they should hear about it."""

    info: KeyInfo
    names_address: bool  # one of its user IDs holds the address it is for
    expires_soon: bool  # it stops working within EXPIRES_SOON
    armored: str = field(default="", repr=False)  # the key as given (public: a secret one never gets this far)

    @property
    def fingerprint(self) -> str:
        return self.info.fingerprint


def generate_network_key(name: str, email: str) -> NetworkKey:
    """A new Cv25519 key for the network, readable by GnuPG 2.2 and every v4 implementation.

    It never expires: it is a machine's key kept in an encrypted field, and an expiry date
    nobody remembers would stop encrypted mail on that day. Replacing it is a deliberate
    operator action, not a timer.
    """
    tsk = pysequoia.Tsk.generate(
        f"{name} <{email}>",
        profile=pysequoia.Profile.RFC4880,
        cipher_suite=pysequoia.CipherSuite.Cv25519,
        validity_seconds=None,
    )
    cert = tsk.extract_certificate()
    return NetworkKey(secret_armored=str(tsk), public_armored=str(cert), fingerprint=cert.fingerprint.upper())


@dataclass(frozen=True)
class _EncryptionKey:
    created: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class _Recipient:
    """A recipient's certificate, parsed once, with what a send must check at send time."""

    cert: pysequoia.Cert
    user_ids: tuple[str, ...]
    created: datetime
    expires_at: datetime | None
    encryption_keys: tuple[_EncryptionKey, ...]

    def is_expired_at(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def can_encrypt_at(self, now: datetime) -> bool:
        if self.is_expired_at(now):
            return False
        return any(key.expires_at is None or key.expires_at > now for key in self.encryption_keys)

    def encrypts_until_at(self, now: datetime) -> datetime | None:
        """The last moment one of its encryption keys still works (None: no end), at most the key's own expiry."""
        usable = [key.expires_at for key in self.encryption_keys if key.expires_at is None or key.expires_at > now]
        ends = None if not usable or None in usable else max(end for end in usable if end is not None)
        if self.expires_at is None:
            return ends
        return self.expires_at if ends is None else min(ends, self.expires_at)

    def info_at(self, now: datetime) -> KeyInfo:
        return KeyInfo(
            fingerprint=self.cert.fingerprint.upper(),
            user_ids=self.user_ids,
            created=self.created,
            expires_at=self.expires_at,
            is_expired=self.is_expired_at(now),
            can_encrypt=self.can_encrypt_at(now),
            encrypts_until=self.encrypts_until_at(now),
        )

    def sendable_at(self, now: datetime) -> "_Sendable":
        return _Sendable(self.cert, self.can_encrypt_at(now), self.encrypts_until_at(now))


@dataclass(frozen=True)
class _Sendable:
    """What a send needs of a recipient's key: its certificate, and until when it encrypts (checked when parsed).

    A key that could encrypt when it was checked can until `until` (None: no end): an encryption key
    that had expired then has expired for good, and a revocation or a new subkey is a new key text.
    """

    cert: pysequoia.Cert
    usable: bool  # it could encrypt when it was checked
    until: datetime | None

    def can_encrypt_at(self, now: datetime) -> bool:
        return self.usable and (self.until is None or self.until > now)


def inspect_public_key(armored: str, *, now: datetime | None = None) -> KeyInfo:
    """Check a public key someone gave us and describe it, or raise OpenPgpError saying why not.

    Refused: anything that is not one OpenPGP key, a secret key, a revoked key, a key with no
    encryption subkey, a key whose algorithms Sequoia's standard policy rejects (SHA-1
    bindings, small DSA and ElGamal keys). An expired key is described, not refused:
    `is_expired` and `can_encrypt` tell the coordinator to ask for a fresh one.

    Signatures are checked by Sequoia at the current time; `now` moves only the expiry
    questions (`is_expired`, `can_encrypt`).
    """
    recipient = _parse_recipient(armored)
    try:
        pysequoia.encrypt(b"", [recipient.cert], armor=False)
    except (RuntimeError, ValueError):
        raise OpenPgpError(_("This key has no encryption subkey we can use."), code="no_encryption_key") from None
    return recipient.info_at(now or datetime.now(UTC))


def check_recipient_key(armored: str, *, address: str = "", now: datetime | None = None) -> KeyCheck:
    """Check the public key a person gives for their own address, or raise OpenPgpError saying why not.

    Stricter than `inspect_public_key`: a key that cannot encrypt now (expired, or every
    encryption subkey expired) is refused too, since mail to it would be held. Accepted, with
    what to tell them: whether a user ID names `address` (a key for another address still
    encrypts; the person may use one key for several addresses), and whether it stops working
    within EXPIRES_SOON. Never logs or keeps the key; the error says nothing of its content.
    """
    now = now or datetime.now(UTC)
    info = inspect_public_key(armored, now=now)
    if info.is_expired:
        raise OpenPgpError(_("This key has expired. Renew it, or send a new one."), code="expired")
    if not info.can_encrypt:
        raise OpenPgpError(
            _("This key's encryption subkey has expired. Renew it, or send a new key."), code="no_encryption_key"
        )
    wanted = address.strip().lower()
    names_address = bool(wanted) and any(parseaddr(user_id)[1].lower() == wanted for user_id in info.user_ids)
    expires_soon = info.encrypts_until is not None and info.encrypts_until <= now + EXPIRES_SOON
    return KeyCheck(info=info, names_address=names_address, expires_soon=expires_soon, armored=armored.strip())


def key_summary(armored: str, *, now: datetime | None = None) -> str:
    """What sending needs to know of a key, found once when the key is saved (`Address.openpgp_summary`).

    A broadcast reads thousands of keys, each once: with this, sending reads only the certificate
    (`Encryptor.encrypt_text`'s `summary`), not its packets again for the checks, at about 60 %
    of the cost, and only the packets encrypting needs (`_for_encryption`: a signing subkey is
    left out, whose signatures encrypting would check for nothing). It names the key by the
    SHA-256 of its packets, so a summary that does not belong to the key beside it (changed by
    other means) is ignored and the key checked in full. "" for a key that cannot encrypt now:
    sending checks it in full, and holds the message.
    """
    binary = _dearmored(armored.strip().encode())
    if binary is None:
        return ""
    try:
        parsed = _parse_recipient(armored)
    except OpenPgpError:
        return ""
    recipient = parsed.sendable_at(now or datetime.now(UTC))
    if not recipient.usable:
        return ""
    until = recipient.until.isoformat() if recipient.until is not None else None
    summary = {"sha256": hashlib.sha256(binary).hexdigest(), "until": until}
    try:
        sending = _for_encryption(binary)
        if sending is not None and _encryption_keys_of(sending) == parsed.encryption_keys:
            summary["cert"] = base64.b64encode(sending).decode("ascii")
    except (RuntimeError, ValueError):  # Sequoia: the whole key is sent to, as it is
        pass
    return json.dumps(summary)


def _summarised(armored: str, summary: str) -> _Sendable | None:
    """The key as its summary (`key_summary`) describes it, parsed no further; None if the summary is not its own."""
    binary = _dearmored(armored.strip().encode())
    try:
        known = json.loads(summary)
        until = datetime.fromisoformat(known["until"]) if known["until"] is not None else None
        if binary is None or known["sha256"] != hashlib.sha256(binary).hexdigest():
            return None
        sending = base64.b64decode(known["cert"], validate=True) if "cert" in known else binary
        return _Sendable(pysequoia.Cert.from_bytes(sending), True, until)
    except (ValueError, KeyError, TypeError, RuntimeError):  # json, isoformat, the keys, base64, Sequoia
        return None


def _for_encryption(binary: bytes) -> bytes | None:
    """A key's packets without its subkeys that cannot encrypt, nor their signatures (None: it has none).

    Encrypting checks the binding signature of every subkey to find those that encrypt, a signing
    subkey's twice (its binding signature holds a back signature). A subkey is left out only when
    it has signatures, each says what the subkey is for, and none says encryption; the primary key,
    its user IDs, every signature on them and every other subkey stay, so that Sequoia finds the
    same encryption subkeys in both (`key_summary` checks it with `_encryption_keys`).
    """
    kept: list[Packet] = []
    subkey: list[Packet] = []  # a subkey and its signatures, until what follows them

    def settle() -> None:
        flags = [signature.key_flags for signature in subkey[1:]]
        if not flags or any(each is None or _encrypts(each) for each in flags):
            kept.extend(subkey)
        subkey.clear()

    count = 0
    for packet in PacketPile.from_bytes(binary):
        count += 1
        if subkey and packet.tag != Tag.Signature:
            settle()
        (subkey if subkey or packet.tag == Tag.PublicSubkey else kept).append(packet)
    if subkey:
        settle()
    if len(kept) == count:
        return None
    return b"".join(bytes(packet) for packet in kept)


def _encryption_keys_of(binary: bytes) -> tuple["_EncryptionKey", ...] | None:
    """The encryption subkeys `_parse_recipient` finds in a key's packets (None: it is no key)."""
    packets = list(PacketPile.from_bytes(binary))
    primary = next((packet for packet in packets if packet.tag == Tag.PublicKey), None)
    if primary is None:
        return None
    return _encryption_keys(packets, primary, pysequoia.Cert.from_packets(packets).expiration)


# Publishing the network's key.


def binary_key(armored: str) -> bytes:
    """A public key's binary (unarmored) form: what a Web Key Directory serves and Autocrypt carries."""
    return bytes(pysequoia.Cert.from_bytes(armored.encode()))


def key_address(armored: str) -> str:
    """The email address of a key's first user ID that has one, lower-cased ("" if none)."""
    for user_id in pysequoia.Cert.from_bytes(armored.encode()).user_ids:
        address = parseaddr(str(user_id))[1]
        if "@" in address:
            return address.lower()
    return ""


def zbase32(data: bytes) -> str:
    """z-base-32 (the Web Key Directory's encoding): 5 bits a character, most significant first."""
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5)
    return "".join(ZBASE32[int(bits[start : start + 5], 2)] for start in range(0, len(bits), 5))


def wkd_hash(local_part: str) -> str:
    """The hashed local part of a Web Key Directory URL: z-base-32 of the SHA-1 of the lower-cased local part."""
    return zbase32(hashlib.sha1(local_part.lower().encode(), usedforsecurity=False).digest())


def autocrypt_header(address: str, public_armored: str) -> str:
    """An Autocrypt header's value (Level 1, section 2.1): `addr`, and `keydata` folded over lines.

    The value is folded here, with "\n " between lines: the outer message's policy writes a
    raw header as it is given, each line end as CRLF on the wire.
    """
    keydata = base64.b64encode(binary_key(public_armored)).decode("ascii")
    lines = [keydata[start : start + AUTOCRYPT_LINE] for start in range(0, len(keydata), AUTOCRYPT_LINE)]
    return f"addr={address}; keydata=\n " + "\n ".join(lines)


def encrypt_email(message: Message, *, recipient_key: str, signer_secret: str) -> EmailMessage:
    """Sign and encrypt one message as PGP/MIME; see `Encryptor.encrypt_email`, which broadcasts use."""
    return Encryptor(signer_secret).encrypt_email(message, recipient_key)


class Encryptor:
    """Signs with the network key and encrypts to recipients, parsing each key once.

    Build one per broadcast or per worker: the network key is parsed (and its signer made)
    here, and recipients' certificates are kept in a small LRU keyed by their armored text.
    Safe to share between threads.
    """

    def __init__(self, signer_secret: str, *, cache_size: int = RECIPIENT_CACHE_SIZE) -> None:
        self._signer = _network_signer(signer_secret)
        public = str(pysequoia.Tsk.from_bytes(signer_secret.encode()).extract_certificate())
        self._address = key_address(public)
        self._autocrypt = autocrypt_header(self._address, public) if self._address else ""
        self._cache: OrderedDict[str, _Sendable] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        # MIME boundaries: this encryptor's random part and a count, without a system call each. A boundary
        # needs only to appear in neither part: one is fixed text, the other OpenPGP armour (base64 lines
        # between its BEGIN and END lines), which never holds "=-pgp-".
        self._boundaries = secrets.token_hex(8)
        self._numbers = itertools.count()

    def encrypt_email(self, message: Message, recipient_key: str) -> EmailMessage:
        """`message` as RFC 3156 PGP/MIME, signed and encrypted in one OpenPGP message (§6.2); see `encrypt_text`."""
        text = self.encrypt_text(message.as_bytes().decode("utf-8", "surrogateescape"), recipient_key)
        return message_from_bytes(text.encode("utf-8", "surrogateescape"), policy=policy.default)

    def encrypt_text(self, text: str, recipient_key: str, *, summary: str = "") -> str:
        """A message's text (as the outbox stores it) as RFC 3156 PGP/MIME, signed and encrypted (§6.2).

        The outer message keeps every header except the body's own (Content-*, MIME-Version),
        so routing and list headers (From, To, Date, Message-ID, List-Unsubscribe, List-Id,
        Auto-Submitted...) still work, and its Subject becomes "...". The encrypted part is
        the original body part with its Content-* headers, plus the real Subject and the
        other PROTECTED_HEADERS, and `protected-headers="v1"` on its Content-Type (the
        Autocrypt / Thunderbird convention: mail programs that know it show the inner
        Subject; others show "..."). The inner part is encrypted with CRLF line ends.
        When the message is From the network key's own address, the outer message carries an
        Autocrypt header with the network's public key, so a mail program can check the signature.

        Works on the text itself: headers move as they are written (folds and all), the body is
        not parsed. The email package would parse, copy and write the message again, several
        times what the encryption costs. Returns text with LF line ends, as the outbox stores it.

        Raises OpenPgpError if the recipient's key is unusable or expired now: never falls
        back to sending in clear, that choice belongs to the caller. `summary`: the key's
        `key_summary`, saved with it, which spares most of the key's parsing.
        """
        recipient = self._recipient(recipient_key, summary)
        if not recipient.can_encrypt_at(datetime.now(UTC)):
            raise OpenPgpError(_("This key has expired. Ask for a new one."), code="expired")
        outer, inner, sender = _split_text(text)
        try:
            encrypted = pysequoia.encrypt(
                inner.encode("utf-8", "surrogateescape"), [recipient.cert], signer=self._signer
            )
        except (RuntimeError, ValueError):
            raise OpenPgpError(_("This key has no encryption subkey we can use."), code="no_encryption_key") from None
        boundary = f"=-pgp-{self._boundaries}-{next(self._numbers)}"
        autocrypt = f"Autocrypt: {self._autocrypt}\n" if self._is_own(sender) else ""
        return (
            f"{outer}Subject: {HIDDEN_SUBJECT}\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\n boundary="{boundary}"\n'
            f"{autocrypt}\n"
            f"--{boundary}\n{_CONTROL_PART}\n--{boundary}\n{_DATA_PART}{encrypted.decode('ascii').rstrip()}\n"
            f"--{boundary}--\n"
        )

    def _is_own(self, sender: str) -> bool:
        """Whether a From header names the network key's own address."""
        return bool(self._autocrypt) and _address_of(sender) == self._address

    def can_encrypt(self, recipient_key: str, *, summary: str = "") -> bool:
        """Whether `encrypt_text` to this key would go now (the key parsed once, for it too)."""
        try:
            return self._recipient(recipient_key, summary).can_encrypt_at(datetime.now(UTC))
        except OpenPgpError:
            return False

    def _recipient(self, armored: str, summary: str = "") -> _Sendable:
        with self._lock:
            recipient = self._cache.get(armored)
            if recipient is not None:
                self._cache.move_to_end(armored)
                return recipient
        recipient = (_summarised(armored, summary) if summary else None) or _parse_recipient(armored).sendable_at(
            datetime.now(UTC)
        )
        with self._lock:
            self._cache[armored] = recipient
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return recipient


@functools.lru_cache(maxsize=64)
def _address_of(header: str) -> str:
    """A From header's address, lower-cased: parsed once per sender, where a broadcast asks 10,000 times."""
    return parseaddr(header)[1].lower()


def _network_signer(signer_secret: str) -> pysequoia.PySigner:
    error = OpenPgpError(_("The network's own key is missing or damaged."), code="network_key")
    try:
        packets = list(PacketPile.from_bytes(signer_secret.encode()))
        tsk = pysequoia.Tsk.from_bytes(signer_secret.encode())
        signer = tsk.signer()
    except (RuntimeError, ValueError, UnicodeError):
        raise error from None
    keys = [packet for packet in packets if packet.tag in _SECRET_TAGS]
    # An RSA secret key would bring the bundled RSA code's timing advisory to our side.
    if not keys or any(key.key_algorithm not in _NETWORK_KEY_ALGORITHMS for key in keys):
        raise error
    return signer


def _parse_recipient(armored: str) -> _Recipient:
    """Parse and check one public key (see inspect_public_key), without the trial encryption."""

    # Made when raised (with the reader's language then), not on every parse: a broadcast parses thousands.
    def not_a_key() -> OpenPgpError:
        return OpenPgpError(_("This is not an OpenPGP public key."), code="not_a_key")

    def secret_key() -> OpenPgpError:
        return OpenPgpError(_("This is a secret key. Never share it: send the public key instead."), code="secret_key")

    def several() -> OpenPgpError:
        return OpenPgpError(_("This contains more than one key. Send only one."), code="several_keys")

    data = armored.strip().encode()
    if b"PRIVATE KEY BLOCK" in data:
        raise secret_key()
    binary = _dearmored(data)
    try:
        if binary is None and len(pysequoia.Cert.split_bytes(data)) > 1:  # not one armoured block: Sequoia looks
            raise several()
        packets: list[Packet] = list(PacketPile.from_bytes(binary or data))
    except (RuntimeError, ValueError):
        raise not_a_key() from None
    if sum(packet.tag in (Tag.PublicKey, Tag.SecretKey) for packet in packets) > 1:
        raise several()
    if any(packet.tag in _SECRET_TAGS for packet in packets):
        raise secret_key()
    primary = next((packet for packet in packets if packet.tag == Tag.PublicKey), None)
    if primary is None or primary.key_created is None:
        raise not_a_key()
    try:
        cert = pysequoia.Cert.from_packets(packets)  # from what is parsed already, not from the bytes again
    except (RuntimeError, ValueError):
        raise not_a_key() from None
    if cert.is_revoked:
        raise OpenPgpError(_("This key has been revoked. Ask for a new one."), code="revoked")
    try:
        user_ids = tuple(str(user_id) for user_id in cert.user_ids)
        expires_at = cert.expiration
    except RuntimeError:
        raise OpenPgpError(
            _("This key uses old or unsupported algorithms. Ask for a new one."), code="unsupported"
        ) from None
    encryption_keys = _encryption_keys(packets, primary, expires_at)
    if not encryption_keys:
        raise OpenPgpError(_("This key has no encryption subkey we can use."), code="no_encryption_key")
    return _Recipient(
        cert=cert,
        user_ids=user_ids,
        created=primary.key_created,
        expires_at=expires_at,
        encryption_keys=encryption_keys,
    )


def _dearmored(data: bytes) -> bytes | None:
    """One ASCII-armored public key block's packets, decoded here; None for any other input (Sequoia reads it).

    Sequoia reads armour too, but a key parsed from its packets costs half: this runs for every
    recipient of an encrypted broadcast. Armour headers (Comment: ...) end at the first empty line;
    the last line may be the CRC-24 checksum ("=" and four characters), which is not data.
    """
    data = data.replace(b"\r\n", b"\n")
    if data.count(b"-----BEGIN ") != 1 or not data.startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----"):
        return None
    _head, blank, rest = data.partition(b"\n\n")
    body, end, _tail = rest.partition(b"\n-----END PGP PUBLIC KEY BLOCK-----")
    lines = body.split()
    if not blank or not end or not lines:
        return None
    if lines[-1].startswith(b"=") and len(lines[-1]) == 5:
        lines.pop()
    try:
        return base64.b64decode(b"".join(lines), validate=True)
    except ValueError:  # binascii.Error
        return None


def _encryption_keys(
    packets: list[Packet], primary: Packet, primary_expires_at: datetime | None
) -> tuple[_EncryptionKey, ...]:
    """The non-revoked keys whose newest self-signature allows encryption, with their expiry.

    pysequoia exposes no per-subkey validity, so this reads the packets: the newest binding
    signature issued by the primary key wins, and a revocation by it removes the subkey.
    Sequoia checks the signatures themselves when it encrypts; this adds the expiry check it
    does not make (it falls back to an expired subkey rather than fail).
    """
    segments: list[tuple[Packet, list[Packet]]] = []
    for packet in packets:
        if packet.tag in (Tag.PublicKey, Tag.PublicSubkey):
            segments.append((packet, []))
        elif packet.tag == Tag.Signature and segments and _is_issued_by(packet, primary):
            segments[-1][1].append(packet)
    found: list[_EncryptionKey] = []
    for key, signatures in segments:
        kinds = _SELF_SIGNATURES if key is primary else (SignatureType.SubkeyBinding,)
        bindings = [signature for signature in signatures if signature.signature_type in kinds]
        is_revoked = any(signature.signature_type == SignatureType.SubkeyRevocation for signature in signatures)
        if not bindings or is_revoked or key.key_created is None:
            continue
        newest = max(bindings, key=_created)
        if not _encrypts(newest.key_flags):
            continue
        if key is primary:
            expires_at = primary_expires_at
        else:
            period = newest.key_validity_period
            expires_at = key.key_created + period if period else None
        found.append(_EncryptionKey(created=key.key_created, expires_at=expires_at))
    return tuple(found)


def _is_issued_by(signature: Packet, key: Packet) -> bool:
    if signature.issuer_fingerprint is not None:
        return signature.issuer_fingerprint == key.fingerprint
    return signature.issuer_key_id in {key.key_id, None}


def _encrypts(flags: KeyFlags | None) -> bool:
    return flags is not None and (flags.transport_encryption or flags.storage_encryption)


def _created(signature: Packet) -> datetime:
    return signature.signature_created or datetime.min.replace(tzinfo=UTC)


def _split_text(text: str) -> tuple[str, str, str]:
    """Split a message's text into the outer headers, the inner part and the From header's value.

    The outer headers are all but the body's own, MIME-Version and Subject, each as written
    (LF line ends). The inner part (CRLF line ends) is the body with its Content-* headers and
    copies of the PROTECTED_HEADERS, its Content-Type marked `protected-headers="v1"`.
    """
    if "\r" in text:
        text = _LINE_END.sub("\n", text)
    head, blank, body = text.partition("\n\n")
    if not blank:  # no body: the whole text is headers
        head, body = head.rstrip("\n"), ""
    fields: list[list[str]] = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1].append(line)
        elif line:
            fields.append([line])
    outer: list[str] = []
    inner: list[str] = []
    sender, typed = "", False
    for lines in fields:
        name = lines[0].split(":", 1)[0].strip().lower()
        if name == "from":
            sender = " ".join(line.strip() for line in lines).split(":", 1)[-1].strip()
        if name == "content-type":
            typed = True
            if "protected-headers" not in "".join(lines).lower():
                lines = [*lines[:-1], lines[-1].rstrip() + '; protected-headers="v1"']
        if name.startswith("content-") or name in _PROTECTED:
            inner.extend(lines)
        if not name.startswith("content-") and name not in ("mime-version", "subject"):
            outer.extend(lines)
    if not typed:
        inner.append('Content-Type: text/plain; charset=us-ascii; protected-headers="v1"')
    outer_text = "".join(f"{line}\n" for line in outer)
    return outer_text, "\r\n".join(inner) + "\r\n\r\n" + body.replace("\n", "\r\n"), sender
