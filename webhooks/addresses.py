"""Where a webhook may be sent: never to the helpdesk's own network by surprise.

A URL an administrator types could name the database, a cloud's metadata service or the
server itself. Unless the settings allow it, every address its host resolves to must be
public: private, loopback, link-local, multicast, reserved and unspecified addresses are
refused. The check runs when an endpoint is saved and again before every attempt (what a
name resolves to can change), and the request then goes to the very address that was
checked, so that a second resolution cannot swap it.

Settings: WEBHOOKS_ALLOW_PRIVATE_ADDRESSES (any address) and WEBHOOKS_ALLOWED_NETWORKS
(these networks only, such as "10.1.2.0/24"; the tests allow loopback this way).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeAddress(Exception):
    """The URL is not one a webhook may be sent to; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts, and the address to connect to."""

    url: SplitResult
    host: str
    port: int
    address: str  # the IP address the request goes to

    @property
    def is_https(self) -> bool:
        return self.url.scheme == "https"

    @property
    def path(self) -> str:
        path = self.url.path or "/"
        return f"{path}?{self.url.query}" if self.url.query else path

    @property
    def host_header(self) -> str:
        default = 443 if self.is_https else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def check_url(url: str) -> Target:
    """Resolve `url`'s host and check each of its addresses; the target to connect to, or
    UnsafeAddress."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise UnsafeAddress("The URL must start with https:// or http://.")
    if parts.username or parts.password:
        raise UnsafeAddress("The URL must not carry a user name or password.")
    host = parts.hostname
    if not host:
        raise UnsafeAddress("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeAddress("The URL's port is not a number from 1 to 65535.") from None
    addresses = _resolve(host, port)
    for address in addresses:
        _check_address(host, address)
    return Target(url=parts, host=host, port=port, address=str(addresses[0]))


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UnsafeAddress(f"The host {host} could not be found ({error}).") from None
    addresses = list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found)
    )
    if not addresses:
        raise UnsafeAddress(f"The host {host} has no address.")
    return addresses


def _check_address(host: str, address: IPAddress) -> None:
    kind = non_public_kind(address)
    if kind is None or _allowed(address):
        return
    named = str(address) if host == str(address) else f"{host} ({address})"
    raise UnsafeAddress(
        f"{named} is a {kind} address: webhooks are only sent to public addresses "
        "unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES or WEBHOOKS_ALLOWED_NETWORKS allows it."
    )


def non_public_kind(address: IPAddress) -> str | None:
    """What makes `address` not public ("loopback", "private", ...), or None when public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, test in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    ):
        if test:
            return kind
    return None


def _allowed(address: IPAddress) -> bool:
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return True
    for network in settings.WEBHOOKS_ALLOWED_NETWORKS:
        allowed = ipaddress.ip_network(network, strict=False)
        if address.version == allowed.version and address in allowed:
            return True
    return False


def connect(target: Target, timeout: float) -> socket.socket:
    """A connection to the checked address of `target`."""
    return socket.create_connection((target.address, target.port), timeout=timeout)
