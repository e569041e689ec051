"""The client's address: the one answer that throttles, the login lockout and the audit log use.

``X-Forwarded-For`` is the client's own word unless the request came from a reverse proxy of ours
(``GREENSHIELD_TRUSTED_PROXIES``, addresses or networks). Then the header is read from the right, past the hops our
proxies added, and the first address no proxy of ours vouches for is the client. Without trusted proxies (the
default) the header is ignored and the client is the peer of the socket, so a rotating header changes nothing."""
from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAX_LENGTH = 45  # the longest textual IPv6 address


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in spec)
    except ValueError as exc:
        raise ImproperlyConfigured(f"GREENSHIELD_TRUSTED_PROXIES: {exc}") from exc


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    """The address of the client that sent ``request`` (a Django or DRF request), as text."""
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR") or "")[:MAX_LENGTH]
    networks = _networks(tuple(getattr(settings, "GREENSHIELD_TRUSTED_PROXIES", ())))
    if not networks or not _trusted(_parse(remote), networks):
        return remote
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    client = remote
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:  # not an address our proxy wrote: stop at the last one it vouched for
            break
        client = str(address)
        if not _trusted(address, networks):
            break
    return client
