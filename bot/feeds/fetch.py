"""Fetching a feed: a good citizen on the web, and no door into the local network.

- conditional GET (ETag / Last-Modified): an unchanged feed answers 304 and nothing is read;
- gzip (httpx asks for it and decodes it), a User-Agent naming briefbot;
- connect and read timeouts plus an overall deadline: a server dripping one byte a second
  cannot hold a sync for longer than `timeout_s`;
- redirects followed by hand, at most MAX_REDIRECTS, each hop's scheme and address checked;
- a size limit enforced while streaming the decoded body (a small gzip may inflate hugely);
- only http/https, and no private, loopback, link-local or otherwise internal address unless
  allowed (FEEDS_ALLOW_PRIVATE_NETWORKS=1): checked on the resolved addresses before connecting
  and on the address actually connected to (a DNS answer may change in between).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

USER_AGENT = "briefbot/0.1 (+https://github.com/briefbot; news-brief feed reader)"
MAX_REDIRECTS = 5
CONNECT_TIMEOUT_S = 10.0
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_BYTES = 20_000_000
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


class FeedFetchError(Exception):
    """Why a feed could not be fetched, in words an admin can act on (no secrets, no traces)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    not_modified: bool
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    final_url: str


def check_feed_url(url: str) -> str:
    """The URL, stripped, when it is an http(s) URL with a host; FeedFetchError otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FeedFetchError(f"only http and https feeds are read, not {parts.scheme or 'this'!r} URLs")
    if not parts.hostname:
        raise FeedFetchError("the URL names no host")
    return url


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def _allowed(address: str, allowed_networks: Networks) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not _is_internal(address) or any(ip in network for network in allowed_networks)


def check_host(url: str, *, allow_private: bool, allowed_networks: Networks = ()) -> None:
    """Refuses a URL whose host resolves to an internal address (unless allowed)."""
    host = urlsplit(url).hostname or ""
    if allow_private:
        return
    try:
        port = urlsplit(url).port or 443
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise FeedFetchError(f"cannot resolve the host {host!r} ({error})") from None
    for *_, sockaddr in infos:
        if not _allowed(str(sockaddr[0]), allowed_networks):
            raise FeedFetchError(
                f"refused: {host} is a private, loopback or link-local address ({sockaddr[0]}); "
                "set FEEDS_ALLOW_PRIVATE_NETWORKS=1 to allow it"
            )


def _check_peer(response: httpx.Response, url: str, *, allow_private: bool, allowed_networks: Networks) -> None:
    """The address the connection really went to: a DNS answer may have changed since the check."""
    if allow_private:
        return
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer and not _allowed(str(peer[0]), allowed_networks):
        raise FeedFetchError(f"refused: {urlsplit(url).hostname} connected to an internal address ({peer[0]})")


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    allow_private: bool = False,
    allowed_networks: Networks = (),
) -> FetchResult:
    """GET the feed (conditionally); FeedFetchError says why it failed. Blocking: the bot calls
    it from a worker thread, so questions are answered meanwhile. `allowed_networks`: internal
    networks allowed all the same (the tests' one loopback address)."""
    deadline = time.monotonic() + timeout_s
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # Each read may wait half the deadline: with the deadline checked between reads, a dripping
    # server is cut off within 1.5 x timeout_s at worst (30 s by default).
    timeout = httpx.Timeout(timeout_s / 2, connect=min(CONNECT_TIMEOUT_S, timeout_s / 2))
    current = check_feed_url(url)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                check_host(current, allow_private=allow_private, allowed_networks=allowed_networks)
                with client.stream("GET", current, headers=headers) as response:
                    _check_peer(response, current, allow_private=allow_private, allowed_networks=allowed_networks)
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FeedFetchError(f"HTTP {response.status_code} redirect without a Location")
                        current = check_feed_url(urljoin(current, location))
                        continue
                    if response.status_code == 304:
                        return FetchResult(True, b"", None, etag, last_modified, current)
                    if response.status_code != 200:
                        reason = response.reason_phrase or ""
                        raise FeedFetchError(f"HTTP {response.status_code} {reason}".strip())
                    body = _read_limited(response, max_bytes, deadline, timeout_s)
                    return FetchResult(
                        False,
                        body,
                        response.headers.get("content-type"),
                        response.headers.get("etag"),
                        response.headers.get("last-modified"),
                        current,
                    )
            raise FeedFetchError(f"more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        raise FeedFetchError(f"timed out (no answer within {timeout_s / 2:g} s)") from None
    except httpx.RemoteProtocolError as error:
        # e.g. the connection closed before the announced Content-Length: a truncated download.
        raise FeedFetchError(f"the download broke off: {error}") from None
    except httpx.DecodingError:
        raise FeedFetchError("the server sent a body that does not decode (bad gzip?)") from None
    except httpx.HTTPError as error:
        raise FeedFetchError(f"cannot fetch: {type(error).__name__}: {error}") from None


def _read_limited(response: httpx.Response, max_bytes: int, deadline: float, timeout_s: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in response.headers:
        raise FeedFetchError(_too_large(max_bytes))
    parts: list[bytes] = []
    size = 0
    for part in response.iter_bytes():  # decoded: the limit holds for what gzip inflates to
        size += len(part)
        if size > max_bytes:
            raise FeedFetchError(_too_large(max_bytes))
        if time.monotonic() > deadline:
            raise FeedFetchError(f"timed out (the download took over {timeout_s:g} s)")
        parts.append(part)
    return b"".join(parts)


def _too_large(max_bytes: int) -> str:
    return f"the feed is larger than the limit of {max_bytes / 1e6:g} MB (FEEDS_MAX_BYTES)"
