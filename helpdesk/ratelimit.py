"""How often public forms may be used (the portal's sign-in and contact form, password
resets), per address and per IP: counters in the `ratelimit` cache (as the API's rate limit
keeps its own), one per fixed window.

A limit is a rate such as "5/hour". Every process shares the counters: the `ratelimit`
cache is Redis when REDIS_URL is set, else a database table (helpdesk/settings.py CACHES).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from helpdesk.addresses import client_ip

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, seconds) of a rate such as "5/hour"."""
    number, _, period = rate.partition("/")
    try:
        requests = int(number)
        seconds = PERIODS[period.strip().lower().rstrip("s")]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(
            f"{rate!r} is not a rate such as 5/hour (second, minute, hour or day)."
        ) from None
    return requests, seconds


def hit(scope: str, key: str, rate: str) -> bool:
    """Count one use of `scope` by `key` (an address, an IP); False when over the rate."""
    requests, seconds = parse_rate(rate)
    window = int(time.time()) // seconds
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    cache_key = f"portal:rate:{scope}:{digest}:{window}"
    cache = caches["ratelimit"]
    cache.add(cache_key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=seconds + 1)
        count = 1
    return count <= requests


def allowed(
    scope: str, *, address: str, request: HttpRequest, per_address: str, per_ip: str
) -> bool:
    """Count a use by this address and this IP; False when either is over its rate (both
    are counted, so that trying many addresses from one IP runs out too)."""
    by_ip = hit(f"{scope}:ip", client_ip(request), per_ip)
    by_address = hit(f"{scope}:address", address, per_address) if address else True
    return by_ip and by_address
