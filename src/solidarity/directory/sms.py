"""The directory by SMS: RESOURCES <need> / RECURSOS <necesidad> answers with the nearest fitting resources.

The words (messaging.keywords.WORDS; the row for GLOSSARY.md's SMS keyword table):

| find a resource by need | RESOURCES dentist (also RESOURCE) | RECURSOS dentista (also RECURSO) |

Invariants:
- A text is public: only resources listed publicly are ever named (directory.access.visible_resources
  for an anonymous user), so a members-only shelter or a sanctuary congregation that has not agreed
  never reaches a phone, whoever texts.
- The need is read loosely (`kinds_for`): case and accents folded, in English or Spanish, through
  NEEDS (a synonym table per kind), a plural or singular, a prefix ("abog") or one typo in a word of
  five letters or more ("dentsta"). When no kind fits, or no resource of that kind is listed, the
  words are looked for in the resources' own names and offers, without typos ("terapia" finds a
  crisis line that offers it). A place in the text ("RECURSOS dentista centro": a zone's name in either
  language, or its slug) says where "nearest" is; else the zones the sender covers, when the number
  is one known person's (people.keywords.sender_person: one blind-index look-up; the answer differs
  only in its order, so it tells a stranger nothing).
- Ranking (`ranked`): 1. how well the need matched the kind; 2. serving the zone, then a neighbouring
  zone, then one two zones away, then any; 3. for a crisis need, a 24-hour line first; 4. fresh
  before stale (a stale one says "call first"); 5. with a phone before without; 6. by name.
- The reply is in the keyword's language (RESOURCES: English, RECURSOS: Spanish), one line per
  resource, its number first ("(919) 555-0101 Campus dental clinic (24 h, free, next date Sat 3/14,
  call first)"), then the directory's address for the kind. It fits two SMS segments, counted
  (messaging.sms.text.segments) before it is handed over: three resources and the address, else
  two and the address, else three or two without it, else one (`fitted`). Both
  languages go through gsm_friendly so the reply stays GSM-7 (153 characters a segment, not 67):
  Spanish loses á, í, ó and ú there (é, ñ, ü, ¿ and ¡ are GSM-7 and stay), which a Spanish reader
  of SMS is used to and which keeps twice as much in the same two segments.
- Every RESOURCES text is handled (out of the inbox) and answered, rate-limited like any automatic
  reply: with resources, or with a short help listing example needs and the directory's address
  (after a need that found nothing, the network's hotline first, when it has one).
  Nothing here logs the number or the words.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from solidarity.core.bilingual import LANGUAGES, text_of
from solidarity.core.models import Zone
from solidarity.core.phones import dialable
from solidarity.core.services import get_network_settings
from solidarity.directory.access import visible_resources
from solidarity.directory.models import Kind, Phone, Resource
from solidarity.directory.services import is_stale
from solidarity.messaging.keywords import TOKEN, Handled, InboundContext, Outcome, Parsed, Reply, fold
from solidarity.messaging.sms.text import fit, gsm_friendly, segments
from solidarity.people.keywords import day_text, sender_person

MAX_RESOURCES = 3
MAX_SEGMENTS = 2
NAME_CHARS = 40  # a longer name is cut at a word: three resources must fit two segments
RINGS = 2  # neighbouring zones, and theirs: nearer than "any"
FAR = RINGS + 1  # a resource serving no zone near the place, or none named

# What people text, per kind, in English and Spanish (accents and case do not matter: folded).
# A phrase of several words counts before its words alone ("salud mental" is mental health, "salud"
# alone a clinic). Reviewers: add the words people actually use; keep a word under one kind only, and
# leave out everyday words ("casa", "niños"): "comida cerca de mi casa" must not ask for a shelter too.
NEEDS: dict[Kind, tuple[str, ...]] = {
    Kind.DENTAL: (
        "dental", "dentist", "dentista", "dientes", "diente", "muela", "muelas", "teeth", "tooth", "toothache",
        "odontologo", "odontologa", "dentadura", "caries", "empaste", "limpieza dental", "salud dental",
        "atencion dental", "dental care", "dental health",
    ),
    Kind.LEGAL_AID: (
        "lawyer", "abogado", "abogada", "legal", "legal aid", "ayuda legal", "attorney", "immigration lawyer",
        "abogado de inmigracion", "inmigracion", "immigration", "asesoria legal", "asilo", "asylum", "daca",
        "deportacion", "deportation", "visa", "papeles", "corte", "court",
    ),
    Kind.MENTAL_HEALTH: (
        "therapy", "terapia", "therapist", "terapeuta", "psicologo", "psicologa", "psychologist",
        "counseling", "counselling", "consejeria", "mental health", "salud mental", "ansiedad", "anxiety",
        "depression", "depresion", "trauma", "estres", "stress", "psiquiatra", "psychiatrist",
    ),
    Kind.CRISIS_HOTLINE: (
        "crisis", "rape", "violacion", "abuso sexual", "sexual assault", "suicide", "suicidio", "linea de crisis",
        "crisis line", "hotline", "violencia domestica", "domestic violence", "abuse", "abuso",
    ),
    Kind.FOOD: (
        "food", "comida", "despensa", "pantry", "food pantry", "food bank", "banco de comida",
        "banco de alimentos", "alimentos", "hambre", "hungry", "groceries", "meals", "meal",
    ),
    Kind.SHELTER: (
        "shelter", "refugio", "albergue", "housing", "vivienda", "homeless", "donde dormir", "cama", "bed",
        "alojamiento",
    ),
    Kind.CLINIC: (
        "doctor", "medico", "medica", "clinica", "clinic", "health", "salud", "nurse", "enfermera",
        "enfermo", "sick", "medicine", "medicina", "vacuna", "vaccine", "hospital",
    ),
    Kind.BOND_FUND: (
        "bond", "bond fund", "fianza", "fondo de fianzas", "bail", "detenido", "detained", "detention",
    ),
    Kind.LEGAL_OBSERVERS: (
        "legal observer", "legal observers", "observador legal", "observadores legales", "observadores",
        "observers",
    ),
    Kind.SCHOOL_SUPPORT: (
        "escuela", "school", "tareas", "tarea", "homework", "tutor", "tutoria", "apoyo escolar",
    ),
    Kind.MEDIA: (
        "media", "medios", "news", "noticias", "periodico", "newspaper", "radio", "periodista", "journalist",
    ),
    Kind.SANCTUARY: ("sanctuary", "santuario", "congregacion", "congregation", "iglesia", "church"),
}  # fmt: skip

# Words that say nothing of the need: never matched against names and offers, nor typo-matched.
FILLER = frozenset(
    fold(word)
    for word in (  # noqa: SIM905  (a table to read, not a list to scan)
        "i a an the for my me we need needs please pls near in at of and or to with some any "
        "yo un una uno el la los las de del en para por favor mi mis y o con que cerca necesito necesita "
        "busco buscamos hay ayuda help free gratis"
    ).split()
)

EXACT, PLURAL, PREFIX, TYPO = 0, 1, 2, 3
MIN_PREFIX = 4  # "abog" finds abogado; "med" finds nothing
MIN_TYPO = 5  # a typo is forgiven in words this long only: "dentsta", not "foo"
CLOSE_ENOUGH = frozenset((EXACT, PLURAL, PREFIX))  # in the resources' own words


def _words(text: str) -> tuple[str, ...]:
    return tuple(fold(token.group()) for token in TOKEN.finditer(text))


_PHRASES: list[tuple[tuple[str, ...], Kind]] = sorted(
    ((_words(phrase), kind) for kind, phrases in NEEDS.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)


# Matching words loosely.


def _stems(word: str) -> set[str]:
    """The word and its singular, roughly, in both languages: CLINICAS, ABOGADOS, LAWYERS, SERVICES."""
    found = {word}
    if len(word) > 3 and word.endswith("S"):
        found.add(word[:-1])
        if len(word) > 4 and word.endswith("ES"):
            found.add(word[:-2])
    return found


def _one_edit(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped (and not equal)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def closeness(word: str, known: str) -> int | None:
    """How well a texted word matches a known one: EXACT, PLURAL, PREFIX, TYPO, or None for no match."""
    if word == known:
        return EXACT
    if _stems(word) & _stems(known):
        return PLURAL
    if (len(word) >= MIN_PREFIX and known.startswith(word)) or (len(known) > MIN_PREFIX and word.startswith(known)):
        return PREFIX
    if len(word) >= MIN_TYPO and len(known) >= MIN_TYPO and _one_edit(word, known):
        return TYPO
    return None


def _phrase_at(words: Sequence[str], start: int, phrase: tuple[str, ...]) -> bool:
    """The phrase's words at `start`, each exactly or as its plural (a phrase is never typo-matched)."""
    if start + len(phrase) > len(words):
        return False
    return all(_stems(words[start + i]) & _stems(part) for i, part in enumerate(phrase))


# Reading the need.


@dataclass(frozen=True)
class Need:
    """What a RESOURCES text asks for: kinds with how well each matched, a place, and the words left."""

    kinds: dict[Kind, int]  # kind -> closeness (lower is better), best first
    zone: Zone | None
    words: tuple[str, ...]  # the folded words, but the zone's


def zone_in(words: list[str], zones: Iterable[Zone]) -> tuple[Zone | None, list[str]]:
    """The first zone the words name (its name in either language, or its slug), and the words without it."""
    names: list[tuple[tuple[str, ...], Zone]] = []
    for zone in zones:
        for name in {zone.name_en, zone.name_es, zone.slug.replace("-", " ")}:
            folded = _words(name)
            if folded:
                names.append((folded, zone))
    names.sort(key=lambda item: -len(item[0]))
    for start in range(len(words)):
        for named, found in names:
            if tuple(words[start : start + len(named)]) == named:
                return found, words[:start] + words[start + len(named) :]
    return None, words


def kinds_for(words: list[str]) -> dict[Kind, int]:
    """The kinds the words ask for, each with its best closeness.

    Phrases of several words first, exactly (or plural); then each word alone, at its best closeness
    to any synonym (ties: every kind at that closeness).
    """
    found: dict[Kind, int] = {}
    taken = [False] * len(words)
    for start in range(len(words)):
        for phrase, kind in _PHRASES:
            if len(phrase) > 1 and not any(taken[start : start + len(phrase)]) and _phrase_at(words, start, phrase):
                taken[start : start + len(phrase)] = [True] * len(phrase)
                found.setdefault(kind, EXACT)
    for index, word in enumerate(words):
        if taken[index] or word in FILLER:
            continue
        best: int | None = None
        kinds: list[Kind] = []
        for phrase, kind in _PHRASES:
            if len(phrase) != 1:
                continue
            score = closeness(word, phrase[0])
            if score is None or (best is not None and score > best):
                continue
            if best is None or score < best:
                best, kinds = score, []
            if kind not in kinds:
                kinds.append(kind)
        if best is None:
            continue
        for kind in kinds:
            found[kind] = min(found.get(kind, best), best)
    return found


def read_need(text: str, zones: Iterable[Zone]) -> Need:
    """The need in a text: its zone, and the kinds that matched best (any matched exactly or as a plural,
    else the best a prefix or a typo found), best first."""
    zone, words = zone_in(list(_words(text)), zones)
    kinds = kinds_for(words)
    if kinds:
        enough = max(min(kinds.values()), PLURAL)
        kinds = {kind: score for kind, score in sorted(kinds.items(), key=lambda item: item[1]) if score <= enough}
    return Need(kinds, zone, tuple(words))


# Ranking.


def rings_from(zone_ids: Iterable[int]) -> dict[int, int]:
    """Zone id -> how many steps from the given zones (0 for them, 1 their neighbours...), RINGS out."""
    through = Zone.neighbours.through
    touching: dict[int, set[int]] = {}
    for a, b in through.objects.values_list("from_zone_id", "to_zone_id"):
        touching.setdefault(a, set()).add(b)
    distance = dict.fromkeys(zone_ids, 0)
    ring = set(distance)
    for step in range(1, RINGS + 1):
        ring = {near for zone in ring for near in touching.get(zone, ())} - set(distance)
        distance.update(dict.fromkeys(ring, step))
    return distance


def best_phone(resource: Resource) -> Phone | None:
    """The number to give: a 24-hour one first, else the first added."""
    phones = sorted(resource.phones.all(), key=lambda phone: (not phone.is_24h, phone.pk))
    return phones[0] if phones else None


def ranked(resources: Iterable[Resource], kinds: dict[Kind, int], distance: dict[int, int]) -> list[Resource]:
    """The module's ranking: closeness of the kind, nearness, 24 hours for a crisis, freshness, a phone, name."""
    is_crisis = Kind.CRISIS_HOTLINE in kinds

    def key(resource: Resource) -> tuple[int, int, bool, bool, bool, str]:
        near = min((distance.get(zone.pk, FAR) for zone in resource.zones.all()), default=FAR)
        phone = best_phone(resource)
        return (
            kinds.get(Kind(resource.kind), TYPO + 1),
            near,
            is_crisis and not (phone is not None and phone.is_24h),
            is_stale(resource),
            phone is None,
            text_of(resource, "name").casefold(),
        )

    return sorted(resources, key=key)


def by_own_words(resources: Iterable[Resource], words: Sequence[str]) -> list[Resource]:
    """The resources whose names or offers hold the need's words (the fallback when no kind fits), best first.

    No typo is forgiven here: free text holds too many words one letter away ("quiet" and "quien").
    """
    wanted = [word for word in words if word not in FILLER and len(word) >= MIN_PREFIX]
    scored: list[tuple[int, Resource]] = []
    for resource in resources:
        own = set(_words(" ".join((resource.name_en, resource.name_es, resource.offers_en, resource.offers_es))))
        hits = sum(1 for word in wanted if any(closeness(word, known) in CLOSE_ENOUGH for known in own))
        if hits:
            scored.append((hits, resource))
    return [resource for hits, resource in sorted(scored, key=lambda item: -item[0])]


# Answering.


def answer_resources(context: InboundContext, parsed: Parsed) -> Outcome:
    """RESOURCES / RECURSOS and a need: the nearest fitting public resources, else a short help. Always Handled."""
    language = next((code for code in (parsed.language, context.language) if code in LANGUAGES), "en")
    with translation.override(language):
        return Handled(Reply(reply_text(context, parsed.argument, language)))


def reply_text(context: InboundContext, need_text: str, language: str) -> str:
    """The answer: the best resources of the kinds asked for, else of the need's words, else the help."""
    network = get_network_settings()
    need = read_need(need_text, Zone.objects.all())
    public = list(visible_resources(AnonymousUser()))
    kinds = need.kinds
    found = [resource for resource in public if resource.kind in kinds]
    if not found:  # no kind fits, or none of its kind is listed: "therapy" finds a crisis line offering it
        kinds = {}
        found = by_own_words(public, need.words)
    if not found:
        return help_text(network.name, asked=bool(need.words), hotline=network.hotline)
    best = ranked(found, kinds, rings_from([need.zone.pk] if need.zone is not None else home_zones(context)))
    if not kinds:
        best = by_own_words(best, need.words)  # most words found first, the ranking among equals (a stable sort)
    head = head_text(network.name, list(kinds))
    entries = [entry(resource, network.phone_region) for resource in best[:MAX_RESOURCES]]
    return fitted(head, entries, directory_address(next(iter(kinds)) if len(kinds) == 1 else None))


def home_zones(context: InboundContext) -> list[int]:
    """The zones the sender covers, when the number is one known person's; else none."""
    person = sender_person(context)
    return list(person.zones.values_list("pk", flat=True)) if person is not None else []


def head_text(network: str, kinds: list[Kind]) -> str:
    if not kinds:
        # Translators: SMS, the start of a list of resources found by the words of a need.
        return _("%(network)s, resources:") % {"network": network}
    return f"{network}, {' / '.join(str(kind.label) for kind in kinds[:2])}:"


def short_name(name: str) -> str:
    if len(name) <= NAME_CHARS:
        return name
    cut = name[:NAME_CHARS].rsplit(" ", 1)[0].rstrip(" ,.;:-")
    return (cut or name[:NAME_CHARS]) + "..."


def entry(resource: Resource, region: str) -> str:
    """One resource on one line, its number first: "(919) 555-0101 Campus clinic (24 h, free, call first)"."""
    phone = best_phone(resource)
    number = dialable(phone.number, region) if phone is not None else None
    notes: list[str] = []
    if phone is not None and phone.is_24h:
        notes.append("24 h")
    if resource.is_free:
        # Translators: SMS, said of a resource: it costs nothing.
        notes.append(_("free"))
    upcoming = getattr(resource, "upcoming", [])
    if upcoming:
        # Translators: SMS, a resource's next dated session, "next date Sat 3/14".
        notes.append(_("next date %(date)s") % {"date": day_text(upcoming[0].date)})
    if is_stale(resource):
        # Translators: SMS, said of a resource not checked lately: its facts may have changed.
        notes.append(_("call first"))
    parts = [number.text if number is not None else "", short_name(text_of(resource, "name"))]
    line = " ".join(part for part in parts if part)
    return f"{line} ({', '.join(notes)})" if notes else line


def directory_address(kind: Kind | None) -> str:
    path = reverse("directory:list") + (f"?kind={kind.value}" if kind is not None else "")
    return str(settings.BASE_URL).rstrip("/") + path


def more_text(address: str) -> str:
    # Translators: SMS, the last line of a list of resources: the directory's web address.
    return _("See more: %(address)s") % {"address": address}


def fitted(head: str, entries: list[str], address: str) -> str:
    """Head, entries (3, else 2, else 1) and the address when it fits: at most MAX_SEGMENTS, GSM-7 where it can."""
    tries = [(3, True), (2, True), (3, False), (2, False), (1, True), (1, False)]
    for count, with_address in tries:
        if count > len(entries):
            continue
        lines = [head, *entries[:count], *([more_text(address)] if with_address else [])]
        text = gsm_friendly("\n".join(lines))
        if segments(text) <= MAX_SEGMENTS:
            return text
    return fit(gsm_friendly("\n".join([head, entries[0]])), MAX_SEGMENTS)


def help_text(network: str, *, asked: bool, hotline: str = "") -> str:
    """How to ask, with example needs and the directory's address; `asked`: the sender gave a need that found
    nothing, and then the network's hotline, when it has one, comes first."""
    if asked and hotline:
        # Translators: SMS, one or two segments. Keyword: RECURSOS; examples in Spanish (dentista, abogado...).
        text = _(
            "%(network)s: we found no resource for that. For emergencies call %(hotline)s. Text RESOURCES and "
            "your need, such as RESOURCES dentist, lawyer, food, shelter, therapy or crisis."
        )
    elif asked:
        # Translators: SMS, one or two segments. Keyword: RECURSOS; examples in Spanish (dentista, abogado...).
        text = _(
            "%(network)s: we found no resource for that. Text RESOURCES and your need, such as RESOURCES dentist, "
            "lawyer, food, shelter, therapy or crisis."
        )
    else:
        # Translators: SMS, one or two segments. Keyword: RECURSOS; examples in Spanish (dentista, abogado...).
        text = _(
            "%(network)s: text RESOURCES and your need, such as RESOURCES dentist, lawyer, food, shelter, "
            "therapy or crisis."
        )
    text %= {"network": network, "hotline": hotline}
    with_address = gsm_friendly(f"{text} {more_text(directory_address(None))}")
    if segments(with_address) <= MAX_SEGMENTS:
        return with_address
    return fit(gsm_friendly(text), MAX_SEGMENTS)
