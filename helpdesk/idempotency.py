"""Idempotency keys for the APIs' unsafe requests: a client sends `Idempotency-Key: <a
unique value>` with a POST, and retrying it with the same key (after a timeout, say) gets
the first answer again, marked `Idempotent-Replayed: true`, instead of a second ticket.

Decorate a view method with `@idempotent` (any ApiView, whatever its envelope). With the
header, the method runs inside one transaction with the storing of its answer
(tickets.models.IdempotencyKey, keyed by the user and the key):

- the same key with the same request (method, path and body) replays the stored answer;
- the same key with another request is a 422 and runs nothing;
- the same key while its first request is still running is a 409 (on PostgreSQL, whose
  requests run side by side; SQLite queues write transactions, so there the second waits
  and gets the replay);
- the answer of every completed request is stored, errors included (a 404, a 409, a 422),
  except a server error (5xx): its work is rolled back with the key, and a retry runs again.

Keys live IDEMPOTENCY_KEY_LIFETIME (24 hours); an older one is ignored as if never used.
The authentication, the role and the rate limit are checked before (their refusals are
never stored). Two requests racing with one key make one ticket: the advisory lock turns
the second away, and the unique constraint on (user, key) would refuse its answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connections, router, transaction
from django.utils.datastructures import MultiValueDict
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.models import IdempotencyKey
from tickets.services import Conflict

from .api import validation_error

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
IN_PROGRESS = (
    "A request with this Idempotency-Key is still in progress: retry when it has finished."
)
REUSED = (
    "This Idempotency-Key was used for a different request (method, path or body): "
    "use a new key for a new request."
)

Handler = Callable[..., Response]


def idempotent(method: Handler) -> Handler:
    """Make a view method safe to retry with the Idempotency-Key header."""

    @functools.wraps(method)
    def handle(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw_key = request.headers.get(HEADER)
        user_id: int | None = request.user.pk
        if raw_key is None or user_id is None:  # no user: nobody to keep the key for
            return method(view, request, *args, **kwargs)
        key = checked_key(raw_key)
        request_hash = body_hash(request)
        path = request.get_full_path()
        database = router.db_for_write(IdempotencyKey)
        with transaction.atomic(using=database):
            if not _claim(database, user_id, key):
                raise Conflict(IN_PROGRESS)
            earlier = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
            if earlier is not None and earlier.is_live:
                if (earlier.method, earlier.path, earlier.request_hash) != (
                    str(request.method),
                    path,
                    request_hash,
                ):
                    raise validation_error({HEADER: [REUSED]})
                return replay(earlier)
            if earlier is not None:  # expired: as if never used
                earlier.delete()
            response = _run(view, method, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True, using=database)
                return response
            try:
                with transaction.atomic(using=database):
                    IdempotencyKey.objects.create(
                        user_id=user_id,
                        key=key,
                        method=str(request.method),
                        path=path,
                        request_hash=request_hash,
                        response_status=response.status_code,
                        response_body=_stored_body(response),
                    )
            except IntegrityError:
                # Another request stored this key meanwhile (where no lock serialises them):
                # this one's work is undone, and the client retries to get that answer.
                raise Conflict(IN_PROGRESS) from None
            return response

    return handle


def _run(view: APIView, method: Handler, request: Request, *args: Any, **kwargs: Any) -> Response:
    """The view's answer, its errors turned into the API's error responses (as DRF's
    dispatch would) so that they are stored too; what it wrote is undone when it fails."""
    try:
        with transaction.atomic(using=router.db_for_write(IdempotencyKey)):
            return method(view, request, *args, **kwargs)
    except Exception as exc:
        # Re-raises what is no API error: the outer transaction then rolls back the key.
        return view.handle_exception(exc)


def _claim(database: str, user_id: int, key: str) -> bool:
    """Hold the key for this transaction; False when another request holds it. PostgreSQL
    takes a transaction-level advisory lock without waiting; SQLite's write transactions
    run one at a time already."""
    connection = connections[database]
    if connection.vendor != "postgresql":
        return True
    digest = hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], signed=True)]
        )
        (claimed,) = cursor.fetchone()
    return bool(claimed)


def checked_key(raw_key: str) -> str:
    """The key, or a 422: 1 to 255 visible ASCII characters, no spaces (a UUID is a good
    key; a space at either end would not survive every proxy)."""
    if not 1 <= len(raw_key) <= MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in raw_key):
        raise validation_error(
            {
                HEADER: [
                    f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} visible ASCII "
                    "characters without spaces, such as a UUID."
                ]
            }
        )
    return raw_key


def body_hash(request: Request) -> str:
    """SHA-256 of the request's values, the same for the same values however the body was
    written (key order, spacing, a form's boundary); a file counts by its name and content."""
    data = request.data
    if isinstance(data, MultiValueDict):
        values: Any = {key: [_plain(item) for item in data.getlist(key)] for key in data}
    else:
        values = data
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if not isinstance(value, UploadedFile):
        return value
    content = hashlib.sha256()
    for chunk in value.chunks():
        content.update(chunk)
    value.seek(0)
    return {"file": value.name, "size": value.size, "sha256": content.hexdigest()}


def _stored_body(response: Response) -> Any:
    """The body as the client reads it: the answer's data through the JSON renderer (times
    written as the API writes them), read back."""
    data = getattr(response, "data", None)
    if data is None:
        return None
    return json.loads(JSONRenderer().render(data))


def replay(earlier: IdempotencyKey) -> Response:
    """The stored answer, marked as a replay."""
    response = Response(earlier.response_body, status=earlier.response_status)
    response[REPLAYED_HEADER] = "true"
    return response
