"""A test-only public form, to exercise core.public's guards."""

from django import forms

from solidarity.core.public import PublicForm


class TipForm(PublicForm):
    what = forms.CharField(max_length=500)
    zone = forms.SlugField(max_length=40, required=False)
