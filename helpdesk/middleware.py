"""A request whose query PostgreSQL stopped at the statement time limit gets a clear answer.

See DATABASE_STATEMENT_TIMEOUT in helpdesk/settings.py. Without this, the stopped query
would surface as a server error (500), which reads as a bug rather than "too broad".
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


class StatementTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError) or not isinstance(
            exception.__cause__, psycopg.errors.QueryCanceled
        ):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"message": TOO_SLOW}, status=503)
        return render(request, "503.html", {"message": TOO_SLOW}, status=503)
