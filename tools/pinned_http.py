# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTTP sessions that connect only to the address the URL guard vetted.

:func:`netguard.check_url` resolves a host once and checks every address it
resolves to. A plain ``requests`` session would then resolve the name again when
it connects, and a DNS answer that changed in between (DNS rebinding) would send
the request wherever the attacker likes. A session from :func:`pinned_session`
connects to the vetted address instead, never resolving the name, while the
name still goes where HTTP and TLS need it: the ``Host`` header, the TLS server
name (SNI) and certificate verification.

How: requests takes its urllib3 connection pools from a ``PoolManager`` by
scheme, host and port. :class:`PinnedPoolManager` answers only for the vetted
target, with a pool whose connections go to the pinned IP address and whose TLS
``server_hostname``/``assert_hostname`` are the host name; a request for any
other scheme, host or port (a redirect followed by mistake, a URL that changed)
is refused with :class:`TargetMismatch` rather than connected. Pools stay open
between requests, so keep-alive connections are reused as with any session.

Proxies are never used: the session ignores the environment's
(``trust_env = False``) and the adapter drops any passed in, since a proxy would
make its own, unchecked, connection. Callers keep redirects off.

TLS follows a :class:`TlsPolicy`: certificates are always verified (a caller's
``verify=False`` is ignored), versions older than the policy's minimum (never
below 1.2) are refused in the handshake, and the certificate authorities of an
extra PEM file are trusted besides requests' own bundle (certifi). The
environment's ``REQUESTS_CA_BUNDLE`` plays no part: it is read only by sessions
that trust the environment, and these do not (it would bring its proxies too).
"""

import logging
import re
import ssl
from typing import NamedTuple

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connectionpool import port_by_scheme

from .netguard import DEFAULT_PORTS

_logger = logging.getLogger(__name__)

# The oldest TLS version accepted, by setting value; anything else means 1.2.
TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class TargetMismatch(requests.exceptions.InvalidURL):
    """A request for another scheme, host or port than the vetted target."""


class TlsPolicy(NamedTuple):
    """How a session speaks TLS: ``min_version`` (``"1.2"`` or ``"1.3"``) and
    ``extra_ca_file``, a PEM file of certificate authorities trusted besides
    the default bundle (a private CA of the organisation; empty: none)."""

    min_version: str = "1.2"
    extra_ca_file: str = ""

    def pool_kwargs(self):
        """The urllib3 pool arguments of this policy."""
        kwargs = {
            "ssl_minimum_version": TLS_VERSIONS.get(
                self.min_version, TLS_VERSIONS["1.2"]
            )
        }
        if self.extra_ca_file:
            try:
                kwargs["ca_cert_data"] = read_ca_file(self.extra_ca_file)
            except ValueError as error:
                # Fail closed: without the file, certificates it should vouch
                # for are refused, and each attempt says so.
                _logger.warning("Extra CA bundle not used: %s", error)
        return kwargs


_PEM_CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----"
)


def read_ca_file(path):
    """The PEM certificates of the file at ``path``, as one text OpenSSL
    loads (comments dropped); ``ValueError`` when it cannot be read or holds
    no certificate OpenSSL accepts."""
    try:
        with open(path, encoding="utf-8", errors="replace") as bundle:
            pem = "\n".join(_PEM_CERTIFICATE.findall(bundle.read()))
    except OSError as error:
        raise ValueError(f"{path} cannot be read ({error.strerror}).") from None
    try:
        if not pem:
            raise ssl.SSLError("no PEM certificate")
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=pem)
    except ssl.SSLError:
        raise ValueError(f"{path} holds no valid PEM certificate.") from None
    return pem


DEFAULT_TLS = TlsPolicy()
_SSL_REASON = re.compile(r"\[SSL: ([A-Z0-9_]+)\]|(certificate verify failed[^'\")(]*)")


def tls_reason(error):
    """The OpenSSL reason of TLS failure ``error`` (e.g.
    ``CERTIFICATE_VERIFY_FAILED``, ``UNSUPPORTED_PROTOCOL``), without the URL
    that requests' message repeats; the class name when none is found."""
    found = _SSL_REASON.search(str(error))
    return found.group(1) or found.group(2).strip() if found else type(error).__name__


def _bracketed(host):
    """An IPv6 address in brackets, as urllib3 and the Host header want it."""
    return f"[{host}]" if ":" in host else host


def host_header(target):
    """The ``Host`` header of requests to ``target`` (port only if not default)."""
    host = _bracketed(target.host)
    if target.port == DEFAULT_PORTS[target.scheme]:
        return host
    return f"{host}:{target.port}"


def same_destination(pinned, target):
    """Whether a session pinned for ``pinned`` may serve the newly vetted
    ``target``: same scheme, host and port, and its pinned address is still
    among the vetted ones (so keep-alive connections survive a re-check, even
    when the resolver rotates its answers)."""
    return (
        pinned is not None
        and pinned[:3] == target[:3]
        and pinned.addresses[0] in target.addresses
    )


class PinnedPoolManager(PoolManager):
    """Connection pools for one vetted target, connecting to its first address."""

    def __init__(self, target, **kwargs):
        super().__init__(**kwargs)
        self.target = target

    def connection_from_host(self, host, port=None, scheme="http", pool_kwargs=None):
        """The pool of the pinned address, for the vetted target only."""
        scheme = (scheme or "http").lower()
        port = port or port_by_scheme.get(scheme, 80)
        host = (host or "").lower().strip("[]")
        target = self.target
        if (scheme, host, port) != (target.scheme, target.host, target.port):
            raise TargetMismatch(
                f"{scheme}://{_bracketed(host)}:{port} is not the checked target "
                f"{target.scheme}://{_bracketed(target.host)}:{target.port}"
            )
        pool_kwargs = dict(pool_kwargs or {})
        if scheme == "https":
            # TLS speaks to the name; the socket goes to the pinned address.
            pool_kwargs["server_hostname"] = target.host
            pool_kwargs["assert_hostname"] = target.host
        return super().connection_from_host(
            _bracketed(target.addresses[0]), port, scheme, pool_kwargs
        )


class PinnedAdapter(HTTPAdapter):
    """A requests adapter sending to one vetted target (see the module doc)."""

    def __init__(self, target, pool_maxsize=1, tls=DEFAULT_TLS):
        self.target = target
        self.tls = tls
        self._host_header = host_header(target)
        super().__init__(pool_connections=1, pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        """Use a :class:`PinnedPoolManager` (requests' hook for custom pools)."""
        result = super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager = PinnedPoolManager(
            self.target,
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            **pool_kwargs,
            **self.tls.pool_kwargs(),
        )
        return result

    def add_headers(self, request, **kwargs):
        """Name the host: the pool's own host is the pinned IP address."""
        request.headers["Host"] = self._host_header

    def send(
        self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None
    ):
        """Send without any proxy, whatever the caller passed in ``proxies``,
        and verify the certificate even when the caller said not to (a CA
        bundle path in ``verify`` is used in place of the default one)."""
        return super().send(
            request, stream, timeout, verify or True, cert, proxies=None
        )


def pinned_session(target, pool_maxsize=1, tls=DEFAULT_TLS):
    """A pooled ``requests.Session`` that sends only to ``target``, connecting
    to its first vetted address, without proxies, speaking TLS as ``tls`` (a
    :class:`TlsPolicy`) says."""
    session = requests.Session()
    session.trust_env = False
    adapter = PinnedAdapter(target, pool_maxsize, tls)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def kept_session(cache, key, target, pool_maxsize=1, tls=DEFAULT_TLS):
    """The pinned session kept in ``cache`` (a dict) under ``key``, for the
    vetted ``target`` and the :class:`TlsPolicy` ``tls``.

    Kept while the pool size and the TLS policy are the same and its pinned
    address is still among the vetted ones, so keep-alive connections survive
    from call to call; replaced otherwise (the old one's connections close
    when it is dropped), so a stricter policy applies from the next call.
    """
    cached = cache.get(key)
    if (
        cached
        and cached[0] == (pool_maxsize, tls)
        and same_destination(cached[1], target)
    ):
        return cached[2]
    session = pinned_session(target, pool_maxsize, tls)
    cache[key] = ((pool_maxsize, tls), target, session)
    return session
