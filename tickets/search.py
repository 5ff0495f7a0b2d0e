"""Finding tickets by text: which tickets match, how many, and a page of them.

Search is ticket-level: a ticket matches when its whole conversation (subject, opening
message, every reply and note) matches the query. Everything that finds tickets by
text goes through this module:

- `Ticket.objects.search(text)`: the matching tickets, through the matcher beside the
  search documents (`tickets.models.search.matching_ticket_ids`). `matching_ids` adds
  the admin's match on the client's name.
- `search_page(queryset, text, start, stop)`: a page of a filtered, ordered queryset's
  matches (the queue and the API list), with plans that stay fast at a million tickets.
- `search_total(queryset, text, unfiltered=...)`: the exact number of matches (the API
  list's `meta.total`); `filtered_search_totals` for a filtered queryset, looking a rare
  query's matches up one by one (SupportBee's search.json).

On PostgreSQL each ticket's conversation is one search document (TicketSearchDocument,
matched through its GIN index) and its distinct lexemes (TicketSearchTerm, counted with
index-only scans). Both are kept by triggers (migration 0006). See docs/architecture.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connections, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from tickets.models import (
    ActiveState,
    Client,
    Ticket,
    TicketHiddenSearchTerm,
    TicketQuerySet,
    TicketSearchDocument,
    TicketSearchTerm,
)
from tickets.models.search import (
    CONFIG,
    TicketIds,
    full_text_matches,
    matching_ticket_ids,
    search_query,
)


def matching_ids(text: str, *, or_client_name: bool = False, using: str = "default") -> TicketIds:
    """The ids of the tickets whose conversation matches `text`, as a subquery (see
    `tickets.models.search.matching_ticket_ids`); with `or_client_name`, also those whose
    client's name contains it (the admin's search)."""
    matches = matching_ticket_ids(text, using=using)
    if not or_client_name:
        return matches
    # One UNION rather than an OR of two IN subqueries, which PostgreSQL plans poorly.
    clients = Client.objects.using(using).filter(name__icontains=text).values("pk")
    tickets = Ticket.objects.using(using).order_by().filter(client__in=clients)
    return matches.union(tickets.values("pk"))


# Plans ---------------------------------------------------------------------------


@contextmanager
def serial_plans(using: str = "default") -> Iterator[None]:
    """Run the statements inside without parallel workers (PostgreSQL), in a transaction.

    The search's statements are short: a page walked in order stops after a few rows, and
    counts merge ordered index scans. PostgreSQL still plans some of them with workers,
    whose start-up can cost most of a page's time on a small machine, and a parallel hash
    join of two common words' terms may take longer than a merge join of them.
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


def planned_rows(queryset: QuerySet[Any]) -> float:
    """PostgreSQL's estimate of the rows `queryset` returns: planning only, no execution."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


# Pages ---------------------------------------------------------------------------

# How a search is paged on PostgreSQL (see search_page). Checking a ticket's document
# while walking the page's order costs a few microseconds, listing a match from the
# documents' full-text index about one, and sorting the listed tickets a few more: a
# query matching more than WALK_SHARE of the documents is found fastest by walking, a
# rarer one by listing its matches (at most LIST_CAP of them) and sorting those.
WALK_SHARE = 0.01
LIST_CAP = 20_000


def search_page(
    queryset: TicketQuerySet,
    text: str,
    start: int,
    stop: int,
    *,
    total: int | None = None,
    also: Q | None = None,
) -> list[Ticket]:
    """Rows start:stop of `queryset.search(text)`, in the queryset's order; with `also`,
    a condition on the tickets' columns (the global search's `people_condition`), of
    the tickets that match it or the text.

    Asked for them at once, PostgreSQL may walk the whole queue for a rare word, or fetch
    and sort every ticket holding a common one. So a common query is found by walking the
    page's order, where matches are dense, and checking each ticket's document, stopping
    after `stop` rows; a rare one by listing its matching ticket ids through the full-text
    index (and the first `stop` tickets meeting `also`, in the page's order, through the
    tickets' indexes). The page is then the first rows of those candidates. How common a query is comes from `total`, its number
    of matches among all tickets when the caller has counted them, else from the
    planner's estimate (from the documents' statistics), plus the estimate of `also`.
    """
    text = text.strip()
    if not text:
        return list(queryset[start:stop])
    if queryset.db_connection_vendor() != "postgresql":
        texts = Q(pk__in=matching_ticket_ids(text, using=queryset.db))
        return list(queryset.filter(texts | also if also is not None else texts)[start:stop])
    using = queryset.db
    with serial_plans(using):
        matches = full_text_matches(text, using=using)
        documents = planned_rows(TicketSearchDocument.objects.using(using))
        found = planned_rows(matches) if total is None else total
        named = Ticket.objects.using(using).order_by().filter(also) if also is not None else None
        if named is not None:
            found += planned_rows(named)
        share = found / max(1.0, documents)
        ids: list[int] = []
        listed = share <= WALK_SHARE
        if listed:
            ids = list(matches.values_list("ticket_id", flat=True)[: LIST_CAP + 1])
            listed = len(ids) <= LIST_CAP
        if listed and named is not None:
            # The page's rows among those `also` names are among their first `stop` in
            # the page's order: the indexes of `also` (requester, client) find them, and
            # the candidates to sort stay the text's matches and a page more.
            ids += queryset.prefetch_related(None).filter(also).values_list("pk", flat=True)[:stop]
        if not listed:
            matching = TicketSearchDocument.objects.filter(
                ticket=OuterRef("pk"), document=search_query(text)
            )
            condition = Q(Exists(matching))
            if also is not None:
                condition |= also
            walked = queryset.prefetch_related(None).filter(condition)
            ids = list(walked.values_list("pk", flat=True)[:stop])
        return list(queryset.filter(pk__in=ids)[start:stop])


# Totals --------------------------------------------------------------------------
#
# Counting a search through the documents' GIN index visits every matching document,
# so a common word takes far longer than a page. The primary key of TicketSearchTerm,
# (term, ticket), holds each word's tickets in id order: PostgreSQL counts them, and
# joins several words' lists, with index-only scans that never visit a row (see
# benchmarks/README.md).

# A lexeme as tsquery's text output writes it: quoted, with quotes doubled and
# backslashes escaped. Anything after it (":*" for a prefix, ":AB" for weights) or any
# other operator than & makes the query something the terms cannot count.
LEXEME = r"'(?:[^'\\]|''|\\.)*'"
PLAIN_AND = re.compile(rf"{LEXEME}(?: & {LEXEME})*")
UNESCAPE = re.compile(r"''|\\(.)")


def plain_lexemes(text: str, *, using: str = "default") -> list[str] | None:
    """The lexemes of `text`'s websearch query when the query is only their AND (an empty
    list when every word is a stop word), else None (OR, NOT, phrases).

    PostgreSQL parses the query itself, so this reads exactly what the search matches.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT websearch_to_tsquery('{CONFIG}', %s)::text", [text])
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
        count: int = cursor.fetchone()[0]
    return count


def search_total(queryset: TicketQuerySet, text: str, *, unfiltered: bool) -> int:
    """The number of tickets in `queryset.search(text)`, exactly.

    `unfiltered` says that `queryset` holds every ticket (no other filter). On
    PostgreSQL a query that is a plain AND of words is counted from the terms: alone
    when unfiltered, else as the tickets of `queryset` that hold each word (a semi-join
    on the terms per word, faster than matching their documents: benchmarks/README.md). Any
    other query counts the matching documents, alone when unfiltered (every ticket has
    one document, so the join with the tickets is spared), else joined with `queryset`.
    """
    return _search_totals(queryset, text, unfiltered=unfiltered, probe=False)[0]


def filtered_search_totals(
    queryset: TicketQuerySet, text: str, *, filters: Mapping[str, object] | None = None
) -> tuple[int, int | None]:
    """The number of tickets in `queryset.search(text)`, exactly, where `queryset` is
    filtered; and the number of matches among all tickets when it was counted on the way
    (search_page's `total`), else None.

    As `search_total`, except for a plain AND of words: when `filters` says that
    `queryset` is Ticket.objects filtered by the spam flag and state alone (column ->
    value), the matches are counted from the terms, less those among the hidden tickets
    (spam or archived, `hidden_count`) that the filters leave out; else, when at most
    PROBED_MATCHES tickets hold its words (counted from the terms first), each of those
    tickets is looked up in `queryset` by its id.
    """
    return _search_totals(queryset, text, unfiltered=False, probe=True, filters=filters)


# A filtered search's matches are looked up one by one through the tickets' primary key
# when at most this many tickets hold its words: a few microseconds each, where the
# semi-join PostgreSQL plans for them reads every ticket row (benchmarks/README.md,
# SupportBee's Tickets API).
PROBED_MATCHES = 50_000


def _search_totals(
    queryset: TicketQuerySet,
    text: str,
    *,
    unfiltered: bool,
    probe: bool,
    filters: Mapping[str, object] | None = None,
) -> tuple[int, int | None]:
    searched = queryset.search(text)
    if searched.query.is_empty():
        return 0, None
    text = text.strip()
    if not text or queryset.db_connection_vendor() != "postgresql":
        return searched.count(), None
    using = queryset.db
    with serial_plans(using):
        lexemes = plain_lexemes(text, using=using)
        if lexemes == []:
            return 0, 0
        if lexemes is None and not unfiltered:
            return searched.count(), None
        if lexemes is None:
            matches = full_text_matches(text, using=using).count()
            return matches, matches
        if unfiltered:
            matches = count_with_terms(lexemes, using=using)
            return matches, matches
        if probe:
            matches = count_with_terms(lexemes, using=using)
            if filters is not None and set(filters) <= set(VISIBLE):
                return _count_by_state(lexemes, matches, filters, using=using), matches
            if matches <= PROBED_MATCHES:
                return probed_count(queryset, lexemes), matches
            return _joined_count(queryset, lexemes), matches
        return _joined_count(queryset, lexemes), None


# The columns and values of the tickets the lists show by default. The others, spam or
# archived, are a fifth of the tickets at most: their terms are kept apart too
# (TicketHiddenSearchTerm), so counting a word's tickets among them is a range of that
# table's primary key, where checking each match in the tickets visits its row.
VISIBLE: dict[str, object] = {"is_spam": False, "active_state": ActiveState.ACTIVE}


def _count_by_state(
    lexemes: list[str], matches: int, filters: Mapping[str, object], *, using: str
) -> int:
    """How many of the `matches` tickets holding every one of `lexemes` have the values of
    `filters` (a spam flag, a state or both): counted among the hidden tickets alone."""
    if not filters:
        return matches
    condition = " AND ".join(f"h.{column} = %s" for column in filters)
    values: list[Any] = list(filters.values())
    if filters == VISIBLE:
        # The visible tickets only: the matches less every hidden one.
        return matches - hidden_count(lexemes, "", [], using=using)
    if all(VISIBLE[column] == value for column, value in filters.items()):
        # The visible tickets all match: the matches less the hidden ones that do not.
        return matches - hidden_count(lexemes, f"NOT ({condition})", values, using=using)
    return hidden_count(lexemes, condition, values, using=using)


def hidden_count(lexemes: list[str], condition: str, params: list[Any], *, using: str) -> int:
    """How many hidden tickets (spam or archived) hold every one of `lexemes` and meet
    `condition` (SQL on their spam flag and state, as `h`; empty for every hidden ticket).

    One word is a range of TicketHiddenSearchTerm's primary key (an index-only count when
    there is no condition); several are joined on the ticket id, each side in ticket order.
    """
    table = TicketHiddenSearchTerm._meta.db_table
    joins = "".join(
        f" JOIN {table} AS t{n} ON t{n}.ticket_id = h.ticket_id AND t{n}.term = %s"
        for n in range(1, len(lexemes))
    )
    where = f" AND {condition}" if condition else ""
    sql = f"SELECT count(*) FROM {table} AS h{joins} WHERE h.term = %s{where}"  # noqa: S608 (names only)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*lexemes[1:], lexemes[0], *params])
        count: int = cursor.fetchone()[0]
    return count


def probed_count(queryset: TicketQuerySet, lexemes: list[str]) -> int:
    """How many tickets of `queryset` hold every one of `lexemes` (at least one), each
    ticket holding them looked up in `queryset` by its id: a correlated scalar subquery,
    which PostgreSQL runs per match instead of planning a join that reads every ticket."""
    using = queryset.db
    holding = TicketSearchTerm.objects.using(using).filter(term=lexemes[0])
    for lexeme in lexemes[1:]:
        also = TicketSearchTerm.objects.using(using).filter(term=lexeme)
        holding = holding.filter(ticket_id__in=also.values("ticket_id"))
    listed = queryset.order_by().filter(pk=OuterRef("ticket_id")).values("pk")[:1]
    return holding.alias(listed=Subquery(listed)).filter(listed__isnull=False).count()


def _joined_count(queryset: TicketQuerySet, lexemes: list[str]) -> int:
    """How many tickets of `queryset` hold every one of `lexemes`: a semi-join on each
    word's terms."""
    for lexeme in lexemes:
        holding = TicketSearchTerm.objects.using(queryset.db).filter(term=lexeme)
        queryset = queryset.filter(pk__in=holding.values("ticket_id"))
    return queryset.count()
