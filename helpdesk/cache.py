"""The Redis cache, made to survive Redis going away.

The cache only ever saves work (counts, addresses) or counts requests (rate limits), so a
Redis that cannot be reached must not fail a request: every operation that cannot reach it
behaves like a miss. `get` answers the default, `add`/`set` store nothing, `incr` counts
the first use (a rate limit lets the request through), `delete` and `clear` do nothing.

A dead Redis is tried again only after RETRY_AFTER_SECONDS, so that a request pays the
connect timeout at most once in that time, not once per cache call; and the warning is
logged at most once every WARN_EVERY_SECONDS in each process, not once per request.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis.exceptions
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Seconds during which a Redis that failed is not asked again (the operations are misses).
RETRY_AFTER_SECONDS = 5.0
# While Redis stays down, its warning is repeated no more often than this.
WARN_EVERY_SECONDS = 60.0

T = TypeVar("T")


class _Outage:
    """When this process last found Redis unreachable, shared by every cache alias on it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.warned_at: float | None = None

    def skipping(self) -> bool:
        return time.monotonic() < self.down_until

    def failed(self, location: str, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until = now + RETRY_AFTER_SECONDS
            warn = self.warned_at is None or now - self.warned_at >= WARN_EVERY_SECONDS
            if warn:
                self.warned_at = now
        if warn:
            logger.warning(
                "Redis at %s is unreachable (%s): the cache works as empty and rate limits "
                "let requests through until it is back.",
                location,
                error,
            )

    def recovered(self, location: str) -> None:
        with self.lock:
            was_down = self.down_until != 0.0
            self.down_until = 0.0
            self.warned_at = None
        if was_down:
            logger.warning("Redis at %s is reachable again.", location)


_outages: dict[str, _Outage] = {}


class FaultTolerantRedisCache(RedisCache):
    """Django's RedisCache (helpdesk/settings.py CACHES when REDIS_URL is set) whose
    operations degrade to a miss when Redis is unreachable; see the module's docstring."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._outage = _outages.setdefault(self._location, _Outage())

    def _guarded(self, operation: Callable[[], T], fallback: T) -> T:
        if self._outage.skipping():
            return fallback
        try:
            result = operation()
        except UNREACHABLE as error:
            self._outage.failed(self._location, error)
            return fallback
        if self._outage.down_until:
            self._outage.recovered(self._location)
        return result

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._guarded(functools.partial(super().add, key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guarded(functools.partial(super().get, key, default, version), default)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._guarded(functools.partial(super().set, key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._guarded(functools.partial(super().touch, key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._guarded(functools.partial(super().delete, key, version), False)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._guarded(functools.partial(super().get_many, keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._guarded(functools.partial(super().has_key, key, version), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        # As if this were the key's first use: a rate limit counts the request as allowed.
        return self._guarded(functools.partial(super().incr, key, delta, version), delta)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        # Django's contract: the keys that were not stored.
        return self._guarded(
            functools.partial(super().set_many, data, timeout, version), list(data)
        )

    def delete_many(self, keys: Any, version: Any = None) -> Any:
        return self._guarded(functools.partial(super().delete_many, keys, version), None)

    def clear(self) -> Any:
        return self._guarded(super().clear, None)
