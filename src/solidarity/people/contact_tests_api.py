"""The API's "send a test" to a person's contact (`POST /api/v1/people/{person_id}/contacts/{contact}/test`),
for roster keepers: what the button on the person's page does (people.contact_tests)."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from solidarity.accounts.access import signed_in
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import owner_role
from solidarity.people.access import ROSTER_KEEPER, access_person_scoped, edited_person
from solidarity.people.contact_tests import do_send_contact_test
from solidarity.people.self_access import access_contact

router = Router(tags=["people"])

EDITS_PERSON = owner_role(ROSTER_KEEPER, access=access_person_scoped, kwarg="person_id")

TEST_ANSWER = {
    "responses": {
        409: {
            "description": "No test was sent: the person has left, or this contact had its tests for the day "
            "(`refused`)."
        }
    }
}


@router.post(
    "/{person_id}/contacts/{contact}/test",
    response={202: None, 409: ErrorOut},
    summary="Send a test message to one of a person's contacts",
    openapi_extra=TEST_ANSWER,
)
@api_permission(EDITS_PERSON)
def test_contact(request: HttpRequest, person_id: UUID, contact: UUID) -> Status[None]:
    """A short message in the person's language: by SMS they reply CONFIRM and its code, by email they press
    the button its link opens. Their confirmation sets the contact's `confirmed_at` (the person's `contacts`).
    A few tests per contact a day."""
    user = signed_in(request)
    found = access_contact(edited_person(user, person_id), contact)
    try:
        do_send_contact_test(found, by=user, role=ROSTER_KEEPER)
    except ValidationError as error:
        raise ApiError(409, "refused", error.messages[0]) from None
    return Status(202, None)
