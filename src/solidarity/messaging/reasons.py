"""Why a message did not go, in words a coordinator can act on: one slug per reason, stored with the message.

The SMS providers' codes are mapped in messaging.sms.errors; the outbox's own reasons are here.
"""

from django.utils.translation import gettext_lazy as _

from solidarity.messaging.sms import errors
from solidarity.messaging.sms.errors import Reason

OUTBOX = [
    Reason("cancelled", _("Cancelled before it was sent.")),
    Reason("opted_out", _("This address asked to get no more messages."), is_opt_out=True, marks_address=True),
    Reason("bounced", _("The mail server said this address does not exist."), marks_address=True),
    Reason("invalid_address", _("This is not a valid email address."), marks_address=True),
    Reason("refused", _("The mail server refused the message.")),
    Reason("deferred", _("The receiving server asked us to try again later.")),
    Reason("unreachable", _("The server could not be reached. It will be tried again.")),
    Reason("gave_up", _("It failed too many times and we stopped trying.")),
    Reason("stalled", _("Sending was interrupted too often (the worker stopped).")),
    Reason("key_expired", _("The person's OpenPGP key has expired, so it was not sent in the clear.")),
    Reason("key_unusable", _("The person's OpenPGP key cannot be used. Ask them for a new one.")),
    Reason("no_sms_backend", _("No SMS service is configured.")),
]

BY_SLUG: dict[str, Reason] = {
    reason.slug: reason
    for reason in [*vars(errors).values(), *OUTBOX]
    if isinstance(reason, Reason)  # every reason the SMS module names, then the outbox's own (which win)
}


def explain(slug: str) -> Reason:
    return BY_SLUG.get(slug, errors.PROVIDER_ERROR)


def marks_address(slug: str) -> bool:
    """Whether the reason belongs to the address itself: nothing more is sent to it until someone checks."""
    return slug in BY_SLUG and BY_SLUG[slug].marks_address
