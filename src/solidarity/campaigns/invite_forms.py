"""The organisers' form to invite people to call (campaigns.invite): through lists, or by skill and zone."""

from typing import Any
from uuid import uuid4

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.campaigns.invite import InvitationValues, chosen, lists_for, skill_choices, zone_choices
from solidarity.campaigns.invite_models import InviteHow
from solidarity.campaigns.models import Campaign
from solidarity.core.bilingual import text_of


class InvitationForm(forms.Form):
    how = forms.ChoiceField(label=_("How to invite"), choices=InviteHow.choices, widget=forms.RadioSelect)
    lists = forms.MultipleChoiceField(
        label=_("Lists"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Through lists: the lists' subscribers get it, by text or email as they subscribed."),
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("By skill and zone: people who hold one of these skills and agreed to get announcements."),
    )
    zones = forms.MultipleChoiceField(
        label=_("Zones"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("People (or a list's subscribers) in one of these zones; none chosen: every zone."),
    )
    # A retry of this very form (a double click, the back button) finds the invitation it made: it sends once.
    key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, campaign: Campaign, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["lists"].choices = [(item.slug, text_of(item, "name")) for item in lists_for(campaign)]  # type: ignore[attr-defined]  # a ChoiceField's choices
        self.fields["skills"].choices = [(item.slug, text_of(item, "name")) for item in skill_choices()]  # type: ignore[attr-defined]  # a ChoiceField's choices
        self.fields["zones"].choices = [(item.slug, text_of(item, "name")) for item in zone_choices()]  # type: ignore[attr-defined]  # a ChoiceField's choices
        if not self.is_bound:
            self.initial.setdefault("key", uuid4())
            self.initial.setdefault("how", InviteHow.LISTS if self.fields["lists"].choices else InviteHow.PEOPLE)  # type: ignore[attr-defined]  # a ChoiceField's choices

    def values(self) -> InvitationValues:
        """The invitation the form asks for; ValidationError by field (a slug gone since the page was shown)."""
        data = self.cleaned_data
        values = chosen(self.campaign, data["how"], data["lists"], data["skills"], data["zones"])
        values.request_key = data.get("key")
        return values
