"""A form posted over the request limits gets a clear 413, never Django's HTML 400.

Django refuses a body over its limits (DATA_UPLOAD_MAX_MEMORY_SIZE for the fields,
DATA_UPLOAD_MAX_NUMBER_FILES and _FIELDS) when the body is first read, which for a POST is
the CSRF check, before any view runs: the view cannot answer it. And Django has no limit on
a body's files taken together, so a client could fill the temporary folder.
UploadLimitMiddleware, before CsrfViewMiddleware, reads the form first and answers these
itself, with a limit on the whole body (`max_request_size`).

With htmx (the ticket's reply box) the page is not replaced: the 413 only says what went
wrong (the X-Upload-Error header, shown beside the files by static/js/app.js), and the
typed text stays in the box. Without JavaScript the browser's Back button keeps it.

The JSON APIs (/api/, /compat/) read their own bodies and answer 413 in their envelope
(helpdesk/api.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

API_PREFIXES = ("/api/", "/compat/")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MB = 1024 * 1024
ERROR_HEADER = "X-Upload-Error"


def max_files_size() -> int:
    """The most a message's files can weigh together: the number of files times each's limit."""
    return int(settings.ATTACHMENT_MAX_FILES) * int(settings.ATTACHMENT_MAX_SIZE)


def max_request_size() -> int:
    """The largest form body taken: the files, plus the fields' own limit."""
    return max_files_size() + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _megabytes(size: int) -> str:
    return f"{size / MB:.3g} MB"


def files_too_large_message() -> str:
    return f"The attachments are too large: at most {_megabytes(max_files_size())} in all."


def too_large_message(exc: Exception | None) -> str:
    """What an agent or requester is told, for each limit."""
    if isinstance(exc, TooManyFilesSent):
        return f"Too many files: attach at most {settings.ATTACHMENT_MAX_FILES} to one message."
    if isinstance(exc, TooManyFieldsSent):
        return "The form holds too many fields to be sent."
    if isinstance(exc, RequestDataTooBig):
        return (
            "The message is too long: its text may be at most "
            f"{_megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}."
        )
    return files_too_large_message()


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.headers.get("content-length") or 0)
    except ValueError:
        return 0


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and not request.path.startswith(API_PREFIXES)
        ):
            if _content_length(request) > max_request_size():
                # Not read at all: the client's upload stops here.
                return self.too_large(request, None)
            try:
                request.POST  # noqa: B018 (reads the form, files included, within the limits)
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
                return self.too_large(request, exc)
        return self.get_response(request)

    def too_large(self, request: HttpRequest, exc: Exception | None) -> HttpResponse:
        message = too_large_message(exc)
        if request.headers.get("HX-Request") == "true":
            # htmx leaves the page (and the typed text) as it is on an error status.
            response = HttpResponse(message, status=413, content_type="text/plain")
        else:
            response = render(request, "413.html", {"message": message}, status=413)
        response[ERROR_HEADER] = message
        return response
