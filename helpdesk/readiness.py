"""`/readyz`: can this process serve requests? Unlike `/healthz` (the process is up), it
asks the database and the cache, and names which is down (docs/deploy.md)."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

CHECK_KEY = "readyz:check"


def database_is_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as error:
        logger.warning("Readiness: the database is down (%s).", error)
        return False


def cache_is_up() -> bool:
    """Every cache takes a value and gives it back. The caches in a database table are left
    to the database's check. The Redis cache turns an outage into a miss
    (helpdesk/cache.py), so a value that does not come back is what a down Redis looks
    like."""
    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, BaseDatabaseCache):
            continue
        value = uuid.uuid4().hex
        try:
            cache.set(CHECK_KEY, value, timeout=10)
            came_back = cache.get(CHECK_KEY) == value
        except Exception as error:  # any backend's failure means "down"
            logger.warning("Readiness: the cache %r fails (%s).", alias, error)
            return False
        if not came_back:
            logger.warning("Readiness: the cache %r does not keep values.", alias)
            return False
    return True


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 `{"status": "ok", "database": "ok", "cache": "ok"}`, or 503 with "down" beside
    what is down, for a load balancer to stop sending requests here."""
    checks = {
        "database": "ok" if database_is_up() else "down",
        "cache": "ok" if cache_is_up() else "down",
    }
    ready = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )
