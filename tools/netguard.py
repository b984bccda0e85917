# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Refuse outbound URLs that point into private networks (SSRF protection).

A webhook URL, a backend's base URL or its OAuth token URL is chosen by a user,
and the server sends requests to it: without this check a request could be aimed
at the database, a cloud metadata service, an admin interface on the internal
network or Odoo's own port. Administrators exempt the networks they really
deliver to through ``integration_hub.allowed_networks``.

Two rules make the check hold for the request that is really sent:

* **One reading of the URL.** requests sends with urllib3's parser; the check
  reads the URL with that parser *and* with :func:`urllib.parse.urlsplit`, and
  refuses the URL when they disagree on scheme, host or port (a backslash, as in
  ``http://0.0.0.0:8069\\@good.example/``, makes urllib3 connect to the part
  before it while urlsplit sees the part after the ``@``). Control characters,
  whitespace, backslashes, user info and address spellings that only some
  resolvers understand (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``,
  zone ids, trailing dots) are refused outright: no reader may see anything but
  one plain host.
* **One resolution.** The host is resolved once, every address is checked, and
  the :class:`Target` returned names them; the sender (tools/pinned_http.py)
  connects to one of them and never resolves the name again, so a DNS answer
  that changes after the check (DNS rebinding) cannot move the request.
"""

import ipaddress
import re
import socket
from typing import NamedTuple
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

# Cloud instance metadata services (AWS, GCP, Azure, ...; AWS's IPv6 one). The
# IPv4 one is link-local anyway; both are named so the refusal says why.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address) for address in ("169.254.169.254", "fd00:ec2::254")
)

# Checked in this order so the message names the most telling category.
_REFUSED_CATEGORIES = (
    ("is_loopback", "loopback"),
    ("is_unspecified", "unspecified"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)

DEFAULT_PORTS = {"http": 80, "https": 443}
# Anywhere in the URL: parsers strip, keep or split on these differently.
_AMBIGUOUS_CHARACTER = re.compile(r"[\x00-\x20\x7f\\]|\s")
# A host name as resolvers read it the same way: ASCII letters, digits, hyphens
# and underscores, in non-empty dot-separated labels (no trailing dot).
_HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
# A last label that makes the whole host an IPv4 address to inet_aton and the
# WHATWG URL standard (decimal, octal or hex numbers; "127.1", "0x7f.1").
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_MAX_HOST_NAME = 253


class Target(NamedTuple):
    """Where a vetted URL may be sent.

    ``host`` is the host as the URL names it (lower case; an IPv6 address without
    brackets), for the ``Host`` header, TLS SNI and certificate verification;
    ``addresses`` are the checked IP addresses it resolved to, in resolver
    order, the only ones a request may connect to.
    """

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def check_url(
    url: str,
    allowed_networks: list[str] | str,
    allow_http: bool,
    resolver=None,
) -> Target:
    """Check that ``url`` may receive outbound requests; return its vetted target.

    :param allowed_networks: addresses or CIDR networks (``"10.1.0.0/16"``,
        ``"::1"``) exempt from the refusal; blank entries are ignored.
    :param allow_http: whether plain ``http`` is accepted besides ``https``.
    :param resolver: a :func:`socket.getaddrinfo` lookalike; by default
        ``socket.getaddrinfo`` as it is when called. Hosts written as IP
        literals are not passed to it.
    :raises ValueError: with a message for the operator when the URL is refused.
    """
    scheme, host, port = _parse(url)
    if scheme == "http" and not allow_http:
        raise ValueError(
            "plain http is not allowed; use https, or set the system parameter "
            "integration_hub.allow_http to True"
        )
    networks = parse_networks(allowed_networks)
    addresses = _resolve(host, port, resolver or socket.getaddrinfo)
    for address in addresses:
        if any(address in network for network in networks):
            continue
        reason = _refusal_reason(address)
        if reason:
            where = (
                host if host == str(address) else f"{host} resolves to {address}, which"
            )
            raise ValueError(
                f"{where} is a {reason} address; add it to the system parameter "
                "integration_hub.allowed_networks to allow it"
            )
    return Target(scheme, host, port, tuple(str(address) for address in addresses))


def _parse(url):
    """``(scheme, host, port)`` of ``url`` as every reader of it sees them."""
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"the URL must start with https:// or http:// (got {url!r})")
    if _AMBIGUOUS_CHARACTER.search(url):
        raise ValueError(
            "the URL must not contain spaces, control characters or backslashes "
            f"(got {url!r}); percent-encode them"
        )
    try:
        split = urlsplit(url)
    except ValueError:
        raise ValueError(f"the URL is not valid: {url!r}") from None
    try:
        split_port = split.port
    except ValueError:
        raise ValueError(f"the URL has an invalid port: {url!r}") from None
    if "@" in split.netloc:
        raise ValueError(
            "the URL must not contain a user name or password (user:pass@host); "
            "send credentials in headers"
        )
    if not split.netloc.isascii():
        raise ValueError(
            "the host of the URL must be ASCII; write an internationalised name "
            f"in its xn-- form (got {url!r})"
        )
    if "%" in split.netloc:
        raise ValueError(
            "the host of the URL must not be percent-encoded nor carry an IPv6 "
            f"zone id (got {url!r})"
        )
    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise ValueError(f"the URL is not valid: {url!r}") from None
    if not split.hostname or not parsed.host:
        raise ValueError(f"the URL has no host: {url!r}")
    if parsed.auth is not None:
        raise ValueError(
            "the URL must not contain a user name or password (user:pass@host); "
            "send credentials in headers"
        )
    scheme = parsed.scheme.lower()
    host = parsed.host.lower()
    if host.startswith("["):
        host = host[1:-1]
    if (scheme, host, parsed.port) != (
        split.scheme.lower(),
        split.hostname,
        split_port,
    ):
        raise ValueError(
            f"the URL is ambiguous: its host or port reads differently to "
            f"different parsers (got {url!r})"
        )
    port = DEFAULT_PORTS[scheme] if parsed.port is None else parsed.port
    if not 0 < port < 65536:
        raise ValueError(f"the URL has an invalid port: {url!r}")
    _check_host_spelling(host, bracketed=parsed.host.startswith("["))
    return scheme, host, port


def _check_host_spelling(host, bracketed):
    """Refuse a host that resolvers or parsers could read as another one."""
    if bracketed:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{host!r} is not an IPv6 address") from None
        return
    if not _HOST_NAME.fullmatch(host) or len(host) > _MAX_HOST_NAME:
        raise ValueError(
            f"the host {host!r} must be a plain DNS name (ASCII letters, digits, "
            "hyphens; internationalised names in their xn-- form; no trailing dot) "
            "or an IP address"
        )
    if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        # An address, so it must be the one spelling every reader agrees on.
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            canonical = None
        if canonical != host:
            raise ValueError(
                f"the host {host!r} is not a canonical IPv4 address; write it as "
                "four decimal numbers without leading zeros, e.g. 192.0.2.10"
            )


def parse_networks(entries):
    """The networks of an allow-list as :mod:`ipaddress` objects.

    ``entries``: a list of addresses or CIDR networks, or one text of them
    separated by commas or semicolons; blank entries are ignored. Raises
    ``ValueError`` naming the first entry that is neither.
    """
    if isinstance(entries, str):
        entries = entries.replace(";", ",").split(",")
    networks = []
    for entry in filter(None, (raw.strip() for raw in entries or ())):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"allowed network {entry!r} is not an address or CIDR network"
            ) from None
    return tuple(networks)


def _resolve(host, port, resolver):
    literal = _ip_literal(host)
    if literal:
        return [literal]
    try:
        infos = resolver(host, port, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise ValueError(f"cannot resolve {host}: {error}") from None
    addresses = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        address = _normalise(ipaddress.ip_address(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ValueError(f"cannot resolve {host}: no address")
    return addresses


def _ip_literal(host):
    """The address ``host`` spells out, or None for a name to resolve."""
    try:
        return _normalise(ipaddress.ip_address(host))
    except ValueError:
        return None


def _normalise(address):
    # "::ffff:127.0.0.1" reaches 127.0.0.1; judge it as the IPv4 address it is.
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _refusal_reason(address):
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    for attribute, label in _REFUSED_CATEGORIES:
        if getattr(address, attribute):
            return label
    if address.version == 6 and address.sixtofour:
        # 6to4 (2002::/16) carries an IPv4 address that relays deliver to.
        inner = _refusal_reason(address.sixtofour)
        if inner:
            return f"6to4-wrapped {inner}"
    # Catches what the flags above miss, e.g. the 100.64.0.0/10 carrier-grade NAT
    # range, which is neither private nor public.
    if not address.is_global:
        return "non-public"
    return None
