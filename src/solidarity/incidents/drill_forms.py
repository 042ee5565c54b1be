"""The form that starts a drill: what kind of event, where, where it starts, and a scenario (fictional)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.incidents.drills import Stage
from solidarity.incidents.forms import PlaceForm
from solidarity.incidents.models import LONG_TEXT


class DrillForm(PlaceForm):
    """A report's zone and kind (PlaceForm), where the drill starts, and its scenario."""

    stage = forms.ChoiceField(label=_("Start"), choices=Stage.choices, initial=Stage.DISPATCH)
    scenario = forms.CharField(
        label=_("Scenario"),
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the drill pretends is happening, for the dispatchers: invented, never a real place or person. "
            "Responders are told only the zone and the role, as in a real alert."
        ),
    )
