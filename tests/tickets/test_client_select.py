"""The client <select> of the queue filters and the new-ticket form at thousands of clients:
the first clients and the chosen one, and a search that fetches the others."""

import json
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests import factories
from tickets.forms import widgets as forms

pytestmark = pytest.mark.django_db


@pytest.fixture
def few_shown(monkeypatch):
    """Two clients shown at most, so that four are "many"."""
    monkeypatch.setattr(forms, "CLIENT_CHOICES_SHOWN", 2)


@pytest.fixture
def companies(db):
    names = ["Alpha Ltd", "Bravo Inc", "Charlie GmbH", "Delta SARL"]
    return {name.split()[0]: factories.ClientFactory(name=name) for name in names}


def options_of(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select name="\w+"[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r"<option [^>]*>([^<]*)</option>", select.group(1))


def test_an_impossible_client_id_in_the_address(signed_in, companies, few_shown):
    response = signed_in.get(reverse("queue"), {"client": "99999999999999999999"})
    assert response.status_code == 200
    assert options_of(response.text, "id_client") == ["Any client", "Alpha Ltd", "Bravo Inc"]


def test_few_clients_are_all_offered_without_a_search(signed_in, companies):
    html = signed_in.get(reverse("queue")).text
    assert options_of(html, "id_client") == ["Any client", *(c.name for c in companies.values())]
    assert "Find a client" not in html


def test_many_clients_offer_the_first_the_chosen_and_a_search(signed_in, companies, few_shown):
    delta = companies["Delta"]
    html = signed_in.get(reverse("queue"), {"client": delta.pk}).text
    assert options_of(html, "id_client") == ["Any client", "Alpha Ltd", "Bravo Inc", "Delta SARL"]
    assert re.search(rf'<option value="{delta.pk}" selected>', html)
    search = re.search(r'<input type="search" form="client-search-no-form"[^>]*>', html).group(0)
    assert 'aria-label="Find a client"' in search
    values = json.loads(re.search(r"hx-vals='([^']*)'", search).group(1).replace("&quot;", '"'))
    assert values == {"empty": "Any client", "active": "", "selected": str(delta.pk)}


def test_the_new_ticket_form_searches_active_clients_only(signed_in, companies, few_shown):
    factories.ClientFactory(name="Aardvark Closed", is_active=False)
    html = signed_in.get(reverse("new_ticket")).text
    assert options_of(html, "id_client") == ["Choose a client", "Alpha Ltd", "Bravo Inc"]
    assert "&quot;active&quot;: &quot;1&quot;" in html


def test_the_options_for_what_was_typed(signed_in, companies, few_shown):
    companies["Charlie"].email = "help@charlie.test"
    companies["Charlie"].save(update_fields=["email"])
    url = reverse("clients_options")
    html = signed_in.get(url, {"q": "charlie.test", "empty": "Any client"}).text
    assert (
        html
        == f'<option value="">Any client</option><option value="{companies["Charlie"].pk}">Charlie GmbH</option>'
    )
    html = signed_in.get(url, {"q": "", "selected": companies["Delta"].pk}).text
    assert re.findall(r">([^<]*)</option>", html) == ["", "Delta SARL", "Alpha Ltd", "Bravo Inc"]
    assert f'value="{companies["Delta"].pk}" selected' in html


def test_the_options_escape_and_refuse_nothing_odd(signed_in, companies):
    factories.ClientFactory(name="<b>Bold</b> & Co", is_active=False)
    url = reverse("clients_options")
    html = signed_in.get(url, {"q": "bold", "empty": "<i>x</i>"}).text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "&lt;i&gt;x&lt;/i&gt;" in html
    assert "Bold" not in signed_in.get(url, {"q": "bold", "active": "1"}).text
    assert (
        signed_in.get(url, {"q": "a\x00b", "selected": "1,x,99999999999999999999"}).status_code
        == 200
    )


def test_the_options_are_for_agents_only(client, outsider):
    url = reverse("clients_options")
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_find_a_client_and_filter_the_queue(
    signed_in_page: Page, live_server, few_shown, csp_errors
):
    names = ["Alpha Ltd", "Bravo Inc", "Charlie GmbH", "Delta SARL"]
    for name in names:
        factories.TicketFactory(
            subject=f"Ticket of {name}", client=factories.ClientFactory(name=name)
        )
    page = signed_in_page
    page.goto(live_server.url + "/?active_state=active")
    page.locator("details.more-filters summary").click()
    page.get_by_label("Find a client").fill("delta")
    select = page.locator("#id_client")
    expect(select.locator("option")).to_have_count(2)
    select.select_option(label="Delta SARL")
    results = page.locator("#queue-results")
    expect(results.get_by_role("link", name="Ticket of Alpha Ltd")).to_have_count(0)
    expect(results.get_by_role("link", name="Ticket of Delta SARL")).to_be_visible()
    assert csp_errors == []
