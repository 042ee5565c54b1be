"""Naloxone reversals: a count of lives a neighbour's naloxone saved, and the kit it came from refilled.

A report asks only the date, the zone (if they say), what was given and how many doses; it comes from the
public form (`/<lang>/naloxone/`, no account; a kit's label QR code names the kit), by SMS from anyone
(`NALOXONA 2 centro`: supplies.sms) or from a member. It is never tied to a person: no name, no phone
number, no free text, no address is stored with it, and the public form keeps no client address
(core.public's guards). The counts go to the distribution report, by month, zone and brand.

When a report names a kit, the kit's refill contact (else its group's coordinators and medic leads) is
told through the outbox, in their language, once per report; the kit's page shows it waiting for a refill
until someone there presses "Refilled" (audited). The weekly digest lists the kits still waiting.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditAction, Zone
from solidarity.core.services import get_network_settings
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.supplies.models import MAX_DOSES, Brand, Location, Reversal, ReversalSource
from solidarity.supplies.services import audited, keepers_of

OLDEST_DAYS = 366  # a report of something more than a year ago is refused: a typo, most likely


@dataclass(frozen=True)
class ReversalValues:
    reported_on: date
    doses: int
    brand: str = Brand.NASAL_4MG
    zone: Zone | None = None
    kit: Location | None = None


def check_reversal(values: ReversalValues) -> None:
    """Refusals by field, in the reader's language: a date to come or over a year ago, doses out of 1-10."""
    today = timezone.localdate()
    problems: dict[str, str] = {}
    if values.reported_on > today:
        problems["reported_on"] = _("The date cannot be in the future.")
    elif values.reported_on < today - timedelta(days=OLDEST_DAYS):
        problems["reported_on"] = _("Only reversals of the last twelve months can be reported.")
    if not 1 <= values.doses <= MAX_DOSES:
        problems["doses"] = _("Give between 1 and %(most)d doses.") % {"most": MAX_DOSES}
    if values.brand not in Brand.values:
        problems["brand"] = _("Choose what was given.")
    if problems:
        raise ValidationError(problems)


def do_report_reversal(values: ReversalValues, *, source: str, by: User | None = None) -> Reversal:
    """Record a reversal (module doc) and, when it names a kit, ask the kit's keepers to refill it."""
    check_reversal(values)
    kit = values.kit
    with transaction.atomic():
        found = Reversal.objects.create(
            reported_on=values.reported_on,
            doses=values.doses,
            brand=values.brand,
            zone=values.zone,
            kit=kit,
            group=kit.group if kit else None,
            source=source if source in ReversalSource.values else ReversalSource.WEB,
        )
        if kit is not None:
            audited(by, kit.group, AuditAction.CREATED, "supplies.reversal", [found.uuid], {"doses": found.doses})
            ask_for_refill(found)  # the outbox is in the same database: told if and only if recorded
    return found


def do_mark_refilled(reversal: Reversal, *, by: User) -> Reversal:
    """The kit a reversal drew from was refilled. Idempotent: a second press changes nothing."""
    if reversal.replaced_at is not None or reversal.kit is None:
        return reversal
    reversal.replaced_at = timezone.now()
    reversal.save(update_fields=["replaced_at"])
    audited(by, reversal.kit.group, AuditAction.CHANGED, "supplies.reversal", [reversal.uuid], {"refilled": True})
    return reversal


def waiting_for_refill(kits: QuerySet[Location] | list[Location]) -> QuerySet[Reversal]:
    """The reversals from these kits not yet refilled, oldest first."""
    return (
        Reversal.objects.filter(kit__in=kits, replaced_at__isnull=True)
        .select_related("kit", "zone")
        .order_by("reported_on", "created_at")
    )


def group_reversals(group: WorkingGroup) -> QuerySet[Reversal]:
    """What a group's keepers see: the reports from its kits, and those that named no kit."""
    return Reversal.objects.filter(Q(group=group) | Q(group__isnull=True, kit__isnull=True)).select_related(
        "kit", "zone"
    )


@dataclass(frozen=True)
class ReversalCount:
    month: date
    zone: str | None  # its slug
    brand: str
    reports: int
    doses: int


def reversal_counts(group: WorkingGroup, since: date, until: date) -> list[ReversalCount]:
    """Reports and doses by month, zone and what was given, between two dates (inclusive): counts only."""
    rows = (
        group_reversals(group)
        .filter(reported_on__gte=since, reported_on__lte=until)
        .annotate(month=TruncMonth("reported_on"))
        .values("month", "zone__slug", "brand")
        .annotate(reports=Count("pk"), doses=Sum("doses"))
        .order_by("month", "zone__slug", "brand")
    )
    return [
        ReversalCount(row["month"], row["zone__slug"], row["brand"], row["reports"], row["doses"] or 0) for row in rows
    ]


def who_refills(kit: Location) -> list[User]:
    """The kit's refill contact if they can be told, else its group's coordinators and medic leads."""
    contact = kit.refill_contact
    if contact is not None and contact.is_active and contact.email:
        return [contact]
    return keepers_of(kit.group)


def ask_for_refill(reversal: Reversal) -> None:
    """One email per person who refills the kit, through the outbox (idempotent per report and person)."""
    kit = reversal.kit
    if kit is None:
        return
    base = str(settings.BASE_URL).rstrip("/")
    for person in who_refills(kit):
        language = person.language if person.language in ("en", "es") else settings.LANGUAGE_CODE
        with translation.override(language):
            link = base + reverse("supplies:location", kwargs={"supply_location": kit.uuid})
            context = {
                "network": get_network_settings().name,
                "kit": kit.name,
                "doses": reversal.doses,
                "brand": reversal.get_brand_display(),
                "date": reversal.reported_on,
                "link": link,
            }
            subject = render_to_string("supplies/email/refill_subject.txt", context).strip()
            body = render_to_string("supplies/email/refill_body.txt", context)
        address = str(person.email)
        content = mail.email_content(to=address, subject=subject, text=body, language=language)
        key = f"supplies.refill:{reversal.uuid}:{person.uuid}"
        messaging.enqueue(messaging.Outgoing(Channel.EMAIL, address, content, idempotency_key=key, language=language))
