"""The supplies' answer to an action's checklist (core.preparations.MEDIC_KITS): street-medic kits packed and in date.

A kit counts for an action when it is a packed kit (a location of kind KIT) of a street-medic kit template — any
template of the action's own working group, or any group's template named as a medic kit — that is not short of
anything its template holds (expired stock does not count) and whose earliest expiry is after the action's day.
Two queries per question whatever the number of kits: the movements are summed per kit, item and expiry at once.
"""

from collections import defaultdict
from datetime import date

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import ngettext

from solidarity.core.preparations import MEDIC_KITS, PREPARATIONS, Answer, Question
from solidarity.supplies.models import KitLine, LocationKind, Movement

# How a template names itself a medic kit, in either language ("Street-medic kit", "Botiquín").
MEDIC_WORDS = ("medic", "médic", "botiquín", "botiquin", "brigadista")


def medic_templates(group: str) -> Q:
    """The kits whose template counts (seen from a movement): the group's own, and any group's named a medic kit."""
    named = Q()
    for word in MEDIC_WORDS:
        named |= Q(location__template__name_en__icontains=word) | Q(location__template__name_es__icontains=word)
    return Q(location__template__group__slug=group) | named


def ready_kits(question: Question) -> int:
    """Packed medic kits, whole (nothing expired counted) and in date on the action's day."""
    rows = (
        Movement.objects.filter(medic_templates(question.group), location__kind=LocationKind.KIT)
        .filter(location__template__isnull=False)
        .values("location", "location__template", "lot__item", "lot__expires_on")
        .annotate(total=Sum("quantity"))
        .filter(total__gt=0)
        .order_by()
    )
    held: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    first_expiry: dict[int, date | None] = {}
    template_of: dict[int, int] = {}
    for row in rows:
        kit, expires = row["location"], row["lot__expires_on"]
        template_of[kit] = row["location__template"]
        first_expiry.setdefault(kit, None)
        if expires is not None:
            known = first_expiry[kit]
            first_expiry[kit] = expires if known is None else min(known, expires)
        if expires is None or expires > question.on:
            held[kit][row["lot__item"]] += row["total"]
    lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for template, item, quantity in KitLine.objects.filter(template__in=set(template_of.values())).values_list(
        "template", "item", "quantity"
    ):
        lines[template].append((item, quantity))
    count = 0
    for kit, template in template_of.items():
        expiry = first_expiry[kit]
        whole = all(held[kit][item] >= quantity for item, quantity in lines[template])
        if whole and lines[template] and (expiry is None or expiry > question.on):
            count += 1
    return count


def medic_kits(question: Question) -> Answer:
    """ "2 of 3 kits packed: pack 1 more", with the group's supplies setup (where kits are packed)."""
    packed = ready_kits(question)
    path = reverse("supplies:setup", kwargs={"group": question.group})
    if question.needed <= 0:
        summary = ngettext("%(count)d kit packed.", "%(count)d kits packed.", packed) % {"count": packed}
        return Answer(ready=True, summary=summary, path=path)
    if packed >= question.needed:
        summary = ngettext(
            "%(packed)d of %(needed)d kit packed.", "%(packed)d of %(needed)d kits packed.", question.needed
        ) % {"packed": packed, "needed": question.needed}
        return Answer(ready=True, summary=summary, path=path)
    more = question.needed - packed
    summary = ngettext(
        "%(packed)d of %(needed)d kit packed: pack %(more)d more.",
        "%(packed)d of %(needed)d kits packed: pack %(more)d more.",
        question.needed,
    ) % {"packed": packed, "needed": question.needed, "more": more}
    return Answer(ready=False, summary=summary, path=path)


def register() -> None:
    PREPARATIONS.register(MEDIC_KITS, medic_kits)
