"""What needs a second person, on the incident's page: a wide alert's form (zones and hours) and its rows."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from solidarity.accounts.models import User
from solidarity.core.bilingual import text_of
from solidarity.core.models import Zone
from solidarity.core.permissions import holds
from solidarity.incidents.access import PURGERS
from solidarity.incidents.models import Incident, IncidentState
from solidarity.incidents.wide import DEFAULT_HOURS, alert_lists, zones_offered
from solidarity.incidents.wide_models import HOURS, WideAlert, WideAlertKind, WideAlertState


class ZoneChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # django-stubs: generic in the model
    def label_from_instance(self, obj: Zone) -> str:
        return text_of(obj, "name")


class WideAlertForm(forms.Form):
    zones = ZoneChoices(
        label=_("Areas to alert"),
        queryset=Zone.objects.none(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The incident's zone and its neighbours. The alert names these areas only, never a place."),
    )
    hours = forms.TypedChoiceField(label=_("Avoid the area for"), coerce=int, initial=DEFAULT_HOURS)

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["zones"]
        assert isinstance(field, ZoneChoices)  # noqa: S101  (declared above)
        field.queryset = Zone.objects.filter(pk__in=[zone.pk for zone in zones_offered(incident)]).order_by("slug")
        self.initial.setdefault("zones", [incident.zone.slug])
        hours = self.fields["hours"]
        assert isinstance(hours, forms.TypedChoiceField)  # noqa: S101  (declared above)
        hours.choices = [
            (count, ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}) for count in HOURS
        ]


@dataclass
class WideRow:
    """One wide alert as the incident page shows it, with what the viewer may do with it."""

    wide: WideAlert
    zones: str
    asked_by_me: bool
    may_sign: bool
    may_clear: bool  # an alert that went out, whose all clear has not
    may_correct: bool  # an alert that went out, whose correction has not


def section(user: User, incident: Incident, form: WideAlertForm | None = None) -> dict[str, Any]:
    """What the incident page shows of wide alerts and of a purge: the rows, the form, why it is not offered."""
    rows = []
    for wide in incident.wide_alerts.prefetch_related("zones", "follow_ups").select_related("follows"):
        waiting = wide.state == WideAlertState.WAITING
        sent_alert = wide.kind == WideAlertKind.ALERT and wide.state == WideAlertState.SENT
        followed = {item.kind for item in wide.follow_ups.all()}
        rows.append(
            WideRow(
                wide=wide,
                zones=", ".join(text_of(zone, "name") for zone in wide.zones.all()),
                asked_by_me=wide.asked_by_id == user.pk,
                may_sign=waiting and wide.asked_by_id != user.pk and wide.expires_at > timezone.now(),
                may_clear=sent_alert and WideAlertKind.ALL_CLEAR not in followed,
                may_correct=sent_alert and WideAlertKind.CORRECTION not in followed,
            )
        )
    lists = [text_of(item, "name") for item in alert_lists()]
    waiting = any(row.wide.state == WideAlertState.WAITING for row in rows)
    offered = incident.state == IncidentState.CONFIRMED and bool(lists) and not incident.drill and not waiting
    return {
        "wide_rows": rows,
        "wide_lists": lists,
        "wide_form": (form or WideAlertForm(incident=incident, auto_id="id_wide_%s")) if offered else None,
        "may_purge": holds(user, PURGERS, {}),
    }
