"""The meeting's live pages: joining with the code (or its QR), the phone's view of the stack with one tap to
get on it, the projector's view, the names a screen may show, and the stream of changes.

A guest (no account) joins a public, open meeting with a name of their choosing; their browser keeps a
token in a cookie for this meeting only. An account joins as itself. Everything works without JavaScript
(the phone's page refreshes itself, its buttons are forms); with it, the page redraws from the stream.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from solidarity.accounts.models import User
from solidarity.core import live as seam
from solidarity.core.forms import refuse_on
from solidarity.core.permissions import AnyUser, permission
from solidarity.core.views import last_event_id
from solidarity.meetings import live, services, stack
from solidarity.meetings.access import access_meeting, powers_of
from solidarity.meetings.forms import JoinForm
from solidarity.meetings.models import Lane, Meeting, Participant, State, Turn, TurnState, Visibility
from solidarity.meetings.screens import screen_of

COOKIE_DAYS = 1
NAMES_AT_ONCE = 50


def cookie_name(meeting: Meeting) -> str:
    return f"solidarity_meeting_{meeting.code}"


def participant_of(request: HttpRequest, meeting: Meeting, *, joining: bool = False) -> Participant | None:
    """Who the caller is at `meeting`: their account's participant (made when `joining`), or their guest token's."""
    user = request.user
    if user.is_authenticated:
        assert isinstance(user, User)  # noqa: S101  (accounts' user model)
        if joining:
            return services.participant_for(meeting, user)
        return meeting.participants.filter(user=user).first()
    return services.participant_by_token(meeting, request.COOKIES.get(cookie_name(meeting), ""))


def guests_may_join(meeting: Meeting) -> bool:
    return meeting.is_open and meeting.visibility == Visibility.PUBLIC


@require_GET
@permission("public")
def short_link(request: HttpRequest, meeting: str) -> HttpResponse:
    """The projector's short address and QR code (/m/KQ47): to the meeting's live page, in the caller's language."""
    found = access_meeting(request.user, meeting)
    language = translation.get_language_from_request(request)
    with translation.override(language):
        return redirect(reverse("meetings:live", kwargs={"meeting": found.code}))


@require_http_methods(["GET", "POST"])
@never_cache
@permission("public")
def join(request: HttpRequest, meeting: str) -> HttpResponse:
    """Join with a name of one's choosing (a guest at a public, open meeting), then the live page."""
    found = access_meeting(request.user, meeting)
    if request.user.is_authenticated or participant_of(request, found) is not None:
        return redirect("meetings:live", meeting=found.code)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if not guests_may_join(found):
                raise ValidationError(_("This meeting's speaking queue is for members: sign in to join it."))
            _participant, token = services.do_join_with_code(found, form.cleaned_data["name"], request.LANGUAGE_CODE)
        except ValidationError as error:
            refuse_on(form, error)
        else:
            response = redirect("meetings:live", meeting=found.code)
            response.set_cookie(
                cookie_name(found),
                token,
                max_age=COOKIE_DAYS * 86400,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
            return response
    context = {"meeting": found, "form": form, "may_join": guests_may_join(found)}
    return render(request, "meetings/join.html", context, status=400 if form.errors else 200)


@require_GET
@never_cache
@permission("public")
def live_page(request: HttpRequest, meeting: str) -> HttpResponse:
    """The phone's view: the item and its time, who speaks, the next five, one's own place, and one tap to get
    on stack (or the way to join first)."""
    found = access_meeting(request.user, meeting)
    me = participant_of(request, found)
    context = {
        "meeting": found,
        "screen": screen_of(found, me),
        "me": me,
        "may_join": request.user.is_authenticated or guests_may_join(found),
        "lanes": [Lane.MAIN, Lane.CLARIFYING, Lane.INFORMATION, Lane.PROCESS],
        "powers": powers_of(request.user, found),
    }
    return render(request, "meetings/live.html", context)


@require_POST
@permission("public")
def ask_turn(request: HttpRequest, meeting: str) -> HttpResponse:
    """Get on stack for the current item, in a lane (a guest who has joined, or an account)."""
    found = access_meeting(request.user, meeting)
    me = participant_of(request, found, joining=True)
    if me is None:
        return redirect("meetings:join", meeting=found.code)
    try:
        stack.do_request_turn(found, me, request.POST.get("lane", Lane.MAIN))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("meetings:live", meeting=found.code)


@require_POST
@permission("public")
def withdraw_turn(request: HttpRequest, meeting: str) -> HttpResponse:
    """Take one's own waiting turns back (all of them on the current item)."""
    found = access_meeting(request.user, meeting)
    me = participant_of(request, found)
    if me is not None:
        for turn in Turn.objects.filter(participant=me, state=TurnState.WAITING):
            stack.do_withdraw_turn(turn)
    return redirect("meetings:live", meeting=found.code)


@require_GET
@never_cache
@permission("public")
def screen(request: HttpRequest, meeting: str) -> HttpResponse:
    """The projector: large type, the code and its QR to join, the item and its time, who speaks and the next five,
    the break's countdown. Both languages when the meeting is held in both."""
    import segno  # here, not at the top: every process loads the views, few show a projector (1.4 MB)

    found = access_meeting(request.user, meeting)
    join_url = str(settings.BASE_URL).rstrip("/") + reverse("meetings-live:short", kwargs={"meeting": found.code})
    context = {
        "meeting": found,
        "screen": screen_of(found, None),
        "join_url": join_url,
        "qr": segno.make(join_url, error="m").svg_inline(scale=6, dark="#000", light="#fff"),
        "both": found.language == "both",
    }
    return render(request, "meetings/screen.html", context)


@require_GET
@never_cache
@permission("public")
def names(request: HttpRequest, meeting: str) -> JsonResponse:
    """The names a screen shows: of those on the current item's stack (waiting or speaking), by participant id.
    A screen asks once for each id it does not know; events themselves carry no name."""
    found = access_meeting(request.user, meeting)
    wanted = [each for each in request.GET.get("ids", "").split(",") if each][:NAMES_AT_ONCE]
    return JsonResponse({"names": live.names_on_stack(found, wanted)})


@require_GET
@permission("public")
async def stream(request: HttpRequest, meeting: str) -> HttpResponseBase:
    """Server-Sent Events of the meeting's changes (live.picture: ids, lanes and times, no names), for whoever
    may see it. A reconnecting screen's Last-Event-ID gets it what it missed."""
    user: AnyUser = await request.auser()
    found = await sync_to_async(visible_meeting)(user, meeting)
    if found is None:
        return HttpResponse(status=404)
    return seam.sse_response(
        live.channel(found), user=user if user.is_authenticated else None, last_event_id=last_event_id(request)
    )


def visible_meeting(user: AnyUser, meeting: str) -> Meeting | None:
    try:
        found = access_meeting(user, meeting)
    except Http404:  # the stream answers 404, which an EventSource takes as final
        return None
    return found if found.state != State.CANCELLED else None
