"""A volunteer's own session: opened by a record link (people.self_service), it reaches their record alone.

It is not a sign-in: no account is signed in, whether or not the person has one, and no page but
people.self_views' reads it. It lives in the browser's ordinary (server-side) session under its own
key, holding the person's uuid and when it began and was last used. It ends after IDLE without a
request, MAX_AGE after it began, on "sign out", when the person leaves, and whenever the session
itself ends (signing in or out of an account ends it too).
"""

from datetime import timedelta
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils import timezone

from solidarity.people.models import Contact, Person, PersonState

SESSION_KEY = "solidarity_volunteer"
IDLE = timedelta(hours=1)
MAX_AGE = timedelta(hours=8)
SEEN_RESOLUTION = 60  # seconds: note activity at most once a minute, not a session write per request


class NoRecordSession(Exception):
    """The request has no volunteer session (none, over, or its person left): the view sends them to ask for a link."""


def start_record_session(request: HttpRequest, person: Person) -> None:
    """A new session for this person, under a new session id (so nobody can plant one beforehand)."""
    request.session.cycle_key()
    now = timezone.now().timestamp()
    request.session[SESSION_KEY] = {"person": str(person.uuid), "started": now, "seen": now}


def end_record_session(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def access_own_record(request: HttpRequest) -> Person:
    """The person whose session this is, while it lasts; NoRecordSession otherwise (and it is ended)."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        raise NoRecordSession
    now = timezone.now().timestamp()
    try:
        wanted = UUID(str(kept["person"]))
        started, seen = float(kept["started"]), float(kept["seen"])
    except (KeyError, ValueError, TypeError):
        request.session.pop(SESSION_KEY, None)
        raise NoRecordSession from None
    if now - seen > IDLE.total_seconds() or now - started > MAX_AGE.total_seconds():
        request.session.pop(SESSION_KEY, None)
        raise NoRecordSession
    person = Person.objects.filter(uuid=wanted).exclude(state=PersonState.LEFT).first()
    if person is None:
        request.session.pop(SESSION_KEY, None)
        raise NoRecordSession
    if now - seen > SEEN_RESOLUTION:
        request.session[SESSION_KEY] = {**kept, "seen": now}
    return person


def has_record_session(request: HttpRequest) -> bool:
    try:
        access_own_record(request)
    except NoRecordSession:
        return False
    return True


def own_contacts(person: Person) -> list[Contact]:
    """The person's own contacts, for their own page: phones first, the primary one first."""
    return list(Contact.objects.filter(person=person).order_by("-kind", "-is_primary", "created_at"))


def access_contact(person: Person, contact: str | UUID) -> Contact:
    """One of this person's contacts (the person came through an access function); Http404 otherwise."""
    try:
        wanted = contact if isinstance(contact, UUID) else UUID(str(contact))
    except ValueError:
        raise Http404 from None
    found = Contact.objects.filter(person=person, uuid=wanted).select_related("person").first()
    if found is None:
        raise Http404
    return found
