"""Markup to readable text: the one owner of ``html_to_text`` and ``clean_text``."""

from __future__ import annotations

import html as _html
import re

import lxml.html
from lxml import etree

BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figcaption", "dd", "dt",
}
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg", "head")
_ws = re.compile(r"[ \t\r\f\v\u00a0]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Fold runs of spaces, keep paragraph breaks, drop control characters."""
    if text.isprintable():
        # Fast path, same result: a printable text has no line breaks, no
        # control characters and no whitespace but the ASCII space.
        return (_ws.sub(" ", text) if "  " in text else text).strip()
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    # _ws never matches a line break, so folding the whole text at once is
    # the same as folding each line.
    lines = [line.strip() for line in _ws.sub(" ", text).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def html_to_text(html: str) -> str:
    """Readable text of an HTML fragment or page (no markup survives).

    Entities are decoded exactly once, as an HTML parser would, also in a
    fragment without any tag (``S&amp;P`` is ``S&P``).
    """
    if not html or not html.strip():
        return ""
    if "<" not in html:
        return clean_text(_html.unescape(html) if "&" in html else html)
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return clean_text(_html.unescape(re.sub(r"<[^>]+>", " ", html)))
    for bad in root.iter(*DROP_TAGS):
        bad.drop_tree() if bad.getparent() is not None else bad.clear()
    for el in root.iter(*BLOCK_TAGS):
        el.tail = "\n" + (el.tail or "")
        if el.tag == "br":
            continue
        el.text = "\n" + (el.text or "")
    return clean_text(root.text_content())


_SURROGATE = re.compile(r"[\ud800-\udfff]")


# UTF-8 read as Windows-1252 or Latin-1 ("â€™" for "’", "Ã©" for "é"): only such
# text is handed to ftfy (which costs about a millisecond per page otherwise).
_MOJIBAKE_HINT = re.compile("â€|Ã[\u0080-\u00bf\u0152-\u2122]|Â[\u00a0-\u00bf]")


def fix_mojibake(value: str) -> tuple[str, bool]:
    """``value`` with UTF-8 mis-decoded as Windows-1252/Latin-1 undone (ftfy), and
    whether it changed.  A repair that leaves the text still garbled (damaged,
    not merely mis-decoded, e.g. "â€ ™" split by a tokenizer) is not taken."""
    if value.isascii() or not _MOJIBAKE_HINT.search(value):
        return value, False
    import ftfy
    from ftfy.badness import is_bad

    fixed = ftfy.fix_encoding(value)
    if fixed == value or is_bad(fixed):
        return value, False
    return fixed, True


def repair_text(value: str) -> tuple[str, bool]:
    """``value`` with lone surrogates (a truncated emoji, ``\\ud83d``) replaced
    by U+FFFD, so it can be encoded and stored; and whether anything changed."""
    if value.isascii():
        return value, False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value), True
    return value, False
