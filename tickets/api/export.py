"""The incremental export: every ticket changed since a moment, page after page, so that
another system stays in sync without walking the whole list (modelled on Zendesk's
incremental cursor export).

The first call names a moment (`start_time`, Unix seconds); each answer names where the
next one starts (`after_cursor`). The tickets come in the order of their last change,
(updated_at, id) ascending, read on an index (ticket_updated_idx, walked backwards).
A cursor is the (updated_at, id) of the last ticket given: a ticket changed again after
the export passed it comes again later, with its new time, so nothing is ever skipped.

The export stops short of the present (`horizon`): a change is stamped with its time
before its transaction commits, so a ticket stamped a moment ago may still become
visible behind a cursor that has passed its time. The export never gives tickets changed
in the last SETTLE, and on PostgreSQL never ones changed after the start of a
transaction still writing.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any

from django.db import connections
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from helpdesk.api import ApiView, validation_error
from helpdesk.api_access import AgentApiRequest
from tickets.queries import MAX_ID, tag_names_for, tickets_for_agent

from .schema import responses
from .serializers import TicketSchema, ticket_data

TAG = ["Tickets"]
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# How far behind the present the export stays: more than any clock difference between
# the app servers stamping the changes, and more than a request's transaction lasts.
SETTLE = datetime.timedelta(seconds=30)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# The largest start_time the schema admits (9999-12-31); a later one is in the future anyway.
MAX_START_TIME = 253402300799
CURSOR_VERSION = "1"


def _whole(text: str) -> int | None:
    """A whole number written in ASCII digits, or None."""
    return int(text) if text.isascii() and text.isdigit() else None


class Position:
    """A place in the export's order: after the ticket (updated_at, id)."""

    def __init__(self, updated_at: datetime.datetime, ticket_id: int) -> None:
        self.updated_at = updated_at
        self.ticket_id = ticket_id

    @classmethod
    def at_time(cls, moment: datetime.datetime) -> Position:
        """Before every ticket changed at `moment` or later (ids start at 1)."""
        return cls(moment, 0)

    def encode(self) -> str:
        """The opaque cursor: base64 of the version, the time in microseconds and the id."""
        micros = (self.updated_at - EPOCH) // datetime.timedelta(microseconds=1)
        text = f"{CURSOR_VERSION}:{micros}:{self.ticket_id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position | None:
        """The position a cursor of `encode` names, or None for anything else."""
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
            version, micros, ticket_id = text.split(":")
            micro_count, pk = _whole(micros), _whole(ticket_id)
            if version != CURSOR_VERSION or micro_count is None or pk is None or pk > MAX_ID:
                return None
            updated_at = EPOCH + datetime.timedelta(microseconds=micro_count)
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
            return None
        return cls(updated_at, pk)

    def after(self) -> Q:
        """The tickets after this position. The first term alone bounds the index range;
        the rest breaks the ties of one moment by id."""
        return Q(updated_at__gte=self.updated_at) & (
            Q(updated_at__gt=self.updated_at) | Q(updated_at=self.updated_at, id__gt=self.ticket_id)
        )


def horizon(database: str) -> datetime.datetime:
    """The latest moment the export reaches now: SETTLE ago, and on PostgreSQL no later
    than the start of the oldest other transaction that has written something (its
    changes, stamped since, are not visible yet)."""
    moment = timezone.now() - SETTLE
    connection = connections[database]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
            (oldest,) = cursor.fetchone()
        if oldest is not None:
            moment = min(moment, oldest)
    return moment


def _start_position(params: QueryDict) -> tuple[Position, int]:
    """Where the page starts and how many tickets it holds, from the query; a 422 names
    every parameter that is wrong."""
    errors: dict[str, list[str]] = {}
    start_time, cursor = params.get("start_time", ""), params.get("cursor", "")
    position: Position | None = None
    if start_time and cursor:
        errors["cursor"] = ["Give either start_time (the first call) or cursor, not both."]
    elif cursor:
        position = Position.decode(cursor)
        if position is None:
            errors["cursor"] = ["The cursor is not one this export gave: pass after_cursor as is."]
    elif not start_time:
        errors["start_time"] = [
            "Give start_time (Unix seconds) for the first call, then the cursor of each answer."
        ]
    elif (seconds := _whole(start_time)) is None or seconds > MAX_START_TIME:
        errors["start_time"] = ["The start_time must be a whole number of seconds since 1970."]
    else:
        moment = EPOCH + datetime.timedelta(seconds=seconds)
        if moment > timezone.now():
            errors["start_time"] = [
                f"The start_time {start_time} is in the future: the export reaches up to now."
            ]
        position = Position.at_time(moment)
    limit = DEFAULT_LIMIT
    raw_limit = params.get("limit", "")
    if raw_limit:
        given = _whole(raw_limit)
        if given is None or not 1 <= given <= MAX_LIMIT:
            errors["limit"] = [f"The limit must be a whole number from 1 to {MAX_LIMIT}."]
        else:
            limit = given
    if errors or position is None:
        raise validation_error(errors)
    return position, limit


class ExportMetaSchema(serializers.Serializer):
    after_cursor = serializers.CharField(
        help_text="Where the next call starts: pass it as `cursor`, now or later."
    )
    after_url = serializers.CharField(help_text="The next call's URL, with the cursor.")
    end_of_stream = serializers.BooleanField(
        help_text="True when this page reached the present: call again later with the cursor."
    )


class TicketExportSchema(serializers.Serializer):
    # A declared field, which DRF's metaclass takes out of the class: not Serializer.data.
    data = TicketSchema(many=True)  # type: ignore[assignment]
    meta = ExportMetaSchema()


EXPORT_PARAMETERS = [
    OpenApiParameter(
        "start_time",
        {"type": "integer", "minimum": 0, "maximum": MAX_START_TIME},
        description="The first call: tickets changed at this moment or later (Unix seconds, "
        "not in the future). Give it or `cursor`, not both.",
    ),
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": 200},
        description="The next calls: the `after_cursor` of the previous answer, as is.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        description=f"Tickets per page: {DEFAULT_LIMIT} by default, at most {MAX_LIMIT}.",
    ),
]


class TicketExportView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="tickets_incremental_export",
        summary="Export changed tickets",
        description="Every ticket changed since `start_time`, archived and spam ones too, "
        "oldest change first, in pages linked by a cursor. A ticket changed again later comes "
        "again later. Tickets deleted for good are not exported. The export stays "
        f"{int(SETTLE.total_seconds())} seconds behind the present.",
        parameters=EXPORT_PARAMETERS,
        responses={**responses(200, None, 422), 200: TicketExportSchema},
    )
    def get(self, request: AgentApiRequest) -> Response:
        position, limit = _start_position(request.query_params)
        tickets = tickets_for_agent(request.user).prefetch_related("cc")
        rows = list(
            tickets.filter(position.after(), updated_at__lt=horizon(tickets.db)).order_by(
                "updated_at", "id"
            )[: limit + 1]
        )
        end_of_stream = len(rows) <= limit
        rows = rows[:limit]
        if rows:
            position = Position(rows[-1].updated_at, rows[-1].pk)
        tag_names = tag_names_for(rows)
        cursor = position.encode()
        query = QueryDict(mutable=True)
        query.update({"cursor": cursor, "limit": str(limit)})
        meta: dict[str, Any] = {
            "after_cursor": cursor,
            "after_url": request.build_absolute_uri(f"{request.path}?{query.urlencode()}"),
            "end_of_stream": end_of_stream,
        }
        data = [ticket_data(ticket, tag_names.get(ticket.pk, [])) for ticket in rows]
        return Response({"data": data, "meta": meta})
