"""Provider error codes, as plain reasons a coordinator can act on.

A backend hands over the provider's own code (Twilio's "21610", a phone gateway's
"RESULT_ERROR_NO_SERVICE"); `reason_for` says what it means in a sentence and whether the
address itself should be marked so that nobody keeps texting it. Codes nobody mapped read as
"provider_error": the message failed, the address is not to blame.

Sources: Twilio's error dictionary (https://www.twilio.com/docs/api/errors) and the failure
reasons of SMS Gateway for Android, which are Android's SmsManager result names
(https://docs.sms-gate.app/faq/errors/, capcom6/android-sms-gateway MessagesService).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


@dataclass(frozen=True)
class Reason:
    slug: str  # stable: stored with a failed message, used in the API and in tests
    text: "StrPromise"  # one short plain sentence, translated when shown
    is_opt_out: bool = False  # the person asked to get no more texts
    marks_address: bool = False  # the address itself is the problem: stop texting it until someone checks


OPTED_OUT = Reason("opted_out", _("The person sent STOP to this number."), is_opt_out=True, marks_address=True)
INVALID_NUMBER = Reason("invalid_number", _("This is not a valid phone number."), marks_address=True)
UNKNOWN_NUMBER = Reason("unknown_number", _("This number does not seem to exist anymore."), marks_address=True)
NOT_MOBILE = Reason("not_mobile", _("This number cannot get texts. It may be a landline."), marks_address=True)
BLOCKED = Reason("blocked", _("This number is blocked from getting our texts."), marks_address=True)
UNREACHABLE = Reason("unreachable", _("The phone was off or out of reach. A later text may get through."))
CARRIER_FILTERED = Reason("carrier_filtered", _("The phone company blocked this text as possible spam."))
SENDER_NOT_REGISTERED = Reason(
    "sender_not_registered", _("Our sending number is not registered with the phone companies yet.")
)
COUNTRY_NOT_ENABLED = Reason("country_not_enabled", _("Our SMS account is not set up to text this country."))
PROVIDER_LOGIN = Reason("provider_login_failed", _("The SMS service rejected our login. Check the SMS settings."))
PHONE_NO_SERVICE = Reason("phone_no_service", _("The SMS phone has no signal or no SIM card."))
PHONE_LIMIT = Reason("phone_limit", _("The SMS phone reached its sending limit."))
PHONE_ERROR = Reason("phone_error", _("The SMS phone could not send it. Check its signal and prepaid balance."))
PROVIDER_ERROR = Reason("provider_error", _("The SMS service could not send it."))

TWILIO = {
    "20003": PROVIDER_LOGIN,  # authentication failed
    "21211": INVALID_NUMBER,  # invalid 'To' phone number
    "21408": COUNTRY_NOT_ENABLED,  # permission to send to this region is not enabled
    "21610": OPTED_OUT,  # the recipient replied STOP
    "21614": NOT_MOBILE,  # 'To' is not a mobile number
    "30003": UNREACHABLE,  # unreachable destination handset
    "30004": BLOCKED,  # message blocked (the number cannot receive it, or blocked us)
    "30005": UNKNOWN_NUMBER,  # unknown destination handset
    "30006": NOT_MOBILE,  # landline or unreachable carrier
    "30007": CARRIER_FILTERED,  # message filtered by the carrier
    "30032": SENDER_NOT_REGISTERED,  # toll-free number not verified
    "30034": SENDER_NOT_REGISTERED,  # US A2P 10DLC: number not registered to a campaign
}

# The phone's SmsManager result names, plus the few non-Android failures the app reports
# (android.failure_code turns its "reason" text into one of these).
ANDROID = {
    "RESULT_ERROR_NO_SERVICE": PHONE_NO_SERVICE,
    "RESULT_ERROR_RADIO_OFF": PHONE_NO_SERVICE,
    "RESULT_RADIO_NOT_AVAILABLE": PHONE_NO_SERVICE,
    "RESULT_RIL_RADIO_NOT_AVAILABLE": PHONE_NO_SERVICE,
    "RESULT_RIL_SIM_ABSENT": PHONE_NO_SERVICE,
    "RESULT_NO_DEFAULT_SMS_APP": PHONE_NO_SERVICE,
    "NO_SIM": PHONE_NO_SERVICE,
    "RESULT_ERROR_LIMIT_EXCEEDED": PHONE_LIMIT,
    "RESULT_RIL_REQUEST_RATE_LIMITED": PHONE_LIMIT,
    "RESULT_ERROR_GENERIC_FAILURE": PHONE_ERROR,  # most often no prepaid balance left
    "RESULT_RIL_MODEM_ERR": PHONE_ERROR,
    "RESULT_MODEM_ERROR": PHONE_ERROR,
    "RESULT_NETWORK_REJECT": CARRIER_FILTERED,
    "RESULT_RIL_NETWORK_REJECT": CARRIER_FILTERED,
    "DELIVERY_FAILED": UNREACHABLE,  # the carrier's delivery report said it failed
    "UNAUTHORIZED": PROVIDER_LOGIN,  # the phone refused our username and password
}

KINDS = {"twilio": TWILIO, "android": ANDROID}


def reason_for(backend_kind: str, code: str) -> Reason:
    """The reason behind `code` from a backend of this kind ("twilio", or "android:kitchen" for a phone)."""
    kind = backend_kind.split(":", 1)[0].strip().lower()
    return KINDS.get(kind, {}).get(code.strip().upper(), PROVIDER_ERROR)
