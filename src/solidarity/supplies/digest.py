"""The weekly digest: each location's keepers hear, through the outbox, what needs them this week.

Once a week (the "supplies.weekly-digest" job) each keeper gets one email, in their language, listing for
the groups whose supplies they keep: the items below par and those far above need (the group's, from
real use: supplies.services.par_status), and for each location they keep, the lots expiring within
EXPIRING_DAYS (or expired and still on the shelf) and whether it has gone COUNT_EVERY_DAYS without a
physical count, and the naloxone reported used from it and not yet refilled (supplies.reversals). Nothing
is sent to someone with nothing to hear.

A location's keepers: its refill contact, and the group's coordinators and medic leads (who receive and
move stock). A kit is kept with its group's locations, so its expiring components show too. Each email
is idempotent per keeper and ISO week (the outbox's key): a job that runs twice in a week sends once.
It names nobody but the keeper it goes to, and holds counts, codes, lot numbers and dates.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.bilingual import text_of
from solidarity.core.services import get_network_settings
from solidarity.messaging import mail
from solidarity.messaging import services as messaging
from solidarity.messaging.models import Channel
from solidarity.supplies.models import COUNT_EVERY_DAYS, Item, Location, Reversal
from solidarity.supplies.reversals import waiting_for_refill
from solidarity.supplies.services import ParState, ParStatus, StockLine, expiring, keepers_of, par_status

log = logging.getLogger("solidarity.supplies")

EXPIRING_DAYS = 60


@dataclass
class PlaceNews:
    location: Location
    expiring: list[StockLine] = field(default_factory=list)
    not_counted: bool = False
    refills: list[Reversal] = field(default_factory=list)  # naloxone reported used from here, not yet refilled

    def __bool__(self) -> bool:
        return bool(self.expiring or self.not_counted or self.refills)


@dataclass
class GroupNews:
    group: WorkingGroup
    par: list[ParStatus] = field(default_factory=list)  # the items below par or far above need
    places: dict[int, PlaceNews] = field(default_factory=dict)  # by location id


def group_news(group: WorkingGroup, now: datetime) -> GroupNews:
    """What a group's keepers should hear this week (empty lists when all is well)."""
    news = GroupNews(group)
    for item in Item.objects.filter(group=group).order_by("code"):
        status = par_status(item)
        if status.state in (ParState.BELOW_PAR, ParState.FAR_ABOVE_NEED):
            news.par.append(status)
    locations = list(Location.objects.filter(group=group).select_related("refill_contact").order_by("name"))
    for location in locations:
        news.places[location.pk] = PlaceNews(location, not_counted=location.count_due(now))
    for line in expiring(group, EXPIRING_DAYS):
        news.places[line.location.pk].expiring.append(line)
    for reversal in waiting_for_refill(locations):
        news.places[reversal.kit_id or 0].refills.append(reversal)
    return news


def send_weekly_digest(now: datetime | None = None) -> int:
    """One email to each keeper with something to hear; how many went out. Idempotent within an ISO week."""
    moment = now or timezone.now()
    theirs: dict[int, tuple[User, list[tuple[GroupNews, list[PlaceNews]]]]] = {}
    groups = WorkingGroup.objects.filter(archived_at__isnull=True).filter(
        Q(supply_items__isnull=False) | Q(supply_locations__isnull=False)
    )

    def add(keeper: User, news: GroupNews, places: list[PlaceNews]) -> None:
        theirs.setdefault(keeper.pk, (keeper, []))[1].append((news, places))

    for group in groups.distinct().order_by("name"):
        news = group_news(group, moment)
        leads = keepers_of(group)
        said = [place for place in news.places.values() if place]
        # The group's leads hear of every place and of par; a refill contact hears of their own places.
        if said or news.par:
            for lead in leads:
                add(lead, GroupNews(group, news.par), said)
        own: dict[int, tuple[User, list[PlaceNews]]] = {}
        for place in said:
            contact = place.location.refill_contact
            if contact and contact.is_active and contact.email and contact not in leads:
                own.setdefault(contact.pk, (contact, []))[1].append(place)
        for contact, places in own.values():
            add(contact, GroupNews(group), places)
    for keeper, sections in theirs.values():
        tell(keeper, sections, moment)
    return len(theirs)


def tell(keeper: User, sections: list[tuple[GroupNews, list[PlaceNews]]], now: datetime) -> None:
    language = keeper.language if keeper.language in ("en", "es") else settings.LANGUAGE_CODE
    base = str(settings.BASE_URL).rstrip("/")
    with translation.override(language):
        groups = [
            {
                "name": news.group.name,
                "link": base + reverse("supplies:stock", kwargs={"group": news.group.slug}),
                "par": [status.advice() for status in news.par],
                "places": [
                    {
                        "name": place.location.name,
                        "not_counted": place.not_counted,
                        "refills": [
                            {"doses": reversal.doses, "date": reversal.reported_on} for reversal in place.refills
                        ],
                        "expiring": [
                            {
                                "item": text_of(line.item, "name"),
                                "code": line.item.code,
                                "quantity": line.quantity,
                                "lot": line.lot.lot_number,
                                "expires_on": line.lot.expires_on,
                                "expired": line.lot.is_expired(),
                            }
                            for line in place.expiring
                        ],
                    }
                    for place in places
                ],
            }
            for news, places in sections
        ]
        context = {
            "network": get_network_settings().name,
            "groups": groups,
            "days": EXPIRING_DAYS,
            "not_counted_days": COUNT_EVERY_DAYS,
        }
        subject = render_to_string("supplies/email/digest_subject.txt", context).strip()
        body = render_to_string("supplies/email/digest_body.txt", context)
    address = str(keeper.email)
    content = mail.email_content(to=address, subject=subject, text=body, language=language)
    year, week, _day = now.isocalendar()
    key = f"supplies.digest:{keeper.uuid}:{year}-W{week:02d}"
    messaging.enqueue(messaging.Outgoing(Channel.EMAIL, address, content, idempotency_key=key, language=language))
