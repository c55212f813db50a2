"""A local feed server on 127.0.0.1 for the feed reader's tests: one URL (/feed) that serves
whatever the test put there last, with an ETag and Last-Modified and a 304 to a conditional GET
that still matches, as a real feed host does; plus the ways a feed goes wrong.

    with FeedServer() as server:
        server.serve_copy(Path("00-2025-10-01.rss"))   # the next GETs of server.url get it
        server.serve_broken("timeout")                 # ... or one of BROKEN

Every request is recorded (path, conditional headers, status) so a test can check what the
reader asked for.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Bomb</title><item><title>&lol9;</title><guid>bomb</guid>
<pubDate>Mon, 01 Dec 2025 12:00:00 -0000</pubDate><description>&lol9;</description></item></channel></rss>
"""

UNDATED_ITEM = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Undated</title>
<item><title>A brief that names no day</title><guid>undated-1</guid>
<description>&lt;p&gt;Something happened somewhere, at some time.&lt;/p&gt;</description></item>
</channel></rss>
"""

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>Wikipedia Current Events</title></head>
<body><h1>Current events</h1><p>Subscribe to our feed!</p></body></html>
"""

MALFORMED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Broken</title>
<item><title>Current Events - December 1, 2025</title><guid>x</guid>
<description>unclosed <b></description></itemm></channel>
"""

# The ways a feed goes wrong (issue 20, item 5), each served by serve_broken.
BROKEN = ("timeout", "404", "500", "truncated", "cut_connection", "malformed", "html", "bomb", "undated")


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a reader that hung up on a slow or cut answer is what those tests want


@dataclass(frozen=True)
class Request:
    path: str
    if_none_match: str | None
    if_modified_since: str | None
    accept_encoding: str | None
    user_agent: str | None
    status: int


class FeedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self._body = b""
        self._content_type = "application/rss+xml; charset=utf-8"
        self._etag = ""
        self._last_modified = ""
        self._broken: str | None = None
        self._redirects: dict[str, str] = {}  # path -> Location
        self.slow_s = 60.0  # how long a "timeout" answer keeps the reader waiting
        self.requests: list[Request] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._answer(self)

        self._httpd = _QuietServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}/feed"

    # -- what is served ----------------------------------------------------------------------

    def serve(self, body: bytes, content_type: str = "application/rss+xml; charset=utf-8") -> None:
        with self._lock:
            self._body, self._content_type, self._broken = body, content_type, None
            self._etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            self._last_modified = formatdate(time.time(), usegmt=True)

    def serve_copy(self, path: Path) -> None:
        self.serve(path.read_bytes())

    def serve_broken(self, kind: str) -> None:
        if kind not in BROKEN:
            raise ValueError(kind)
        with self._lock:
            self._broken = kind

    def redirect(self, path: str, location: str) -> None:
        with self._lock:
            self._redirects[path] = location

    def statuses(self) -> list[int]:
        with self._lock:
            return [r.status for r in self.requests]

    # -- answering ---------------------------------------------------------------------------

    def _answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        with self._lock:
            broken, body, content_type = self._broken, self._body, self._content_type
            etag, modified = self._etag, self._last_modified
            location = self._redirects.get(handler.path)
        status = self._status(handler, broken, etag, location)
        with self._lock:
            self.requests.append(
                Request(
                    handler.path,
                    handler.headers.get("If-None-Match"),
                    handler.headers.get("If-Modified-Since"),
                    handler.headers.get("Accept-Encoding"),
                    handler.headers.get("User-Agent"),
                    status,
                )
            )
        if location is not None:
            self._send(handler, 302, b"", extra={"Location": location})
        elif broken == "timeout":
            time.sleep(self.slow_s)
            self._send(handler, 200, body, content_type)
        elif broken in ("404", "500"):
            self._send(handler, int(broken), b"<html><body>error</body></html>", "text/html")
        elif broken == "truncated":
            # A well-formed response carrying the first half of the document.
            self._send(handler, 200, body[: len(body) // 2], content_type)
        elif broken == "cut_connection":
            # Announces the whole document, sends half, hangs up.
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
        elif broken in ("malformed", "html", "bomb", "undated"):
            payload = {"malformed": MALFORMED, "html": HTML_PAGE, "bomb": BILLION_LAUGHS, "undated": UNDATED_ITEM}[
                broken
            ]
            kind = "text/html; charset=utf-8" if broken == "html" else "application/rss+xml"
            self._send(handler, 200, payload, kind)
        elif status == 304:
            self._send(handler, 304, b"", extra={"ETag": etag, "Last-Modified": modified})
        else:
            self._send(handler, 200, body, content_type, extra={"ETag": etag, "Last-Modified": modified})

    @staticmethod
    def _status(
        handler: http.server.BaseHTTPRequestHandler, broken: str | None, etag: str, location: str | None
    ) -> int:
        if location is not None:
            return 302
        if broken in ("404", "500"):
            return int(broken)
        if broken is None and etag and handler.headers.get("If-None-Match") == etag:
            return 304
        return 200

    @staticmethod
    def _send(
        handler: http.server.BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        gzipped = status == 200 and "gzip" in (handler.headers.get("Accept-Encoding") or "")
        payload = gzip.compress(body) if gzipped else body
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        if gzipped:
            handler.send_header("Content-Encoding", "gzip")
        for name, value in (extra or {}).items():
            handler.send_header(name, value)
        if status != 304:
            handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if status != 304:
            handler.wfile.write(payload)
