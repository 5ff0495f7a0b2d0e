"""What the search reads, kept exact by triggers whatever writes the tickets and replies:
on PostgreSQL the search documents and terms, on SQLite the FTS5 table (whose words the
documents' tables leave empty). Search totals equal a COUNT; ticket-level search
semantics, the same on both databases (see also test_search_syntax.py)."""

import importlib

import pytest
from django.db import connection

from tests import factories
from tickets import search, services
from tickets.models import (
    ActiveState,
    Channel,
    Reply,
    Ticket,
    TicketSearchDocument,
    TicketSearchTerm,
)
from tickets.models import search as matching
from tickets.services.bulk import BulkAction

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


def lexemes_of(text: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector('english', %s))", [text])
        return set(cursor.fetchone()[0])


def conversations() -> dict[int, str]:
    """Each ticket's conversation: subject, message and replies in id order."""
    texts = {}
    for ticket in Ticket.objects.order_by("pk"):
        replies = Reply.objects.filter(ticket=ticket).order_by("pk").values_list("text", flat=True)
        texts[ticket.pk] = " ".join([ticket.subject, ticket.message, *replies])
    return texts


def assert_search_kept() -> None:
    """On PostgreSQL, every ticket's document holds exactly the lexemes of its subject,
    message and replies, and its terms are those lexemes. On SQLite, the FTS5 table holds
    every ticket's conversation and no other row, and its index agrees with its rows."""
    if not POSTGRESQL:
        assert not TicketSearchDocument.objects.exists()
        assert not TicketSearchTerm.objects.exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid, conversation FROM tickets_search_fts5")
            assert dict(cursor.fetchall()) == conversations()
            # Raises an error when the full-text index differs from the rows.
            cursor.execute(
                "INSERT INTO tickets_search_fts5 (tickets_search_fts5) VALUES ('integrity-check')"
            )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ticket_id, tsvector_to_array(document) FROM tickets_ticketsearchdocument"
        )
        documents = {ticket_id: set(lexemes) for ticket_id, lexemes in cursor.fetchall()}
    terms: dict[int, set[str]] = {}
    for term, ticket_id in TicketSearchTerm.objects.values_list("term", "ticket_id"):
        terms.setdefault(ticket_id, set()).add(term)
    expected = {pk: lexemes_of(text) for pk, text in conversations().items()}
    assert documents == expected
    assert terms == {pk: lexemes for pk, lexemes in expected.items() if lexemes}


def terms_of(ticket: Ticket) -> set[str]:
    return set(TicketSearchTerm.objects.filter(ticket=ticket).values_list("term", flat=True))


@pytest.fixture
def conversation(agent):
    ticket = factories.TicketFactory(subject="Printer jammed", message="Paper everywhere.")
    factories.ReplyFactory(ticket=ticket, text="Did you try the refund form?")
    return ticket


def test_created_tickets_have_a_document(agent, client_company, department):
    services.create_ticket(
        client=client_company,
        department=department,
        subject="Toner cartridge",
        message="The toner leaks.",
        actor=agent,
        channel=Channel.WEB,
    )
    factories.TicketFactory.create_batch(2)
    Ticket.objects.bulk_create(
        Ticket(subject=f"Bulk {n}", message="Scanner", client=client_company, department=department)
        for n in range(3)
    )
    assert_search_kept()
    toner = Ticket.objects.get(subject="Toner cartridge")
    if POSTGRESQL:
        assert {"toner", "cartridg", "leak"} <= terms_of(toner)
    assert list(Ticket.objects.search("cartridges leaking")) == [toner]
    assert Ticket.objects.search("scanner").count() == 3


def test_replies_and_notes_join_the_document(conversation, agent):
    services.post_reply(
        ticket=conversation, text="Refund issued", author=agent, channel=Channel.WEB
    )
    services.post_reply(
        ticket=conversation,
        text="Supervisor approved",
        kind=Reply.Kind.NOTE,
        author=agent,
        channel=Channel.WEB,
    )
    contact = factories.ContactFactory(client=conversation.client)
    services.post_reply(ticket=conversation, text="Thanks!", author=contact, channel=Channel.EMAIL)
    Reply.objects.bulk_create(
        Reply(ticket=conversation, text=f"Bulk answer {n}", author_agent=agent) for n in range(3)
    )
    assert_search_kept()
    if POSTGRESQL:
        assert {"refund", "supervisor", "approv", "bulk"} <= terms_of(conversation)
    assert list(Ticket.objects.search("supervisor approved bulk thanks")) == [conversation]


def test_deleting_a_reply_removes_its_words(conversation, agent):
    reply = services.post_reply(
        ticket=conversation, text="Kangaroo sighting", author=agent, channel=Channel.WEB
    )
    assert list(Ticket.objects.search("kangaroo")) == [conversation]
    services.delete_reply(reply=reply, actor=agent, channel=Channel.WEB)
    assert_search_kept()
    assert "kangaroo" not in terms_of(conversation)
    assert not Ticket.objects.search("kangaroo").exists()


def test_editing_replies_updates_the_document(conversation):
    other = factories.TicketFactory(subject="Other", message="Other")
    reply = conversation.replies.get()
    Reply.objects.filter(pk=reply.pk).update(text="Wombat")
    assert_search_kept()
    assert list(Ticket.objects.search("wombat")) == [conversation]
    Reply.objects.filter(pk=reply.pk).update(ticket=other)  # moves its words along
    assert_search_kept()
    if POSTGRESQL:
        assert "wombat" in terms_of(other)
        assert "wombat" not in terms_of(conversation)
    assert list(Ticket.objects.search("wombat")) == [other]


def test_editing_subject_and_message_updates_the_document(conversation, agent):
    services.update_ticket(
        ticket=conversation,
        subject="Scanner offline",
        message="Since Monday",
        actor=agent,
        channel=Channel.WEB,
    )
    assert_search_kept()
    if POSTGRESQL:
        assert "printer" not in terms_of(conversation)
        assert {"scanner", "offlin", "refund"} <= terms_of(conversation)
    assert list(Ticket.objects.search("scanner refund")) == [conversation]
    assert not Ticket.objects.search("printer").exists()
    Ticket.objects.update(subject="All the same")
    assert_search_kept()


def test_other_changes_leave_the_document_alone(conversation, agent):
    assert_search_kept()
    with connection.cursor() as cursor:
        if POSTGRESQL:
            cursor.execute("SELECT xmin::text FROM tickets_ticketsearchdocument")
            before = cursor.fetchall()
        else:
            # Text that no trigger writes: it stays unless the row is rewritten.
            cursor.execute("UPDATE tickets_search_fts5 SET conversation = 'untouched'")
    services.archive(ticket=conversation, actor=agent, channel=Channel.WEB)
    services.set_tags(ticket=conversation, tags=["vip"], actor=agent, channel=Channel.WEB)
    Ticket.objects.update(subject=conversation.subject)  # written, but unchanged
    Reply.objects.update(text=conversation.replies.get().text)
    with connection.cursor() as cursor:
        if POSTGRESQL:
            cursor.execute("SELECT xmin::text FROM tickets_ticketsearchdocument")
            assert cursor.fetchall() == before  # not rewritten
        else:
            cursor.execute("SELECT rowid, conversation FROM tickets_search_fts5")
            assert cursor.fetchall() == [(conversation.pk, "untouched")]


def test_deleted_tickets_take_their_documents_and_terms(conversation, agent, admin_user):
    kept = factories.TicketFactory(subject="Kept printer")
    services.delete_ticket(ticket=conversation, actor=agent, channel=Channel.WEB)
    assert_search_kept()
    assert not TicketSearchTerm.objects.filter(ticket_id=conversation.pk).exists()
    assert not TicketSearchDocument.objects.filter(ticket_id=conversation.pk).exists()
    doomed = factories.TicketFactory.create_batch(2)
    factories.ReplyFactory(ticket=doomed[0])
    result = services.apply_bulk_action(
        tickets=Ticket.objects.filter(pk__in=[t.pk for t in doomed]),
        action=BulkAction.DELETE,
        actor=admin_user,
        channel=Channel.WEB,
    )
    assert sorted(result.changed) == sorted(t.pk for t in doomed)
    Ticket.objects.filter(pk=kept.pk).delete()  # the admin's queryset delete
    assert_search_kept()
    assert not TicketSearchDocument.objects.exists()


def test_phrases_are_found_inside_one_text(conversation, agent):
    services.post_reply(
        ticket=conversation, text="the blue screen again", author=agent, channel=Channel.WEB
    )
    assert list(Ticket.objects.search('"blue screen"')) == [conversation]
    assert list(Ticket.objects.search('"screen blue"')) == []


def test_words_in_different_parts_match_together(conversation):
    factories.TicketFactory(subject="Printer", message="only")
    # "printer" is in the subject, "refund" in a reply: the ticket matches.
    assert list(Ticket.objects.search("printer refund")) == [conversation]
    assert list(Ticket.objects.search("printers refunds")) == [conversation]
    assert list(Ticket.objects.search("refund form")) == [conversation]


def test_search_matches_whole_words_not_parts(conversation):
    assert list(Ticket.objects.search("jamm")) == []
    assert list(Ticket.objects.search("REFUND FO")) == []
    assert list(Ticket.objects.search("JAMMING REFUNDS")) == [conversation]


@pytest.fixture
def many():
    """Tickets over two statuses and tags, with words spread over their parts."""
    made = []
    words = ["printer", "refund", "printer refund", "toner", "the printer", "scanner refund"]
    for n, text in enumerate(words * 3):
        ticket = factories.TicketFactory(
            subject=f"Case {n}",
            message=text if n % 2 else "Hello",
            status_id=1 + n % 2,
            tags=["vip"] if n % 3 == 0 else [],
        )
        if n % 2 == 0:
            factories.ReplyFactory(ticket=ticket, text=text)
        made.append(ticket)
    return made


QUERIES = [
    "printer",
    "printer refund",
    "Refund PRINTERS",
    "zebra",
    "printer zebra",
    "the",
    "the a of",
    '"printer refund"',
    "printer or toner",
    "printer -refund",
    "-printer",
    "o'neil printer",
    "",
]


@pytest.mark.parametrize("text", QUERIES)
def test_search_totals_equal_a_count(many, text):
    everything = Ticket.objects.all()
    assert search.search_total(everything, text, unfiltered=True) == len(everything.search(text))
    for filtered in [
        Ticket.objects.filter(status_id=1),
        Ticket.objects.filter(tags__name="vip"),
        Ticket.objects.filter(status_id=2, tags__name="vip"),
    ]:
        expected = len(filtered.search(text))
        assert search.search_total(filtered, text, unfiltered=False) == expected


@pytest.mark.parametrize("probed_matches", [search.PROBED_MATCHES, 0])
@pytest.mark.parametrize("text", QUERIES)
def test_filtered_search_totals_equal_a_count(many, text, probed_matches, monkeypatch):
    """Looked up match by match (few matches) or joined (many: none allowed here), the
    filtered total is the COUNT; the matches among all tickets, when given, too."""
    monkeypatch.setattr(search, "PROBED_MATCHES", probed_matches)
    everything = len(Ticket.objects.search(text))
    for filtered in [
        Ticket.objects.filter(status_id=1),
        Ticket.objects.filter(tags__name="vip"),
        Ticket.objects.filter(status_id=2, tags__name="vip"),
    ]:
        total, matches = search.filtered_search_totals(filtered, text)
        assert total == len(filtered.search(text))
        assert matches in (None, everything)
        if POSTGRESQL and search.plain_lexemes(text):
            assert matches == everything


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"is_spam": False},
        {"active_state": ActiveState.ACTIVE},
        {"is_spam": False, "active_state": ActiveState.ACTIVE},
        {"is_spam": False, "active_state": ActiveState.ARCHIVED},
        {"is_spam": True},
        {"active_state": ActiveState.ARCHIVED},
    ],
)
@pytest.mark.parametrize("text", QUERIES)
def test_totals_by_spam_and_state_equal_a_count(many, text, filters):
    """Filtered by the spam flag and state alone, a search is counted as its matches less
    the hidden tickets' (PostgreSQL): exactly the COUNT, whichever of them are asked."""
    for n, ticket in enumerate(many):
        Ticket.objects.filter(pk=ticket.pk).update(
            is_spam=n % 4 == 1, active_state=[ActiveState.ACTIVE, ActiveState.ARCHIVED][n % 5 < 2]
        )
    filtered = Ticket.objects.filter(**filters)

    total, matches = search.filtered_search_totals(filtered, text, filters=filters)

    assert total == len(filtered.search(text))
    assert matches in (None, len(Ticket.objects.search(text)))


def test_plain_queries_are_told_apart(many):
    """PostgreSQL counts a plain AND of words from the terms; SQLite reads every query
    into alternatives of FTS5 strings and matches them in its FTS5 table."""
    if POSTGRESQL:
        assert search.plain_lexemes("Printers REFUND printer") == ["printer", "refund"]
        assert search.plain_lexemes("the of a") == []
        assert search.plain_lexemes("it's") is not None
        for text in ['"printer refund"', "printer or toner", "printer -refund", "print-er"]:
            assert search.plain_lexemes(text) is None, text
        assert search.count_with_terms(["printer"]) == 9
        assert search.count_with_terms(["printer", "refund"]) == 3
        assert search.count_with_terms(["printer", "zebra"]) == 0
    else:
        plain = matching.websearch_alternatives("Printers REFUND printer")
        assert [a.fts5_query() for a in plain] == ['"printers" AND "refund" AND "printer"']
        assert matching.websearch_alternatives("the of a") == []
        assert matching.websearch_alternatives("it's") == []
        assert [a.fts5_query() for a in matching.websearch_alternatives("print-er")] == [
            '"print er"'
        ]
        with connection.cursor() as cursor:
            for query, count in [('"printer"', 9), ('"printer" AND "refund"', 3), ('"zebra"', 0)]:
                cursor.execute(matching.FTS5_MATCHING.replace("rowid", "count(*)", 1), [query])
                assert cursor.fetchone()[0] == count


def test_search_pages_equal_the_search(many):
    queryset = Ticket.objects.order_by("-updated_at", "-id")
    for text in QUERIES:
        expected = list(queryset.search(text).values_list("pk", flat=True))
        for start, stop in [(0, 5), (3, 9), (0, 50)]:
            page = [t.pk for t in search.search_page(queryset, text, start, stop)]
            assert page == expected[start:stop], (text, start, stop)


def test_documents_are_shown_read_only_in_the_admin(admin_client, conversation):
    from django.urls import reverse

    changelist = admin_client.get(reverse("admin:tickets_ticketsearchdocument_changelist"))
    assert changelist.status_code == 200
    assert (f">{conversation.pk}<" in changelist.content.decode()) is POSTGRESQL
    assert admin_client.get(reverse("admin:tickets_ticketsearchdocument_add")).status_code == 403


def test_long_conversations_are_rebuilt_on_each_reply(conversation, agent):
    long_text = "printer toner " * 10_000  # 140,000 characters of two words
    services.post_reply(ticket=conversation, text=long_text, author=agent, channel=Channel.WEB)
    assert_search_kept()
    services.post_reply(ticket=conversation, text=long_text, author=agent, channel=Channel.WEB)
    services.post_reply(ticket=conversation, text="Zebra", author=agent, channel=Channel.WEB)
    assert_search_kept()
    if POSTGRESQL:
        assert "zebra" in terms_of(conversation)
    assert list(Ticket.objects.search("zebra printer")) == [conversation]


def test_a_conversation_too_long_for_one_vector_is_shortened(conversation, agent):
    """A tsvector holds at most 1 MB: past that, the document keeps the conversation's
    first 200,000 characters instead of refusing the reply."""
    words = " ".join(f"w{n:x}x" for n in range(120_000))  # about 2 MB of vector
    services.post_reply(ticket=conversation, text=words, author=agent, channel=Channel.WEB)
    services.post_reply(ticket=conversation, text="Kangaroo", author=agent, channel=Channel.WEB)
    assert Reply.objects.filter(ticket=conversation).count() == 3
    if POSTGRESQL:
        terms = terms_of(conversation)
        assert {"printer", "refund", "w0x"} <= terms
        assert "kangaroo" not in terms  # past the first 200,000 characters
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tsvector_to_array(document) FROM tickets_ticketsearchdocument"
                " WHERE ticket_id = %s",
                [conversation.pk],
            )
            assert set(cursor.fetchone()[0]) == terms
    else:
        # FTS5 has no such limit: the whole conversation is indexed.
        assert_search_kept()
        assert list(Ticket.objects.search("kangaroo w0x")) == [conversation]


def test_the_backfill_writes_what_the_triggers_keep(conversation, agent):
    """The migration that creates the search tables fills them for the tickets that
    exist, as the triggers would have: 0006 on PostgreSQL, 0007 on SQLite."""
    services.post_reply(ticket=conversation, text="Refund sent", author=agent, channel=Channel.WEB)
    factories.TicketFactory(subject="No reply yet")
    if POSTGRESQL:
        migration = importlib.import_module("tickets.migrations.0006_search_documents")
        TicketSearchTerm.objects.all().delete()
        TicketSearchDocument.objects.all().delete()
    else:
        migration = importlib.import_module("tickets.migrations.0007_sqlite_search")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tickets_search_fts5")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert_search_kept()
    assert list(Ticket.objects.search("jammed refund sent")) == [conversation]
