"""Need to know: every URL and API operation declares its permission, and a walk proves each one.

The walk requests every URL pattern of the project (allauth's and the API's included) as
anonymous, as an outsider (signed in, in no group), as a member and as a coordinator of
ANOTHER working group. Each gets a redirect to sign in, 401, 403, 404 or 405, never the
data, except the pages in PUBLIC (anyone) and SIGNED_IN (any account, its own things only),
which the test prints. A view without a declaration fails, unless it is a library's view
in NOT_OURS, each entry saying what that view lets through.

Then a lint: views and API modules reach sensitive models only through access.py.
"""

import ast
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from ninja.operation import Operation

from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.config.api import api
from solidarity.core.permissions import (
    SENSITIVE_MODELS,
    WALK_FILLERS,
    AnyGroupRole,
    GroupRole,
    ObjectRole,
    Permission,
    Role,
    RoleNeed,
    WalkWorld,
)
from tests.factories.accounts import client_for, make_member

SOURCE = Path(__file__).resolve().parent.parent / "src" / "solidarity"

# "owner": a page about one object (a passkey) that only its owner may open. The walk names
# an object the coordinator owns, so every persona of the walk must be refused.
Effective = Permission | Literal["owner"]

# Library views cannot carry our decorator: what each lets through, by URL name. Only views of
# allauth, django-ninja or Django may be listed here (the walk checks the module).
NOT_OURS: dict[str, Effective] = {
    # allauth: signing in, and the steps around it. Sign-up is closed (accounts.adapter).
    "account_login": "public",
    "account_logout": "public",
    "account_inactive": "public",
    "account_signup": "public",
    "account_confirm_login_code": "public",
    "account_email_verification_sent": "public",
    "account_confirm_email": "public",
    "account_reset_password": "public",
    "account_reset_password_done": "public",
    "account_reset_password_from_key": "public",
    "account_reset_password_from_key_done": "public",
    "mfa_authenticate": "public",  # the second step of signing in
    "mfa_login_webauthn": "public",  # signing in with a passkey
    # allauth: the signed-in account's own email, password and second factors.
    "account_reauthenticate": "authenticated",
    "account_change_password": "authenticated",
    "account_set_password": "authenticated",
    "mfa_index": "authenticated",
    "mfa_reauthenticate": "authenticated",
    "mfa_activate_totp": "authenticated",
    "mfa_deactivate_totp": "authenticated",
    "mfa_view_recovery_codes": "authenticated",
    "mfa_generate_recovery_codes": "authenticated",
    "mfa_download_recovery_codes": "authenticated",
    "mfa_list_webauthn": "authenticated",
    "mfa_add_webauthn": "authenticated",
    "mfa_reauthenticate_webauthn": "authenticated",
    # allauth: one passkey, looked up among the signed-in account's own.
    "mfa_remove_webauthn": "owner",
    "mfa_edit_webauthn": "owner",
    # django-ninja: the API's docs page (no data) and its root, which answers 404.
    "api:openapi-view": "public",
    "api:api-root": "public",
}
LIBRARIES = ("allauth.", "ninja.", "django.")
# Library views that one of ours shadows at the same address, so they cannot be reached.
SHADOWED = {"account_email"}  # by accounts:no-email-management (allauth's copy of emails, in clear)

# Anyone may open these: they must be exactly the patterns that let the public through.
PUBLIC = {
    "healthz",
    "api:openapi-json",  # the API's description, no data (ninja's, answered from the JSON kept)
    "web:home",
    "accounts:accept-invitation",
    "accounts:no-email-management",  # answers 404 to everyone: allauth's email page, switched off
    "messaging:sms-webhook",  # reads only what the SMS provider's signature (or the loopback's token) vouches for
    "lists:subscribe",  # a public list's sign-up form; it answers alike whoever is subscribed
    "lists:confirm",  # an email's confirmation link: acts only on its secret token, and only on POST
    "lists:unsubscribe",  # an email's unsubscribe link (and RFC 8058 one-click): acts only on its signed token
    "lists:subscription",  # a subscriber's own page, from the link in every list email: acts only on its signed token
    "lists:remove-key",  # that page's button to stop encryption (POST; a plain email tells the address)
    "api:read_subscription",  # a subscriber's own subscription, by its signed token (the page's, in the API)
    "api:give_key",  # giving a key by that token: it takes effect only through the email encrypted to it
    "api:remove_key",  # removing it by that token: a plain email tells the address
    "openpgp:network-key",  # the network's public key and its fingerprint: meant for anyone who gets its mail
    "openpgp:confirm-key",  # a key's proof link, which travelled encrypted to that key: acts only on POST
    "published:network-key-file",  # the network's public key, as a file
    "published:wkd-key",  # the same key where the Web Key Directory looks for it
    "published:wkd-policy",  # the Web Key Directory's (empty) policy
    "api:list_public_sessions",  # the public trainings in the API: nobody's name
    "trainings:public-list",  # public trainings: title, time, place, seats left; nobody's name
    "trainings:public-session",  # a public training's page and sign-up form (404 for one not public)
    "trainings:calendar",  # the public trainings as iCalendar
    "trainings:session-calendar",  # one training's .ics: a public one for anyone, others for accounts only
    "trainings:seat",  # an email's confirm / give-back link: acts only on its signed token, and only on POST
    "events:seat",  # a reminder's confirm / give-back link: acts only on its signed token, and only on POST
    "people:ask-link",  # a volunteer asks for a link to their own record: the answer is the same whoever asks
    "people:open-record",  # that link's page: acts only on its secret token, and only on POST
    # A volunteer's own pages: each reaches only the record of the volunteer session (people.self_access), none
    # takes a person from the URL; without a session they send to people:ask-link.
    "people:own-record",
    "people:own-language",
    "people:own-pause",
    "people:own-back",
    "people:own-leave",
    "people:own-shifts",
    "people:own-contact-test",
    "people:own-calendar",
    "people:own-sign-out",
    "people:confirm-contact-test",  # an email test's link: acts only on its secret token, and only on POST
    "feeds:calendar",  # a volunteer's calendar feed: only by its secret token
    "reports:new",  # the public report form: no account; over the limits kept for review, never refused
    "reports:thanks",  # its confirmation: the reference from the URL and what happens next; reads nothing
    "api:take_report",  # POST /reports: the public form's API; answers the reference only
    "incidents:alert-link",  # an email alert's one-tap page: acts only on its signed token, and only on POST
    # The directory: organisations' public facts; a member of the network also sees the members-only ones.
    "directory:list",
    "directory:resource",
    "directory:vcard",  # a public resource's contact card (a member's: members only, as its page)
    "directory:feed",  # the public resources' dates to come (public ones only, whoever asks)
    "directory:resource-feed",  # one public resource's dates (a members-only one has none)
    "directory:still-right",  # a keeper's reminder link: acts only on its signed token, and only on POST
    "api:list_resources",
    "api:read_resource",
    # An action's public page, made for circulation: published ones only, what organisers wrote for the public.
    "events:public-actions",
    "events:public-action",
    "events:action-calendar",
    "events:action-flyer",
    "api:list_public_actions",
    "api:read_public_action",
    # Its flyers and cards: what the public reads of it, on paper (never the members-only), and public lists.
    "directory:flyers",
    "directory:flyer-resources",
    "directory:flyer-hotline",
    "directory:flyer-rights",
    "directory:flyer-list",
    "api:resources_flyer",
    "api:hotline_cards",
    "api:rights_cards",
    "api:list_flyer",
    "directory:export",  # the resources the caller may see, as CSV (the public: those listed publicly)
    "api:export_resources",  # the same in the API
    # A naloxone reversal: anyone reports one, with nothing about anyone (supplies.reversals).
    "supplies:report-reversal",
    "api:report_reversal",
    # A meeting's pages follow its visibility (meetings.access): a public one for anyone, a members' one for
    # accounts, a group's for its members; to anyone else it does not exist (404). The walk's meeting is the
    # group's. Joining as a guest needs a public, open meeting; the names are only those on its stack now.
    "meetings:list",
    "meetings:meeting",
    "meetings:calendar",
    "meetings:join",
    "meetings:live",
    "meetings:ask-turn",
    "meetings:withdraw-turn",
    "meetings:screen",
    "meetings:names",
    "meetings-live:short",
    "meetings-live:stream",
    # A meeting's minutes and action items: their readers only (meetings.minutes.may_read): once published, the
    # audience the facilitator chose (public only for a public meeting); before, its group and those who were there.
    "meetings-record:minutes",
    "meetings-record:actions",
    # Meetings: each reads through meetings.access.access_meeting / visible, by the meeting's visibility (a
    # public meeting for anyone; a members' or a group's for a signed-in account, by a token or the session).
    "api:list_meetings",
    "api:read_meeting",
    "api:list_agenda_items",
    "api:list_meeting_roles",  # the names the room sees; accounts only for those who run it
    "api:read_stack",  # the queue with the names the room sees (live events carry ids only)
    # A call-in campaign's callers' pages (campaigns.access.access_callable): a public campaign for anyone, a members'
    # one for accounts, one being prepared for its group only; no caller's name anywhere, the person's only with
    # consent. Its public counter streams a total, and only when the campaign has one.
    "campaigns:call",
    "campaigns:next",
    "campaigns:call-office",
    "campaigns:counter",
    # A fund's public page: rounded, grouped totals naming no one (funds.public), 404 unless the fund has one.
    "funds:public",
    "api:read_public_fund",
    # Calling: a live public campaign (campaigns.access.access_callable) gives anyone an office and its script
    # (the person's name only with consent) and takes the outcome, by the call's id; its counter is a total only.
    # A members' campaign needs an account; a draft one does not exist (404).
    "api:give_campaign_call",
    "api:report_campaign_outcome",
    "api:read_campaign_counter",
    *(name for name, needed in NOT_OURS.items() if needed == "public"),
}
# Any signed-in account may open these; each shows only that account's own things.
SIGNED_IN = {
    "web:dashboard",
    "meetings:coming",  # saying one will come to a meeting one may see (meetings.access)
    "meetings-record:propose-amendment",  # only someone who was at the meeting, while amendments are taken
    "meetings-record:action-done",  # one's own action item (or, for the record's keepers, any of the meeting's)
    "meetings-record:my-tasks",  # the caller's own action items
    # The same in the API: a meeting's record for its minutes' readers, amendments by those who were there,
    # an action item done by its owner, and the caller's own action items (meetings.record_access).
    "api:list_proposals",
    "api:read_minutes",
    "api:propose_amendment",
    "api:list_action_items",
    "api:action_item_done",
    "api:my_action_items",
    "live",  # live events: each channel asked for is checked against what the caller may hear (core.live)
    "api:me",
    "api:tokens",
    "api:my_groups",
    "api:read_network",
    "api:list_zones",  # the network's zones: neighbourhoods' names, nobody's data
    "api:list_skills",  # the skill catalogue: names and refresher intervals, nobody's data
    "api:read_vouches_needed",  # the network's vouches needed: a setting, nobody's data
    "zones:list",  # the same on a page; how many people cover each only to those who keep the zones
    "accounts:tokens",  # the caller's own tokens
    "accounts:revoke-token",  # one of the caller's own tokens (access_token: 404 for anyone else's)
    "api:list_sessions",  # the trainings the caller may see (as trainings:sessions)
    "api:read_session",  # one of those (no names)
    "api:create_sign_up",  # signing oneself up (or, for the session's managers, someone else)
    "api:cancel_sign_up",  # one's own sign-up (or, for the session's managers, any of it)
    "trainings:sessions",  # trainings to come: public ones, one's groups', one's own sign-ups (no names)
    "trainings:session",  # one of those (no names); 404 for another group's training that is not public
    "trainings:sign-up",  # signing oneself up, as one's own person record
    "trainings:give-back",  # giving one's own seat back
    # A responder's own alert (incidents.access.access_alert: a dispatcher's, or its own person's; 404 to anyone else).
    "api:read_alert",
    "api:answer_alert",
    "api:alert_arrived",
    "api:alert_left",
    "api:add_alert_observation",
    "incidents:my-alerts",  # the caller's own alerts (incidents.access.my_alerts); none without a person record
    "incidents:my-answer",  # answering one of them (another's alert answers 404)
    "incidents:my-observation",  # what one sees, from one's own alert while out on it (another's alert answers 404)
    # Meetings the caller may see (meetings.access.access_meeting; 404 for any other): as oneself only.
    "api:say_coming",  # one's own RSVP
    "api:request_turn",  # getting on stack as one's own participant
    "api:withdraw_turn",  # one's own turn (access_own_turn; any, for the meeting's stack keepers)
    *(name for name, needed in NOT_OURS.items() if needed == "authenticated"),
}

PERSONAS = ["anonymous", "outsider", "other_member", "other_coordinator"]
REFUSALS = {401, 403, 404, 405}
ERRORS = {500, 502, 504}  # not 503: /healthz says so while no worker runs
LOGIN = "/en/accounts/login/"


@dataclass
class Endpoint:
    name: str
    route: str
    callback: Any
    kwargs: list[str]
    operation: Operation | None = None

    @property
    def methods(self) -> list[str]:
        return list(self.operation.methods) if self.operation else ["GET", "POST"]

    @property
    def declared(self) -> Effective | None:
        view = self.operation.view_func if self.operation else self.callback
        needed: Effective | None = getattr(view, "solidarity_permission", None)
        return needed if needed is not None else NOT_OURS.get(self.name)


def patterns(
    resolver: URLResolver, prefix: str = "", namespace: str = "", outer: tuple[str, ...] = ()
) -> Iterator[Endpoint]:
    for entry in resolver.url_patterns:
        names = (*outer, *kwarg_names(entry))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from patterns(entry, prefix + str(entry.pattern), inner, names)
        else:
            assert entry.name, f"{prefix}{entry.pattern} has no name: name it, so the walk can build its URL"
            yield Endpoint(f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback, list(names))


def kwarg_names(entry: URLPattern | URLResolver) -> list[str]:
    # An included URLconf's keyword arguments sit in the pattern that includes it.
    if isinstance(entry.pattern, RoutePattern | RegexPattern):
        return list(entry.pattern.regex.groupindex)
    return []


def operations() -> dict[tuple[str, str], Operation]:
    """Every django-ninja operation, by (URL name, path) as the API's URL patterns name them."""
    found = {}
    api.urls  # noqa: B018  # binds the routers
    for prefix, router in api._routers:  # ninja keeps this list for callers like us
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = "/api/v1/" + "/".join(part.strip("/") for part in (prefix, path) if part.strip("/"))
                found[(f"api:{operation.view_func.__name__}", full)] = operation
    return found


def module_of(callback: Any) -> str:
    return str(getattr(getattr(callback, "func", callback), "__module__", ""))


def endpoints() -> list[Endpoint]:
    found = [endpoint for endpoint in patterns(get_resolver()) if endpoint.name not in SHADOWED]
    by_name = operations()
    for endpoint in found:
        if module_of(endpoint.callback) == "ninja.operation":
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", endpoint.route).removesuffix("/")
            endpoint.operation = by_name.pop((endpoint.name, path))
    assert not by_name, f"API operations without a URL pattern: {sorted(by_name)}"
    return found


@dataclass
class World:
    """What the walk fills URLs with: real objects that someone else owns, made by each part's fillers."""

    group: WorkingGroup
    owner: User

    def rightful(self, needed: RoleNeed) -> User:
        """Someone who holds a role `needed` admits in the walk's group: its coordinator, or a member made for it."""
        if needed.admits(frozenset({Role.MEMBER, Role.COORDINATOR})):
            return self.owner
        held = sorted(needed.roles)[0]
        found = Membership.objects.filter(group=self.group, grants__role=held).select_related("user").first()
        return found.user if found else make_member(f"walk.{held}", self.group, Role(held))

    def fill(self, endpoint: Endpoint) -> dict[str, Any]:
        missing = [name for name in endpoint.kwargs if name not in WALK_FILLERS]
        assert not missing, f"{endpoint.route}: the part that owns it registers a walk filler for {missing}"
        world = WalkWorld(self.group, self.owner)
        return {name: WALK_FILLERS[name](world) for name in endpoint.kwargs}

    def url(self, endpoint: Endpoint) -> str:
        kwargs = self.fill(endpoint)
        if endpoint.operation is not None:
            return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), endpoint.route)
        url = reverse(endpoint.name, kwargs=kwargs)
        assert resolve(url).func is endpoint.callback, f"{url} does not reach {endpoint.name}"
        return url


@pytest.fixture
def world(coordinator: User, medic: User, medics: WorkingGroup) -> World:
    return World(medics, coordinator)


def fresh_session(user: User) -> Client:
    """Signed in, with the password just entered again: allauth's reauthentication gate is open.

    (Written into the session as allauth records it: posting the password each time hits its rate limit.)
    """
    client = client_for(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def request(client: Client, method: str, url: str, *, api_call: bool) -> HttpResponse:
    if api_call:
        response = client.generic(method, url, json.dumps({}), content_type="application/json")
    elif method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, {})
    assert isinstance(response, HttpResponse)
    return response


def refused(response: HttpResponse) -> bool:
    if response.status_code in REFUSALS:
        return True
    return response.status_code == 302 and str(response["Location"]).startswith(LOGIN)


# What the walk's personas hold in their own working group (not the walk's): a role needed in any group
# (the network's zones, which no group owns) lets them through. They still see nothing of the medics.
HELD_ELSEWHERE = {
    "other_member": frozenset({Role.MEMBER, Role.RESPONDER}),
    "other_coordinator": frozenset({Role.MEMBER, Role.COORDINATOR}),
}


def may_pass(needed: Effective, persona: str) -> bool:
    """Whether the walk's persona may be let through by this declaration."""
    if isinstance(needed, AnyGroupRole):
        return needed.admits(HELD_ELSEWHERE.get(persona, frozenset()))
    return needed == "public" or (needed == "authenticated" and persona != "anonymous")


def canaries(world: World, medic: User) -> list[str]:
    """What only the medics may see: their group's name and description, their members' usernames."""
    return [world.group.name, world.group.description, world.owner.username, medic.username]


@pytest.mark.slow  # its 500-odd URLs take minutes; the permission checks it walks read no database-specific SQL
@pytest.mark.django_db
def test_every_url_declares_a_permission_and_refuses_outsiders(
    world: World, medic: User, outsider: User, other_member: User, other_coordinator: User
) -> None:
    users = {"outsider": outsider, "other_member": other_member, "other_coordinator": other_coordinator}
    all_endpoints = endpoints()
    undeclared = [e.route for e in all_endpoints if e.declared is None]
    assert not undeclared, f"views without @permission (or an entry in NOT_OURS): {undeclared}"
    declared = [e for e in all_endpoints if e.declared is not None]
    for endpoint in all_endpoints:
        if endpoint.name in NOT_OURS:
            assert module_of(endpoint.callback).startswith(LIBRARIES), f"{endpoint.name} is ours: declare it"
        assert (endpoint.declared == "public") == (endpoint.name in PUBLIC), f"{endpoint.name}: public?"
        assert (endpoint.declared == "authenticated") == (endpoint.name in SIGNED_IN), f"{endpoint.name}: signed in?"

    failures: list[str] = []
    exercised = 0
    for endpoint in all_endpoints:
        url = world.url(endpoint)
        needed = endpoint.declared
        assert needed is not None
        for persona in PERSONAS:
            for method in endpoint.methods:
                client = fresh_session(users[persona]) if persona in users else Client()
                response = request(client, method, url, api_call=endpoint.operation is not None)
                body = response.content.decode(errors="replace") if not response.streaming else ""
                leaked = [canary for canary in canaries(world, medic) if canary in body]
                if response.status_code in ERRORS or leaked:
                    failures.append(f"{persona} {method} {url}: {response.status_code}, shows {leaked}")
                elif not may_pass(needed, persona) and not refused(response):
                    failures.append(f"{persona} {method} {url}: {response.status_code}, expected a refusal")
        if isinstance(needed, GroupRole | AnyGroupRole | ObjectRole):
            # The rightful person gets through: the refusals above are about the person, not a bad URL.
            rightful = world.rightful(needed)
            statuses = [
                request(client_for(rightful), method, url, api_call=endpoint.operation is not None).status_code
                for method in endpoint.methods
            ]
            # 400 or 422: a form's or the API's error; 409: the object's state refused it, so the person got through.
            answered = [status for status in statuses if status < 400 or status in {400, 409, 422}]
            if not answered or {401, 403, 404} & set(statuses):
                failures.append(f"{rightful.username} {endpoint.methods} {url}: {statuses}")
        exercised += 1

    counts = f"{len(all_endpoints)} patterns, {len(declared)} declared or allow-listed, {exercised} exercised"
    print(f"\nURL walk: {counts}")
    print("Public (anyone):", ", ".join(sorted(PUBLIC)))
    print("Signed in (own account only):", ", ".join(sorted(SIGNED_IN)))
    print("Library views allow-listed:", ", ".join(f"{name}={needed}" for name, needed in sorted(NOT_OURS.items())))
    assert not failures, "\n".join(failures)
    assert len(all_endpoints) == len(declared) == exercised, counts


def test_the_walk_covers_every_operation_in_the_openapi_document_which_states_its_permission() -> None:
    document = api.get_openapi_schema()
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    undescribed = [
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "Permission: " not in operation.get("description", "")
    ]
    assert not undescribed, f"the OpenAPI document should state each operation's permission: {undescribed}"
    walked = {
        ("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", e.route).removesuffix("/"), method)
        for e in endpoints()
        if e.operation is not None
        for method in e.methods
    }
    assert documented == walked


# The lint: views and API modules reach sensitive models only through access.py.

MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"django.shortcuts.get_object_or_404", "django.shortcuts.get_list_or_404"}
GET_USER_MODEL = "django.contrib.auth.get_user_model"


def qualified_name(model: type[Any]) -> str:
    return f"{model.__module__}.{model.__name__}"


def sensitive_uses(source: str, sensitive: set[str]) -> list[int]:
    """Lines that query a sensitive model directly: `Model.objects…` or `get_object_or_404(Model, …)`."""
    tree = ast.parse(source)
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported |= {alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.asname or alias.name: alias.name for alias in node.names}

    def name_of(expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return imported.get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute):
            base = name_of(expr.value)
            return f"{base}.{expr.attr}" if base else None
        if isinstance(expr, ast.Call) and name_of(expr.func) == GET_USER_MODEL:
            return qualified_name(User)
        return None

    def queries(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            return name_of(node.value) in sensitive
        if isinstance(node, ast.Call) and name_of(node.func) in SHORTCUTS and node.args:
            return name_of(node.args[0]) in sensitive
        return False

    lines = [getattr(node, "lineno", 0) for node in ast.walk(tree) if queries(node)]
    return sorted(lines)


def view_modules() -> list[Path]:
    """Every module that serves a URL or an API operation, whatever its file name, and every views/api module."""
    serving = {
        module_of(endpoint.operation.view_func if endpoint.operation else endpoint.callback) for endpoint in endpoints()
    }
    by_url = {SOURCE.parent / (name.replace(".", "/") + ".py") for name in serving if name.startswith("solidarity.")}
    by_name = {
        path
        for path in SOURCE.rglob("*.py")
        if path.name in {"views.py", "api.py"} or path.parent.name in {"views", "api"}
    }
    return sorted(by_url | by_name)


def test_the_lint_reads_every_module_that_serves_a_url() -> None:
    names = {path.relative_to(SOURCE).as_posix() for path in view_modules()}
    assert {"messaging/inbox_views.py", "accounts/group_views.py", "messaging/sms_settings_views.py"} <= names


def test_views_and_api_modules_fetch_sensitive_models_only_through_access() -> None:
    sensitive = {qualified_name(model) for model in SENSITIVE_MODELS}
    found = [
        f"{path.relative_to(SOURCE)}:{line}"
        for path in view_modules()
        for line in sensitive_uses(path.read_text(), sensitive)
    ]
    assert not found, f"query these through an access_* function (access.py) instead: {found}"


def test_accounts_registers_its_sensitive_models() -> None:
    names = {qualified_name(model) for model in SENSITIVE_MODELS}
    accounts = {f"solidarity.accounts.models.{name}" for name in ("User", "Membership", "ApiToken", "Invitation")}
    assert accounts <= names


@pytest.mark.parametrize(
    "source",
    [
        "from solidarity.accounts.models import User\nUser.objects.get(pk=1)",
        "from solidarity.accounts.models import Membership as M\nM.objects.filter(role='coordinator')",
        "from solidarity.accounts import models\nmodels.ApiToken._default_manager.all()",
        "from django.shortcuts import get_object_or_404\n"
        "from solidarity.accounts.models import Invitation\nget_object_or_404(Invitation, uuid=code)",
        "from django.contrib.auth import get_user_model\nget_user_model().objects.all()",
    ],
)
def test_the_lint_catches_direct_queries(source: str) -> None:
    sensitive = {qualified_name(model) for model in SENSITIVE_MODELS}
    assert sensitive_uses(source, sensitive)


def test_the_lint_lets_other_models_and_access_functions_pass() -> None:
    sensitive = {qualified_name(model) for model in SENSITIVE_MODELS}
    source = (
        "from solidarity.accounts.access import access_group\n"
        "from solidarity.accounts.models import WorkingGroup\n"
        "WorkingGroup.objects.count()\naccess_group(user, slug, needed)"
    )
    assert sensitive_uses(source, sensitive) == []
