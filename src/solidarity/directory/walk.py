"""The directory's objects for the URL walk (core.permissions.WALK_FILLERS): a members-only resource kept by the
walk's group, with a phone and a dated session (made again once an endpoint removed them)."""

from datetime import timedelta

from django.utils import timezone

from solidarity.core.permissions import WALK_FILLERS, WalkWorld
from solidarity.directory.csv_io import do_stage_import
from solidarity.directory.csv_models import ResourceImport, ResourceImportState
from solidarity.directory.models import Resource
from solidarity.directory.reminders import still_right_token
from solidarity.directory.services import ResourceValues, do_add_phone, do_add_session, do_save_resource

SLUG = "walk-clinic"


def a_resource(world: WalkWorld) -> Resource:
    found = Resource.objects.filter(slug=SLUG).first()
    if found is None:
        values = ResourceValues(slug=SLUG, kind="clinic", name_en="Walk clinic", languages=("en", "es"))
        found = do_save_resource(world.group, values, by=world.owner)
    return found


def a_phone(world: WalkWorld) -> str:
    resource = a_resource(world)
    found = resource.phones.first() or do_add_phone(resource, "+19195550142", by=world.owner)
    return str(found.uuid)


def a_session(world: WalkWorld) -> str:
    resource = a_resource(world)
    on = timezone.localdate() + timedelta(days=7)
    found = resource.sessions.first() or do_add_session(resource, on, by=world.owner, note_en="Free check-ups")
    return str(found.uuid)


def register() -> None:
    WALK_FILLERS.register("resource", lambda world: a_resource(world).slug)  # a resource (members only)
    WALK_FILLERS.register("phone", a_phone)  # one of its phone numbers
    WALK_FILLERS.register("resource_session", a_session)  # one of its dated sessions
    # A reminder's "still right" link for the walk's keeper.
    WALK_FILLERS.register("keeper_token", lambda world: still_right_token(a_resource(world), world.owner))
    WALK_FILLERS.register("resource_import", a_resource_import)  # a staged CSV import of the group's resources


# Staged CSV imports (directory.csv_io): one of the walk group's, staged again once an endpoint applied or
# discarded it.
def a_resource_import(world: WalkWorld) -> str:
    found = ResourceImport.objects.filter(group=world.group, state=ResourceImportState.STAGED).first()
    if found is None:
        data = b"slug,kind,name_en,phones\r\nwalk-import-clinic,clinic,Walk import clinic,+19195550145\r\n"
        found = do_stage_import(world.group, data, "walk.csv", by=world.owner)
    return str(found.uuid)
