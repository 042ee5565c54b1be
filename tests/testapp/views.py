"""Test-only public views: a plain public form, and a report that is never refused."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from solidarity.core.permissions import Role, owner_role, permission
from solidarity.core.public import Verdict, public_form
from tests.testapp.access import access_case
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


@permission(owner_role(Role.CASE_WORKER, Role.COORDINATOR, access=access_case, kwarg="case"))
def case(request: HttpRequest, case: str) -> HttpResponse:
    found = access_case(request.user, case)
    return HttpResponse(f"{found.obj.code} for {', '.join(sorted(found.roles))}")
