"""Readable ASCII slugs for story URLs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable


def slugify(text: str, max_len: int = 60) -> str:
    """A readable ASCII slug: 'Magnitude 8.8 quake' -> 'magnitude-8-8-quake'."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", norm.lower()).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug or "story"


def free_slug(base: str, taken: Callable[[str], bool]) -> str:
    """``slugify(base)``, or ``-2``, ``-3``… appended, whichever ``taken`` says is free."""
    slug = slugify(base)
    candidate, n = slug, 1
    while taken(candidate):
        n += 1
        candidate = f"{slug}-{n}"
    return candidate
