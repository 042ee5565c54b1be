"""Keeping the directory: a keeping group's coordinators save resources, their phones and sessions, and say
when they checked them. Every change is audited (core.audit); nothing here names a person."""

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import audit
from solidarity.core.models import AuditAction
from solidarity.core.services import get_network_settings
from solidarity.core.zones import zones_by_slug
from solidarity.directory.models import MAX_LANGUAGES, NAME_LENGTH, TEXT_LENGTH, Kind, Phone, Resource, Session

MAX_PINNED = 6  # the home page shows a few resources, not a second directory
# Pages of the directory's own whose address takes a resource's place (directory.urls): no resource's short name.
RESERVED_SLUGS = frozenset(("to-check", "still-right", "import", "export", "flyers", "new"))
# The longest each text may be (the database refuses more; a clear message first, whatever the caller).
LENGTHS = {"slug": 60, "name_en": NAME_LENGTH, "name_es": NAME_LENGTH, "web_address": 300}
LENGTHS |= dict.fromkeys(("offers_en", "offers_es", "hours_en", "hours_es"), TEXT_LENGTH)
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
ROLE = "coordinator"


@dataclass(frozen=True)
class ResourceValues:
    """What a keeper writes about a resource: public facts about an organisation, never about a person."""

    slug: str
    kind: str
    name_en: str = ""
    name_es: str = ""
    offers_en: str = ""
    offers_es: str = ""
    is_free: bool = False
    is_sliding_scale: bool = False
    no_id_asked: bool = False
    is_walk_in: bool = False
    languages: tuple[str, ...] = ()
    web_address: str = ""
    hours_en: str = ""
    hours_es: str = ""
    is_public: bool = False
    congregation_agreed: bool = False
    check_every_days: int = 90
    zones: tuple[str, ...] = ()  # the slugs of the network's zones it serves


RESOURCE_FIELDS = tuple(item.name for item in fields(ResourceValues) if item.name != "zones")


def values_of(resource: Resource) -> ResourceValues:
    """A resource's values as they are (a PATCH changes some of them)."""
    kept = {name: getattr(resource, name) for name in RESOURCE_FIELDS}
    kept["languages"] = tuple(resource.languages)
    return ResourceValues(**kept, zones=tuple(zone.slug for zone in resource.zones.all()))


def clean_languages(languages: tuple[str, ...]) -> list[str]:
    cleaned = list(dict.fromkeys(code.strip().lower() for code in languages if code.strip()))
    for code in cleaned:
        if not LANGUAGE_CODE.fullmatch(code):
            message = _("%(code)s is not a language code (such as en, es or pt-br).") % {"code": code[:20]}
            raise ValidationError({"languages": message})
    if len(cleaned) > MAX_LANGUAGES:
        raise ValidationError({"languages": _("At most %(count)d languages.") % {"count": MAX_LANGUAGES}})
    return cleaned


def check_values(values: ResourceValues) -> None:
    """ValidationError naming the field for what a keeper may not save."""
    if not values.name_en.strip() and not values.name_es.strip():
        raise ValidationError({"name_en": _("Give the resource a name, in English or in Spanish.")})
    for name, limit in LENGTHS.items():
        if len(getattr(values, name)) > limit:
            message = _("At most %(count)d characters.") % {"count": limit}
            raise ValidationError({name: message})
    if values.slug.strip().lower() in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This short name is taken by one of the directory's pages: choose another.")})
    if values.kind not in Kind.values:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    if values.kind == Kind.SANCTUARY and values.is_public and not values.congregation_agreed:
        raise ValidationError(
            {"congregation_agreed": _("A sanctuary congregation is public only once it has agreed: tick that it did.")}
        )
    if values.web_address:
        try:
            URLValidator(schemes=["http", "https"])(values.web_address)
        except ValidationError:
            raise ValidationError(
                {"web_address": _("Enter a web address starting with http:// or https://.")}
            ) from None
    if not 1 <= values.check_every_days <= 730:
        raise ValidationError({"check_every_days": _("Between 1 and 730 days.")})


def do_save_resource(
    group: WorkingGroup, values: ResourceValues, *, by: User, resource: Resource | None = None
) -> Resource:
    """Create a resource kept by `group`, or change one of its resources.

    ValidationError naming the field when a value is refused, and (code "unique") when another resource
    has the short name. A new resource counts as checked now, by its keeper. Audited.
    """
    check_values(values)
    languages = clean_languages(values.languages)
    zones = zones_by_slug(values.zones)
    if len(zones) != len(set(values.zones)):
        raise ValidationError({"zones": _("No zone has one of these short names.")})
    with transaction.atomic():
        if resource is not None:
            Resource.objects.select_for_update().filter(pk=resource.pk).first()
        saved = resource or Resource(group=group, last_checked_at=timezone.now(), last_checked_by=by)
        for name in RESOURCE_FIELDS:
            setattr(saved, name, getattr(values, name))
        saved.languages = languages
        if not saved.is_listed_publicly:
            saved.pinned_at = None  # the home page is public
        try:
            with transaction.atomic():
                saved.save()
        except IntegrityError:
            taken = ValidationError(_("Another resource has this short name."), code="unique")
            raise ValidationError({"slug": taken}) from None
        saved.zones.set(zones)
        audit.record(
            actor=str(by.uuid),
            role=ROLE,
            action=AuditAction.CHANGED if resource else AuditAction.CREATED,
            object_type="directory.resource",
            object_ids=[saved.uuid],
            detail={"group": group.slug, "public": saved.is_listed_publicly},
        )
    return saved


def do_mark_checked(resource: Resource, *, by: User) -> Resource:
    """A keeper says its facts are still right: checked now, by them. Audited."""
    with transaction.atomic():
        resource.last_checked_at = timezone.now()
        resource.last_checked_by = by
        resource.reminded_at = None  # when it goes stale again, its keepers are reminded at once
        resource.save(update_fields=["last_checked_at", "last_checked_by", "reminded_at", "updated_at"])
        audit.record(
            actor=str(by.uuid),
            role=ROLE,
            action=AuditAction.CHANGED,
            object_type="directory.resource",
            object_ids=[resource.uuid],
            detail={"checked": True},
        )
    return resource


def do_pin(resource: Resource, *, by: User, pinned: bool = True) -> Resource:
    """A keeper pins a resource to the network's home page (or takes it off). ValidationError when
    MAX_PINNED are pinned already, or for a resource that is not listed publicly (the home page is public)."""
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if pinned == (locked.pinned_at is not None):
            return locked
        if pinned:
            if not locked.is_listed_publicly:
                raise ValidationError(_("Only a public resource can be pinned to the home page."))
            # Lock the pinned ones too, so two keepers pinning at once cannot pass the limit together.
            if len(Resource.objects.select_for_update().filter(pinned_at__isnull=False)) >= MAX_PINNED:
                message = _("%(count)d resources are pinned already: take one off first.") % {"count": MAX_PINNED}
                raise ValidationError(message)
        locked.pinned_at = timezone.now() if pinned else None
        locked.save(update_fields=["pinned_at", "updated_at"])
        audit.record(
            actor=str(by.uuid),
            role=ROLE,
            action=AuditAction.CHANGED,
            object_type="directory.resource",
            object_ids=[locked.uuid],
            detail={"pinned": pinned},
        )
    return locked


def e164(number: str) -> str:
    """The number in E.164 (the network's phone region for a national form); ValidationError otherwise."""
    try:
        parsed = phonenumbers.parse(number, get_network_settings().phone_region or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        raise ValidationError({"number": _("Enter a phone number, such as +1 919 555 0100.")})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def changed(resource: Resource, by: User, what: str, item: Phone | Session, action: AuditAction) -> None:
    audit.record(
        actor=str(by.uuid),
        role=ROLE,
        action=action,
        object_type=f"directory.{what}",
        object_ids=[item.uuid, resource.uuid],
    )


def do_add_phone(
    resource: Resource, number: str, *, by: User, label_en: str = "", label_es: str = "", is_24h: bool = False
) -> Phone:
    """Add a phone number to a resource; ValidationError for no number, or one it has already."""
    normalised = e164(number)
    with transaction.atomic():
        if resource.phones.filter(number=normalised).exists():
            raise ValidationError(
                {"number": ValidationError(_("This resource has this number already."), code="unique")}
            )
        phone = Phone.objects.create(
            resource=resource, number=normalised, label_en=label_en, label_es=label_es, is_24h=is_24h
        )
        changed(resource, by, "phone", phone, AuditAction.CREATED)
    return phone


def do_remove_phone(phone: Phone, *, by: User) -> None:
    with transaction.atomic():
        changed(phone.resource, by, "phone", phone, AuditAction.DELETED)
        phone.delete()


def do_add_session(
    resource: Resource,
    on: date,
    *,
    by: User,
    starts_at: time | None = None,
    ends_at: time | None = None,
    note_en: str = "",
    note_es: str = "",
) -> Session:
    """Add a dated session to a resource; ValidationError when it ends before it starts."""
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("It must end after it starts.")})
    with transaction.atomic():
        session = Session.objects.create(
            resource=resource, date=on, starts_at=starts_at, ends_at=ends_at, note_en=note_en, note_es=note_es
        )
        changed(resource, by, "session", session, AuditAction.CREATED)
    return session


def do_remove_session(session: Session, *, by: User) -> None:
    with transaction.atomic():
        changed(session.resource, by, "session", session, AuditAction.DELETED)
        session.delete()


def is_stale(resource: Resource, now: datetime | None = None) -> bool:
    """Not checked within its interval (or never checked): the page says to call first."""
    due = resource.due_at()
    return due is None or due <= (now or timezone.now())


def stale(queryset: QuerySet[Resource] | None = None, now: datetime | None = None) -> QuerySet[Resource]:
    """The resources of `queryset` (all by default) not checked within their interval, or never checked.

    One condition per interval in use (a network uses a handful), so the database compares plain dates.
    """
    found = Resource.objects.all() if queryset is None else queryset
    moment = now or timezone.now()
    overdue = Q(last_checked_at__isnull=True)
    for days in Resource.objects.values_list("check_every_days", flat=True).distinct().order_by():
        overdue |= Q(check_every_days=days, last_checked_at__lte=moment - timedelta(days=days))
    return found.filter(overdue)
