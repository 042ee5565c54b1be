from datetime import timedelta
from typing import Any, cast

import phonenumbers
from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import WorkingGroup
from solidarity.core.bilingual import in_order, text_of
from solidarity.core.forms import LocalDateTimeInput
from solidarity.core.models import Zone
from solidarity.core.public import PublicForm
from solidarity.core.services import get_network_settings
from solidarity.core.zones import NAME_LENGTH, network_zones, zone_named
from solidarity.lists.announcement_lists import MAX_ZONES, ListValues
from solidarity.lists.broadcasts import Draft
from solidarity.lists.models import AnnouncementList, Broadcast
from solidarity.lists.subscriptions import public_count
from solidarity.messaging import keywords
from solidarity.messaging.models import Channel
from solidarity.messaging.openpgp import KeyCheck, OpenPgpError, check_recipient_key
from solidarity.messaging.sms_settings import configured_backends

MAX_SMS_TEXT = 1600  # ten segments at most
MAX_KEY_TEXT = 40_000  # an armored public key; `gpg --export-options export-minimal` makes one of 1 to 5 KB
MAX_EMAIL_TEXT = 20_000
RESERVED_SLUGS = {"new"}  # groups/<group>/lists/new/ creates a list
TAKEN = "taken"  # the code of an error that names what another list has already: the API's 409
SCHEDULE_AHEAD = timedelta(days=366)  # a broadcast waits a year at most: no one plans one further
TEXT_AND_SWITCHES = (
    "name_en",
    "name_es",
    "slug",
    "description_en",
    "description_es",
    "has_email",
    "has_sms",
    "keyword",
    "is_public",
    "shows_count",
)
LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]  # each named in its own language


def sms_configured() -> bool:
    return bool(configured_backends())


def network_languages() -> list[tuple[str, str]]:
    offered = get_network_settings().languages or [code for code, _name in LANGUAGE_CHOICES]
    return [(code, name) for code, name in LANGUAGE_CHOICES if code in offered] or LANGUAGE_CHOICES


class ZonesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # django-stubs: the model is Zone
    """Zones to tick, each by its name in the page's language; the form posts their slugs."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(queryset=Zone.objects.none(), to_field_name="slug", required=False, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return text_of(obj, "name")


# A subscriber's OpenPGP key.


def key_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("OpenPGP public key") if required else _("OpenPGP public key (optional)"),
        max_length=MAX_KEY_TEXT,
        required=required,
        strip=True,
        widget=forms.Textarea(
            attrs={"rows": 6, "class": "key", "spellcheck": "false", "autocomplete": "off", "autocapitalize": "off"}
        ),
        help_text=_(
            "Paste your public key, starting with -----BEGIN PGP PUBLIC KEY BLOCK-----, and our emails to you will "
            "be encrypted. With GnuPG: gpg --armor --export-options export-minimal --export YOUR@EMAIL. Never "
            "paste your secret key."
        ),
    )


def check_key(form: forms.Form, value: str, address: str) -> KeyCheck | None:
    """The key checked for `address` (None when none was given), or the reason on the form's key field.

    A secret key is taken out of what the page shows again: it must not travel back and forth.
    """
    if not value:
        return None
    try:
        return check_recipient_key(value, address=address)
    except OpenPgpError as error:
        if error.code == "secret_key" and isinstance(form.data, QueryDict):
            shown = form.data.copy()
            shown[form.add_prefix("openpgp_key")] = ""
            form.data = shown
        form.add_error("openpgp_key", forms.ValidationError(error.message, code=error.code))
        return None


def key_notes(checked: KeyCheck | None) -> list[str]:
    """What the subscriber should know about a key that was accepted."""
    if checked is None:
        return []
    notes: list[str] = []
    if not checked.names_address:
        notes.append(gettext("This key does not name your email address. That is fine if it is your key."))
    if checked.expires_soon and checked.info.encrypts_until is not None:
        day = date_format(timezone.localtime(checked.info.encrypts_until), "DATE_FORMAT")
        notes.append(
            gettext("This key expires on %(date)s. Renew it before then and give it again, or our emails will wait.")
            % {"date": day}
        )
    return notes


class KeyForm(forms.Form):
    """A subscriber's own page: the public key our emails to them are encrypted to."""

    openpgp_key = key_field(required=True)

    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address = address
        self.checked: KeyCheck | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.checked = check_key(self, data.get("openpgp_key") or "", self.address)
        return data


# The public sign-up form.


class SubscribeForm(PublicForm):
    """An email or a phone number, a zone if the list offers zones, and a language: nothing else."""

    address = forms.CharField(max_length=254)
    zone = forms.ChoiceField(label=_("Your zone"), required=False)
    language = forms.ChoiceField(label=_("Language for messages"), widget=forms.RadioSelect)
    openpgp_key = key_field(required=False)

    # Set by for_list: core.public's view builds the form from its class alone.
    announcement_list: AnnouncementList
    subscriber_count: int | None = None  # shown on the page only when the list allows it

    @classmethod
    def for_list(cls, announcement_list: AnnouncementList) -> type["SubscribeForm"]:
        attributes = {"announcement_list": announcement_list, "subscriber_count": public_count(announcement_list)}
        return type("SubscribeForm", (cls,), attributes)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email, sms = self.channels()
        address = self.fields["address"]
        if email and sms:
            address.label = _("Email or mobile phone number")
            address.help_text = _("We use it only to send you this list's messages.")
        elif sms:
            address.label = _("Mobile phone number")
            address.help_text = _("We use it only to text you this list's messages.")
        else:
            address.label = _("Email")
            address.help_text = _("We use it only to email you this list's messages.")
        kind = "email" if not sms else "tel" if not email else "text"
        address.widget.attrs.update({"autocomplete": "on" if kind == "text" else kind, "inputmode": kind})
        self.offered = {zone.slug: zone for zone in self.announcement_list.zones.order_by(in_order("name"), "slug")}
        if self.offered:
            names = ((slug, text_of(zone, "name")) for slug, zone in self.offered.items())
            self.choice_field("zone").choices = [("", _("Choose your zone")), *names]
            self.fields["zone"].required = True
        else:
            del self.fields["zone"]
        languages = network_languages()
        self.choice_field("language").choices = languages
        current = (get_language() or settings.LANGUAGE_CODE)[:2]
        self.fields["language"].initial = current if current in dict(languages) else languages[0][0]
        self.checked: KeyCheck | None = None
        if not email:
            del self.fields["openpgp_key"]
        elif sms:
            key = self.fields["openpgp_key"]
            key.help_text = f"{_('For email only.')} {key.help_text}"

    def choice_field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    def channels(self) -> tuple[bool, bool]:
        """Whether people may sign up here by email, and by SMS (only once an SMS service is configured)."""
        return self.announcement_list.has_email, self.announcement_list.has_sms and sms_configured()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = data.get("openpgp_key") or ""
        if given and getattr(self, "channel", "") == Channel.SMS:
            self.add_error("openpgp_key", _("An OpenPGP key is for email only: leave it empty for a phone number."))
        elif given and "address" in data:
            self.checked = check_key(self, given, data["address"])
        return data

    def clean_zone(self) -> Zone | None:
        """The zone whose slug was posted (the field offers only the list's zones)."""
        return self.offered.get(self.cleaned_data.get("zone") or "")

    def clean_address(self) -> str:
        value: str = self.cleaned_data["address"].strip()
        email, sms = self.channels()
        if "@" in value:
            if not email:
                raise forms.ValidationError(_("This list sends texts only: give a mobile phone number."))
            try:
                validate_email(value)
            except forms.ValidationError:
                raise forms.ValidationError(_("This does not look like an email address.")) from None
            self.channel = Channel.EMAIL
            return value.lower()
        if not sms:
            raise forms.ValidationError(_("Give an email address."))
        try:
            number = phonenumbers.parse(value, get_network_settings().phone_region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("This does not look like a mobile phone number."))
        self.channel = Channel.SMS
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A group's lists.


class ListForm(forms.Form):
    name_en = forms.CharField(
        label=_("Name in English"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"lang": "en"}),
        help_text=_("For example: Rapid response — East Durham. Give a name in English, in Spanish or both."),
    )
    name_es = forms.CharField(
        label=_("Name in Spanish"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"lang": "es"}),
        help_text=_(
            "For example: Respuesta rápida — Este de Durham. The Spanish page shows it instead of the English one."
        ),
    )
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        required=False,
        help_text=_("Used in the sign-up page's address. Leave it empty to make one from the name."),
    )
    description_en = forms.CharField(
        label=_("Description in English"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "en"}),
        help_text=_("Shown on the public sign-up page: what people will get, and how often."),
    )
    description_es = forms.CharField(
        label=_("Description in Spanish"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "es"}),
        help_text=_("Shown on the Spanish sign-up page; without it, that page shows the English one."),
    )
    has_email = forms.BooleanField(label=_("Send by email"), required=False, initial=True)
    has_sms = forms.BooleanField(label=_("Send by SMS"), required=False)
    keyword = forms.CharField(
        label=_("SMS keyword"),
        max_length=30,
        required=False,
        help_text=_(
            "One word, letters and numbers only. People join by texting JOIN and this word (UNIRSE in Spanish)."
        ),
    )
    is_public = forms.BooleanField(label=_("Public sign-up page"), required=False, initial=True)
    shows_count = forms.BooleanField(label=_("Show the number of subscribers on the sign-up page"), required=False)
    zones = ZonesField(
        label=_("Zones"),
        help_text=_("The network's neighbourhoods that people choose from when they sign up. None: no choice."),
    )
    new_zones = forms.CharField(
        label=_("New zones"),
        max_length=MAX_ZONES * (NAME_LENGTH + 2),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: neighbourhoods the network does not have yet. They are added to its zones "
            "and to this list. Never street addresses."
        ),
    )

    def __init__(self, *args: Any, existing: AnnouncementList | None = None, **kwargs: Any) -> None:
        if existing is not None and "initial" not in kwargs:
            kwargs["initial"] = list_data(existing) | {"zones": list(existing.zones.all())}
        super().__init__(*args, **kwargs)
        self.existing = existing
        zones = cast(ZonesField, self.fields["zones"])
        zones.queryset = network_zones()
        if not zones.queryset.exists():  # a network without zones yet: only the box to add some
            del self.fields["zones"]
            self.fields["new_zones"].label = _("Zones")

    def others(self) -> Any:
        lists = AnnouncementList.objects.all()
        return lists.exclude(pk=self.existing.pk) if self.existing is not None else lists

    def clean_keyword(self) -> str:
        keyword = keywords.fold(self.cleaned_data["keyword"]).strip()
        if not keyword:
            return ""
        if not keywords.LIST_KEYWORD.fullmatch(keyword):
            raise forms.ValidationError(_("Use one word of 2 to 30 letters and numbers, without spaces."))
        if keyword in keywords.WORDS:
            raise forms.ValidationError(_("This word is already an SMS command. Choose another."))
        if self.others().filter(keyword=keyword).exists():
            raise forms.ValidationError(_("Another list uses this keyword. Choose another."), code=TAKEN)
        return keyword

    def clean_new_zones(self) -> list[str]:
        names = list(
            dict.fromkeys(line.strip() for line in self.cleaned_data["new_zones"].splitlines() if line.strip())
        )
        if any(len(name) > NAME_LENGTH for name in names):
            raise forms.ValidationError(_("A zone's name has at most %(count)d characters.") % {"count": NAME_LENGTH})
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = (data.get("name_en") or data.get("name_es") or "").strip()
        if not name and "name_en" in data and "name_es" in data:
            self.add_error("name_en", _("Give the list a name, in English or in Spanish."))
        if name and not data.get("slug"):
            data["slug"] = slugify(name)[:60].strip("-")
            if not data["slug"]:
                self.add_error("slug", _("Choose a short name with letters or numbers."))
        slug = data.get("slug")
        if slug and (slug in RESERVED_SLUGS or self.others().filter(slug=slug).exists()):
            named = "name_en" if data.get("name_en") else "name_es"
            code = "reserved" if slug in RESERVED_SLUGS else TAKEN
            self.add_error(
                "slug" if self.data.get("slug") else named,
                forms.ValidationError(_("Another list has this short name."), code=code),
            )
        chosen = {zone.pk for zone in data.get("zones") or []}
        for new in data.get("new_zones") or []:
            found = zone_named(new)
            chosen.add(found.pk if found else new)
        if len(chosen) > MAX_ZONES:
            self.add_error(
                "new_zones" if "zones" not in self.fields else "zones",
                _("At most %(count)d zones.") % {"count": MAX_ZONES},
            )
        if not data.get("has_email") and not data.get("has_sms"):
            self.add_error("has_email", _("Choose email, SMS or both."))
        if data.get("keyword") and not data.get("has_sms"):
            self.add_error("keyword", _("A keyword is for lists sent by SMS."))
        return data

    def values(self) -> ListValues:
        data = self.cleaned_data
        return ListValues(
            slug=data["slug"],
            name_en=data["name_en"].strip(),
            name_es=data["name_es"].strip(),
            description_en=data["description_en"].strip(),
            description_es=data["description_es"].strip(),
            has_email=data["has_email"],
            has_sms=data["has_sms"],
            keyword=data["keyword"],
            is_public=data["is_public"],
            shows_count=data["shows_count"],
            zones=tuple(zone.slug for zone in data.get("zones") or []),
            new_zones=tuple(data["new_zones"]),
        )


def list_data(announcement_list: AnnouncementList) -> dict[str, Any]:
    """What ListForm holds for a list as it is, zones by slug: where a change through the API starts."""
    return {name: getattr(announcement_list, name) for name in TEXT_AND_SWITCHES} | {
        "zones": [zone.slug for zone in announcement_list.zones.all()],
        "new_zones": "",
    }


# The broadcast composer.


class BroadcastForm(forms.Form):
    lists = forms.ModelMultipleChoiceField(
        label=_("Lists"),
        queryset=AnnouncementList.objects.none(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Send by"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple, initial=[Channel.EMAIL]
    )
    one_language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("", _("Each person in their language (write both texts)")),
            ("en", _("English only, to everyone")),
            ("es", _("Spanish only, to everyone")),
        ],
    )
    subject_en = forms.CharField(label=_("Email subject in English"), max_length=200, required=False)
    text_en = forms.CharField(
        label=_("Text in English"), max_length=MAX_EMAIL_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    subject_es = forms.CharField(label=_("Email subject in Spanish"), max_length=200, required=False)
    text_es = forms.CharField(
        label=_("Text in Spanish"),
        max_length=MAX_EMAIL_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "lang": "es"}),
    )
    zones = ZonesField(
        label=_("Only these zones"),
        help_text=_("None checked: everyone. People who gave no zone get it in any case."),
    )
    when = forms.ChoiceField(
        label=_("When to send"),
        widget=forms.RadioSelect,
        choices=[("now", _("As soon as I press Send")), ("later", _("At a time I choose"))],
        initial="now",
    )
    scheduled_for = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=LocalDateTimeInput(),
    )

    def __init__(self, *args: Any, group: WorkingGroup, existing: Broadcast | None = None, **kwargs: Any) -> None:
        if existing is not None and "initial" not in kwargs:
            kwargs["initial"] = broadcast_data(existing) | {
                "lists": list(existing.lists.all()),
                "zones": list(existing.zones.all()),
                "scheduled_for": timezone.localtime(existing.scheduled_for) if existing.scheduled_for else None,
            }
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"].help_text = _(
            "Only for a time you choose, in the network's time zone (%(zone)s)."
        ) % {"zone": get_network_settings().time_zone}
        lists = AnnouncementList.objects.filter(group=group).order_by(in_order("name"), "slug")
        self.fields["lists"].queryset = lists  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        offered = AnnouncementList.zones.through.objects.filter(announcementlist__group=group).values("zone")
        kept = existing.zones.values("pk") if existing is not None else Zone.objects.none().values("pk")
        zones = cast(ZonesField, self.fields["zones"])
        zones.queryset = Zone.objects.filter(Q(pk__in=offered) | Q(pk__in=kept)).order_by(in_order("name"), "slug")
        if not zones.queryset.exists():
            del self.fields["zones"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: list[AnnouncementList] = list(data.get("lists") or [])
        channels: list[str] = data.get("channels") or []
        for channel, label in Channel.choices:
            if chosen and channel in channels and not any(channel in item.channels for item in chosen):
                self.add_error("channels", _("None of these lists is sent by %(channel)s.") % {"channel": label})
        one = data.get("one_language", "")
        for language in [one] if one else ["en", "es"]:
            text_field, subject_field = f"text_{language}", f"subject_{language}"
            if not (data.get(text_field) or "").strip():
                self.add_error(text_field, _("Write the text."))
            if Channel.EMAIL in channels and not (data.get(subject_field) or "").strip():
                self.add_error(subject_field, _("Write the subject of the email."))
            if Channel.SMS in channels and len(data.get(text_field) or "") > MAX_SMS_TEXT:
                self.add_error(
                    text_field, _("Too long for SMS: at most %(count)d characters.") % {"count": MAX_SMS_TEXT}
                )
        if data.get("when") == "later":
            when = data.get("scheduled_for")
            if when is None:
                self.add_error("scheduled_for", _("Choose the date and time."))
            elif when <= timezone.now():
                self.add_error("scheduled_for", _("Choose a time in the future."))
            elif when > timezone.now() + SCHEDULE_AHEAD:
                self.add_error("scheduled_for", _("Choose a time within the coming year."))
        return data

    def draft(self) -> Draft:
        data = self.cleaned_data
        one = data["one_language"]
        keep = {one} if one else {"en", "es"}
        return Draft(
            lists=list(data["lists"]),
            subject_en=data["subject_en"].strip() if "en" in keep else "",
            subject_es=data["subject_es"].strip() if "es" in keep else "",
            text_en=data["text_en"].strip() if "en" in keep else "",
            text_es=data["text_es"].strip() if "es" in keep else "",
            one_language=one,
            channels=[channel for channel, _label in Channel.choices if channel in data["channels"]],
            zones=list(data.get("zones") or []),
            scheduled_for=data["scheduled_for"] if data["when"] == "later" else None,
        )


def broadcast_data(broadcast: Broadcast) -> dict[str, Any]:
    """What BroadcastForm holds for a draft as it is, lists and zones by slug: where a change through the API starts."""
    return {
        "lists": [item.slug for item in broadcast.lists.all()],
        "channels": list(broadcast.channels),
        "one_language": broadcast.one_language,
        "subject_en": broadcast.subject_en,
        "subject_es": broadcast.subject_es,
        "text_en": broadcast.text_en,
        "text_es": broadcast.text_es,
        "zones": [zone.slug for zone in broadcast.zones.all()],
        "when": "later" if broadcast.scheduled_for else "now",
        "scheduled_for": broadcast.scheduled_for,
    }
