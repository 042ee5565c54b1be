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
