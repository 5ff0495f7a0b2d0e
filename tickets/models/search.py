"""How the database matches a ticket's conversation against a query: the search documents
and terms (PostgreSQL), the FTS5 table's query language (SQLite), and the matcher that
`Ticket.objects.search()` filters with. Counting and paging a search are in
tickets/search.py.

The query is in websearch syntax on both databases: words (stemmed, all required),
`"a phrase"`, `or` between terms, `-word` to exclude. PostgreSQL parses it itself
(`websearch_to_tsquery`); for SQLite, `websearch_alternatives` reads it the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections, models
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from .organisation import Client, Contact
from .tickets import Ticket

# The text search configuration of the search documents (migration 0006).
CONFIG = "english"

# What the matchers return: the matching tickets' ids as a one-column subquery (of search
# documents or of tickets), for `pk__in=`.
type TicketIds = QuerySet[Any, Mapping[str, object]]


def search_query(text: str) -> SearchQuery:
    """`text` as PostgreSQL's websearch query, in the configuration of the search documents."""
    return SearchQuery(text, config=CONFIG, search_type="websearch")


def full_text_matches(text: str, *, using: str = "default") -> TicketIds:
    """The ids of the tickets whose search document matches `text` (PostgreSQL only),
    found through the documents' GIN index."""
    documents = TicketSearchDocument.objects.using(using)
    return documents.filter(document=search_query(text)).values("ticket_id")


def matching_ticket_ids(text: str, *, using: str = "default") -> TicketIds:
    """The ids of the tickets whose conversation (subject, message, every reply and note)
    matches `text`, a websearch query, as a subquery.

    The words of `printer refund` may sit in different parts of the conversation.
    PostgreSQL matches each ticket's search document; SQLite its row of the FTS5 table,
    with the query translated below.
    """
    if connections[using].vendor == "postgresql":
        return full_text_matches(text, using=using)
    return fts5_matches(text, using=using)


# Finding anything (the workspace's global search) --------------------------------------
#
# Besides the conversation's words, the search box finds a ticket by its number (`193` or
# `#193`), by its requester's email address, and by the name of its requester or client.
# These are plain lookups on small tables (contacts, clients) and on the tickets' indexes
# (primary key, requester, client), so both databases answer them alike.

# A ticket number as typed: digits, optionally after a `#`.
TICKET_NUMBER = re.compile(r"#?\s*(\d{1,19})")
# An email address as typed: one `@` with something on either side, no spaces.
EMAIL_ADDRESS = re.compile(r"[^@\s\"]+@[^@\s\"]+\.[^@\s\"]+")
# The words of a name: letters and digits, with inner apostrophes and dots ("O'Neil").
NAME_WORD = re.compile(r"[^\W_]+(?:['\u2019.][^\W_]+)*")
# The websearch operators: a query using them is not a name.
OPERATORS = re.compile(r'"|(?:^|\s)-|(?:^|\s)or(?:\s|$)', re.IGNORECASE)
# A name query's words must be at least this long together; one letter finds everyone.
NAME_MIN_LENGTH = 2
# About this many contacts and clients at most are matched by a name (twice as many, of
# both): a short name in a helpdesk of a hundred thousand contacts would otherwise send
# all of them to the ticket query.
PEOPLE_CAP = 1_000


def ticket_number(text: str) -> int | None:
    """The ticket number `text` is (`193`, `#193`), if it is one a ticket could have."""
    found = TICKET_NUMBER.fullmatch(text.strip())
    if found is None:
        return None
    number = int(found.group(1))
    return number if 0 < number <= 2**63 - 1 else None


def name_condition(words: list[str]) -> Q:
    """Every word starts a word of the name: `anna` and `ann ad` find "Anna Adams",
    `dams` does not (case-insensitive)."""
    condition = Q()
    for word in words:
        condition &= Q(name__istartswith=word) | Q(name__icontains=f" {word}")
    return condition


def people_condition(text: str, *, using: str = "default") -> Q | None:
    """The tickets `text` names by number or by person: the ticket of that number, the
    tickets of the requester with that email address, or of the requesters and clients
    whose name it matches (`name_condition`); None when it names none.

    Reads the matching contacts and clients (a query each) and returns a condition on
    the tickets' own columns, which their indexes serve and the planner can estimate.
    """
    text = text.strip()
    condition = Q()
    number = ticket_number(text)
    if number is not None:
        condition |= Q(pk=number)
    contacts = Contact.objects.using(using).order_by()
    clients = Client.objects.using(using).order_by()
    if EMAIL_ADDRESS.fullmatch(text):
        requesters = list(contacts.filter(email__iexact=text).values_list("pk", flat=True))
        client_ids: list[int] = []
    elif number is None and not OPERATORS.search(text):
        words = NAME_WORD.findall(text)
        if sum(map(len, words)) < NAME_MIN_LENGTH:
            return condition or None
        named = name_condition(words)
        # Both in one statement: a search pays one round trip for the names.
        rows = (
            contacts.filter(named)
            .annotate(table=Value("contact"))
            .values_list("table", "pk")
            .union(clients.filter(named).annotate(table=Value("client")).values_list("table", "pk"))
        )
        found = list(rows.order_by()[: 2 * PEOPLE_CAP])
        requesters = [pk for table, pk in found if table == "contact"]
        client_ids = [pk for table, pk in found if table == "client"]
    else:
        return condition or None
    if requesters:
        condition |= Q(requester_id__in=sorted(requesters))
    if client_ids:
        condition |= Q(client_id__in=sorted(client_ids))
    return condition or None


def finding_condition(text: str, *, using: str = "default") -> Q:
    """The tickets the global search finds for `text`: those whose conversation matches it,
    and those it names by number or person (`people_condition`)."""
    condition = Q(pk__in=matching_ticket_ids(text, using=using))
    people = people_condition(text, using=using)
    return condition | people if people is not None else condition


class TicketSearchDocument(models.Model):
    """A ticket's whole conversation as one full-text vector: subject, opening message and
    every reply and note, in the english configuration.

    On PostgreSQL, triggers on the ticket and reply tables keep it exact in the same
    transaction as the change (migration 0006), whatever wrote it. A search matches a
    ticket when its document matches, so the words of a query may sit in different parts
    of the conversation. Nothing in the application writes this table; on SQLite it
    stays empty (the search there reads an FTS5 table, migration 0007).
    """

    # The foreign keys cascade in the database: migration 0006 declares them ON DELETE
    # CASCADE. Django's DB_CASCADE says the same but its system check refuses it beside
    # the Python-level on_delete of every other model that refers to tickets.
    ticket = models.OneToOneField(
        Ticket,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    document = SearchVectorField()

    class Meta:
        indexes = [GinIndex(fields=["document"], name="ticket_search_document_gin")]

    def __str__(self) -> str:
        return f"Search document of #{self.ticket_id}"


class TicketSearchTerm(models.Model):
    """One distinct lexeme of a ticket's search document (kept with it by migration 0006).

    Its indexes hold everything a count needs: PostgreSQL counts a word's tickets (on
    the term index), and intersects several words' ticket ids (sorted in the primary
    key's btree, (term, ticket)), with index-only scans, never visiting a ticket or a
    document (see tickets.search). The full-text index of the documents cannot do that:
    it must check every match's row.
    """

    pk = models.CompositePrimaryKey("term", "ticket")
    term = models.TextField()
    ticket = models.ForeignKey(
        Ticket, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )

    class Meta:
        indexes = [
            # Deleting a ticket deletes its terms through this one (see TicketSearchDocument).
            models.Index(fields=["ticket"], name="ticket_search_term_ticket_idx"),
            # A word's entries share one deduplicated key here, so counting a single word
            # scans far fewer pages than in the primary key (see benchmarks/README.md).
            models.Index(fields=["term"], name="ticket_search_term_term_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.term} in #{self.ticket_id}"


class TicketHiddenSearchTerm(models.Model):
    """A term (TicketSearchTerm) of a hidden ticket, spam or archived, with the ticket's
    spam flag and state (kept by triggers, migration 0017).

    The lists leave the hidden tickets out by default, so a search's total is its matches
    less the hidden tickets holding its words (tickets.search.hidden_count): counted here
    as a range of this table's primary key, a fifth of the terms at most, where merging a
    word's terms with every hidden ticket's id reads all of them.
    """

    pk = models.CompositePrimaryKey("term", "ticket")
    term = models.TextField()
    ticket = models.ForeignKey(
        Ticket, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    is_spam = models.BooleanField()
    active_state = models.CharField(max_length=10)

    class Meta:
        indexes = [
            # A ticket shown again, or changing state, moves its rows through this one.
            models.Index(fields=["ticket"], name="ticket_hidden_term_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.term} in hidden #{self.ticket_id}"


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
        assert step is not None  # every character starts a step
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


def fts5_matches(text: str, *, using: str = "default") -> TicketIds:
    """The ids of the tickets whose conversation matches `text` in the FTS5 table (SQLite)."""
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
