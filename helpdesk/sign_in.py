"""How many wrong passwords the sign-in forms (the workspace's /login/ and /admin/login/)
take: failures are counted in the cache per account and per client address; at a limit
the account, or the address, is locked for a cool-down, during which even the right
password is refused (429), so that guessing cannot go on.

The forms call `locked_for` before checking a password, then `record_failure` or
`record_success`; `with_lockout_status` gives a locked answer its status. Counters are
in the `ratelimit` cache, which every process shares (Redis, else a database table: see
helpdesk/settings.py CACHES).
Unknown usernames are counted like real ones, so a lockout tells nothing about who exists.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest, HttpResponseBase

from helpdesk.addresses import client_ip

logger = logging.getLogger("helpdesk.sign_in")

ACCOUNT = "account"
ADDRESS = "ip"


def in_minutes(seconds: int) -> str:
    """A wait in whole minutes, rounded up: "1 minute", "15 minutes"."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def locked_message(seconds: int) -> str:
    return f"Too many failed sign-ins. Try again in {in_minutes(seconds)}."


def _store() -> BaseCache:
    return caches["ratelimit"]


def _key(kind: str, scope: str, value: str) -> str:
    # Hashed: a username or address may hold characters a cache key may not.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"sign-in:{kind}:{scope}:{digest}"


def _subjects(request: HttpRequest, username: str) -> list[tuple[str, str, int]]:
    """(scope, value, limit) of each counter a sign-in attempt counts on."""
    return [
        (ACCOUNT, username, settings.SIGN_IN_FAILURES_PER_ACCOUNT),
        (ADDRESS, client_ip(request), settings.SIGN_IN_FAILURES_PER_IP),
    ]


def locked_for(request: HttpRequest, username: str) -> int:
    """Seconds until `username` may try to sign in from this request's address again
    (0: now): the longer of the account's and the address's lockouts."""
    keys = [_key("locked", scope, value) for scope, value, _ in _subjects(request, username)]
    # With Redis unreachable this is a miss (helpdesk.cache): nobody is locked out.
    until = _store().get_many(keys)
    now = time.time()
    return max((math.ceil(end - now) for end in until.values() if end > now), default=0)


def record_failure(request: HttpRequest, username: str) -> int:
    """Count a wrong password for `username` from this request's address; the seconds of
    the lockout this failure started (0 when none)."""
    locked = 0
    window = settings.SIGN_IN_FAILURE_WINDOW_SECONDS
    lockout = settings.SIGN_IN_LOCKOUT_SECONDS
    cache = _store()
    for scope, value, limit in _subjects(request, username):
        key = _key("failures", scope, value)
        cache.add(key, 0, timeout=window)
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            failures = 1
        # Some caches (the database's) reset the timeout on incr: every backend alike
        # forgets the failures after a whole window without one.
        cache.touch(key, window)
        if failures >= limit:
            cache.set(_key("locked", scope, value), time.time() + lockout, timeout=lockout)
            cache.delete(key)
            locked = lockout
            logger.warning(
                "Sign-in locked for %s s after %s failures: %s %r.",
                lockout,
                failures,
                scope,
                value,
            )
    return locked


def record_success(request: HttpRequest, username: str) -> None:
    """A successful sign-in forgets the account's failures (not the address's: one good
    account must not reset the count of guesses at others)."""
    _store().delete(_key("failures", ACCOUNT, username))


def unlock(*, username: str = "", address: str = "") -> None:
    """Lift the lockout of an account and/or a client address and forget their failures
    (an administrator's `manage.py unlock_sign_in`)."""
    for scope, value in ((ACCOUNT, username), (ADDRESS, address)):
        if value:
            _store().delete_many([_key("locked", scope, value), _key("failures", scope, value)])


def with_lockout_status(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Answer 429 with Retry-After when the sign-in form `view` rendered was refused for a
    lockout (the form sets `locked_seconds`)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        context = getattr(response, "context_data", None) or {}
        seconds = getattr(context.get("form"), "locked_seconds", 0)
        if seconds:
            response.status_code = 429
            response["Retry-After"] = str(seconds)
        return response

    return wrapped
