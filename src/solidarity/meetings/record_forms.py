"""The record's forms: a proposal, a decision (consensus with stand-asides and blocks, the fallback vote, a
majority vote), a note in the minutes, an amendment, the minutes' window and publication, an action item."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.accounts.models import User, WorkingGroup
from solidarity.meetings.actions import ActionValues
from solidarity.meetings.decisions import MAX_COUNT, DecisionValues, ProposalValues
from solidarity.meetings.models import (
    MAX_AMEND_DAYS,
    NAME_LENGTH,
    REASON_LENGTH,
    TEXT_LENGTH,
    AgendaItem,
    Audience,
    EntryKind,
    ItemKind,
    Meeting,
    Rule,
    Visibility,
)


def choices_of(field: forms.Field) -> forms.ChoiceField:
    assert isinstance(field, forms.ChoiceField)  # noqa: S101  (the form's own field)
    return field


def item_choices(meeting: Meeting, *, blank: str = "") -> list[tuple[str, str]]:
    items = meeting.items.exclude(kind=ItemKind.BREAK).order_by("position", "pk")
    return [("", blank)] + [(str(item.uuid), f"{item.position}. {item.title()}") for item in items]


def item_of(meeting: Meeting, value: str) -> AgendaItem | None:
    return meeting.items.filter(uuid=value).first() if value else None


class ItemChoiceForm(forms.Form):
    """A form with an optional agenda item of the meeting (not a break)."""

    item = forms.ChoiceField(label=_("Agenda item"), required=False)

    def __init__(self, *args: Any, meeting: Meeting, blank: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        choices_of(self.fields["item"]).choices = item_choices(meeting, blank=blank or str(_("The meeting in general")))

    def agenda_item(self) -> AgendaItem | None:
        return item_of(self.meeting, self.cleaned_data.get("item") or "")


class ProposalForm(ItemChoiceForm):
    text_en = forms.CharField(
        label=_("Proposal in English"), max_length=TEXT_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    text_es = forms.CharField(
        label=_("Proposal in Spanish"), max_length=TEXT_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    proposed_by = forms.CharField(
        label=_("Proposed by"), max_length=NAME_LENGTH, required=False, help_text=_("A first name or a working group.")
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, meeting=meeting, **kwargs)
        self.fields["item"].required = True
        choices_of(self.fields["item"]).choices = item_choices(meeting)[1:]
        if meeting.current_item_id and not self.is_bound:
            self.initial.setdefault("item", str(meeting.current_item.uuid) if meeting.current_item else "")

    def values(self) -> ProposalValues:
        data = self.cleaned_data
        return ProposalValues(data["text_en"], data["text_es"], data["proposed_by"])


def reasons(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class DecisionForm(forms.Form):
    """The counts of one decision. Stand-asides and blocks are counted, with their reasons one per line."""

    present = forms.IntegerField(
        label=_("People present"),
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
        help_text=_("Leave empty to count those who joined the meeting here."),
    )
    agree = forms.IntegerField(label=_("Agree (optional)"), min_value=0, max_value=MAX_COUNT, required=False)
    stand_asides = forms.IntegerField(label=_("Stand-asides"), min_value=0, max_value=200, initial=0, required=False)
    stand_aside_reasons = forms.CharField(
        label=_("Reasons for standing aside, one per line (optional)"),
        required=False,
        max_length=200 * REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    blocks = forms.IntegerField(label=_("Blocks"), min_value=0, max_value=200, initial=0, required=False)
    block_reasons = forms.CharField(
        label=_("Each block's reason, one per line"),
        required=False,
        max_length=200 * REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Under consensus a block must say which principle or agreement the proposal breaks."),
    )
    yes = forms.IntegerField(label=_("Yes votes"), min_value=0, max_value=MAX_COUNT, required=False)
    no = forms.IntegerField(label=_("No votes"), min_value=0, max_value=MAX_COUNT, required=False)
    abstain = forms.IntegerField(label=_("Abstentions"), min_value=0, max_value=MAX_COUNT, required=False)

    def __init__(self, *args: Any, rule: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if rule == Rule.MAJORITY:
            for name in ("agree", "stand_asides", "stand_aside_reasons", "blocks", "block_reasons"):
                del self.fields[name]
            self.fields["yes"].required = self.fields["no"].required = True
        elif rule == Rule.CONSENSUS_MINUS:
            for name in ("yes", "no", "abstain"):
                del self.fields[name]
        else:
            for name in ("yes", "no", "abstain"):
                self.fields[name].help_text = _("The fallback vote, only if someone blocks.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for count, text in (("stand_asides", "stand_aside_reasons"), ("blocks", "block_reasons")):
            if count not in self.fields:
                continue
            number, lines = data.get(count) or 0, reasons(data.get(text) or "")
            if len(lines) > number:
                self.add_error(text, _("More reasons than the count: one line per person."))
            elif count == "blocks" and len(lines) < number:
                self.add_error(text, _("Under consensus, every block states its reason: one line per block."))
        return data

    def values(self) -> DecisionValues:
        data = self.cleaned_data
        asides = reasons(data.get("stand_aside_reasons") or "")
        asides += [""] * ((data.get("stand_asides") or 0) - len(asides))
        return DecisionValues(
            present=data.get("present"),
            agree=data.get("agree"),
            stand_asides=asides,
            blocks=reasons(data.get("block_reasons") or "") if "blocks" in self.fields else [],
            yes=data.get("yes"),
            no=data.get("no"),
            abstain=data.get("abstain"),
        )


class PresentForm(forms.Form):
    present = forms.IntegerField(
        label=_("People present"),
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
        help_text=_("Leave empty to count those who joined the meeting here."),
    )


class NoteForm(ItemChoiceForm):
    text = forms.CharField(label=_("Note"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class NoteEditForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))


class AmendmentForm(forms.Form):
    entry = forms.ChoiceField(label=_("Which note"), required=False)
    text = forms.CharField(
        label=_("Your amendment"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The note as it should read, or a note to add."),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        notes = meeting.minute_entries.filter(kind=EntryKind.NOTE)
        choices_of(self.fields["entry"]).choices = [("", _("A note to add"))] + [
            (str(note.uuid), note.text[:60]) for note in notes
        ]

    def note(self) -> Any:
        value = self.cleaned_data.get("entry") or ""
        return self.meeting.minute_entries.filter(uuid=value).first() if value else None


class AmendDaysForm(forms.Form):
    amend_days = forms.IntegerField(
        label=_("Days to propose amendments after the meeting"), min_value=0, max_value=MAX_AMEND_DAYS
    )


class PublishForm(forms.Form):
    audience = forms.ChoiceField(label=_("Who reads the minutes"), choices=Audience.choices, initial=Audience.MEETING)

    def __init__(self, *args: Any, meeting: Meeting, may_make_public: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_make_public or meeting.visibility != Visibility.PUBLIC:
            choices_of(self.fields["audience"]).choices = [c for c in Audience.choices if c[0] != Audience.PUBLIC]


class ActionItemForm(ItemChoiceForm):
    what = forms.CharField(label=_("What"), max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(
        label=_("Who: an account"),
        queryset=User.objects.none(),
        to_field_name="username",
        required=False,
        help_text=_("They are reminded by email two days before the due date."),
    )
    owner_name = forms.CharField(
        label=_("Who: or a name"),
        max_length=NAME_LENGTH,
        required=False,
        help_text=_("For someone without an account."),
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group = forms.ModelChoiceField(
        label=_("Working group"),
        queryset=WorkingGroup.objects.filter(archived_at=None).order_by("name"),
        to_field_name="slug",
        required=False,
    )

    def __init__(self, *args: Any, meeting: Meeting, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, meeting=meeting, **kwargs)
        self.fields["owner"].queryset = users  # type: ignore[attr-defined]  # a ModelChoiceField's
        if meeting.current_item_id and not self.is_bound and meeting.current_item is not None:
            self.initial.setdefault("item", str(meeting.current_item.uuid))

    def values(self) -> ActionValues:
        data = self.cleaned_data
        return ActionValues(
            what=data["what"],
            owner=data.get("owner"),
            owner_name=data.get("owner_name") or "",
            due_on=data.get("due_on"),
            group=data.get("group"),
            item=self.agenda_item(),
        )
