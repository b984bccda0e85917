"""Reference external system for integration_hub's sync tests, benchmark and demo.

A small stand-alone HTTP server (standard library only, no Odoo import) playing
the remote booking system that ``integration.backend`` synchronises with. It speaks
the same JSON:API-style dialect as the module's own REST API, authenticates the
ways real systems do, and can be told to misbehave so tests can prove the sync
survives it.

Run it by hand (it only ever binds 127.0.0.1)::

    python dev/reference_server.py --port 8079 --bookings 50 --guests 20 \\
        --api-key demo-key

or start it from a test or a benchmark::

    with ReferenceServer(bookings=30, guests=10, api_key="k") as remote:
        requests.get(f"{remote.url}/bookings", headers={"X-API-Key": "k"})

HTTP contract
-------------
``GET /bookings``, ``GET /guests`` and ``GET /rooms`` list one page, sorted by
``(updated_at, id)``: query ``page[number]`` (from 1), ``page[size]`` (1-1000,
default 50), ``filter[updated_since]`` (ISO 8601, inclusive) and, for bookings,
``include=guest``. The answer is ``{"data", "meta": {"total", "page",
"per_page"}, "links": {"self", "first", "last", "prev"?, "next"?}}``.
``GET /<collection>/<id>`` reads one resource (``include=guest`` too),
``PATCH /<collection>/<id>`` changes attributes (and a booking's guest
relationship), ``POST /<collection>`` creates one (201). Unknown query parameters
answer 400, invalid writes 422 with one ``details`` entry per field. Every write
stamps ``updated_at`` with a strictly increasing clock, so a written resource
always moves to the end of the order.

Credentials (any configured one is accepted): ``X-API-Key: <key>``,
``Authorization: Bearer <key or token>``, HTTP Basic, or an OAuth2 token from
``POST /oauth/token`` (``grant_type=client_credentials``, client credentials in
the form or in a Basic header). With no credentials configured, nothing is
checked. Errors use the envelope ``{"error": {"code", "message", "details",
"request_id", "documentation_url"}}``.

``POST /webhooks`` accepts the module's outbound webhooks (the demo endpoint's
receiver). Test controls, unauthenticated: ``POST /_control/faults``,
``/_control/reset``, ``/_control/touch``, ``/_control/bad_records``,
``/_control/revoke_tokens`` and ``GET /_control/stats``, each mirroring a
:class:`ReferenceServer` method.
"""

import argparse
import base64
import binascii
import bisect
import contextlib
import hmac
import inspect
import json
import logging
import math
import random
import secrets
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from operator import attrgetter
from typing import NamedTuple
from urllib.parse import parse_qsl
from urllib.parse import unquote_plus
from urllib.parse import urlencode
from urllib.parse import urlsplit

_logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
BOOKING_STATUSES = (
    "tentative",
    "confirmed",
    "checked_in",
    "checked_out",
    "cancelled",
    "no_show",
)
FAULT_MODES = ("none", "http500", "slow", "rate_limit", "malformed_json", "html_error")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
DOCUMENTATION_URL = "https://example.com/reference-server/errors"

BOOKING_ATTRIBUTES = (
    "reference",
    "status",
    "check_in",
    "check_out",
    "room",
    "adults",
    "children",
    "amount",
    "currency",
    "notes",
)
GUEST_ATTRIBUTES = ("name", "email", "phone", "street", "city", "zip", "country_code")
ROOM_ATTRIBUTES = ("number", "name", "capacity", "rate")

_STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# Generated history lies in the past; later writes take the wall clock, so they
# always sort after it.
_HISTORY_START = datetime(2024, 1, 1, tzinfo=timezone.utc)
_FIRST_STAY = date(2024, 1, 1)
_STATUS_WEIGHTS = (10, 50, 8, 25, 5, 2)
_FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "David", "Elena", "Felix", "Greta", "Hugo", "Ines",
    "Jonas", "Klara", "Luca", "Marie", "Noah", "Olivia", "Paul", "Rosa", "Sami",
)  # fmt: skip
_LAST_NAMES = (
    "Martin", "Müller", "García", "Rossi", "Dubois", "Jansen", "Silva", "Novak",
    "Schmidt", "Lopez", "Bernard", "Costa", "Weber", "Moreau", "Peeters", "Ricci",
)  # fmt: skip
_CITIES = (
    ("Paris", "75001", "FR"), ("Lyon", "69001", "FR"), ("Berlin", "10115", "DE"),
    ("München", "80331", "DE"), ("Madrid", "28001", "ES"), ("Roma", "00118", "IT"),
    ("Amsterdam", "1011 AB", "NL"), ("Lisboa", "1100-148", "PT"),
    ("Bruxelles", "1000", "BE"), ("Wien", "1010", "AT"),
)  # fmt: skip
_STREETS = (
    "Rue de la Paix", "Hauptstraße", "Calle Mayor", "Via Roma", "Kalverstraat",
    "Rua Augusta", "Grand-Place", "Ringstraße",
)  # fmt: skip
_ROOM_NAMES = ("Single", "Double", "Twin", "Family", "Suite", "Studio")
_NOTES = ("", "", "", "Late arrival", "Sea view please", "Baby cot", "Vegetarian")
_HTML_ERROR_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body>"
    b"<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
    b"</body></html>"
)
# A body cut off mid-document, as when a proxy drops the connection after a 200.
_TRUNCATED_JSON = b'{"data": [{"id": "B1", "type": "booking", "attributes": {"ref'


class ApiError(Exception):
    """An HTTP error answered with the JSON error envelope."""

    def __init__(self, status, code, message, details=(), headers=()):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.headers = list(headers)


class _Response(NamedTuple):
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple = ()


def _json_response(status, payload, headers=()):
    body = json.dumps(payload, separators=(",", ":")).encode()
    return _Response(status, body, headers=tuple(headers))


def _error_response(error, request_id):
    envelope = {
        "code": error.code,
        "message": error.message,
        "details": error.details,
        "request_id": request_id,
        "documentation_url": f"{DOCUMENTATION_URL}#{error.code}",
    }
    return _json_response(error.status, {"error": envelope}, error.headers)


def _format_stamp(moment):
    return moment.strftime(_STAMP_FORMAT)


def _parse_stamp(value):
    """Normalise an ISO 8601 timestamp to the canonical stamp, or raise ValueError.

    Stamps are compared as strings, which is only correct once both sides are in
    the same UTC, microsecond, ``Z``-suffixed form.
    """
    # A '+' left unencoded in a query string arrives as a space.
    value = value.strip().replace(" ", "+")
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return _format_stamp(moment.astimezone(timezone.utc))


def _same(given, expected):
    """Compare secrets in constant time; ``None`` on either side never matches."""
    if given is None or expected is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def _decode_basic(credentials):
    """Split HTTP Basic credentials into (user, password); (None, None) if garbled."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else (None, None)


class _Record:
    """One stored resource. ``seq`` is unique and breaks ties on ``updated_at``."""

    __slots__ = ("attributes", "guest_id", "id", "seq", "updated_at")

    def __init__(self, id_, seq, updated_at, attributes, guest_id=None):
        self.id = id_
        self.seq = seq
        self.updated_at = updated_at
        self.attributes = attributes
        self.guest_id = guest_id


_ORDER = attrgetter("updated_at", "seq")


class _Collection:
    """The resources of one type, kept sorted by (updated_at, seq).

    The sorted key list lets a page or a delta start be found by bisection, so
    serving a page costs the same at record 10 as at record 10,000.
    """

    def __init__(self, prefix, records):
        self.prefix = prefix
        records.sort(key=_ORDER)
        self._records = records
        self._keys = [_ORDER(record) for record in records]
        self._by_id = {}
        for record in records:
            # An id injected twice (a bad record) resolves to its first copy.
            self._by_id.setdefault(record.id, record)
        self._next_seq = max((record.seq for record in records), default=0) + 1

    def __len__(self):
        return len(self._records)

    def newest_stamp(self):
        """Return the latest updated_at, or "" when empty."""
        return self._keys[-1][0] if self._keys else ""

    def get(self, id_):
        """Return the record with this id, or None."""
        return self._by_id.get(id_)

    def next_id(self):
        """Reserve the (id, seq) of a new record."""
        seq = self._next_seq
        self._next_seq += 1
        return f"{self.prefix}{seq}", seq

    def add(self, record):
        """Append a record just stamped with the newest updated_at."""
        self._records.append(record)
        self._keys.append(_ORDER(record))
        self._by_id.setdefault(record.id, record)

    def restamp(self, record, updated_at):
        """Give a record a new (newest) updated_at, moving it to the end."""
        index = bisect.bisect_left(self._keys, _ORDER(record))
        del self._keys[index]
        del self._records[index]
        record.updated_at = updated_at
        self.add(record)

    def window(self, since, offset, limit):
        """Return (total, records) of the records updated at or after ``since``."""
        start = bisect.bisect_left(self._keys, (since,)) if since else 0
        begin = start + offset
        return len(self._records) - start, self._records[begin : begin + limit]


class _Dataset:
    """Bookings, guests and rooms plus the clock that stamps every write."""

    def __init__(self, bookings, guests, rooms):
        self.bookings = bookings
        self.guests = guests
        self.rooms = rooms
        self._last_stamp = max(
            _format_stamp(_HISTORY_START),
            bookings.newest_stamp(),
            guests.newest_stamp(),
            rooms.newest_stamp(),
        )

    @classmethod
    def generate(cls, bookings, guests, seed, rooms=0):
        """Build a deterministic dataset; every booking references a real guest."""
        if bookings and not guests:
            raise ValueError("bookings need at least one guest")
        rng = random.Random(seed)
        guest_records = [_generate_guest(rng, n, guests) for n in range(1, guests + 1)]
        booking_records = [
            _generate_booking(rng, n, bookings, guests) for n in range(1, bookings + 1)
        ]
        # Rooms draw from a random generator of their own: adding rooms leaves
        # the bookings and guests of a seed as they were.
        room_rng = random.Random(f"rooms-{seed}")
        room_records = [_generate_room(room_rng, n, rooms) for n in range(1, rooms + 1)]
        return cls(
            _Collection("B", booking_records),
            _Collection("G", guest_records),
            _Collection("R", room_records),
        )

    def collection(self, type_):
        """Return the collection of a resource type ("booking", "guest", "room")."""
        if type_ == "booking":
            return self.bookings
        if type_ == "guest":
            return self.guests
        if type_ == "room":
            return self.rooms
        raise ValueError(f"unknown resource type {type_!r}")

    def stamp(self):
        """Return a fresh updated_at, strictly later than every earlier one.

        A written record therefore always belongs at the end of its collection,
        which stays sorted by appending alone.
        """
        stamp = _format_stamp(datetime.now(timezone.utc))
        if stamp <= self._last_stamp:
            last = datetime.strptime(self._last_stamp, _STAMP_FORMAT)
            stamp = _format_stamp(last + timedelta(microseconds=1))
        self._last_stamp = stamp
        return stamp


def _history_stamp(rng, count):
    # Minute granularity over `count` minutes makes equal updated_at values common,
    # so clients meet the id tie-breaker on ordinary data.
    return _format_stamp(_HISTORY_START + timedelta(minutes=rng.randrange(count)))


def _generate_guest(rng, n, count):
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    city, zip_code, country = rng.choice(_CITIES)
    email_name = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
    attributes = {
        "name": f"{first} {last}",
        "email": f"{email_name}.{n}@example.com",
        "phone": f"+{rng.randrange(30, 50)} {rng.randrange(10**8, 10**9)}",
        "street": f"{rng.randrange(1, 200)} {rng.choice(_STREETS)}",
        "city": city,
        "zip": zip_code,
        "country_code": country,
    }
    return _Record(f"G{n}", n, _history_stamp(rng, count), attributes)


def _generate_booking(rng, n, count, guests):
    check_in = _FIRST_STAY + timedelta(days=rng.randrange(730))
    nights = rng.randrange(1, 15)
    attributes = {
        "reference": f"BK-{n:06d}",
        "status": rng.choices(BOOKING_STATUSES, _STATUS_WEIGHTS)[0],
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=nights)).isoformat(),
        "room": f"{rng.randrange(1, 7)}{rng.randrange(1, 31):02d}",
        "adults": rng.randrange(1, 5),
        "children": rng.choice((0, 0, 0, 1, 2)),
        "amount": nights * rng.randrange(8000, 40000) / 100,
        "currency": "EUR",
        "notes": rng.choice(_NOTES),
    }
    guest_id = f"G{rng.randrange(1, guests + 1)}"
    return _Record(f"B{n}", n, _history_stamp(rng, count), attributes, guest_id)


def _generate_room(rng, n, count):
    attributes = {
        "number": f"{(n - 1) // 30 + 1}{(n - 1) % 30 + 1:02d}",
        "name": f"{rng.choice(_ROOM_NAMES)} {n}",
        "capacity": rng.randrange(1, 7),
        "rate": rng.randrange(6000, 40000) / 100,
    }
    return _Record(f"R{n}", n, _history_stamp(rng, count), attributes)


def _resource(type_, record):
    attributes = dict(record.attributes, updated_at=record.updated_at)
    resource = {"id": record.id, "type": type_, "attributes": attributes}
    if type_ == "booking":
        guest = {"type": "guest", "id": record.guest_id}
        resource["relationships"] = {"guest": {"data": guest}}
    return resource


def _date_error(attributes, field):
    value = attributes.get(field)
    try:
        # Round-tripping refuses the other ISO forms (20250601, 2025-W22-7).
        if isinstance(value, str) and date.fromisoformat(value).isoformat() == value:
            return None, date.fromisoformat(value)
    except ValueError:
        pass
    return {"field": field, "message": "must be a date as YYYY-MM-DD"}, None


def _booking_errors(attributes):
    """Return the validation details of a complete set of booking attributes."""
    errors = [
        {"field": field, "message": "must be a non-empty string"}
        for field in ("reference", "currency")
        if not (isinstance(attributes.get(field), str) and attributes[field])
    ]
    if attributes.get("status") not in BOOKING_STATUSES:
        allowed = ", ".join(BOOKING_STATUSES)
        errors.append({"field": "status", "message": f"must be one of {allowed}"})
    check_in_error, check_in = _date_error(attributes, "check_in")
    check_out_error, check_out = _date_error(attributes, "check_out")
    errors += [error for error in (check_in_error, check_out_error) if error]
    if check_in and check_out and check_out <= check_in:
        errors.append({"field": "check_out", "message": "must be after check_in"})
    for field, minimum in (("adults", 1), ("children", 0)):
        value = attributes.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            message = f"must be an integer of at least {minimum}"
            errors.append({"field": field, "message": message})
    amount = attributes.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        errors.append({"field": "amount", "message": "must be a number >= 0"})
    errors += [
        {"field": field, "message": "must be a string or null"}
        for field in ("room", "notes")
        if not isinstance(attributes.get(field), str | None)
    ]
    return errors


def _guest_errors(attributes):
    """Return the validation details of a complete set of guest attributes."""
    errors = []
    if not (isinstance(attributes.get("name"), str) and attributes["name"].strip()):
        errors.append({"field": "name", "message": "must be a non-empty string"})
    # Odoo sends False for empty fields; a real API would refuse it, so do we.
    errors += [
        {"field": field, "message": "must be a string or null"}
        for field in GUEST_ATTRIBUTES[1:]
        if not isinstance(attributes.get(field), str | None)
    ]
    return errors


def _room_errors(attributes):
    """Return the validation details of a complete set of room attributes."""
    errors = []
    if not (isinstance(attributes.get("number"), str) and attributes["number"]):
        errors.append({"field": "number", "message": "must be a non-empty string"})
    if not isinstance(attributes.get("name"), str | None):
        errors.append({"field": "name", "message": "must be a string or null"})
    capacity = attributes.get("capacity")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        errors.append({"field": "capacity", "message": "must be an integer >= 1"})
    rate = attributes.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 0:
        errors.append({"field": "rate", "message": "must be a number >= 0"})
    return errors


_ATTRIBUTES = {
    "booking": BOOKING_ATTRIBUTES,
    "guest": GUEST_ATTRIBUTES,
    "room": ROOM_ATTRIBUTES,
}
_VALIDATORS = {"booking": _booking_errors, "guest": _guest_errors, "room": _room_errors}
_COLLECTIONS = {"bookings": "booking", "guests": "guest", "rooms": "room"}


@dataclass
class _Fault:
    """The misbehaviour in force; ``times`` counts down to its removal."""

    mode: str
    times: int | None
    path_prefix: str
    delay: float
    retry_after: int


class ReferenceServer:
    """A remote booking system on 127.0.0.1, with test controls.

    ``basic`` is a (user, password) pair. With none of ``api_key``, ``basic`` or
    ``client_id`` given, requests are not authenticated. ``port=0`` picks a free
    port. Data is generated on construction, so the control methods work before
    :meth:`start` as well.
    """

    def __init__(
        self,
        *,
        bookings=100,
        guests=50,
        rooms=0,
        seed=1,
        api_key=None,
        basic=None,
        client_id=None,
        client_secret=None,
        token_ttl=3600,
        port=0,
        verbose=False,
    ):
        self.api_key = api_key
        self.basic = tuple(basic) if basic else None
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.port = port
        self.verbose = verbose
        self._lock = threading.Lock()
        self._tokens = {}
        self._fault = None
        self._httpd = None
        self._thread = None
        self._sizes = {
            "bookings": bookings,
            "guests": guests,
            "rooms": rooms,
            "seed": seed,
        }
        self.reset()

    # -- lifecycle -------------------------------------------------------------

    @property
    def url(self):
        """Base URL of the running server, e.g. ``http://127.0.0.1:41234``."""
        if self._httpd is None:
            raise RuntimeError("the reference server is not started")
        return f"http://{HOST}:{self._httpd.server_address[1]}"

    def start(self):
        """Bind 127.0.0.1 and serve from a daemon thread; return self."""
        self._httpd = _HTTPServer(self, self.port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            # A short poll keeps stop() quick in tests that start many servers.
            kwargs={"poll_interval": 0.05},
            name="reference-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        """Stop serving, drop the open connections (kept-alive ones too, as a
        system going down does) and release the port."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.drop_connections()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- test controls ---------------------------------------------------------

    def set_fault(self, mode, times=None, path_prefix=None, delay=1.0, retry_after=1):
        """Make the next ``times`` requests (all, if None) under a path misbehave.

        ``http500`` answers 500, ``slow`` sleeps ``delay`` seconds then answers
        normally, ``rate_limit`` answers 429 with ``Retry-After: retry_after``,
        ``malformed_json`` answers 200 with a truncated JSON body, ``html_error``
        answers 502 with an HTML page, and ``none`` clears the fault. Faulted
        requests change no data. ``/_control`` paths are never affected.
        Returns the fault now in force.
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {', '.join(FAULT_MODES)}")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError("times must be a positive integer or null")
        if not isinstance(delay, int | float) or delay < 0:
            raise ValueError("delay must be a number of seconds >= 0")
        if not isinstance(retry_after, int | float) or retry_after < 0:
            raise ValueError("retry_after must be a number of seconds >= 0")
        fault = None
        if mode != "none":
            # Retry-After carries whole seconds.
            fault = _Fault(
                mode, times, path_prefix or "", delay, math.ceil(retry_after)
            )
        state = asdict(fault) if fault else {"mode": "none"}
        with self._lock:
            self._fault = fault
        return state

    def reset(self, bookings=None, guests=None, seed=None, rooms=None):
        """Regenerate the data, clear the fault and the statistics.

        Arguments left out keep their previous value. Issued tokens stay valid.
        Returns the sizes, the seed and the generation time in seconds.
        """
        sizes = dict(self._sizes)
        given = {"bookings": bookings, "guests": guests, "rooms": rooms, "seed": seed}
        sizes.update({key: value for key, value in given.items() if value is not None})
        if any(not isinstance(value, int) or value < 0 for value in sizes.values()):
            raise ValueError("bookings, guests, rooms and seed must be integers >= 0")
        started = time.perf_counter()
        # Generated outside the lock: requests keep being served meanwhile.
        data = _Dataset.generate(
            sizes["bookings"], sizes["guests"], sizes["seed"], sizes["rooms"]
        )
        with self._lock:
            self._data = data
            self._sizes = sizes
            self._fault = None
            self._requests = Counter()
            self._routes = Counter()
            self._counters = Counter()
        return dict(sizes, seconds=round(time.perf_counter() - started, 6))

    def touch(self, resource_type, ids, attributes=None):
        """Simulate remote edits: update attributes, bump updated_at.

        Attribute names are checked, values are not, so a test can plant any
        value. Returns the changed resources; raises LookupError for an unknown
        id and ValueError for an unknown type or attribute.
        """
        if not isinstance(ids, list | tuple):
            raise ValueError("ids must be a list of resource ids")
        attributes = dict(attributes or {})
        unknown = set(attributes) - set(_ATTRIBUTES.get(resource_type, ()))
        with self._lock:
            collection = self._data.collection(resource_type)
            if unknown:
                raise ValueError(f"unknown attributes: {', '.join(sorted(unknown))}")
            missing = [id_ for id_ in ids if collection.get(id_) is None]
            if missing:
                raise LookupError(f"unknown {resource_type} ids: {', '.join(missing)}")
            touched = []
            for id_ in ids:
                record = collection.get(id_)
                record.attributes.update(attributes)
                collection.restamp(record, self._data.stamp())
                touched.append(_resource(resource_type, record))
        return touched

    def inject_bad_records(self):
        """Add bookings a sync must isolate, newest of all, and return their ids.

        Keys of the answer: ``check_out_before_check_in``, ``unknown_status``,
        ``missing_required_field`` (no ``check_in``), ``unknown_guest`` (refers to
        guest ``G0``) and ``duplicate_id`` (a second copy of the first booking in
        list order, so its id is served on the first page and again on the last).
        """
        with self._lock:
            bookings = self._data.bookings
            _total, first = bookings.window(None, 0, 1)
            if not first or not len(self._data.guests):
                raise ValueError("bad records need at least one booking and guest")
            original = first[0]
            valid = {
                "status": "confirmed",
                "check_in": "2025-06-01",
                "check_out": "2025-06-05",
                "room": "101",
                "adults": 2,
                "children": 0,
                "amount": 480.0,
                "currency": "EUR",
                "notes": "",
            }
            missing_check_in = dict(valid)
            del missing_check_in["check_in"]
            cases = {
                "check_out_before_check_in": (
                    dict(valid, check_in="2025-06-05", check_out="2025-06-01"),
                    original.guest_id,
                ),
                "unknown_status": (dict(valid, status="teleported"), original.guest_id),
                "missing_required_field": (missing_check_in, original.guest_id),
                "unknown_guest": (dict(valid), "G0"),
            }
            injected = {}
            for kind, (attributes, guest_id) in cases.items():
                id_, seq = bookings.next_id()
                record = _Record(
                    id_,
                    seq,
                    self._data.stamp(),
                    {"reference": f"BAD-{seq:06d}", **attributes},
                    guest_id,
                )
                bookings.add(record)
                injected[kind] = id_
            _id, seq = bookings.next_id()
            duplicate = _Record(
                original.id,
                seq,
                self._data.stamp(),
                dict(original.attributes),
                original.guest_id,
            )
            bookings.add(duplicate)
            injected["duplicate_id"] = original.id
        return injected

    def revoke_tokens(self):
        """Invalidate every issued OAuth2 token; return how many there were."""
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
        return count

    def stats(self):
        """Return request counts since the last reset.

        ``requests`` counts by path, ``requests_by_route`` by "METHOD path";
        ``token_requests`` counts calls to /oauth/token (faulted ones included)
        and ``tokens_issued`` the successful ones; ``faults_served`` counts
        requests a fault hit. ``/_control`` requests are not counted.
        """
        with self._lock:
            return {
                "total": sum(self._requests.values()),
                "requests": dict(self._requests),
                "requests_by_route": dict(self._routes),
                "token_requests": self._requests["/oauth/token"],
                "tokens_issued": self._counters["tokens_issued"],
                "faults_served": self._counters["faults_served"],
            }

    def resource(self, resource_type, id_):
        """Return the stored resource as the API would serve it, or None."""
        with self._lock:
            record = self._data.collection(resource_type).get(id_)
            return _resource(resource_type, record) if record else None

    # -- request handling ------------------------------------------------------

    def _handle(self, method, target, headers, body):
        """Answer one HTTP request; the only entry point of the request handler."""
        request_id = uuid.uuid4().hex
        try:
            response = self._route(method, target, headers, body)
        except ApiError as error:
            response = _error_response(error, request_id)
        except Exception:
            _logger.exception("reference server failed on %s %s", method, target)
            crash = ApiError(500, "internal_error", "Unexpected error in the server.")
            response = _error_response(crash, request_id)
        return response._replace(
            headers=(*response.headers, ("X-Request-Id", request_id))
        )

    def _route(self, method, target, headers, body):
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = parse_qsl(parts.query, keep_blank_values=True)
        if path.startswith("/_control/"):
            return self._control(method, path, body)
        with self._lock:
            self._requests[path] += 1
            self._routes[f"{method} {path}"] += 1
        fault = self._take_fault(path)
        if fault and fault.mode == "slow":
            time.sleep(fault.delay)
        elif fault:
            return self._fault_response(fault)
        if path == "/oauth/token":
            _require_method(method, ("POST",))
            return self._issue_token(headers, body)
        if path == "/webhooks":
            # The reference system also subscribes to the module's outbound webhooks,
            # so that the demo's endpoint has a receiver; stats count what arrived.
            _require_method(method, ("POST",))
            return _Response(200, b'{"received": true}')
        self._authenticate(headers)
        segments = path.strip("/").split("/")
        type_ = _COLLECTIONS.get(segments[0])
        if type_ is None or len(segments) > 2:
            raise ApiError(404, "not_found", f"No route for {path}.")
        if len(segments) == 1:
            _require_method(method, ("GET", "POST"))
            if method == "GET":
                return self._list(type_, path, query)
            return self._create(type_, path, body)
        _require_method(method, ("GET", "PATCH"))
        if method == "GET":
            return self._read(type_, segments[1], query)
        return self._update(type_, segments[1], body)

    def _take_fault(self, path):
        with self._lock:
            fault = self._fault
            if fault is None or not path.startswith(fault.path_prefix):
                return None
            if fault.times is not None:
                fault.times -= 1
                if not fault.times:
                    self._fault = None
            self._counters["faults_served"] += 1
            return fault

    def _fault_response(self, fault):
        if fault.mode == "http500":
            raise ApiError(500, "internal_error", "Injected server error.")
        if fault.mode == "rate_limit":
            raise ApiError(
                429,
                "rate_limited",
                "Too many requests.",
                headers=[("Retry-After", str(fault.retry_after))],
            )
        if fault.mode == "html_error":
            return _Response(502, _HTML_ERROR_PAGE, "text/html; charset=utf-8")
        return _Response(200, _TRUNCATED_JSON)

    # -- authentication --------------------------------------------------------

    def _authenticate(self, headers):
        if not (self.api_key or self.basic or self.client_id):
            return
        api_key = headers.get("X-API-Key")
        scheme, _sep, credentials = headers.get("Authorization", "").partition(" ")
        scheme = scheme.lower()
        if api_key is not None:
            valid = _same(api_key, self.api_key)
        elif scheme == "bearer":
            valid = self._valid_bearer(credentials.strip())
        elif scheme == "basic" and self.basic:
            user, password = _decode_basic(credentials)
            valid = _same(user, self.basic[0]) and _same(password, self.basic[1])
        else:
            raise self._unauthorized("Credentials are required.")
        if not valid:
            raise self._unauthorized("Invalid, expired or revoked credentials.")

    def _valid_bearer(self, token):
        if _same(token, self.api_key):
            return True
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def _unauthorized(self, message):
        challenges = []
        if self.api_key or self.client_id:
            challenges.append(("WWW-Authenticate", 'Bearer realm="reference"'))
        if self.basic:
            challenges.append(("WWW-Authenticate", 'Basic realm="reference"'))
        return ApiError(401, "unauthorized", message, headers=challenges)

    def _issue_token(self, headers, body):
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        scheme, _sep, credentials = headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            # RFC 6749 2.3.1: client credentials are form-encoded inside Basic.
            client_id, client_secret = (
                unquote_plus(part) if part is not None else None
                for part in _decode_basic(credentials)
            )
        if not (
            self.client_id
            and _same(client_id, self.client_id)
            and _same(client_secret, self.client_secret)
        ):
            raise ApiError(401, "invalid_client", "Unknown client or wrong secret.")
        if form.get("grant_type") != "client_credentials":
            raise ApiError(
                400,
                "unsupported_grant_type",
                "Only grant_type=client_credentials is supported.",
            )
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.token_ttl
            self._counters["tokens_issued"] += 1
        payload = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
        }
        return _json_response(200, payload, [("Cache-Control", "no-store")])

    # -- resources -------------------------------------------------------------

    def _list(self, type_, path, query):
        params = dict(query)
        _check_parameters(
            params, {"page[number]", "page[size]", "filter[updated_since]", "include"}
        )
        number = _int_parameter(params, "page[number]", 1, 1, None)
        size = _int_parameter(params, "page[size]", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        since_raw = params.get("filter[updated_since]")
        since = None
        if since_raw is not None:
            try:
                since = _parse_stamp(since_raw)
            except ValueError:
                raise ApiError(
                    400,
                    "invalid_parameter",
                    "filter[updated_since] must be an ISO 8601 timestamp.",
                    [{"field": "filter[updated_since]", "value": since_raw}],
                ) from None
        include = _include_parameter(type_, params)
        with self._lock:
            total, records = self._data.collection(type_).window(
                since, (number - 1) * size, size
            )
            data = [_resource(type_, record) for record in records]
            included = self._included(records) if include else None
        extra = [("filter[updated_since]", since_raw)] if since is not None else []
        extra += [("include", params["include"])] if include else []
        last = max(1, math.ceil(total / size))

        def link(page):
            pairs = [("page[number]", page), ("page[size]", size), *extra]
            return f"{path}?{urlencode(pairs, safe='[]:')}"

        links = {"self": link(number), "first": link(1), "last": link(last)}
        if number > 1:
            links["prev"] = link(min(number - 1, last))
        if number < last:
            links["next"] = link(number + 1)
        document = {
            "data": data,
            "meta": {"total": total, "page": number, "per_page": size},
            "links": links,
        }
        if included is not None:
            document["included"] = included
        return _json_response(200, document)

    def _included(self, records):
        guests = self._data.guests
        seen = {}
        for record in records:
            guest = guests.get(record.guest_id)
            if guest is not None and guest.id not in seen:
                seen[guest.id] = _resource("guest", guest)
        return list(seen.values())

    def _read(self, type_, id_, query):
        params = dict(query)
        _check_parameters(params, {"include"})
        include = _include_parameter(type_, params)
        with self._lock:
            record = self._get(type_, id_)
            document = {"data": _resource(type_, record)}
            if include:
                document["included"] = self._included([record])
        return _json_response(200, document)

    def _get(self, type_, id_):
        record = self._data.collection(type_).get(id_)
        if record is None:
            raise ApiError(404, "not_found", f"No {type_} with id {id_}.")
        return record

    def _update(self, type_, id_, body):
        data = _document_data(type_, body)
        if "id" in data and data["id"] != id_:
            raise ApiError(409, "conflict", "data.id does not match the URL.")
        attributes = _writable_attributes(type_, data)
        with self._lock:
            record = self._get(type_, id_)
            guest_id = self._guest_relationship(type_, data) or record.guest_id
            merged = dict(record.attributes, **attributes)
            _validate(type_, merged)
            record.attributes = merged
            record.guest_id = guest_id
            collection = self._data.collection(type_)
            collection.restamp(record, self._data.stamp())
            resource = _resource(type_, record)
        return _json_response(200, {"data": resource})

    def _create(self, type_, path, body):
        data = _document_data(type_, body)
        if "id" in data:
            raise ApiError(
                403, "forbidden", "Ids are assigned by the server, not the client."
            )
        attributes = _writable_attributes(type_, data)
        with self._lock:
            guest_id = self._guest_relationship(type_, data)
            if type_ == "booking" and guest_id is None:
                raise ApiError(
                    422,
                    "validation_error",
                    "A booking needs a guest.",
                    [{"field": "guest", "message": "relationship is required"}],
                )
            collection = self._data.collection(type_)
            id_, seq = collection.next_id()
            defaults = dict.fromkeys(_ATTRIBUTES[type_], "")
            if type_ == "room":
                defaults.update(name=None, capacity=1, rate=0.0)
            elif type_ == "booking":
                defaults.update(
                    reference=f"BK-{seq:06d}",
                    status="tentative",
                    adults=1,
                    children=0,
                    amount=0.0,
                    currency="EUR",
                )
            merged = dict(defaults, **attributes)
            _validate(type_, merged)
            record = _Record(id_, seq, self._data.stamp(), merged, guest_id)
            collection.add(record)
            resource = _resource(type_, record)
        return _json_response(201, {"data": resource}, [("Location", f"{path}/{id_}")])

    def _guest_relationship(self, type_, data):
        """Return the guest id a booking document points to, None if it doesn't."""
        relationships = data.get("relationships")
        if type_ != "booking" or not relationships:
            return None
        try:
            linkage = relationships["guest"]["data"]
            guest_id = linkage["id"] if linkage["type"] == "guest" else None
        except (KeyError, TypeError):
            guest_id = None
        if not isinstance(guest_id, str) or self._data.guests.get(guest_id) is None:
            raise ApiError(
                422,
                "validation_error",
                "The guest relationship must name an existing guest.",
                [{"field": "guest", "message": f"unknown guest {guest_id!r}"}],
            )
        return guest_id

    # -- control API -----------------------------------------------------------

    def _control(self, method, path, body):
        if path == "/_control/stats":
            _require_method(method, ("GET",))
            return _json_response(200, self.stats())
        _require_method(method, ("POST",))
        options = _json_body(body) if body.strip() else {}
        if not isinstance(options, dict):
            raise ApiError(400, "invalid_request", "The body must be a JSON object.")
        try:
            return _json_response(200, self._control_action(path, options))
        except ValueError as error:
            raise ApiError(400, "invalid_request", str(error)) from None
        except LookupError as error:
            raise ApiError(404, "not_found", str(error)) from None

    def _control_action(self, path, options):
        """Run the control action at ``path``; return its JSON answer."""
        if path == "/_control/faults":
            return {"fault": _call(self.set_fault, options)}
        if path == "/_control/reset":
            return _call(self.reset, options)
        if path == "/_control/touch":
            # The JSON key is "type"; the Python argument avoids the builtin's name.
            options = dict(options)
            options["resource_type"] = options.pop("type", None)
            return {"data": _call(self.touch, options)}
        if path == "/_control/bad_records":
            return _call(self.inject_bad_records, options)
        if path == "/_control/revoke_tokens":
            return {"revoked": _call(self.revoke_tokens, options)}
        raise LookupError(f"No route for {path}.")


def _call(method, options):
    """Call a control method with JSON options, refusing unknown option names."""
    try:
        inspect.signature(method).bind(**options)
    except TypeError as error:
        raise ValueError(str(error)) from None
    return method(**options)


def _require_method(method, allowed):
    if method not in allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            f"{method} is not allowed here.",
            headers=[("Allow", ", ".join(allowed))],
        )


def _check_parameters(params, allowed):
    # Refusing unknown parameters turns a client's typo (filter[updated_after])
    # into a failing test instead of a silent full download.
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ApiError(
            400,
            "invalid_parameter",
            f"Unknown query parameters: {', '.join(unknown)}.",
            [{"field": name} for name in unknown],
        )


def _int_parameter(params, name, default, minimum, maximum):
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum else f">= {minimum}"
        raise ApiError(
            400,
            "invalid_parameter",
            f"{name} must be an integer {bounds}.",
            [{"field": name, "value": raw}],
        )
    return value


def _include_parameter(type_, params):
    include = params.get("include")
    if include is None:
        return False
    if type_ == "booking" and include == "guest":
        return True
    raise ApiError(
        400,
        "invalid_parameter",
        f"include={include} is not supported on {type_} resources.",
        [{"field": "include", "value": include}],
    )


def _json_body(body):
    try:
        return json.loads(body)
    except ValueError:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None


def _document_data(type_, body):
    """Return the ``data`` member of a write request, checked for shape and type."""
    document = _json_body(body)
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("attributes", {}), dict):
        raise ApiError(
            400,
            "invalid_document",
            'The body must be {"data": {"type", "attributes": {...}}}.',
        )
    if data.get("type") != type_:
        raise ApiError(409, "conflict", f"data.type must be {type_!r}.")
    return data


def _writable_attributes(type_, data):
    attributes = dict(data.get("attributes", {}))
    # Clients often echo back what they read; the server owns updated_at.
    attributes.pop("updated_at", None)
    unknown = sorted(set(attributes) - set(_ATTRIBUTES[type_]))
    if unknown:
        raise ApiError(
            422,
            "validation_error",
            f"Unknown attributes: {', '.join(unknown)}.",
            [{"field": name, "message": "unknown attribute"} for name in unknown],
        )
    return attributes


def _validate(type_, attributes):
    errors = _VALIDATORS[type_](attributes)
    if errors:
        raise ApiError(422, "validation_error", f"Invalid {type_}.", errors)


class _Handler(BaseHTTPRequestHandler):
    """Adapts http.server to :meth:`ReferenceServer._handle`."""

    protocol_version = "HTTP/1.1"
    server_version = "ReferenceServer/1.0"
    # Headers and body go out in two writes; without TCP_NODELAY the body can wait
    # for the client's delayed ACK (~40 ms), which would dwarf the work itself.
    disable_nagle_algorithm = True
    # Idle keep-alive connections give their thread back after this many seconds.
    timeout = 30

    def _serve(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Invalid Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        response = self.server.app._handle(self.command, self.path, self.headers, body)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format, *args):
        """Log requests only with ``verbose``; tests and benchmarks stay quiet."""
        if self.server.app.verbose:
            super().log_message(format, *args)


class _HTTPServer(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, app, port):
        self.app = app
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def process_request(self, request, client_address):
        """Serve a connection in its own thread, keeping it until it ends."""
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self):
        """Cut every open connection: a client's next request on a kept-alive
        one fails as it would against a stopped system."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client

    def handle_error(self, request, client_address):
        """Stay quiet when a client hangs up, as clients timing out on "slow" do."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main(argv=None):
    """Run the reference server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8079)
    parser.add_argument("--bookings", type=int, default=50)
    parser.add_argument("--guests", type=int, default=20)
    parser.add_argument("--rooms", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--api-key", help="accept X-API-Key or Bearer with this key")
    parser.add_argument("--basic", metavar="USER:PASSWORD", help="accept HTTP Basic")
    parser.add_argument("--client-id", help="OAuth2 client credentials: client id")
    parser.add_argument("--client-secret", help="OAuth2 client credentials: secret")
    parser.add_argument("--token-ttl", type=int, default=3600, help="token lifetime")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    basic = None
    if args.basic:
        user, sep, password = args.basic.partition(":")
        if not sep:
            parser.error("--basic takes USER:PASSWORD")
        basic = (user, password)
    server = ReferenceServer(
        bookings=args.bookings,
        guests=args.guests,
        rooms=args.rooms,
        seed=args.seed,
        api_key=args.api_key,
        basic=basic,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_ttl=args.token_ttl,
        port=args.port,
        verbose=args.verbose,
    )
    with server:
        print(
            f"Reference server on {server.url} with {args.bookings} bookings, "
            f"{args.guests} guests and {args.rooms} rooms; Ctrl-C to stop.",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
