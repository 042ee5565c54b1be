"""Test-only public views: a plain public form, and a report that is never refused."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from solidarity.core.permissions import permission
from solidarity.core.public import Verdict, public_form
from tests.testapp.forms import TipForm
from tests.testapp.models import Dossier


def store(form: TipForm, verdict: Verdict) -> None:
    # The queue a person reviews is, for now, only the verdict's flag, kept here in the pseudonym.
    Dossier.objects.create(
        pseudonym="for-review" if verdict.for_review else "tip",
        note=form.cleaned_data["what"],
    )


@permission("public")
@public_form(TipForm, scope="test-tip", template="testapp/tip.html", per_client="3/m", without_pow="1/m")
def tip(request: HttpRequest, form: TipForm, verdict: Verdict) -> HttpResponse:
    store(form, verdict)
    return HttpResponseRedirect(request.path)


@permission("public")
@public_form(
    TipForm,
    scope="test-report",
    template="testapp/tip.html",
    per_client="3/m",
    without_pow="1/m",
    overall="5/m",
    accept_over_limit=True,
)
def report(request: HttpRequest, form: TipForm, verdict: Verdict) -> HttpResponse:
    store(form, verdict)
    return HttpResponseRedirect(request.path)
