"""Finding tickets by text: which tickets match, how many, and a page of them.

Search is ticket-level: a ticket matches when its whole conversation (subject, opening
message, every reply and note) matches the query. Everything that finds tickets by
text goes through this module:

- `matching_ids(text)`: the ids of the matching tickets, as a subquery. It is what
  `Ticket.objects.search(text)` filters on, and what the admin's search unites with
  its client-name match.
- `search_page(queryset, text, start, stop)`: a page of a filtered, ordered queryset's
  matches (the queue and the API list), with plans that stay fast at a million tickets.
- `search_total(queryset, text, unfiltered=...)`: the exact number of matches (the API
  list's `meta.total`).

The query is in websearch syntax on both databases: words (stemmed, all required),
`"a phrase"`, `or` between terms, `-word` to exclude. On PostgreSQL each ticket's
conversation is one search document (TicketSearchDocument, matched through its GIN index)
and its distinct lexemes (TicketSearchTerm, counted with index-only scans), both kept by
triggers (migration 0006); PostgreSQL parses the query itself (`websearch_to_tsquery`).
On SQLite each conversation is one row of an FTS5 table kept by triggers (migration
0007), and `websearch_alternatives` translates the query to FTS5's syntax the way
PostgreSQL reads it. See docs/architecture.md.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery
from django.db import connections, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from tickets.models import Ticket

# The text search configuration of the search documents (migration 0006).
CONFIG = "english"


def search_query(text: str) -> SearchQuery:
    """`text` as PostgreSQL's websearch query, in the configuration of the search documents."""
    return SearchQuery(text, config=CONFIG, search_type="websearch")


def full_text_matches(text: str, *, using: str = "default") -> QuerySet:
    """The ids of the tickets whose search document matches `text` (PostgreSQL only),
    found through the documents' GIN index."""
    from tickets.models import TicketSearchDocument

    documents = TicketSearchDocument.objects.using(using)
    return documents.filter(document=search_query(text)).values("ticket_id")


def matching_ids(text: str, *, or_client_name: bool = False, using: str = "default") -> QuerySet:
    """The ids of the tickets whose conversation matches `text`, as a subquery; with
    `or_client_name`, also those whose client's name contains it (the admin's search).

    `text` is a websearch query matched against each ticket's whole conversation, so the
    words of `printer refund` may sit in different parts of it: PostgreSQL matches the
    search documents, SQLite its FTS5 table.
    """
    from tickets.models import Client, Ticket

    tickets = Ticket.objects.using(using).order_by()
    if connections[using].vendor == "postgresql":
        matches = full_text_matches(text, using=using)
    else:
        matches = fts5_matches(text, using=using)
    if not or_client_name:
        return matches
    # One UNION rather than an OR of two IN subqueries, which PostgreSQL plans poorly.
    clients = Client.objects.using(using).filter(name__icontains=text).values("pk")
    return matches.union(tickets.filter(client__in=clients).values("pk"))


# SQLite --------------------------------------------------------------------------
#
# SQLite keeps each ticket's conversation in an FTS5 table (migration 0007), tokenized by
# `porter unicode61`: lowercased, diacritics removed, stemmed by the Porter algorithm. FTS5
# has its own query syntax, so a websearch query is translated here, the way
# websearch_to_tsquery reads it, into an OR of alternatives, each an AND of required and
# excluded terms. Every term is sent as an FTS5 string, so no input is an FTS5 operator.

# The ids of the tickets whose conversation matches an FTS5 query, and of those whose
# conversation does not, in the FTS5 table of migration 0007 (rowid is the ticket's id).
FTS5_MATCHING = "SELECT rowid FROM tickets_search_fts5 WHERE tickets_search_fts5 MATCH %s"
FTS5_NOT_MATCHING = (
    "SELECT rowid FROM tickets_search_fts5 WHERE rowid NOT IN"
    " (SELECT rowid FROM tickets_search_fts5 WHERE tickets_search_fts5 MATCH %s)"
)

# The english configuration's stop words (PostgreSQL's english.stop): PostgreSQL leaves
# them out of documents and queries. FTS5 indexes every word, so queries drop these.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now
    """.split()  # noqa: SIM905 (the list as PostgreSQL's file has it, compact)
)

# A step of websearch syntax, read as websearch_to_tsquery reads it: spaces; a quoted
# phrase (to the closing quote, or to the end without one); a '-', which excludes the next
# term; one of tsquery's operator characters, which ends a word and is otherwise ignored;
# a word.
WEBSEARCH_STEP = re.compile(
    r'(?P<space>\s+)|"(?P<phrase>[^"]*)"?|(?P<minus>-)|[!&|()<:]|(?P<word>[^\s"!&|()<:]+)'
)
# `or` between two terms: not the start of a longer word, and something follows.
OR_OPERATOR = re.compile(r"or[^\w-]\s*\S", re.IGNORECASE)
# The words FTS5's unicode61 tokenizer finds: runs of letters and digits.
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Alternative:
    """One side of a websearch query's `or`s: FTS5 strings that a conversation must all
    hold, and FTS5 strings that it must hold none of."""

    required: tuple[str, ...]
    excluded: tuple[str, ...]

    def fts5_query(self) -> str:
        """The FTS5 query of an alternative with required terms."""
        query = " AND ".join(self.required)
        if self.excluded:
            query = f"({query}) NOT ({' OR '.join(self.excluded)})"
        return query


def fts5_string(term: str) -> str | None:
    """A word or the text of a phrase as an FTS5 string of its words (a phrase when
    several), without the stop words at either end; None when only stop words remain.

    PostgreSQL drops every stop word but keeps its place: `"printer of refund"` finds
    "printer" then any word then "refund". FTS5 strings have no such gap, so the stop
    words inside a phrase stay and must match as written.
    """
    words = WORD.findall(unicodedata.normalize("NFC", term).lower())
    while words and words[0] in STOP_WORDS:
        words.pop(0)
    while words and words[-1] in STOP_WORDS:
        words.pop()
    return f'"{" ".join(words)}"' if words else None


def websearch_alternatives(text: str) -> list[Alternative]:
    """`text` read as websearch_to_tsquery reads it: words and phrases, each required or
    (after a '-', an odd number of them) excluded, are ANDed; `or` between two terms
    separates alternatives. Terms of stop words only are dropped, then alternatives left
    with no term: no alternative at all means the query finds nothing.
    """
    alternatives: list[list[tuple[bool, str]]] = [[]]
    excluding = False
    term_next = True  # where a term is awaited, `or` is a word (a stop word)
    position = 0
    while position < len(text):
        if not term_next and OR_OPERATOR.match(text, position):
            alternatives.append([])
            term_next = True
            position += len("or")
            continue
        step = WEBSEARCH_STEP.match(text, position)
        position = step.end()
        if step["minus"]:
            excluding = not excluding
            term_next = True
        elif step["word"] is not None or step["phrase"] is not None:
            string = fts5_string(step["word"] or step["phrase"])
            if string:
                alternatives[-1].append((excluding, string))
            excluding = False
            term_next = False
    return [
        Alternative(
            required=tuple(string for excluded, string in terms if not excluded),
            excluded=tuple(string for excluded, string in terms if excluded),
        )
        for terms in alternatives
        if terms
    ]


def fts5_matches(text: str, *, using: str = "default") -> QuerySet:
    """The ids of the tickets whose conversation matches `text` in the FTS5 table (SQLite)."""
    from tickets.models import Ticket

    tickets = Ticket.objects.using(using).order_by()
    alternatives = websearch_alternatives(text)
    if not alternatives:
        return tickets.none().values("pk")
    selects, params = [], []
    with_required = [a.fts5_query() for a in alternatives if a.required]
    if with_required:
        selects.append(FTS5_MATCHING)
        params.append(" OR ".join(f"({query})" for query in with_required))
    for alternative in alternatives:
        if not alternative.required:
            # FTS5's NOT needs a left side: excluded terms alone, as on PostgreSQL, keep
            # every conversation that holds none of them.
            selects.append(FTS5_NOT_MATCHING)
            params.append(" OR ".join(alternative.excluded))
    matching = RawSQL(" UNION ".join(selects), params)  # noqa: S611 (constants, bound params)
    return tickets.filter(pk__in=matching).values("pk")


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
    queryset: QuerySet[Ticket], text: str, start: int, stop: int, *, total: int | None = None
) -> list[Ticket]:
    """Rows start:stop of `queryset.search(text)`, in the queryset's order.

    Asked for them at once, PostgreSQL may walk the whole queue for a rare word, or fetch
    and sort every ticket holding a common one. So a common query is found by walking the
    page's order, where matches are dense, and checking each ticket's document, stopping
    after `stop` rows; a rare one by listing its matching ticket ids through the full-text
    index. The page is then the first rows of those candidates. How common a query is
    comes from `total`, its number of matches among all tickets when the caller has
    counted them, else from the planner's estimate (from the documents' statistics).
    """
    from tickets.models import TicketSearchDocument

    text = text.strip()
    if not text:
        return list(queryset[start:stop])
    if queryset.db_connection_vendor() != "postgresql":
        return list(queryset.search(text)[start:stop])
    using = queryset.db
    with serial_plans(using):
        matches = full_text_matches(text, using=using)
        documents = planned_rows(TicketSearchDocument.objects.using(using))
        share = (planned_rows(matches) if total is None else total) / max(1.0, documents)
        ids: list[int] = []
        if share <= WALK_SHARE:
            ids = list(matches.values_list("ticket_id", flat=True)[: LIST_CAP + 1])
        if share > WALK_SHARE or len(ids) > LIST_CAP:
            matching = TicketSearchDocument.objects.filter(
                ticket=OuterRef("pk"), document=search_query(text)
            )
            walked = queryset.prefetch_related(None).filter(Exists(matching))
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
    from tickets.models import TicketSearchTerm

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
    on the terms per word, several times faster than matching their documents). Any
    other query counts the matching documents, alone when unfiltered (every ticket has
    one document, so the join with the tickets is spared), else joined with `queryset`.
    """
    from tickets.models import TicketSearchTerm

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
            return full_text_matches(text, using=using).count()
        if unfiltered:
            return count_with_terms(lexemes, using=using)
        for lexeme in lexemes:
            holding = TicketSearchTerm.objects.using(using).filter(term=lexeme)
            queryset = queryset.filter(pk__in=holding.values("ticket_id"))
        return queryset.count()
