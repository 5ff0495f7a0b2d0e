"""`create_mailbox`: a mailbox from a script, its id on the last line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mail.models import Mailbox
from tests import factories
from tickets.models import Category

pytestmark = pytest.mark.django_db

Security = Mailbox.Security


def create_mailbox(*args: str) -> tuple[Mailbox, str]:
    out = StringIO()
    call_command("create_mailbox", *args, stdout=out)
    output = out.getvalue()
    return Mailbox.objects.get(pk=int(output.splitlines()[-1])), output


@pytest.fixture
def support(db):
    return factories.CategoryFactory(name="Support")


def test_a_mailbox_without_imap_by_department_name(support):
    mailbox, output = create_mailbox("Help@Example.com", "--department", "Support")

    assert mailbox.address == "help@example.com"
    assert mailbox.name == "help@example.com"
    assert mailbox.department == support
    assert mailbox.send_acknowledgment is True
    assert mailbox.from_name == ""
    assert mailbox.is_active is True
    assert not mailbox.reads_imap
    assert output.splitlines()[0] == (
        "Created the mailbox help@example.com <help@example.com> for the department Support."
    )


def test_every_option(support):
    mailbox, output = create_mailbox(
        "help@example.com",
        "--department",
        str(support.pk),
        "--name",
        "Help desk",
        "--from-name",
        "Example Support",
        "--no-acknowledgment",
        "--imap",
        "imaps://help%40example.com:p%40ss%2Fw%3Ard@imap.example.com:1993/Help%2FInbox",
    )

    assert (mailbox.name, mailbox.from_name, mailbox.send_acknowledgment) == (
        "Help desk",
        "Example Support",
        False,
    )
    assert mailbox.department == support
    assert (mailbox.imap_host, mailbox.imap_port, mailbox.imap_security) == (
        "imap.example.com",
        1993,
        Security.TLS,
    )
    assert mailbox.imap_user == "help@example.com"
    assert mailbox.imap_password == "p@ss/w:rd"
    assert mailbox.imap_folder == "Help/Inbox"
    assert "p@ss" not in output and "p%40ss" not in output
    assert "reading Help/Inbox of help@example.com at imap.example.com:1993 (TLS" in output


@pytest.mark.parametrize(
    ("url", "security", "port", "folder"),
    [
        ("imaps://u:pw@mail.example.com", Security.TLS, 993, "INBOX"),
        ("imap://u:pw@mail.example.com/", Security.STARTTLS, 143, "INBOX"),
        ("imap+plain://u:pw@127.0.0.1:10143/Support", Security.NONE, 10143, "Support"),
        ("IMAPS://u:pw@MAIL.example.com:993/INBOX", Security.TLS, 993, "INBOX"),
    ],
)
def test_the_url_gives_security_port_and_folder(support, url, security, port, folder):
    mailbox, _ = create_mailbox("help@example.com", "--department", "Support", "--imap", url)

    assert (mailbox.imap_security, mailbox.imap_port, mailbox.imap_folder) == (
        security,
        port,
        folder,
    )
    assert mailbox.imap_host in ("mail.example.com", "127.0.0.1")
    assert (mailbox.imap_user, mailbox.imap_password) == ("u", "pw")


def test_a_url_without_a_password_leaves_it_for_the_admin(support):
    mailbox, _ = create_mailbox(
        "help@example.com", "--department", "Support", "--imap", "imaps://help@mail.example.com"
    )

    assert mailbox.imap_user == "help"
    assert mailbox.imap_password == ""


def test_the_department_by_name_ignoring_case_but_never_a_category_of_another_type(support):
    factories.CategoryFactory(name="Billing", type=Category.Type.PROJECT)

    mailbox, _ = create_mailbox("help@example.com", "--department", "support")
    assert mailbox.department == support

    with pytest.raises(CommandError, match="No department has the name or id 'Billing'"):
        create_mailbox("billing@example.com", "--department", "Billing")


def test_an_ambiguous_department_name_asks_for_the_id(db):
    factories.CategoryFactory(name="Sales")
    factories.CategoryFactory(name="SALES")

    with pytest.raises(CommandError, match="Several departments are named 'sales'"):
        create_mailbox("sales@example.com", "--department", "sales")


@pytest.mark.parametrize("department", ["Nowhere", "999999"])
def test_an_unknown_department(support, department):
    with pytest.raises(CommandError, match="No department has the name or id"):
        create_mailbox("help@example.com", "--department", department)
    assert not Mailbox.objects.exists()


def test_a_taken_address_or_name(support):
    create_mailbox("help@example.com", "--department", "Support", "--name", "Help")

    with pytest.raises(CommandError, match="Address: Mailbox with this Address already exists"):
        create_mailbox("HELP@example.com", "--department", "Support")
    with pytest.raises(CommandError, match="Name: Mailbox with this Name already exists"):
        create_mailbox("other@example.com", "--department", "Support", "--name", "Help")
    assert Mailbox.objects.count() == 1


def test_an_invalid_address(support):
    with pytest.raises(CommandError, match="Address: Enter a valid email address"):
        create_mailbox("not an address", "--department", "Support")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("pop3://u:pw@mail.example.com", "must start with imaps://"),
        ("mail.example.com", "must start with imaps://"),
        ("imaps://u:pw@mail.example.com:99999", "port must be a number"),
        ("imaps://u:pw@mail.example.com:port", "port must be a number"),
        ("imaps://:pw@mail.example.com", "names no user"),
        ("imaps://mail.example.com", "names no user"),
        ("imaps://u:pw@/INBOX", "names no host"),
        ("imaps://u:p?w@mail.example.com", "must be %-encoded"),
        ("imaps://u:p#w@mail.example.com", "must be %-encoded"),
    ],
)
def test_a_bad_imap_url(support, url, error):
    with pytest.raises(CommandError, match=error):
        create_mailbox("help@example.com", "--department", "Support", "--imap", url)
    assert not Mailbox.objects.exists()
