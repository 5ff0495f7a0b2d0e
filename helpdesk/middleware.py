"""A request whose query PostgreSQL stopped gets a clear answer, not a server error (500).

Two limits (DATABASE_STATEMENT_TIMEOUT and DATABASE_LOCK_TIMEOUT in helpdesk/settings.py):
a statement that ran too long was too broad; a wait for a row another request holds (an
agent saving the same ticket) ran out, and trying again in a moment will do.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg.errors
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

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
