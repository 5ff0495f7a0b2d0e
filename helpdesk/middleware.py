"""A request whose query PostgreSQL stopped gets a clear answer, not a server error (500).

Two limits (DATABASE_STATEMENT_TIMEOUT and DATABASE_LOCK_TIMEOUT in helpdesk/settings.py):
a statement that ran too long was too broad; a wait for a row another request holds (an
agent saving the same ticket) ran out, and trying again in a moment will do.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable

import psycopg.errors
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

TOO_SLOW = (
    "This request took too long and was stopped. Narrow it down (a more specific search, "
    "or fewer tickets) and try again."
)
BUSY = (
    "Someone else is changing this ticket (or these records) right now. Nothing was saved: "
    "try again in a few seconds."
)
# Seconds a client should wait before trying a busy record again.
BUSY_RETRY_AFTER = 5


class StatementTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError):
            return None
        if isinstance(exception.__cause__, psycopg.errors.LockNotAvailable):
            response = self.answer(request, BUSY)
            response["Retry-After"] = str(BUSY_RETRY_AFTER)
            return response
        if isinstance(exception.__cause__, psycopg.errors.QueryCanceled):
            return self.answer(request, TOO_SLOW)
        return None

    def answer(self, request: HttpRequest, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"message": message}, status=503)
        return render(request, "503.html", {"message": message}, status=503)


# The cookie in which app.js keeps the browser's time zone (an IANA name).
TIME_ZONE_COOKIE = "tz"
# Where dates follow the site's TIME_ZONE whoever asks: the APIs document it.
SITE_TIME_ZONE_PATHS = ("/api/", "/compat/")


class BrowserTimeZoneMiddleware:
    """Pages show dates in the time zone of the person reading them: their browser's,
    which app.js keeps in a cookie. Without it (the first page, a browser without
    JavaScript) or with an unknown name, the site's TIME_ZONE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
        if name in available_time_zones() and not request.path.startswith(SITE_TIME_ZONE_PATHS):
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


@functools.cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
