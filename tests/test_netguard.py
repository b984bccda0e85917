# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outbound URLs into private, loopback, link-local, metadata and other non-public
ranges are refused unless an administrator allow-listed them; URLs that parsers
could read differently (backslashes, user info, odd address spellings) are
refused even when their target is allowed; the host is resolved once.

Host names go through a fake resolver, so these tests make no DNS traffic.
"""

import socket
from unittest import mock

from odoo.tests.common import BaseCase

from ..tools.netguard import Target
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


class TestSchemeAndHost(BaseCase):
    def test_https_public_host(self):
        resolver = fake_resolver(
            {"hooks.example.com": ["93.184.215.14", "2606:2800::1"]}
        )
        self.assertEqual(
            check_url("https://hooks.example.com/in", [], False, resolver),
            Target(
                "https", "hooks.example.com", 443, ("93.184.215.14", "2606:2800::1")
            ),
        )

    def test_duplicate_answers_are_reported_once(self):
        resolver = fake_resolver({"a.example": ["93.184.215.14", "93.184.215.14"]})
        self.assertEqual(
            check_url("https://a.example", [], False, resolver).addresses,
            ("93.184.215.14",),
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
            check_url("HTTP://example.com/hook", [], True, resolver),
            Target("http", "example.com", 80, ("93.184.215.14",)),
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


class TestAddressRanges(BaseCase):
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
            # So does a 6to4 one, through a relay.
            "[2002:7f00:1::1]": "6to4-wrapped loopback",
            "[2002:a9fe:a9fe::]": "6to4-wrapped cloud metadata",
            # The NAT64 prefix and IPv4-compatible addresses are reserved.
            "[64:ff9b::7f00:1]": "reserved",
            "[::127.0.0.1]": "reserved",
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
            Target("https", "1.1.1.1", 8443, ("1.1.1.1",)),
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


class TestAllowedNetworks(BaseCase):
    def test_allow_listed_loopback_passes(self):
        self.assertEqual(
            check_url("http://127.0.0.1:8069/hook", ["127.0.0.0/8"], True, None),
            Target("http", "127.0.0.1", 8069, ("127.0.0.1",)),
        )

    def test_single_address_and_cidr_entries(self):
        resolver = fake_resolver({"internal.example": ["10.1.2.3", "::1"]})
        allowed = [" 10.1.0.0/16", "", "::1 "]
        self.assertEqual(
            check_url("https://internal.example/", allowed, False, resolver).addresses,
            ("10.1.2.3", "::1"),
        )

    def test_allow_list_is_not_wider_than_written(self):
        with self.assertRaisesRegex(ValueError, "10.2.0.1 is a private address"):
            check_url("https://10.2.0.1/", ["10.1.0.0/16"], False, None)

    def test_metadata_needs_an_explicit_entry(self):
        self.assertEqual(
            check_url("https://169.254.169.254/", ["169.254.169.254"], False, None),
            Target("https", "169.254.169.254", 443, ("169.254.169.254",)),
        )

    def test_bad_entry_is_reported(self):
        with self.assertRaisesRegex(ValueError, "'intranet' is not an address"):
            check_url("https://1.1.1.1/", ["intranet"], False, None)


class TestOneReadingOfTheURL(BaseCase):
    """What urllib3 (the parser that sends) and urlsplit could read differently
    is refused before any lookup, even with the target allow-listed."""

    ALLOWED = ["127.0.0.2", "::1"]

    def assertRefused(self, url, message):
        with (
            self.subTest(url=url),
            self.assertRaisesRegex(ValueError, message),
        ):
            check_url(url, self.ALLOWED, True, unreachable_resolver)

    def test_the_issue_backslash_url(self):
        # urlsplit sees 127.0.0.2 after the "@"; urllib3 connects to 0.0.0.0:8069.
        self.assertRefused(
            "http://0.0.0.0:8069\\@127.0.0.2/../web/webclient/version_info",
            "backslash",
        )

    def test_backslashes_anywhere(self):
        for url in (
            "http://127.0.0.1:8069\\@127.0.0.2:8080/",
            "http://127.0.0.2\\@127.0.0.1/",
            "http://127.0.0.2\\.127.0.0.1/",
            "http://127.0.0.2/\\\\127.0.0.1/",
            "http://127.0.0.2/?next=\\127.0.0.1",
        ):
            self.assertRefused(url, "backslash")

    def test_control_characters_and_whitespace(self):
        for character in ("\t", "\n", "\r", " ", "\x00", "\x0b", "\x7f", "\xa0"):
            self.assertRefused(
                f"http://127.0.0.1:8069{character}@127.0.0.2/", "control characters"
            )
            self.assertRefused(f"http://127.0.0.2/{character}x", "control characters")
        self.assertRefused("http://127.0.0.2/ ", "spaces")

    def test_user_info(self):
        for url in (
            "http://user@127.0.0.2/",
            "http://user:secret@127.0.0.2/",
            "http://:@127.0.0.2/",
            "http://@127.0.0.2/",
            "http://127.0.0.1:8069@127.0.0.2/",
            "http://127.0.0.1&@127.0.0.2#@127.0.0.3/",
        ):
            self.assertRefused(url, "user name or password")

    def test_non_canonical_ipv4(self):
        # Each reaches 127.0.0.1 through inet_aton; only the dotted-quad
        # spelling every reader agrees on is an address.
        for host in (
            "2130706433",
            "0x7f000001",
            "0x7f.1",
            "0x7f.0x0.0x0.0x1",
            "0177.0.0.1",
            "017700000001",
            "127.1",
            "127.0.1",
            "127.0.0.01",
            "127.0.0.1.2",
            "hooks.0x10",
            "hooks.10",
        ):
            self.assertRefused(f"http://{host}:8069/", "not a canonical IPv4 address")

    def test_trailing_dots_and_empty_labels(self):
        for host in ("127.0.0.2.", "hooks.example.com.", "hooks..example.com", ".a"):
            self.assertRefused(f"https://{host}/", "plain DNS name")

    def test_zone_ids_and_percent_encoded_hosts(self):
        for url in (
            "http://[fe80::1%25eth0]/",
            "http://[::1%eth0]/",
            "http://127.0.0.%32/",
            "http://%31%32%37.0.0.2/",
        ):
            self.assertRefused(url, "percent-encoded nor carry an IPv6 zone id")

    def test_non_ascii_hosts(self):
        self.assertRefused("https://ex\u00e4mple.com/", "xn-- form")
        # Full-width digits and ideographic dots fold into "127.0.0.1".
        for url in (
            "http://\uff11\uff12\uff17.0.0.1/",
            "http://127\u30020\u30020\u30021/",
        ):
            with self.subTest(url=url), self.assertRaises(ValueError):
                check_url(url, self.ALLOWED, True, unreachable_resolver)

    def test_ports(self):
        self.assertRefused("http://127.0.0.2:0/", "invalid port")
        self.assertRefused("http://127.0.0.2:80:80/", "invalid port")
        self.assertRefused("http://127.0.0.2:8o/", "invalid port")

    def test_what_both_parsers_read_alike_is_accepted(self):
        # An "@" after the authority belongs to the fragment or query for both.
        for url in (
            "http://127.0.0.2#@127.0.0.1/",
            "http://127.0.0.2?@127.0.0.1/",
            "http://127.0.0.2/@127.0.0.1/",
            "http://127.0.0.2:/hook",
        ):
            with self.subTest(url=url):
                self.assertEqual(
                    check_url(url, self.ALLOWED, True, unreachable_resolver),
                    Target("http", "127.0.0.2", 80, ("127.0.0.2",)),
                )

    def test_ipv6_literals(self):
        self.assertEqual(
            check_url("https://[::1]:8443/", self.ALLOWED, False, unreachable_resolver),
            Target("https", "::1", 8443, ("::1",)),
        )
        # Judged, and connected to, as the IPv4 address it maps to.
        self.assertEqual(
            check_url("http://[::ffff:127.0.0.2]/", self.ALLOWED, True, None),
            Target("http", "::ffff:127.0.0.2", 80, ("127.0.0.2",)),
        )


class TestOneResolution(BaseCase):
    def test_the_name_is_resolved_once_and_every_answer_returned(self):
        lookups = []

        def resolver(host, port, proto=0):
            lookups.append((host, port))
            return fake_resolver({"hooks.example.com": ["93.184.215.14", "1.1.1.1"]})(
                host, port, proto
            )

        target = check_url("https://Hooks.Example.COM:8443/in", [], False, resolver)
        self.assertEqual(lookups, [("hooks.example.com", 8443)])
        self.assertEqual(
            target,
            Target("https", "hooks.example.com", 8443, ("93.184.215.14", "1.1.1.1")),
        )

    def test_default_resolver_is_looked_up_when_called(self):
        # So that replacing socket.getaddrinfo (as the DNS rebinding tests do)
        # changes what the guard is told.
        fake = fake_resolver({"late.example": ["93.184.215.14"]})
        with mock.patch("socket.getaddrinfo", fake):
            target = check_url("https://late.example/", [], False)
        self.assertEqual(target.addresses, ("93.184.215.14",))
