# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every Integration User may see of things that can carry secrets (no ORM).

Stored request headers (outbound attempts, inbound messages), endpoint and
backend URLs and the error texts that quote them are readable by every
Integration User, while the credentials they may carry (an ``Authorization``
header, a custom header, a token in a query string, a secret path) are for
Integration Managers only.

- Headers are shown in clear only when their name is on a known-safe list
  (:data:`SAFE_HEADERS`): a header nobody thought of is masked, not leaked.
  Signature headers keep their scheme prefixes (``v1,********``) so that an
  operator still sees which scheme and how many signatures were sent.
- A URL is shown as ``scheme://host[:port]/…?name=…``: where it goes, not the
  path, query values, user information or fragment that may hold a credential.
- An error text is cleaned of the URLs it quotes: the known ones (those of the
  record, in whatever piece the HTTP library printed them) and anything that
  looks like a URL or a request target.
"""

import functools
import re
from urllib.parse import urlsplit

MASK = "********"
# What stands for a redacted part of a URL.
HIDDEN = "…"

# Header names (lower case) whose values are never credentials: shown in clear.
SAFE_HEADERS = frozenset(
    {
        # HTTP itself
        "accept",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "connection",
        "content-encoding",
        "content-length",
        "content-type",
        "host",
        "user-agent",
        # Proxies and tracing (addresses are stored with each message anyway)
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-real-ip",
        "x-request-id",
        "traceparent",
        # Delivery ids, timestamps and topics of the supported schemes
        "webhook-id",
        "webhook-timestamp",
        "svix-id",
        "svix-timestamp",
        "x-webhook-id",
        "x-webhook-timestamp",
        "x-github-event",
        "x-github-delivery",
        "x-github-hook-id",
        "x-github-hook-installation-target-id",
        "x-github-hook-installation-target-type",
        "x-shopify-topic",
        "x-shopify-shop-domain",
        "x-shopify-webhook-id",
        "x-shopify-event-id",
        "x-shopify-api-version",
        "x-shopify-triggered-at",
    }
)
# Signature headers: shown with their scheme prefixes, the signatures masked.
SIGNATURE_HEADERS = frozenset(
    {
        "webhook-signature",
        "svix-signature",
        "x-webhook-signature",
        "x-hub-signature",
        "x-hub-signature-256",
        "stripe-signature",
        "x-shopify-hmac-sha256",
    }
)
_CLEAR, _SIGNATURE, _MASKED = "clear", "signature", "masked"
# One signature after its scheme prefix: "v1,<base64>", "v1=<hex>", "sha256=<hex>".
_SIGNATURE_RE = re.compile(r"(v\d+,|v\d+=|sha\d+=)[^\s,]+")
# A signature header once masked holds nothing else than masked signatures,
# Stripe's timestamp and separators; anything else is masked whole.
_MASKED_SIGNATURE_RE = re.compile(
    r"(?:[\s,]+|t=\d+|(?:v\d+,|v\d+=|sha\d+=)" + re.escape(MASK) + ")*"
)
# A URL inside a text, up to the first blank or quote (over-redacting a
# trailing bracket costs nothing; stopping early would leak the rest).
_URL_RE = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>`]+")
# A request target quoted by urllib3: "Max retries exceeded with url: /p?q".
_TARGET_RE = re.compile(r"(\burl: )/[^\s'\"<>`]*")
# Shortest piece of a known URL replaced in texts.
MIN_PIECE = 4
# A query parameter name shown in clear (a long or odd one may be a token).
_PARAM_NAME_RE = re.compile(r"[A-Za-z0-9_.\-\[\]]{1,40}")


@functools.lru_cache(maxsize=512)
def _header_rule(name):
    """How a header is stored: its name title-cased, as HTTP/1.1 requests
    usually show them, and how its value is shown. Cached: the inbound flow
    asks for every header of every request."""
    lowered = name.lower()
    if lowered in SAFE_HEADERS:
        rule = _CLEAR
    elif lowered in SIGNATURE_HEADERS:
        rule = _SIGNATURE
    else:
        rule = _MASKED
    return name.title(), rule


def mask_signature(value):
    """A signature header's value with each signature masked, its scheme
    prefixes and Stripe's timestamp kept; masked whole if it holds anything
    else."""
    masked = _SIGNATURE_RE.sub(r"\1" + MASK, value)
    return masked if _MASKED_SIGNATURE_RE.fullmatch(masked) else MASK


def mask_headers(headers, masked_names=()):
    """``headers`` as stored for users to read: safe headers in clear, signature
    headers with their signatures masked, every other value masked.

    :param headers: a mapping of header names to values.
    :param masked_names: lower-case names masked whatever the lists say (the
        endpoint's custom headers, which only managers may read).
    :returns: a new dictionary, names title-cased.
    """
    masked = {}
    for name, value in headers.items():
        title, rule = _header_rule(name)
        if masked_names and name.lower() in masked_names:
            rule = _MASKED
        if rule == _SIGNATURE:
            value = mask_signature(value)
        elif rule == _MASKED:
            value = MASK
        masked[title] = value
    return masked


def redact_url(url):
    """``url`` as users may see it: ``scheme://host[:port]`` kept, user
    information, path, query values and fragment replaced by ``…`` (query
    parameter names are kept when they look like names).

    A value that is not an absolute URL is hidden whole.
    """
    if not url:
        return url or ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return HIDDEN
    if not parts.scheme or not parts.netloc:
        return HIDDEN
    userinfo, _at, hostport = parts.netloc.rpartition("@")
    redacted = f"{parts.scheme}://{HIDDEN + '@' if userinfo else ''}{hostport}"
    redacted += _redact_target(parts.path, parts.query)
    if parts.fragment:
        redacted += "#" + HIDDEN
    return redacted


def _redact_target(path, query):
    """A request target (path and query) with the path and the query values
    replaced by ``…``."""
    redacted = "/" + HIDDEN if path not in ("", "/") else path
    if query:
        redacted += "?" + "&".join(_redact_param(param) for param in query.split("&"))
    return redacted


def _redact_param(param):
    name, equals, _value = param.partition("=")
    if equals and _PARAM_NAME_RE.fullmatch(name):
        return f"{name}={HIDDEN}"
    return HIDDEN


@functools.lru_cache(maxsize=128)
def _url_pieces(url):
    """The pieces of ``url`` an error text may quote, longest first, each with
    what replaces it: the URL, its request target (path and query, as urllib3
    quotes it), the path, the query and the user information (whole, the
    user, the password). Pieces shorter than :data:`MIN_PIECE` hide nothing
    worth garbling a message for."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ((url, HIDDEN),)
    pieces = {url.strip(): redact_url(url)}
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(target) >= MIN_PIECE:
        pieces[target] = _redact_target(parts.path, parts.query)
    if len(parts.path) >= MIN_PIECE:
        pieces[parts.path] = "/" + HIDDEN
    if len(parts.query) >= MIN_PIECE:
        pieces[parts.query] = HIDDEN
    userinfo = parts.netloc.rpartition("@")[0]
    for piece in (userinfo, *userinfo.split(":")):
        if len(piece) >= MIN_PIECE:
            pieces[piece] = HIDDEN
    return tuple(sorted(pieces.items(), key=lambda item: -len(item[0])))


def redact_text(text, urls=(), any_url=True):
    """``text`` (an error message, a response excerpt) without the secret parts
    of ``urls``.

    :param urls: the URLs the text may quote (an endpoint's, a backend's):
        each of their pieces is replaced wherever it appears.
    :param any_url: also redact anything that looks like a URL or a request
        target (error texts); off for texts whose other URLs are content (a
        receiver's response).
    """
    if not text:
        return text
    for url in urls:
        if url:
            for piece, replacement in _url_pieces(url):
                if piece in text:
                    text = text.replace(piece, replacement)
    if any_url:
        text = _URL_RE.sub(lambda match: redact_url(match.group(0)), text)
        text = _TARGET_RE.sub(r"\1/" + HIDDEN, text)
    return text
