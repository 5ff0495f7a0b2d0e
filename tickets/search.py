"""Exact search totals, counted from TicketSearchTerm when a search allows it.

Counting a search through the documents' GIN index visits every matching document:
about a microsecond each, so a word in a quarter of a million tickets takes far longer
than a page. The primary key of TicketSearchTerm, (term, ticket), holds each word's
tickets in id order: PostgreSQL counts them, and joins several words' lists, with
index-only scans that never visit a row (see benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections, transaction
from django.db.models import QuerySet

from tickets.models import Ticket, TicketSearchTerm, full_text_matches

# A lexeme as tsquery's text output writes it: quoted, with quotes doubled and
# backslashes escaped. Anything after it (":*" for a prefix, ":AB" for weights) or any
# other operator than & makes the query something the terms cannot count.
LEXEME = r"'(?:[^'\\]|''|\\.)*'"
PLAIN_AND = re.compile(rf"{LEXEME}(?: & {LEXEME})*")
UNESCAPE = re.compile(r"''|\\(.)")


@contextmanager
def serial_plans(using: str = "default") -> Iterator[None]:
    """Run the statements inside without parallel workers (PostgreSQL), in a transaction.

    The search's statements are short: a page walked in order stops after a few rows, and
    counts merge ordered index scans. PostgreSQL still plans some of them with workers,
    whose start alone took 25 ms of a 30 ms page on the benchmark machine (2 cores), and
    a parallel hash join of two common words' terms 200 ms where a merge join took 75.
    Blocks nest: the outermost sets it, once.
    """
    if connections[using].vendor != "postgresql" or using in _serial.get():
        yield  # nested: the outer block's setting holds
        return
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        token = _serial.set(_serial.get() | {using})
        try:
            yield
        finally:
            _serial.reset(token)


# The databases inside a serial_plans block.
_serial: ContextVar[frozenset[str]] = ContextVar("serial_plans", default=frozenset())


def plain_lexemes(text: str, *, using: str = "default") -> list[str] | None:
    """The lexemes of `text`'s websearch query when the query is only their AND (an empty
    list when every word is a stop word), else None (OR, NOT, phrases).

    PostgreSQL parses the query itself, so this reads exactly what the search matches.
    """
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery('english', %s)::text", [text])
        parsed = cursor.fetchone()[0]
    if parsed == "":
        return []
    if not PLAIN_AND.fullmatch(parsed):
        return None
    lexemes = [
        UNESCAPE.sub(lambda m: m.group(1) or "'", quoted[1:-1])
        for quoted in re.findall(LEXEME, parsed)
    ]
    return list(dict.fromkeys(lexemes))


def count_with_terms(lexemes: list[str], *, using: str = "default") -> int:
    """How many tickets' documents hold every one of `lexemes` (at least one).

    One term is a range of its index; several are joined on the ticket id, each side an
    index-only scan of the primary key in ticket order, so PostgreSQL can merge them.
    """
    table = TicketSearchTerm._meta.db_table
    joins = "".join(
        f" JOIN {table} AS t{n} ON t{n}.ticket_id = t0.ticket_id AND t{n}.term = %s"
        for n in range(1, len(lexemes))
    )
    sql = f"SELECT count(*) FROM {table} AS t0{joins} WHERE t0.term = %s"  # noqa: S608 (names only)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*lexemes[1:], lexemes[0]])
        return cursor.fetchone()[0]


def search_total(queryset: QuerySet[Ticket], text: str, *, unfiltered: bool) -> int:
    """The number of tickets in `queryset.search(text)`, exactly.

    `unfiltered` says that `queryset` holds every ticket (no other filter). On
    PostgreSQL a query that is a plain AND of words is counted from the terms: alone
    when unfiltered, else as the tickets of `queryset` that hold each word (a semi-join
    on the terms per word, where matching the documents took three times as long:
    90 ms against 320 for `invoice` among the open tickets). Any other query counts the
    matching documents, alone when unfiltered, else joined with `queryset`.
    """
    searched = queryset.search(text)
    if searched.query.is_empty():
        return 0
    text = text.strip()
    if not text or queryset.db_connection_vendor() != "postgresql":
        return searched.count()
    using = queryset.db
    with serial_plans(using):
        lexemes = plain_lexemes(text, using=using)
        if lexemes == []:
            return 0
        if lexemes is None and not unfiltered:
            return searched.count()
        if lexemes is None:
            # Every ticket has one document: counting the documents alone spares the join
            # with the tickets (110 ms against 450 for the 263,000 of `invoice -screenshot`).
            return full_text_matches(text).using(using).count()
        if unfiltered:
            return count_with_terms(lexemes, using=using)
        for lexeme in lexemes:
            holding = TicketSearchTerm.objects.using(using).filter(term=lexeme)
            queryset = queryset.filter(pk__in=holding.values("ticket_id"))
        return queryset.count()
