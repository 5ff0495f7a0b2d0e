"""Every curl example of docs/api.md (which repeats those of document 003 verbatim) works
against a running server once the host and the key are replaced."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection

from tests import factories
from tickets.models import Category, Client, Contact, Project, Reply, Team, Ticket

BASH = shutil.which("bash") or "/bin/bash"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"

# The examples of document 003, as printed there.
DOCUMENT_003_EXAMPLES = [
    'curl -G https://your-domain/api/tickets -H "Authorization: Bearer YOUR_API_KEY" -d status=1',
    'curl -X POST https://your-domain/api/tickets -H "Authorization: Bearer YOUR_API_KEY" \\\n'
    '  -d ticket_clientid=1 -d ticket_categoryid=72 -d ticket_subject="Cannot log in" \\\n'
    '  -d ticket_message="I get an error" -d ticket_priority=high',
    "curl -X PUT https://your-domain/api/tickets/32/status "
    '-H "Authorization: Bearer YOUR_API_KEY" -d status=2',
    'curl -X POST https://your-domain/api/tickets/32/replies -H "Authorization: Bearer YOUR_API_KEY" \\\n'
    '  -d ticketreply_text="We are looking into this for you."',
]


def examples() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    return [block.strip() for block in blocks if block.startswith("curl ")]


def test_docs_hold_the_examples_of_document_003_verbatim():
    assert set(DOCUMENT_003_EXAMPLES) <= set(examples())


@pytest.fixture
def documented_objects(agent):
    """The ids the examples use: client 1, department 72, ticket 32 with reply 7, and
    unused objects for the delete examples (ticket 33, category 80, client 9, contact 3,
    project 6)."""
    acme = factories.ClientFactory(pk=1, name="Acme Inc")
    factories.ClientFactory(pk=9, name="Unused Ltd")
    sales = factories.CategoryFactory(pk=72, name="Sales")
    factories.CategoryFactory(pk=80, name="Old department")
    factories.ContactFactory(pk=3, client=acme, email="old@acme.example")
    # The extras' examples: a requester, a copied contact, an agent and a team.
    factories.ContactFactory(pk=4, client=acme, name="Rita Client", email="rita@acme.example")
    factories.ContactFactory(pk=5, client=acme, name="Joe Client", email="joe@acme.example")
    factories.AgentFactory(pk=4, first_name="Sam", last_name="Agent")
    factories.TeamFactory(pk=2, name="Tier 2")
    factories.ProjectFactory(pk=6, client=acme, name="Old project")
    ticket = factories.TicketFactory(pk=32, client=acme, department=sales, tags=["billing"])
    factories.TicketFactory(pk=33, client=acme, department=sales)
    factories.ReplyFactory(pk=7, ticket=ticket, author_agent=agent)
    # Rows were inserted with their ids: move PostgreSQL's sequences past them.
    models = [Client, Category, Contact, Project, Ticket, Reply, Team, get_user_model()]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def test_every_example_works_against_a_running_server(live_server, agent, documented_objects):
    factories.join(agent, "Administrator")  # the examples delete departments too
    key = factories.ApiKeyFactory(agent=agent)
    ran = []
    for example in examples():
        command = example.replace("https://your-domain", live_server.url).replace(
            "YOUR_API_KEY", key.raw_key
        )
        result = subprocess.run(  # noqa: S603 (the commands are our own documentation's)
            [BASH, "-c", command + " --silent --show-error --write-out '\\n%{http_code}'"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        *body, code = result.stdout.rsplit("\n", 1)
        assert result.returncode == 0, (example, result.stderr)
        assert code in {"200", "201", "204"}, (example, code, body)
        ran.append(example)
    assert len(ran) >= 30
    ticket = Ticket.objects.get(pk=32)
    assert ticket.status_id == 4  # closed by the status example, answered by the reply example
    assert ticket.events.filter(channel="api").count() >= 8
    assert not Ticket.objects.filter(pk=33).exists()
    assert (ticket.requester_id, list(ticket.cc.values_list("pk", flat=True))) == (4, [5])
    extras = Ticket.objects.get(subject="VPN drops")
    assert (extras.requester_id, extras.assignee_id, extras.team_id) == (4, 4, 2)
