"""One HTTP POST of a webhook, to the address that was checked (webhooks.addresses).

The standard library's http.client, with the connection made to the checked address
(TLS is still verified against the URL's host name). Redirects are not followed: a 3xx
is a failed attempt like any other non-2xx answer.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass

from . import addresses
from .addresses import Target

# How much of the answer is read, and how much of it the log keeps.
READ_BYTES = 4096
EXCERPT_CHARACTERS = 1000


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: str


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target
        self.seconds = timeout

    def connect(self) -> None:
        self.sock = addresses.connect(self.target, self.seconds)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.target = target
        self.seconds = timeout

    def connect(self) -> None:
        sock = addresses.connect(self.target, self.seconds)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.target.host)


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """POST `body`; the answer's status and the start of its body. Raises OSError (refused,
    timed out, TLS) or http.client.HTTPException (not HTTP)."""
    connection_class = _CheckedHTTPSConnection if target.is_https else _CheckedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        answer = connection.getresponse()
        content = answer.read(READ_BYTES)
    finally:
        connection.close()
    return Response(
        status=answer.status,
        excerpt=content.decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS],
    )
