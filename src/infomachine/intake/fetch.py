"""The one module through which every HTTP request goes.

Safety by construction:

* only ``http`` and ``https`` URLs;
* the host is resolved and every address is checked *at connect time*, in a
  custom network backend that connects to the very IP it checked (so DNS
  rebinding cannot slip a private address in between check and connect);
  loopback, private, link-local (169.254.169.254), CGNAT 100.64/10, NAT64,
  IPv4-mapped IPv6, unspecified, multicast and reserved addresses are refused
  unless ``allow_private=True``;
* redirects are followed here, hop by hop (each hop checked again), at most
  ``max_redirects``;
* the body is read as a stream and decompressed here with a bounded output
  size, so a gzip bomb stops at ``max_bytes`` with bounded memory;
* connect/read timeouts plus a total-time cap (a slow drip is cut off);
* a clear User-Agent; conditional GET via ETag / Last-Modified.

URL and address checks live in ``safety.py``, per-host limits and
Retry-After in ``hosts.py``; polling (schedules, backoff) in ``poll.py`` and
``schedule.py``.
"""

from __future__ import annotations

import time
import typing
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from infomachine import __version__
from infomachine.errors import FetchError, HTTPStatusError
from infomachine.intake.hosts import HostLimiter, parse_retry_after
from infomachine.intake.safety import SafeTransport, check_url, is_private_ip, parse_networks

USER_AGENT = f"infomachine/{__version__} (+https://github.com/infomachine)"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0
DEFAULT_TOTAL_TIMEOUT = 30.0
MAX_REDIRECTS = 5
# Accept header for a URL expected to be a feed (polling, `ingest URL`); a page is still taken.
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
REDIRECT_CODES = {301, 302, 303, 307, 308}

# --------------------------------------------------------------------------- result


@dataclass
class FetchResult:
    """What one fetch returned (after redirects)."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    not_modified: bool = False
    elapsed: float = 0.0
    redirects: list[str] = field(default_factory=list)
    private: bool = False  # some hop was answered from a non-public address (allow_private)

    @property
    def media_type(self) -> str:
        """The content type without parameters, lower case ("" when unknown)."""
        return (self.content_type or "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in (self.content_type or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


# --------------------------------------------------------------------------- body


class _Decoder:
    """Bounded decompression of gzip / deflate bodies (never more than asked)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._raw_deflate = False
        self._d = self._new()
        self._pending = b""

    def _new(self) -> typing.Any:
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self._raw_deflate:
            return zlib.decompressobj(-zlib.MAX_WBITS)
        return zlib.decompressobj(zlib.MAX_WBITS)

    def feed(self, data: bytes, limit: int) -> Iterator[bytes]:
        """Decompressed pieces of ``data``, each at most ``limit`` + 1 bytes."""
        buf = self._pending + data
        self._pending = b""
        while buf:
            try:
                out = self._d.decompress(buf, limit + 1)
            except zlib.error as exc:
                if self.encoding == "deflate" and not self._raw_deflate:
                    self._raw_deflate = True  # some servers send raw deflate
                    self._d = self._new()
                    out = self._d.decompress(buf, limit + 1)
                else:
                    raise FetchError(f"corrupt {self.encoding} body: {exc}") from exc
            if out:
                yield out
            if self._d.eof:
                buf = self._d.unused_data  # another gzip member may follow
                self._d = self._new()
                if buf.strip(b"\x00") == b"":
                    return
                continue
            buf = self._d.unconsumed_tail
            if not out and buf:
                self._pending = buf
                return


def _read_body(
    response: httpx.Response, *, max_bytes: int, deadline: float, url: str
) -> bytes:
    encoding = response.headers.get("content-encoding", "").strip().lower()
    decoder: _Decoder | None = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        decoder = _Decoder(encoding)
    elif encoding not in ("", "identity"):
        raise FetchError(f"{url}: unsupported content encoding {encoding!r}")
    declared = response.headers.get("content-length")
    if decoder is None and declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url}: body of {int(declared)} bytes exceeds the {max_bytes}-byte cap")
    parts: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: took longer than the total time cap")
        pieces = decoder.feed(raw, max_bytes - size) if decoder else iter((raw,))
        for piece in pieces:
            size += len(piece)
            if size > max_bytes:
                raise FetchError(f"{url}: body exceeds the {max_bytes}-byte cap (after decompression)")
            parts.append(piece)
    return b"".join(parts)


# --------------------------------------------------------------------------- fetch


class Fetcher:
    """A reusable client (connection pool) with the safety settings above."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allow_networks: typing.Iterable[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        user_agent: str = USER_AGENT,
        limiter: HostLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.allowed = parse_networks(allow_networks)
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.limiter = limiter
        safe = SafeTransport(allow_private=allow_private, allowed=self.allowed) if transport is None else None
        self.backend = safe.backend if safe is not None else None
        self.client = httpx.Client(
            transport=transport or safe,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        raise_for_status: bool = True,
    ) -> FetchResult:
        """GET ``url`` safely; 304 gives ``not_modified=True`` and no content.

        Raises ``UnsafeURLError`` for a refused URL or address, ``HTTPStatusError``
        for a 4xx/5xx answer (when ``raise_for_status``), ``FetchError`` otherwise.
        """
        start = time.monotonic()
        deadline = start + self.total_timeout
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        current = url
        hops: list[str] = []
        while True:
            parsed = check_url(current, allow_private=self.allow_private, allowed=self.allowed)
            status, resp_headers, content, location = self._one(
                parsed, headers, deadline, current
            )
            if status in REDIRECT_CODES and location:
                if len(hops) >= self.max_redirects:
                    raise FetchError(f"{url}: more than {self.max_redirects} redirects")
                hops.append(current)
                current = urljoin(current, location)
                if urlsplit(current).netloc != urlsplit(hops[-1]).netloc:
                    headers.pop("If-None-Match", None)
                    headers.pop("If-Modified-Since", None)
                continue
            break
        elapsed = time.monotonic() - start
        result = FetchResult(
            url=url,
            final_url=current,
            status=status,
            headers=resp_headers,
            content=content,
            etag=resp_headers.get("etag"),
            last_modified=resp_headers.get("last-modified"),
            content_type=resp_headers.get("content-type"),
            not_modified=status == 304,
            elapsed=elapsed,
            redirects=hops,
            private=self._private([*hops, current]),
        )
        if status == 304:
            result.etag = result.etag or etag
            result.last_modified = result.last_modified or last_modified
        if raise_for_status and status >= 400:
            raise HTTPStatusError(
                f"HTTP {status} from {current}", status=status, retry_after=result.retry_after
            )
        return result

    def _one(
        self, url: httpx.URL, headers: dict[str, str], deadline: float, label: str
    ) -> tuple[int, dict[str, str], bytes, str | None]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"{label}: took longer than the total time cap")
        host = url.host
        slot = self.limiter.slot(host) if self.limiter else _null()
        try:
            timeout = httpx.Timeout(min(self.timeout, remaining))
            with slot, self.client.stream("GET", url, headers=headers, timeout=timeout) as response:
                resp_headers = {k.lower(): v for k, v in response.headers.items()}
                location = response.headers.get("location")
                if response.status_code in REDIRECT_CODES and location:
                    return response.status_code, resp_headers, b"", location
                if response.status_code == 304:
                    return 304, resp_headers, b"", None
                body = _read_body(response, max_bytes=self.max_bytes, deadline=deadline, url=label)
                return response.status_code, resp_headers, body, None
        except httpx.TimeoutException as exc:
            raise FetchError(f"{label}: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{label}: {type(exc).__name__}: {exc}") from exc

    def _private(self, urls: list[str]) -> bool:
        hosts = [urlsplit(u).hostname or "" for u in urls]
        if self.backend is not None:
            return any(self.backend.is_private_host(h) for h in hosts)
        return any(is_private_ip(h) for h in hosts)

    def post_json(self, url: str, payload: typing.Any) -> int:
        """POST ``payload`` as JSON (a webhook) under the same address checks.

        Redirects are not followed; the answer body is read up to the size cap
        and dropped.  Returns the status; raises like ``fetch``.
        """
        import json as _json

        deadline = time.monotonic() + self.total_timeout
        parsed = check_url(url, allow_private=self.allow_private, allowed=self.allowed)
        body = _json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        try:
            with self.client.stream(
                "POST", parsed, content=body, headers={"Content-Type": "application/json"}
            ) as response:
                _read_body(response, max_bytes=self.max_bytes, deadline=deadline, url=url)
                status = response.status_code
        except httpx.TimeoutException as exc:
            raise FetchError(f"{url}: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        if status >= 400:
            raise HTTPStatusError(f"HTTP {status} from {url}", status=status)
        return status


@contextmanager
def _null() -> Iterator[None]:
    yield


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool = False,
    allow_networks: typing.Iterable[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    accept: str | None = None,
    raise_for_status: bool = True,
) -> FetchResult:
    """One safe GET with a throw-away client (see ``Fetcher`` to reuse one)."""
    with Fetcher(
        allow_private=allow_private,
        allow_networks=allow_networks,
        timeout=timeout,
        total_timeout=total_timeout,
        max_bytes=max_bytes,
        max_redirects=max_redirects,
    ) as fetcher:
        return fetcher.fetch(
            url,
            etag=etag,
            last_modified=last_modified,
            accept=accept,
            raise_for_status=raise_for_status,
        )
