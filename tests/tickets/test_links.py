"""Addresses in messages become safe links: http, https and mailto only, every other part
of the text escaped, and never a script."""

import pytest
from django.urls import reverse

from tests import factories
from tickets.links import linkify

REL = 'rel="noopener noreferrer nofollow" target="_blank" class="message-link"'


def link(href: str, shown: str | None = None) -> str:
    return f'<a href="{href}" {REL}>{shown or href}</a>'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("See https://example.com/a?b=1&c=2.", f"See {link('https://example.com/a?b=1&amp;c=2')}."),
        ("(http://example.com/x)", f"({link('http://example.com/x')})"),
        (
            "Read https://en.wikipedia.org/wiki/Foo_(bar), then",
            f"Read {link('https://en.wikipedia.org/wiki/Foo_(bar)')}, then",
        ),
        (
            "Write to mailto:help@example.com!",
            f"Write to {link('mailto:help@example.com', 'help@example.com')}!",
        ),
        ("HTTPS://EXAMPLE.COM", link("HTTPS://EXAMPLE.COM")),
        (
            "two: http://a.test http://b.test",
            f"two: {link('http://a.test')} {link('http://b.test')}",
        ),
    ],
)
def test_addresses_become_links(text, html):
    assert linkify(text) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        # no other scheme is ever a link
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("JaVaScRiPt:alert(document.cookie)", "JaVaScRiPt:alert(document.cookie)"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data:text/html;base64,PHNjcmlwdD4="),
        ("vbscript:msgbox", "vbscript:msgbox"),
        # an address without a host, or a mailto without a mailbox, stays text
        ("http:// nothing", "http:// nothing"),
        ("https://", "https://"),
        ("mailto:nobody", "mailto:nobody"),
        ("http://[bad", "http://[bad"),
        # HTML is text
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<a href='javascript:x'>y</a>", "&lt;a href=&#x27;javascript:x&#x27;&gt;y&lt;/a&gt;"),
    ],
)
def test_nothing_else_is_a_link_and_everything_is_escaped(text, html):
    assert linkify(text) == html


def test_quotes_end_an_address_and_cannot_break_out_of_the_attribute():
    html = linkify('Go https://evil.test/"onmouseover="alert(1) or https://x.test/\'y')
    assert html == (
        f"Go {link('https://evil.test/')}&quot;onmouseover=&quot;alert(1) or "
        f"{link('https://x.test/')}&#x27;y"
    )


def test_an_address_inside_a_script_scheme_links_only_the_web_address():
    html = linkify("javascript:https://example.com")
    assert html == f"javascript:{link('https://example.com')}"
    assert 'href="javascript' not in html


def test_angle_brackets_around_an_address():
    assert linkify("<https://example.com/>") == f"&lt;{link('https://example.com/')}&gt;"


@pytest.mark.django_db
def test_the_ticket_page_and_the_portal_show_links(signed_in, agent):
    ticket = factories.TicketFactory(message="Docs: https://docs.example/setup <b>bold</b>")
    factories.ReplyFactory(
        ticket=ticket, text="Try javascript:alert(1) or http://help.example", author_agent=agent
    )
    html = signed_in.get(reverse("ticket", args=[ticket.pk])).text
    assert link("https://docs.example/setup") in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert f"Try javascript:alert(1) or {link('http://help.example')}" in html
    assert 'href="javascript' not in html


@pytest.mark.django_db
def test_the_portal_shows_links(requester_page_client):
    client, ticket = requester_page_client
    html = client.get(reverse("portal:ticket", args=[ticket.pk])).text
    assert link("https://status.example/now") in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.fixture
def requester_page_client(db):
    from tests.portal.conftest import portal_client

    acme = factories.ClientFactory()
    requester = factories.ContactFactory(client=acme)
    ticket = factories.TicketFactory(
        client=acme,
        requester=requester,
        message="See https://status.example/now <img src=x onerror=alert(1)>",
    )
    return portal_client(requester), ticket
