"""Middleware of Solidarity's own: the network's time zone, a Permissions-Policy, no caching of private
pages, and static files served in the same thread as the rest of the chain."""

from collections.abc import Callable
from http import HTTPStatus
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import sync_and_async_middleware
from servestatic.middleware import AsyncServeStaticFileResponse, ServeStaticMiddleware
from servestatic.utils import AsyncFile

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


READ_WHOLE = 256 * 1024  # bytes


def size_of(headers: list[tuple[str, str | None]]) -> int:
    return int(dict(headers).get("Content-Length") or 0)


async def _unused(request: HttpRequest) -> Any:  # ServeStatic's middleware wants an async next step
    raise AssertionError("StaticFiles answers or calls its own next step")


class StaticFiles:
    """ServeStatic's files, headers and caching, served synchronously.

    ServeStatic's own middleware is async-only. Below the security headers (which must reach static files
    too) it made Django run the middleware above it on the event loop, each half of each one a thread hop
    away (0.3 ms each on the project's machine), and a synchronous caller (WSGI, the test client) start an
    event loop for every request. Synchronous, the whole chain runs in one thread (core.live.ASGIHandler).
    A file up to READ_WHOLE is read into the response (every page's styles, scripts and icons); a bigger
    one (the API documentation's bundles) goes whole in ServeStatic's own async response, which streams it
    from the loop (and under WSGI or the test client, from a loop of its own)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.servestatic = ServeStaticMiddleware(_unused)  # its table of files and their headers

    def __call__(self, request: HttpRequest) -> Any:
        table = self.servestatic
        found = table.find_file(request.path_info) if table.autorefresh else table.files.get(request.path_info)
        if found is None:
            return self.get_response(request)
        answer = found.get_response(request.method or "GET", request.META)
        response: HttpResponseBase
        if answer.status == HTTPStatus.OK and answer.file is not None and size_of(answer.headers) > READ_WHOLE:
            answer.file.close()
            path, _ = found.get_path_and_headers(request.META)  # the file get_response chose, for the same request
            response = AsyncServeStaticFileResponse(AsyncFile(path, "rb"), status=HTTPStatus.OK)
        else:
            body = b""
            if answer.file is not None:
                with answer.file:
                    body = answer.file.read()
            response = HttpResponse(body, status=int(answer.status))
        del response["Content-Type"]  # ServeStatic's headers say what the file is
        for name, value in answer.headers:
            if value is not None:
                response[name] = value
        return response
