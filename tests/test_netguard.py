# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outbound URLs into private, loopback, link-local, metadata and other non-public
ranges are refused unless an administrator allow-listed them.

Host names go through a fake resolver, so these tests make no DNS traffic.
"""

import socket
import unittest

from ..tools.netguard import check_url


def fake_resolver(table):
    """A getaddrinfo stand-in answering from ``table`` (host → addresses)."""

    def resolve(host, port, proto=0):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                proto,
                "",
                (address, port),
            )
            for address in table[host]
        ]

    return resolve


def unreachable_resolver(host, port, proto=0):
    raise AssertionError(f"IP literal {host} must not be resolved")


class TestSchemeAndHost(unittest.TestCase):
    def test_https_public_host(self):
        resolver = fake_resolver(
            {"hooks.example.com": ["93.184.215.14", "2606:2800::1"]}
        )
        self.assertEqual(
            check_url("https://hooks.example.com/in", [], False, resolver),
            ["93.184.215.14", "2606:2800::1"],
        )

    def test_duplicate_answers_are_reported_once(self):
        resolver = fake_resolver({"a.example": ["93.184.215.14", "93.184.215.14"]})
        self.assertEqual(
            check_url("https://a.example", [], False, resolver), ["93.184.215.14"]
        )

    def test_other_schemes_are_refused(self):
        for url in ("ftp://example.com/x", "file:///etc/passwd", "example.com/path"):
            with (
                self.subTest(url=url),
                self.assertRaisesRegex(ValueError, "must start with https://"),
            ):
                check_url(url, [], True, unreachable_resolver)

    def test_plain_http_needs_permission(self):
        resolver = fake_resolver({"example.com": ["93.184.215.14"]})
        with self.assertRaisesRegex(ValueError, "integration_hub.allow_http"):
            check_url("http://example.com/hook", [], False, resolver)
        self.assertEqual(
            check_url("HTTP://example.com/hook", [], True, resolver), ["93.184.215.14"]
        )

    def test_missing_host(self):
        with self.assertRaisesRegex(ValueError, "no host"):
            check_url("https:///path", [], False, unreachable_resolver)

    def test_invalid_port(self):
        with self.assertRaisesRegex(ValueError, "invalid port"):
            check_url("https://example.com:99999/", [], False, unreachable_resolver)

    def test_unresolvable_host(self):
        with self.assertRaisesRegex(ValueError, "cannot resolve nowhere.invalid"):
            check_url("https://nowhere.invalid/", [], False, fake_resolver({}))


class TestAddressRanges(unittest.TestCase):
    def test_non_public_literals_are_refused(self):
        cases = {
            "127.0.0.1": "loopback",
            "[::1]": "loopback",
            "0.0.0.0": "unspecified",
            "[::]": "unspecified",
            "10.1.2.3": "private",
            "172.16.0.1": "private",
            "192.168.1.10": "private",
            "[fd12:3456::1]": "private",
            "169.254.10.1": "link-local",
            "[fe80::1]": "link-local",
            "224.0.0.1": "multicast",
            "[ff02::1]": "multicast",
            "240.0.0.1": "reserved",
            "100.64.0.1": "non-public",
            "169.254.169.254": "cloud metadata",
            "[fd00:ec2::254]": "cloud metadata",
            # An IPv4-mapped IPv6 address reaches the IPv4 host behind it.
            "[::ffff:127.0.0.1]": "loopback",
        }
        for host, reason in cases.items():
            with (
                self.subTest(host=host),
                self.assertRaisesRegex(ValueError, f"a {reason} address"),
            ):
                check_url(f"https://{host}/hook", [], False, unreachable_resolver)

    def test_public_literal_is_accepted(self):
        self.assertEqual(
            check_url("https://1.1.1.1:8443/x", [], False, unreachable_resolver),
            ["1.1.1.1"],
        )

    def test_one_private_answer_refuses_the_host(self):
        # A name resolving to both a public and an internal address must not pass.
        resolver = fake_resolver({"mixed.example": ["93.184.215.14", "10.0.0.5"]})
        with self.assertRaisesRegex(ValueError, "mixed.example resolves to 10.0.0.5"):
            check_url("https://mixed.example/", [], False, resolver)

    def test_zoned_link_local_answer_is_refused(self):
        resolver = fake_resolver({"ll.example": ["fe80::1%eth0"]})
        with self.assertRaisesRegex(ValueError, "link-local"):
            check_url("https://ll.example/", [], False, resolver)


class TestAllowedNetworks(unittest.TestCase):
    def test_allow_listed_loopback_passes(self):
        self.assertEqual(
            check_url("http://127.0.0.1:8069/hook", ["127.0.0.0/8"], True, None),
            ["127.0.0.1"],
        )

    def test_single_address_and_cidr_entries(self):
        resolver = fake_resolver({"internal.example": ["10.1.2.3", "::1"]})
        allowed = [" 10.1.0.0/16", "", "::1 "]
        self.assertEqual(
            check_url("https://internal.example/", allowed, False, resolver),
            ["10.1.2.3", "::1"],
        )

    def test_allow_list_is_not_wider_than_written(self):
        with self.assertRaisesRegex(ValueError, "10.2.0.1 is a private address"):
            check_url("https://10.2.0.1/", ["10.1.0.0/16"], False, None)

    def test_metadata_needs_an_explicit_entry(self):
        self.assertEqual(
            check_url("https://169.254.169.254/", ["169.254.169.254"], False, None),
            ["169.254.169.254"],
        )

    def test_bad_entry_is_reported(self):
        with self.assertRaisesRegex(ValueError, "'intranet' is not an address"):
            check_url("https://1.1.1.1/", ["intranet"], False, None)
