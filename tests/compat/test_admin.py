"""The compat models in the admin: listed for administrators, never written there."""

import pytest
from django.test import Client
from django.urls import reverse

from compat.models import ImportedTicket, TicketSourceUrl

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(admin_user):
    browser = Client()
    browser.force_login(admin_user)
    return browser


@pytest.mark.parametrize("model", ["importedticket", "ticketsourceurl"])
def test_listed_and_read_only(admin_browser, ticket, model):
    ImportedTicket.objects.create(system="livechat", external_id="5FUED", ticket=ticket)
    TicketSourceUrl.objects.create(ticket=ticket, url="https://shop.example/help")
    row = (ImportedTicket if model == "importedticket" else TicketSourceUrl).objects.get()

    listing = admin_browser.get(reverse(f"admin:compat_{model}_changelist"))

    assert listing.status_code == 200
    assert f"#{ticket.pk}".encode() in listing.content
    assert admin_browser.get(reverse(f"admin:compat_{model}_add")).status_code == 403
    change = admin_browser.post(reverse(f"admin:compat_{model}_change", args=[row.pk]), {})
    assert change.status_code in (200, 403)
    assert (
        admin_browser.get(reverse(f"admin:compat_{model}_delete", args=[row.pk])).status_code == 403
    )
    assert (ImportedTicket if model == "importedticket" else TicketSourceUrl).objects.count() == 1
