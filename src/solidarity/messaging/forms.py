from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from solidarity.messaging.sms.text import segments


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply by SMS"),
        max_length=480,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person's number is not shown: the reply goes to it from the server."),
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"].strip()
        if segments(text) > 3:
            raise forms.ValidationError(_("Too long for a text message: keep it under three messages."))
        return text


class MoveForm(forms.Form):
    """Move a text into a flow: the command some part handles, and what follows its word (a code, a keyword)."""

    command = forms.ChoiceField(label=_("Move it into"))
    argument = forms.CharField(
        label=_("Code, list keyword or days"),
        required=False,
        max_length=40,
        help_text=_("What would follow the keyword. Leave it empty for a report: the text itself is the report."),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["command"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField's
