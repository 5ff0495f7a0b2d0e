"""A real HTTP receiver on loopback that checks each webhook's signature as a
subscriber would, and answers as told (a status, after a delay)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests import factories
from webhooks.models import WebhookEndpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    signed_at: int | None

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """Records every POST; answers with the next planned (status, delay) or 200 at once."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: list[Received] = []
        self.plan: deque[tuple[int, float]] = deque()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                valid, signed_at = receiver.check_signature(
                    self.headers.get("Helpdesk-Signature", ""), body
                )
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), body, valid, signed_at)
                )
                status, delay = receiver.plan.popleft() if receiver.plan else (200, 0.0)
                time.sleep(delay)
                answer = b"ok" if status < 300 else b"something broke on our side"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/helpdesk"

    def check_signature(self, header: str, body: bytes) -> tuple[bool, int | None]:
        """What a subscriber does (docs/webhooks.md), written here independently of
        webhooks.signing."""
        fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        if "t" not in fields or "v1" not in fields:
            return False, None
        expected = hmac.new(
            self.secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, fields["v1"]), int(fields["t"])


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def endpoint(db, receiver) -> WebhookEndpoint:
    """An active endpoint at the receiver, subscribed to every event."""
    endpoint = factories.WebhookEndpointFactory(url=receiver.url)
    receiver.secret = endpoint.secret
    return endpoint
