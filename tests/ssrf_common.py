# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Loopback servers that count who reaches them, a resolver that changes its
answer (DNS rebinding) and a throwaway certificate authority, for the tests of
the outbound URL guard. Everything stays on 127.0.0.0/8."""

import datetime
import json
import socket
import ssl
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from .outbound_common import ServedInThread

# The address tests allow-list; the server itself (Odoo, receivers standing in
# for internal services) is on 127.0.0.1, which stays refused.
VETTED = "127.0.0.2"
INSIDE = "127.0.0.1"
_REAL_GETADDRINFO = socket.getaddrinfo


class CountingServer(ServedInThread):
    """An HTTP(S) server on ``host`` that records every request it gets.

    Answers like a small booking system: ``POST /oauth/token`` gives a token,
    anything else a JSON:API document with no bookings (``meta.total`` 0);
    ``redirect_to`` makes every answer a 302 to that URL instead.
    ``tls_versions``: the ``(oldest, newest)`` ``ssl.TLSVersion`` it speaks.
    """

    def __init__(self, host, port=0, tls=None, redirect_to=None, tls_versions=None):
        self.requests = []
        self.sni_names = []
        server = self
        context = None
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            if tls_versions:
                # Security level 0 lets OpenSSL 3 speak TLS 1.1 at all.
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
                context.minimum_version, context.maximum_version = tls_versions
            context.sni_callback = lambda _sock, name, _ctx: self.sni_names.append(name)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "host": self.headers.get("Host"),
                    }
                )
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path.startswith("/oauth/token"):
                    document = {"access_token": "pinned-token", "expires_in": 3600}
                else:
                    document = {"data": [], "meta": {"total": 0}}
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                sock, address = super().get_request()
                if context:
                    sock = context.wrap_socket(sock, server_side=True)
                return sock, address

        self._serve_in_thread(Server((host, port), Handler))
        self.host = host


def same_port_pair():
    """A port free on both 127.0.0.1 and 127.0.0.2: two servers on it differ
    only by address, so a request shows by where it lands which address it
    connected to."""
    for _attempt in range(20):
        with socket.socket() as inside:
            inside.bind((INSIDE, 0))
            port = inside.getsockname()[1]
            with socket.socket() as vetted:
                try:
                    vetted.bind((VETTED, port))
                except OSError:
                    continue
        return port
    raise RuntimeError("no port free on both loopback addresses")


def closed_port(host=VETTED):
    """A port of ``host`` on which nothing listens."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class RebindingResolver:
    """A ``socket.getaddrinfo`` stand-in answering ``name`` with ``answers`` in
    turn (the last one repeated), the way an attacker's DNS server answers a
    first lookup with a harmless address and later ones with an internal one.
    Other hosts are resolved for real (they are IP literals on loopback)."""

    def __init__(self, name, *answers):
        self.name = name
        self.answers = answers
        self.lookups = 0

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        if host != self.name:
            return _REAL_GETADDRINFO(host, port, family, type, proto, flags)
        address = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        return [
            (
                socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, port),
            )
        ]


def _certificate(subject, issuer, public_key, issuer_key, extensions):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def make_test_ca(directory, host_name):
    """Write a throwaway CA and a server certificate for ``host_name`` signed by
    it into ``directory``; return ``(ca_file, (cert_file, key_file))``."""
    directory = Path(directory)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(
        "Integration Hub test CA",
        "Integration Hub test CA",
        ca_key.public_key(),
        ca_key,
        [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                True,
            ),
            (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
        ],
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate(
        host_name,
        "Integration Hub test CA",
        key.public_key(),
        ca_key,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.SubjectAlternativeName([x509.DNSName(host_name)]), False),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                False,
            ),
        ],
    )
    ca_file, cert_file, key_file = (
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server.key",
    )
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(ca_file), (str(cert_file), str(key_file))


def call_kw(case, model, method, ids, *args, **kwargs):
    """Call a model method over the server's real JSON-RPC, as the user the
    HttpCase ``case`` authenticated; return the decoded answer (``result`` or
    ``error``)."""
    response = case.url_open(
        f"/web/dataset/call_kw/{model}/{method}",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "model": model,
                    "method": method,
                    "args": [ids, *args],
                    "kwargs": kwargs,
                },
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    response.raise_for_status()
    return response.json()
