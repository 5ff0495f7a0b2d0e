"""One search language on both databases: the same websearch queries find the same
tickets on PostgreSQL (websearch_to_tsquery against the search documents) and on SQLite
(tickets.search's translation to FTS5 against its FTS5 table)."""

import pytest

from tests import factories
from tickets import search
from tickets.models import Reply, Ticket
from tickets.models import search as matching
from tickets.models.search import Alternative

pytestmark = pytest.mark.django_db

# Subject, opening message, and replies (the last one of "toner" is a note).
CONVERSATIONS = {
    "jam": ("Printer jammed", "Paper everywhere.", ["Did you try the refund form?"]),
    "toner": (
        "Toner low",
        "The printer says toner is low.",
        ["Ordered a new cartridge.", "Supplier is O'Neil Ltd"],
    ),
    "refund": ("Refund request", "Please refund the money for order 404.", ["Sent by e-mail."]),
    "scanner": ("Scanner offline", "Nothing near it works.", []),
}


@pytest.fixture
def conversations(agent) -> dict[str, int]:
    made = {}
    for name, (subject, message, replies) in CONVERSATIONS.items():
        ticket = factories.TicketFactory(subject=subject, message=message)
        for n, text in enumerate(replies):
            kind = Reply.Kind.NOTE if n == 1 else Reply.Kind.REPLY
            factories.ReplyFactory(ticket=ticket, text=text, kind=kind, author_agent=agent)
        made[name] = ticket.pk
    return made


EVERY = set(CONVERSATIONS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # words, case and stems
        ("printer", {"jam", "toner"}),
        ("PRINTERS", {"jam", "toner"}),
        ("jamming", {"jam"}),
        ("zebra", set()),
        ("jamm", set()),  # whole words, not parts of them
        # every word, anywhere in the conversation (subject, message, replies, notes)
        ("printer refund", {"jam"}),
        ("printers refunds", {"jam"}),
        ("toner supplier", {"toner"}),
        ("printer zebra", set()),
        # phrases: in order, within the text
        ('"refund form"', {"jam"}),
        ('"form refund"', set()),
        ('"refund the money"', {"refund"}),
        ('"the refund form"', {"jam"}),  # stop words at the ends are dropped
        ('"refund form', {"jam"}),  # an unmatched quote runs to the end
        ('printer "toner', {"toner"}),
        ("e-mail", {"refund"}),  # one word of several parts is a phrase of them
        ("o'neil", {"toner"}),
        # or
        ("toner or scanner", {"toner", "scanner"}),
        ("toner OR scanner", {"toner", "scanner"}),
        ("printer refund or scanner", {"jam", "scanner"}),  # and binds tighter
        ("printer or", {"jam", "toner"}),  # without a term on both sides, "or" is a word
        ("or printer", {"jam", "toner"}),
        # excluded words
        ("printer -refund", {"toner"}),
        ("-refund", {"toner", "scanner"}),  # alone: the tickets without it
        ("-refund -printer", {"scanner"}),
        ("-printer or scanner", {"refund", "scanner"}),
        ("printer or -toner", EVERY),
        ("--refund", {"jam", "refund"}),  # excluded twice is required
        ('-"refund form"', {"toner", "refund", "scanner"}),
        ("printer -", {"jam", "toner"}),
        # stop words: dropped; a query of only stop words finds nothing
        ("the printer", {"jam", "toner"}),
        ("the of and", set()),
        ("-the", set()),
        ("it's", set()),
        ("the or scanner", {"scanner"}),
        # punctuation, quotes and FTS5's own syntax are never an error
        ("printer*", {"jam", "toner"}),
        ("NEAR(", {"scanner"}),
        ("NEAR(printer toner)", set()),  # near, printer and toner: no ticket has the three
        ('"', set()),
        ('""', set()),
        ("a:toner", {"toner"}),
        ("^toner", {"toner"}),
        ("printer & !refund", {"jam"}),  # tsquery's operators are ignored
        ("printer:* | toner", {"toner"}),
        ("(404)", {"refund"}),
        ("printer;jammed", {"jam"}),
        ("AND OR NOT", set()),
        ("  ", EVERY),  # no query: every ticket
    ],
)
def test_the_same_query_finds_the_same_tickets(conversations, query, expected):
    found = set(Ticket.objects.search(query).values_list("pk", flat=True))
    assert found == {conversations[name] for name in expected}
    everything = Ticket.objects.all()
    assert search.search_total(everything, query, unfiltered=True) == len(expected)
    page = search.search_page(everything.order_by("pk"), query, 0, 10)
    assert {ticket.pk for ticket in page} == found


@pytest.mark.parametrize(
    ("query", "alternatives"),
    [
        ("printer", [(['"printer"'], [])]),
        ("Printers REFUND", [(['"printers"', '"refund"'], [])]),
        ('"Blue screen" of death', [(['"blue screen"', '"death"'], [])]),
        ('"printer of the"', [(['"printer"'], [])]),
        ('"printer of refund"', [(['"printer of refund"'], [])]),
        ("a b or c d", [(['"b"'], []), (['"c"', '"d"'], [])]),
        ("printer -refund -toner", [(['"printer"'], ['"refund"', '"toner"'])]),
        ("-refund", [([], ['"refund"'])]),
        ("printer or -toner", [(['"printer"'], []), ([], ['"toner"'])]),
        ("- - printer", [(['"printer"'], [])]),
        ("print-er", [(['"print er"'], [])]),
        ('NEAR("x" y)*', [(['"near"', '"x"', '"y"'], [])]),
        ("the of", []),
        ('"', []),
        ("", []),
    ],
)
def test_websearch_syntax_is_read_as_postgresql_reads_it(query, alternatives):
    """The SQLite side's reading of a query: its alternatives, each terms required and
    excluded, every term an FTS5 string."""
    assert matching.websearch_alternatives(query) == [
        Alternative(required=tuple(required), excluded=tuple(excluded))
        for required, excluded in alternatives
    ]


def test_alternatives_are_written_in_fts5_syntax():
    assert Alternative(required=('"a"', '"b c"'), excluded=()).fts5_query() == '"a" AND "b c"'
    assert (
        Alternative(required=('"a"',), excluded=('"b"', '"c"')).fts5_query()
        == '("a") NOT ("b" OR "c")'
    )
