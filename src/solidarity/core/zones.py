"""Zones: the network's own neighbourhoods and areas, by slug, named in English and Spanish; never an address.

Invariants:
- A zone's slug never changes once made: other parts, their APIs and their old rows refer to it.
- Every zone has a name in at least one language; shown through core.bilingual, never one field alone.
- A centre is both coordinates or neither, rounded to CENTRE_PLACES decimals (about 100 m) before
  it is stored: a zone's middle, never a door.
- Neighbours are symmetrical, and a zone is never its own.
- Each change is one transaction with its audit entry (object type "core.zone": the slug and the
  names of the fields changed, never coordinates).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from solidarity.core import audit
from solidarity.core.bilingual import in_order
from solidarity.core.models import CENTRE_PLACES, AuditAction, Zone
from solidarity.core.permissions import AnyUser, Role, anywhere, holds, holds_anywhere

SLUG_LENGTH = 60
NAME_LENGTH = 80
NEW_SLUG_ATTEMPTS = 5  # a zone's slug taken meanwhile by another name: the next free slug, this many times at most
CENTRE_STEP = Decimal(1).scaleb(-CENTRE_PLACES)
CHANGEABLE = ("name_en", "name_es", "latitude", "longitude")

# Who adds and changes zones, on the pages (people.zone_views) and in the API alike: the coordinators
# of any working group, who know their neighbourhoods, and the network's admins. No group owns a zone.
ZONE_KEEPERS = anywhere(Role.COORDINATOR, admins=True)


def keeps_zones(user: AnyUser) -> bool:
    return holds(user, ZONE_KEEPERS, {})


def keeper_role(user: AnyUser) -> str:
    """The role a change of a zone is audited under: "coordinator" when the person coordinates a group, else "admin"."""
    return str(Role.COORDINATOR) if holds_anywhere(user, Role.COORDINATOR) else "admin"


@dataclass(frozen=True)
class ZoneValues:
    """What is written about a zone; its slug is given (or made from its name) once, when it is created."""

    name_en: str = ""
    name_es: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    neighbours: tuple[str, ...] = ()  # the slugs of the zones that touch it


# Reading.


def zone_by_slug(slug: str) -> Zone | None:
    return Zone.objects.filter(slug=slug).first()


def zones_by_slug(slugs: Iterable[str]) -> list[Zone]:
    """The zones with these slugs, in the order given; a slug no zone has is left out."""
    wanted = list(dict.fromkeys(slugs))
    found = {zone.slug: zone for zone in Zone.objects.filter(slug__in=wanted)}
    return [found[slug] for slug in wanted if slug in found]


def network_zones(language: str | None = None) -> QuerySet[Zone]:
    """Every zone of the network, by its name as a page in `language` shows it."""
    return Zone.objects.order_by(in_order("name", language), "slug")


def zone_named(name: str) -> Zone | None:
    """The zone called `name` in either language (ignoring case), or whose slug is `name`; the oldest if several."""
    name = name.strip()
    if not name:
        return None
    return Zone.objects.filter(Q(name_en__iexact=name) | Q(name_es__iexact=name) | Q(slug=name)).order_by("pk").first()


def free_slug(name: str) -> str:
    """A slug made from `name` that no zone has yet: "walltown", else "walltown-2", "walltown-3"..."""
    base = slugify(name)[:SLUG_LENGTH].strip("-") or "zone"
    taken = set(Zone.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_LENGTH - len(suffix)].strip("-") + suffix
    return slug


# Changing.


def centre(value: Decimal | None, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value).quantize(CENTRE_STEP, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # far too large to be a coordinate: the model's range check would say so
        raise ValidationError({field: _("This is not a coordinate on Earth.")}) from None


def apply(zone: Zone, values: ZoneValues) -> None:
    zone.name_en = values.name_en.strip()
    zone.name_es = values.name_es.strip()
    zone.latitude = centre(values.latitude, "latitude")
    zone.longitude = centre(values.longitude, "longitude")


def neighbours_of(zone: Zone, slugs: Iterable[str]) -> list[Zone]:
    """The zones these slugs name; ValidationError for a slug no zone has, or for the zone itself."""
    wanted = list(dict.fromkeys(slugs))
    if zone.slug in wanted:
        raise ValidationError({"neighbours": _("A zone cannot be its own neighbour.")})
    found = zones_by_slug(wanted)
    missing = sorted(set(wanted) - {item.slug for item in found})
    if missing:
        raise ValidationError({"neighbours": _("No zone has the short name %(slug)s.") % {"slug": missing[0]}})
    return found


def validate(zone: Zone) -> None:
    """The model's checks (lengths, ranges, the unique slug), and a centre given whole or not at all."""
    if (zone.latitude is None) != (zone.longitude is None):
        raise ValidationError({"longitude": _("Give both the latitude and the longitude of the centre, or neither.")})
    zone.full_clean()


def do_create_zone(values: ZoneValues, *, slug: str = "", actor: str, role: str = "") -> Zone:
    """Add a zone to the network; its slug is `slug`, or one made from its name.

    ValidationError (by field) for values the model refuses, a taken slug included; a slug taken
    by a zone made at the same moment is caught by the unique index, and reported alike.
    """
    zone = Zone()
    apply(zone, values)
    zone.slug = slug or free_slug(zone.name_en or zone.name_es)
    validate(zone)
    neighbours = neighbours_of(zone, values.neighbours)
    try:
        with transaction.atomic():
            zone.save()
            zone.neighbours.set(neighbours)
            audit.record(
                actor=actor,
                role=role,
                action=AuditAction.CREATED,
                object_type="core.zone",
                object_ids=[zone.uuid],
                detail={"slug": zone.slug, "neighbours": len(values.neighbours)},
            )
    except IntegrityError:  # made meanwhile, after the checks above
        raise ValidationError(_("Another zone has this name or this short name.")) from None
    return zone


def do_update_zone(zone: Zone, values: ZoneValues, *, actor: str, role: str = "") -> Zone:
    """Change a zone's names, centre and neighbours; its slug stays. Lock: the zone's row."""
    with transaction.atomic():
        current = Zone.objects.select_for_update().get(pk=zone.pk)
        before = {name: getattr(current, name) for name in CHANGEABLE}
        neighbours_before = set(current.neighbours.values_list("slug", flat=True))
        apply(current, values)
        validate(current)
        found = neighbours_of(current, values.neighbours)
        current.save()
        current.neighbours.set(found)
        changed = [name for name in CHANGEABLE if getattr(current, name) != before[name]]
        if {item.slug for item in found} != neighbours_before:
            changed.append("neighbours")
        audit.record(
            actor=actor,
            role=role,
            action=AuditAction.CHANGED,
            object_type="core.zone",
            object_ids=[current.uuid],
            detail={"slug": current.slug, "fields": changed},
        )
    zone.refresh_from_db()
    return zone


def do_add_zones_by_name(names: Iterable[str], language: str, *, actor: str, role: str = "") -> list[Zone]:
    """The zones called by these names, in their order; a name no zone has becomes a new zone.

    Where lists and forms need a zone that does not exist yet: the name is its name in `language`
    (the page's), the other language's is left for an admin to write. A zone of the same name made
    meanwhile by someone else is found and used, not doubled: names are unique in each language, so
    the second insert fails (in a savepoint) and the name is looked up again.
    """
    chosen: list[Zone] = []
    for name in dict.fromkeys(name.strip() for name in names if name.strip()):
        zone = zone_named(name)
        attempts = 0
        while zone is None:
            values = ZoneValues(name_es=name) if language == "es" else ZoneValues(name_en=name)
            try:
                with transaction.atomic():  # a savepoint: the caller's transaction goes on after a lost race
                    zone = do_create_zone(values, actor=actor, role=role)
            except ValidationError:
                zone = zone_named(name)
                attempts += 1
                if zone is None and attempts >= NEW_SLUG_ATTEMPTS:
                    raise
        chosen.append(zone)
    return list(dict.fromkeys(chosen))
