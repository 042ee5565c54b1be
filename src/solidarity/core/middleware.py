"""Pages show times in the network's time zone."""

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import sync_and_async_middleware

from solidarity.core.services import network_timezone


@sync_and_async_middleware
def network_time_zone(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> Any:
            timezone.activate(await sync_to_async(network_timezone)())
            return await get_response(request)

        return async_middleware

    def middleware(request: HttpRequest) -> Any:
        timezone.activate(network_timezone())
        return get_response(request)

    return middleware


# Powerful browser features no page of ours uses. Passkeys (publickey-credentials-*) stay allowed.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"


@sync_and_async_middleware
def permissions_policy(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> Any:
            response = await get_response(request)
            response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
            return response

        return async_middleware

    def middleware(request: HttpRequest) -> Any:
        response = get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


def no_store_when_signed_in(user: Any, response: Any) -> Any:
    # Pages for a signed-in person may show personal data: no browser or proxy keeps a copy.
    if user is not None and user.is_authenticated:
        patch_cache_control(response, no_store=True, private=True)
    return response


@sync_and_async_middleware
def private_pages(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> Any:
            response = await get_response(request)
            return no_store_when_signed_in(await request.auser(), response)

        return async_middleware

    def middleware(request: HttpRequest) -> Any:
        response = get_response(request)
        return no_store_when_signed_in(getattr(request, "user", None), response)

    return middleware
