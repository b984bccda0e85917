# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Refuse outbound URLs that point into private networks (SSRF protection).

An endpoint URL is chosen by a user, and the server sends requests to it: without
this check a webhook could be aimed at the database, a cloud metadata service or an
admin interface on the internal network. Administrators exempt the networks they
really deliver to through ``integration_hub.allowed_networks``.

The check resolves the host itself; the HTTP client resolves it again when it
connects, so a DNS answer that changes in between (DNS rebinding) is not caught.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

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


def check_url(
    url: str,
    allowed_networks: list[str],
    allow_http: bool,
    resolver=socket.getaddrinfo,
) -> list[str]:
    """Check that ``url`` may receive outbound requests; return its addresses.

    :param allowed_networks: addresses or CIDR networks (``"10.1.0.0/16"``,
        ``"::1"``) exempt from the refusal; blank entries are ignored.
    :param allow_http: whether plain ``http`` is accepted besides ``https``.
    :param resolver: a :func:`socket.getaddrinfo` lookalike, replaceable in tests.
        Hosts written as IP literals are not passed to it.
    :returns: the resolved IP addresses, in resolver order, without duplicates.
    :raises ValueError: with a message for the operator when the URL is refused.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"the URL must start with https:// or http:// (got {url!r})")
    if scheme == "http" and not allow_http:
        raise ValueError(
            "plain http is not allowed; use https, or set the system parameter "
            "integration_hub.allow_http to True"
        )
    host = parts.hostname
    if not host:
        raise ValueError(f"the URL has no host: {url!r}")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ValueError(f"the URL has an invalid port: {url!r}") from None
    networks = _parse_networks(allowed_networks)
    addresses = _resolve(host, port, resolver)
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
    return [str(address) for address in addresses]


def _parse_networks(entries):
    networks = []
    for entry in filter(None, (raw.strip() for raw in entries)):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"allowed network {entry!r} is not an address or CIDR network"
            ) from None
    return networks


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
    # Catches what the flags above miss, e.g. the 100.64.0.0/10 carrier-grade NAT
    # range, which is neither private nor public.
    if not address.is_global:
        return "non-public"
    return None
