"""How deliveries are signed, as GitHub and Stripe sign theirs.

The `Helpdesk-Signature` header is `t=<unix time>,v1=<hex>`, where the hex is the
HMAC-SHA256, keyed with the endpoint's secret, of the time, a full stop and the raw body.
A receiver recomputes it over the body it received, compares in constant time, and
refuses a time too far from its own clock (a replay). docs/webhooks.md shows it done.
"""

from __future__ import annotations

import hashlib
import hmac
import time

# How far from its own clock a receiver should accept a signature's time.
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `{timestamp}.{body}` keyed with `secret`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether `header` signs `body` with `secret`, at a time within `tolerance` seconds
    of `now`: what a receiver written in Python does."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))
