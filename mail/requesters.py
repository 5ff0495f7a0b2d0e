"""Who wrote: finding the contact (or agent) behind an email address, or making one.

The new-requester rule (document 003's "new user" ingestion): a sender is found among the
contacts by address, whatever its case. An unknown sender becomes a new contact of the
client whose email domains include the sender's domain, or else of a new client named
after the sender. The portal's contact form follows the same rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connections, transaction

from tickets.agents import Agent, agents
from tickets.models import Client, ClientDomain, Contact

from .lookups import unordered_first

# The client of tickets from mail that has no usable sender address.
UNKNOWN_SENDERS = "Unknown senders"


# Every message asks whether its sender is an agent; agents change seldom, so their
# addresses are cached for this many seconds.
AGENT_ADDRESSES_CACHE_SECONDS = 30


def agent_with_address(address: str) -> Agent | None:
    """The active agent who has this email address, if any."""
    if not address:
        return None
    by_address: dict[str, int] = (
        cache.get_or_set("mail:agent-addresses", _agent_addresses, AGENT_ADDRESSES_CACHE_SECONDS)
        or {}
    )
    agent_id = by_address.get(address.lower())
    return unordered_first(agents().filter(pk=agent_id)) if agent_id is not None else None


def _agent_addresses() -> dict[str, int]:
    """Each agent's address (in lower case), and the agent's id; the oldest agent of an
    address shared by several."""
    found: dict[str, int] = {}
    for agent_id, email in agents().exclude(email="").order_by("pk").values_list("pk", "email"):
        found.setdefault(email.lower(), agent_id)
    return found


def contact_with_address(address: str, *, client_id: int | None = None) -> Contact | None:
    """The contact with this address (of the client `client_id` when given, else with its
    client read too); the oldest if several."""
    if not address:
        return None
    contacts = Contact.objects.filter(email__iexact=address)
    if client_id is not None:
        contacts = contacts.filter(client_id=client_id)
    else:
        contacts = contacts.select_related("client")
    # Unordered, so that the database finds them by the address's index (ordered by id, it
    # may walk every contact instead); an address has one contact or a few.
    return min(contacts.order_by(), key=lambda contact: contact.pk, default=None)


def client_for_domain(address: str) -> Client | None:
    """The client that registered the domain of `address`."""
    domain = address.rpartition("@")[2].lower()
    if not domain:
        return None
    found = unordered_first(ClientDomain.objects.select_related("client").filter(domain=domain))
    return found.client if found else None


def requester_for(address: str, name: str) -> Contact:
    """The contact who sent mail from `address`: found, or made by the new-requester rule."""
    with _address_lock(address):
        contact = contact_with_address(address)
        if contact is not None:
            return contact
        client = client_for_domain(address)
        if client is None:
            client = Client.objects.create(name=(name or address)[:200], email=address)
        return Contact.objects.create(client=client, name=(name or address)[:200], email=address)


def contact_in_client(address: str, name: str, client: Client) -> Contact:
    """The contact of `client` at `address`, made if the client has none (a person copied
    on a ticket's mail joins the ticket's client)."""
    with _address_lock(address):
        contact = contact_with_address(address, client_id=client.pk)
        if contact is not None:
            return contact
        return Contact.objects.create(client=client, name=(name or address)[:200], email=address)


def unknown_senders_client() -> Client:
    """The client of tickets whose mail names no sender (found or made)."""
    client = Client.objects.filter(name=UNKNOWN_SENDERS).order_by("pk").first()
    return client or Client.objects.create(name=UNKNOWN_SENDERS)


@contextmanager
def _address_lock(address: str) -> Iterator[None]:
    """Serialises the making of a contact for one address across processes (two messages
    from a new sender at once must not make two clients): on PostgreSQL a transaction-level
    advisory lock; SQLite's write transactions are serial already."""
    key = int.from_bytes(hashlib.sha256(address.lower().encode()).digest()[:8], signed=True)
    # No savepoint: an error here fails the whole change it is part of anyway.
    with transaction.atomic(savepoint=False):
        connection = connections["default"]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield
