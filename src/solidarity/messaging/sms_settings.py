"""Which SMS backends are live: the environment's, or else the providers an admin saved in the web UI.

Every part asks `configured_backends()`, never settings.SMS_BACKENDS. The environment wins: when
SOLIDARITY_SMS_BACKEND names any backend, the saved settings are kept but not used, so an operator
who pins the providers cannot be overridden from the web (a stolen admin session cannot point the
network's texts at another gateway). Loopback stays in the environment only: it writes numbers in
the clear.

Saved settings live in one row (messaging.models.SmsSettings), secrets encrypted. Each process
keeps the backends it built, keyed by the row's uuid and version; a save bumps the version, so
the worker sees an admin's change at its next batch without a restart. No process invalidates
its cache directly: the web process finds a change the same way the worker does.
"""

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict
from uuid import UUID, uuid4

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from solidarity.core import audit, crypto
from solidarity.core.keyring import KeyringLocked
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings
from solidarity.messaging import reasons
from solidarity.messaging.models import Channel, Message, SmsOrder, SmsSettings
from solidarity.messaging.services import Outgoing, enqueue
from solidarity.messaging.sms import SmsBackend
from solidarity.messaging.sms.android import AndroidGatewayBackend
from solidarity.messaging.sms.config import webhook_url
from solidarity.messaging.sms.twilio import TwilioBackend

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("solidarity.messaging")

TEST_BATCH = "messaging.sms-test"


class Phone(TypedDict):
    """One phone running SMS Gateway for Android, as saved (inside the encrypted `phones` list)."""

    id: str  # stable, opaque: lets a form keep a secret it does not show
    name: str  # the backend is "android:<name>"
    url: str  # scheme://host:port, without credentials
    username: str
    password: str
    signing_key: str


# The backends this process built from the saved row, and the (row uuid, version, base URL) they came from.
_lock = threading.Lock()
_built: tuple[tuple[UUID, int, str], list[SmsBackend]] | None = None


def is_set_by_environment() -> bool:
    return bool(getattr(settings, "SMS_BACKENDS", []))


def configured_backends() -> list[SmsBackend]:
    """The SMS backends in failover order; [] when SMS is not configured.

    Cheap enough for every send and every page: the environment's list as it is, or one
    primary-key look-up of the saved row's version, the backends rebuilt only when it changed.
    While a sealed network's keys are locked, saved providers cannot be decrypted: none is live.
    """
    if is_set_by_environment():
        return list(settings.SMS_BACKENDS)
    return saved_backends()


def saved_backends() -> list[SmsBackend]:
    """The backends an admin saved, built once per version of the row in this process."""
    global _built
    found = SmsSettings.objects.filter(pk=1).values_list("uuid", "version").first()
    if found is None:
        return []
    base_url = str(settings.BASE_URL)
    with _lock:
        if _built is not None and _built[0] == (*found, base_url):
            return list(_built[1])
    row = SmsSettings.objects.filter(pk=1).first()
    if row is None:
        return []
    try:
        backends = build_backends(row, base_url=base_url)
    except KeyringLocked:
        return []  # not kept: once an operator unlocks, the next call builds them
    except crypto.DecryptionError:
        # Logged and audited by the field; kept as "none" so that each page does not audit it again.
        log.error("the saved SMS settings cannot be decrypted: no saved provider is used")
        backends = []
    with _lock:
        _built = ((row.uuid, row.version, base_url), backends)
    return list(backends)


@sensitive_variables()
def build_backends(
    row: SmsSettings, *, base_url: str, transport: "httpx.BaseTransport | None" = None
) -> list[SmsBackend]:
    """The backends a saved row describes, in its order. `transport` replaces the network (tests)."""
    by_kind: dict[str, list[SmsBackend]] = {"twilio": [], "android": []}
    if row.twilio_enabled and row.twilio_account_sid and row.twilio_auth_token and row.twilio_sender:
        by_kind["twilio"].append(
            TwilioBackend(
                row.twilio_account_sid,
                row.twilio_auth_token,
                sender=row.twilio_sender,
                webhook_url=webhook_url(base_url, "twilio"),
                transport=transport,
            )
        )
    if row.android_enabled:
        by_kind["android"] = [
            AndroidGatewayBackend(
                f"android:{phone['name']}",
                phone["url"],
                phone["username"],
                phone["password"],
                signing_key=phone["signing_key"],
                transport=transport,
            )
            for phone in saved_phones(row)
        ]
    return [backend for kind in str(row.order).split(",") for backend in by_kind.get(kind, [])]


def saved_phones(row: SmsSettings) -> list[Phone]:
    return [
        {
            "id": str(phone.get("id", "")),
            "name": str(phone.get("name", "")),
            "url": str(phone.get("url", "")),
            "username": str(phone.get("username", "")),
            "password": str(phone.get("password", "")),
            "signing_key": str(phone.get("signing_key", "")),
        }
        for phone in row.phones or []
        if isinstance(phone, dict)
    ]


# What the settings page shows and takes.


class SavedPhone(TypedDict):
    id: str
    name: str
    url: str
    username: str


class SavedValues(TypedDict):
    """The saved settings without a secret: only whether each one is set."""

    order: str
    twilio_enabled: bool
    twilio_account_sid: str
    twilio_sender: str
    has_twilio_auth_token: bool
    android_enabled: bool
    phones: list[SavedPhone]


def saved_values() -> SavedValues:
    """What the form starts from. Decrypts the row (an admin's page only); never returns a secret."""
    row = SmsSettings.objects.filter(pk=1).first() or SmsSettings()
    return {
        "order": str(row.order),
        "twilio_enabled": row.twilio_enabled,
        "twilio_account_sid": str(row.twilio_account_sid or ""),
        "twilio_sender": row.twilio_sender,
        "has_twilio_auth_token": bool(row.twilio_auth_token),
        "android_enabled": row.android_enabled,
        "phones": [
            {"id": phone["id"], "name": phone["name"], "url": phone["url"], "username": phone["username"]}
            for phone in saved_phones(row)
        ],
    }


@dataclass(frozen=True)
class PhoneChange:
    id: str  # "" for a new phone
    name: str
    url: str
    username: str
    password: str = ""  # "" keeps the saved one
    signing_key: str = ""  # "" keeps the saved one

    def __repr__(self) -> str:  # never the secrets
        return f"<PhoneChange {self.name}>"


@dataclass(frozen=True)
class SmsChanges:
    """The whole settings as the form sends them; an empty secret keeps the saved one."""

    order: str = SmsOrder.PHONES_FIRST
    twilio_enabled: bool = False
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_sender: str = ""
    android_enabled: bool = False
    phones: list[PhoneChange] = field(default_factory=list)
    forget_twilio: bool = False  # delete the saved account, token and sender (and stop using Twilio)

    def __repr__(self) -> str:  # never the secrets
        return f"<SmsChanges twilio={self.twilio_enabled} phones={len(self.phones)}>"


@sensitive_variables()
def do_save_sms_settings(changes: SmsChanges, *, actor: str) -> SmsSettings:
    """Save what an admin entered, keeping each secret left empty, and bump the version.

    Lock: the settings row (SELECT ... FOR UPDATE), so two admins saving at once apply one after the
    other. The audit entry names the fields that changed, never a value. Every process picks the
    change up at its next call of configured_backends().
    """
    with transaction.atomic():
        SmsSettings.objects.get_or_create(pk=1)
        row = SmsSettings.objects.select_for_update().get(pk=1)
        before = _snapshot(row)
        kept = {phone["id"]: phone for phone in saved_phones(row)}
        phones: list[Phone] = []
        for change in changes.phones:
            old = kept.get(change.id)
            phones.append(
                {
                    "id": change.id if old else uuid4().hex,
                    "name": change.name,
                    "url": change.url,
                    "username": change.username,
                    "password": change.password or (old["password"] if old else ""),
                    "signing_key": change.signing_key or (old["signing_key"] if old else ""),
                }
            )
        row.order = changes.order
        if changes.forget_twilio:
            row.twilio_enabled, row.twilio_account_sid, row.twilio_auth_token, row.twilio_sender = False, "", "", ""
        else:
            row.twilio_enabled = changes.twilio_enabled
            row.twilio_account_sid = changes.twilio_account_sid
            row.twilio_auth_token = changes.twilio_auth_token or str(row.twilio_auth_token or "")
            row.twilio_sender = changes.twilio_sender
        row.android_enabled = changes.android_enabled
        row.phones = phones
        row.version += 1
        row.save()
        after = _snapshot(row)
        audit.record(
            actor=actor,
            role="admin",
            action=AuditAction.CHANGED,
            object_type="messaging.smssettings",
            object_ids=[row.uuid],
            detail={"changed": sorted(name for name in after if after[name] != before[name]), "phones": len(phones)},
        )
    return row


@sensitive_variables()
def _snapshot(row: SmsSettings) -> dict[str, object]:
    """Each field's value as compared for the audit entry (the values themselves never leave this module)."""
    return {
        "order": str(row.order),
        "twilio_enabled": row.twilio_enabled,
        "twilio_account_sid": str(row.twilio_account_sid or ""),
        "twilio_auth_token": str(row.twilio_auth_token or ""),
        "twilio_sender": row.twilio_sender,
        "android_enabled": row.android_enabled,
        "phones": sorted(tuple(sorted(phone.items())) for phone in saved_phones(row)),
    }


# The test text.


def do_send_test_text(to: str, *, actor: str, language: str) -> Message:
    """Queue one test text to `to` (E.164) through the outbox, like any other text. Audited without the number."""
    with translation.override(language):
        text = _("Test text from %(network)s: texts can go out. No need to answer.") % {
            "network": get_network_settings().name
        }
    with transaction.atomic():
        message = enqueue(
            Outgoing(
                Channel.SMS,
                to,
                {"text": text},
                idempotency_key=f"{TEST_BATCH}:{uuid4()}",
                language=language,
                batch=TEST_BATCH,
            )
        )
        audit.record(
            actor=actor,
            role="admin",
            action=AuditAction.CREATED,
            object_type="messaging.message",
            object_ids=[message.uuid],
            detail={"what": "test text"},
        )
    return message


class RecentTest(TypedDict):
    created_at: datetime
    state: str
    state_label: str
    reason: str
    backend: str


def recent_test_texts(limit: int = 5) -> list[RecentTest]:
    """The latest test texts and how they went, without their numbers (nothing is decrypted)."""
    rows = (
        Message.objects.filter(batch=TEST_BATCH)
        .order_by("-created_at")
        .values("created_at", "state", "reason", "backend")[:limit]
    )
    labels = dict(Message._meta.get_field("state").flatchoices)
    return [
        {
            "created_at": row["created_at"],
            "state": row["state"],
            "state_label": str(labels.get(row["state"], row["state"])),
            "reason": str(reasons.explain(row["reason"]).text) if row["reason"] else "",
            "backend": row["backend"],
        }
        for row in rows
    ]
