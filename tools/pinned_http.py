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
"""

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connectionpool import port_by_scheme

from .netguard import DEFAULT_PORTS


class TargetMismatch(requests.exceptions.InvalidURL):
    """A request for another scheme, host or port than the vetted target."""


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

    def __init__(self, target, pool_maxsize=1):
        self.target = target
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
        )
        return result

    def add_headers(self, request, **kwargs):
        """Name the host: the pool's own host is the pinned IP address."""
        request.headers["Host"] = self._host_header

    def send(
        self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None
    ):
        """Send without any proxy, whatever the caller passed in ``proxies``."""
        return super().send(request, stream, timeout, verify, cert, proxies=None)


def pinned_session(target, pool_maxsize=1):
    """A pooled ``requests.Session`` that sends only to ``target``, connecting
    to its first vetted address, without proxies."""
    session = requests.Session()
    session.trust_env = False
    adapter = PinnedAdapter(target, pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def kept_session(cache, key, target, pool_maxsize=1):
    """The pinned session kept in ``cache`` (a dict) under ``key``, for the
    vetted ``target``.

    Kept while the pool size is the same and its pinned address is still among
    the vetted ones, so keep-alive connections survive from call to call;
    replaced otherwise (the old one's connections close when it is dropped).
    """
    cached = cache.get(key)
    if cached and cached[0] == pool_maxsize and same_destination(cached[1], target):
        return cached[2]
    session = pinned_session(target, pool_maxsize)
    cache[key] = (pool_maxsize, target, session)
    return session
