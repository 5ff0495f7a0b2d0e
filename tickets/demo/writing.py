"""Writing batches of demo tickets: COPY on PostgreSQL, executemany INSERTs elsewhere."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import connection, models, transaction

from tickets.demo.base_data import Catalog
from tickets.demo.simulation import TABLES, Batch, TicketSimulator
from tickets.models import Reply, Ticket


def write_tickets(
    catalog: Catalog, now: datetime.datetime, seed: int, number: int, size: int
) -> int:
    """Simulate and write batch `number` of `size` tickets in one transaction.

    Each batch has its own random generator, seeded by the seed and the batch
    number, so the tickets do not depend on how many processes write them.
    """
    simulator = TicketSimulator(catalog, random.Random(f"{seed}-{number}"), now)
    with transaction.atomic():
        batch = Batch()
        for ticket_id in reserve_ids(Ticket, size):
            simulator.add_ticket(batch, ticket_id)
        batch.assign_reply_ids(reserve_ids(Reply, len(batch.replies)))
        write_batch(batch)
    return size


def reserve_ids(model, count: int) -> list[int]:
    """Primary keys for `count` new rows, for rows that others refer to before they are written.

    PostgreSQL takes them from the table's own sequence, so concurrent writers
    never collide. Other databases (SQLite in development) have one writer at
    a time: they count on from the highest id, inside the batch's transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [row[0] for row in cursor.fetchall()]
    highest = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return list(range(highest + 1, highest + 1 + count))


def write_batch(batch: Batch) -> None:
    """Insert a batch's rows, parents first. Call inside a transaction."""
    for model, attribute, columns in TABLES:
        rows = getattr(batch, attribute)
        if not rows:
            continue
        if connection.vendor == "postgresql":
            _copy_rows(model, columns, rows)
        else:
            _insert_rows(model, columns, rows)


def _insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Other databases (SQLite): one INSERT run over all the rows, datetimes stored as Django
    stores them. Much faster than building model instances for bulk_create."""
    quote = connection.ops.quote_name
    fields = {model_field.attname: model_field for model_field in model._meta.concrete_fields}
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        quote(model._meta.db_table),
        ", ".join(quote(fields[column].column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    datetimes = [
        position
        for position, column in enumerate(columns)
        if isinstance(fields[column], models.DateTimeField)
    ]
    adapt = connection.ops.adapt_datetimefield_value
    params = []
    for row in rows:
        values = list(row)
        for position in datetimes:
            values[position] = adapt(values[position])
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _copy_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY the rows in PostgreSQL's text format, formatted here in one pass (faster than
    psycopg's per-value adaptation, which matters at a million tickets)."""
    quote = connection.ops.quote_name
    fields = {model_field.attname: model_field for model_field in model._meta.concrete_fields}
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(model._meta.db_table), ", ".join(quote(fields[column].column) for column in columns)
    )
    text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(text)


# Backslash, tab, newline and carriage return are special in COPY's text format.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    return str(value)  # numbers; datetimes as 2026-01-31 09:30:00.123456+00:00
