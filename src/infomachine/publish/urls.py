"""The one rule for links taken from items, shared by every renderer.

A URL from an item, a feed or a model is linked only when it is an absolute
http(s) URL with a host and without whitespace or control characters;
anything else is shown as text, never as a link.  HTML, Markdown and Atom
all ask ``safe_url``, so the outputs cannot disagree about what is linkable.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Characters left as they are in a Markdown link destination; the rest
# (parentheses, angle brackets, quotes, backslashes…) are percent-encoded.
_MARKDOWN_SAFE = ":/?#[]@!$&'*+,;=%-._~"


def safe_url(value: object) -> str | None:
    """``value`` (trimmed) if it is an absolute http(s) URL, else None (never linked)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def markdown_url(value: object) -> str | None:
    """``safe_url`` percent-encoded for use inside a Markdown ``(...)`` destination."""
    url = safe_url(value)
    return None if url is None else quote(url, safe=_MARKDOWN_SAFE)
