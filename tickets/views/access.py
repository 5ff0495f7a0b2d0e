"""Who may use the workspace, and how a response is shaped for htmx."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Concatenate, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.template.loader import render_to_string
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from tickets.agents import AgentRequest, is_agent

NOT_AN_AGENT = (
    "This account is not an agent account. Only active agents can use the helpdesk workspace."
)


SEARCH_MAX_LENGTH = 200


def search_text(request: HttpRequest) -> str:
    """The search box `q` from the query string, ready for a database filter.

    A NUL cannot be typed into a box, and PostgreSQL refuses one in a query.
    """
    return request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]


# A page number past this is treated as this one: a huge number's offset would overflow
# the database's 64-bit integers.
MAX_PAGE = 100_000


def page_number(params: QueryDict) -> int:
    """The `page` of a list from the query string: 1 when missing or unreadable."""
    try:
        return min(max(1, int(params.get("page", "1"))), MAX_PAGE)
    except ValueError:
        return 1


def agent_required[**P, R: HttpResponseBase](
    view: Callable[Concatenate[AgentRequest, P], R],
) -> Callable[Concatenate[HttpRequest, P], R | HttpResponse]:
    """Anonymous visitors are sent to sign in; signed-in users who are not agents get a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R | HttpResponse:
        if not request.user.is_authenticated:
            response = redirect_to_login(request.get_full_path())
            if getattr(request, "htmx", False):
                # An htmx fragment request must load the sign-in page, not swap it into a region.
                return HttpResponseClientRedirect(response.url)
            return response
        if not is_agent(request.user):
            raise PermissionDenied(NOT_AN_AGENT)
        # Checked just above: the user is an agent.
        return view(cast(AgentRequest, request), *args, **kwargs)

    return wrapper


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for part of a page (a history restore needs the whole page)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request)


def render_fragments(
    request: HttpRequest,
    template: str,
    names: Iterable[str],
    context: dict,
    status: int = 200,
) -> HttpResponse:
    """Render partials of `template` as out-of-band swaps, each replacing its element by id,
    and the messages region (which shows the outcome of a change, or clears an old one)."""
    context = {**context, "oob": True}
    html = [render_to_string(f"{template}#{name}", context, request) for name in names]
    html.append(render_to_string("layout.html#messages", context, request))
    return HttpResponse("".join(html), status=status)
