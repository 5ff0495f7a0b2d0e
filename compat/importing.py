"""What every importer of `manage.py import_tickets` shares: how a failure is raised and
described, how a service's refusal becomes one, and how an agent named in a file is found
or kept as a former agent."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from tickets import services
from tickets.agents import Agent


class ImportFailed(Exception):
    """A ticket that could not be imported; the message says why, and where in the ticket."""


def shown(value: object) -> str:
    """A value as an error message quotes it, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def described(error: ValidationError, where: str) -> str:
    """A service's refusal, its fields named unless `where` names them already."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages)
        if field in (where, NON_FIELD_ERRORS)
        else f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


def applied[Result](where: str, action: Callable[[], Result]) -> Result:
    """Run one service call; its refusal fails the import, saying where."""
    try:
        return action()
    except ValidationError as error:
        raise ImportFailed(f"{where}: {described(error, where)}") from error
    except services.Conflict as error:
        raise ImportFailed(f"{where}: {error}") from error


def agent_for_login(login: str, name: str) -> Agent:
    """The agent or former agent whose login (email address, or username) is `login`, an
    active one first; else a new former agent: inactive staff without a password, named
    `name`, whose email address is the login when it is one."""
    users = get_user_model().objects
    found = (
        users.filter(is_staff=True)
        .filter(Q(email__iexact=login) | Q(username=login))
        .order_by("-is_active", "pk")
        .first()
    )
    if found is not None:
        return found
    first_name, _, last_name = name.partition(" ")
    agent = get_user_model()(
        username=_free_username(login),
        email=login if is_email(login) else "",
        first_name=first_name[:150],
        last_name=last_name[:150],
        is_staff=True,
        is_active=False,
    )
    agent.set_unusable_password()
    agent.save()
    return agent


def _free_username(login: str) -> str:
    """The login as a username, with a number after it if someone has that one."""
    users = get_user_model().objects
    username, number = login[:150], 1
    while users.filter(username=username).exists():
        number += 1
        username = f"{login[:140]}-{number}"
    return username
