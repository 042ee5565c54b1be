"""Supplies by SMS: `USED <code> <count>` / `USADO <código> <cantidad>` records use and answers what is left.

A medic with a $20 phone texts the code printed on the label ("USADO NLX 2") after a reversal; the stock
is taken first-expiry-first-out (supplies.services.do_use) and the answer says how many are left there
and the next expiry, in one GSM-7 segment.

Invariants:
- Only a member of the item's keeping group records use: the sender's number must be one known
  person's (people.keywords.sender_person) with an active account in that group. A stranger's text is
  not this handler's (NotMine: it goes to the inbox, where a person reads it); a code the sender's
  groups do not keep is answered as unknown, so a code tells a stranger nothing.
- Where (supplies.sms.where): the one location the sender refills that holds usable stock of the item,
  else the group's one location (not a kit) that holds any, else the one the sender refills, else the
  group's only location. When that leaves more than one, the answer asks them to record it on the web,
  where they choose (a location word in the text could come later). The answer names the place.
- Nothing names a recipient: the movement holds the item, lot, location, count and the account.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from solidarity.accounts.models import User
from solidarity.core.bilingual import text_of
from solidarity.core.permissions import roles_by_group
from solidarity.core.services import get_network_settings
from solidarity.core.zones import zone_named
from solidarity.messaging.keywords import Handled, InboundContext, NotMine, Outcome, Parsed, Reply
from solidarity.messaging.sms.text import gsm_friendly
from solidarity.people.keywords import language_of, sender_person
from solidarity.supplies.models import Brand, Item, Location, LocationKind, ReversalSource
from solidarity.supplies.reversals import ReversalValues, do_report_reversal
from solidarity.supplies.services import do_use, stock_by_lot, usable_at


def answer_used(context: InboundContext, parsed: Parsed) -> Outcome:
    """USED / USADO with an item's code and a count: do_use at the sender's location; the count left."""
    person = sender_person(context)
    if person is None:
        return NotMine()
    network = get_network_settings().name
    with translation.override(language_of(person, context, parsed)):
        if not parsed.argument:
            # Translators: SMS, one segment. Keep USADO and the example as they are.
            return say(_("%(network)s: text USED, the code on the label and how many: USED NLX 2"), network, "")
        code, count = parsed.argument.split()
        user = person.user
        item = Item.objects.filter(code=code).select_related("group").first()
        if user is None or not user.is_active or item is None or item.group.slug not in roles_by_group(user):
            # Translators: SMS, one segment. Keep the code as it is.
            return say(_("%(network)s: no item of your groups has the code %(code)s. Check its label."), network, code)
        location = where(user, item)
        if location is None:
            web = str(settings.BASE_URL).rstrip("/") + reverse("supplies:stock", kwargs={"group": item.group.slug})
            # Translators: SMS, one segment.
            text = _("%(network)s: your group keeps %(code)s in several places: record it on %(web)s")
            return say(text, network, code, web=web)
        try:
            do_use(location, item, int(count), by=user)
        except ValidationError as refused:
            return Handled(Reply(gsm_friendly(f"{network}: {code}: {' '.join(refused.messages)}")))
        text, more = used_text(location, item)
        return say(text, network, code, more, used=count, left=str(usable_at(location, item)))


def where(user: User, item: Item) -> Location | None:
    """The location the use is recorded at, when only one fits (module docstring): a medic who refills no
    bag still records use from the depot, when the depot is the only place that holds the item."""
    places = list(Location.objects.filter(group=item.group).exclude(kind=LocationKind.KIT))
    today = timezone.localdate()
    holding = {line.location.pk for line in stock_by_lot(item=item) if not line.lot.is_expired(today)}
    mine = [place for place in places if place.refill_contact_id == user.pk]
    for choices in (
        [place for place in mine if place.pk in holding],
        [place for place in places if place.pk in holding],
        mine,
        places,
    ):
        if len(choices) == 1:
            return choices[0]
    return None


def used_text(location: Location, item: Item) -> tuple[str, dict[str, str]]:
    """The answer's text and its place and next expiry (month/year) at the location, when its stock expires."""
    today = timezone.localdate()
    lines = stock_by_lot(location=location, item=item)
    upcoming = sorted(line.lot.expires_on for line in lines if line.lot.expires_on and line.lot.expires_on >= today)
    if upcoming:
        # Translators: SMS, one segment. "left": still there.
        text = _("%(network)s: %(code)s: %(used)s used. %(left)s left at %(place)s (next expiry %(when)s).")
        return text, {"place": location.name, "when": upcoming[0].strftime("%m/%Y")}
    # Translators: SMS, one segment. "left": still there.
    return _("%(network)s: %(code)s: %(used)s used. %(left)s left at %(place)s."), {"place": location.name}


def say(text: str, network: str, code: str, more: dict[str, str] | None = None, **values: str) -> Handled:
    return Handled(Reply(gsm_friendly(text % {"network": network, "code": code, **(more or {}), **values})))


# NALOXONE / NALOXONA: a reversal, from anyone (supplies.reversals).


def answer_naloxone(context: InboundContext, parsed: Parsed) -> Outcome:
    """A reversal by SMS: the doses, perhaps the zone; today's date; "other or not sure" for what was given.

    Anyone may text it: no account. The report keeps no number; the bag or kit it came from is linked only
    when the sender is a member who refills exactly one. The answer is in the word's language.
    """
    person = sender_person(context)
    language = parsed.language or context.language or settings.LANGUAGE_CODE
    network = get_network_settings().name
    with translation.override(language):
        if not parsed.argument:
            # Translators: SMS, one segment. Keep NALOXONE and the example as they are; the zone is an example.
            return say(_("%(network)s: text NALOXONE, the doses and the zone: NALOXONE 2 downtown"), network, "")
        doses, _space, words = parsed.argument.partition(" ")
        zone = (zone_named(words) or zone_named(slugify(words))) if words else None
        user = person.user if person is not None and person.user is not None and person.user.is_active else None
        kit = refilled_by(user) if user is not None else None
        values = ReversalValues(timezone.localdate(), int(doses), Brand.OTHER, zone, kit)
        do_report_reversal(values, source=ReversalSource.SMS, by=user if kit is not None else None)
        where = text_of(zone, "name") if zone else _("no zone")
        count = int(doses)
        if kit is not None:
            text = ngettext(
                # Translators: SMS, one segment.
                "%(network)s: thank you. %(doses)s naloxone dose counted (%(zone)s); %(kit)s will be refilled.",
                "%(network)s: thank you. %(doses)s naloxone doses counted (%(zone)s); %(kit)s will be refilled.",
                count,
            )
            return say(text, network, "", doses=doses, zone=where, kit=kit.name)
        text = ngettext(
            # Translators: SMS, one segment. "counted": recorded as a number, nothing about anyone.
            "%(network)s: thank you. %(doses)s naloxone dose counted (%(zone)s). Nothing about anyone is kept.",
            "%(network)s: thank you. %(doses)s naloxone doses counted (%(zone)s). Nothing about anyone is kept.",
            count,
        )
        return say(text, network, "", doses=doses, zone=where)


def refilled_by(user: User) -> Location | None:
    """The one kit or medic bag this member refills, if exactly one."""
    mine = list(Location.objects.filter(refill_contact=user).exclude(kind=LocationKind.DEPOT)[:2])
    return mine[0] if len(mine) == 1 else None
