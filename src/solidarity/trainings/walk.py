"""Trainings' objects for the URL walk (core.permissions.WALK_FILLERS): a session of the walk's group (not
public, so the public pages find nothing) and the walk volunteer's sign-up for it."""

from datetime import timedelta

from django.utils import timezone

from solidarity.core.permissions import WALK_FILLERS, Role, WalkWorld
from solidarity.people.walk import VOLUNTEER, account, record
from solidarity.trainings.models import Session, SessionState, SignUp, SignUpState
from solidarity.trainings.services import SessionValues, do_create_session, do_sign_up


def a_session(world: WalkWorld) -> Session:
    found = Session.objects.filter(group=world.group, state=SessionState.SCHEDULED, title_en="Walk training").first()
    if found is None:
        start = timezone.now() + timedelta(days=3)
        values = SessionValues(
            title_en="Walk training",
            title_es="Taller del paseo",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Public library, room 2",
            capacity=5,
        )
        found = do_create_session(world.group, values, by=world.owner)
    return found


def a_sign_up(world: WalkWorld) -> str:
    session = a_session(world)
    volunteer = record(account(world, VOLUNTEER, Role.RESPONDER), "Walk Volunteer", world)
    found = SignUp.objects.filter(session=session, person=volunteer).exclude(state=SignUpState.CANCELLED).first()
    return str((found or do_sign_up(session, volunteer, by=world.owner)).uuid)


def register() -> None:
    WALK_FILLERS.register("session", lambda world: str(a_session(world).uuid))  # a session's pages and the API's
    WALK_FILLERS.register("sign_up", a_sign_up)  # one sign-up of it (attendance, cancelling)
