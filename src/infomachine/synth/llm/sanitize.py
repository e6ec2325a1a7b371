"""Untrusted text in and model text out: what is removed before a prompt and screened after.

Item text goes to the model only after CSS-hidden elements, markup, zero-width
and bidi control characters and anything tag-like are removed
(``sanitize_untrusted``); every model sentence is screened (``unsafe_text``):
one that carries a link, an image, markup, a bracketed citation or
instruction-like text is dropped before the verifier even looks at it.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e\U000e0000-\U000e007f]"
)


_HIDDEN_ELEMENT = re.compile(
    r"<(?P<tag>[a-zA-Z][\w-]*)\b[^>]*?(?:style\s*=\s*(?:\"[^\"]*(?:display\s*:\s*none|visibility\s*:"
    r"\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?![.\d]*[1-9]))[^\"]*\"|'[^']*(?:display\s*:\s*none|"
    r"visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?![.\d]*[1-9]))[^']*')|\bhidden\b|"
    r"aria-hidden\s*=\s*[\"']?true)[^>]*>.*?</(?P=tag)\s*>",
    re.IGNORECASE | re.DOTALL,
)


_SCRIPT_STYLE = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


_TAG_LIKE = re.compile(r"</?\s*[a-zA-Z!/][^<>]{0,300}>|<\s*/?\s*$", re.MULTILINE)


_ANGLE_WORD = re.compile(r"[<>]")


_SPACES = re.compile(r"[ \t\f\v]+")


_BLANKS = re.compile(r"\n{3,}")


def strip_controls(text: str) -> str:
    """Text without zero-width, bidi-control and other format characters."""
    text = _INVISIBLE.sub("", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Co")
    )


def sanitize_untrusted(text: str, tag: str | None = None) -> str:
    """Item text made safe to place inside a data block.

    Hidden elements (CSS ``display:none``, ``visibility:hidden``, ``hidden``),
    scripts, comments and every tag-like run are removed; zero-width and bidi
    controls are stripped; the block token and stray angle brackets can no
    longer appear, so the text cannot close its block or open another.
    """
    text = unicodedata.normalize("NFC", strip_controls(text))
    for _ in range(3):  # nested hidden elements
        text = _HIDDEN_ELEMENT.sub(" ", text)
    text = _SCRIPT_STYLE.sub(" ", text)
    text = _COMMENT.sub(" ", text)
    text = _TAG_LIKE.sub(" ", text)
    text = _ANGLE_WORD.sub(" ", text)
    if tag:
        text = re.sub(re.escape(tag), " ", text, flags=re.IGNORECASE)
    text = _SPACES.sub(" ", text)
    return _BLANKS.sub("\n\n", text).strip()


_URL = re.compile(r"(?:https?|ftp|data|javascript|file)\s*:|www\.|\]\s*\(", re.IGNORECASE)


_MARKUP = re.compile(r"[<>]|!\[|\[[^\]]*\]\s*\(|\]\]|`")


_CITE_MARK = re.compile(r"\[\s*(?:\^|s|source|src|ref)?\s*\d+\s*\]", re.IGNORECASE)


_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|prompts?|rules)\b"
    r"|\b(?:system|assistant|developer)\s*(?:prompt|message)?\s*:"
    r"|\byou are (?:now )?(?:an? )?(?:ai|assistant|language model|chatbot)\b"
    r"|\bnew instructions?\b",
    re.IGNORECASE,
)


def unsafe_text(text: str) -> str | None:
    """Why a model-written string must not be shown, or None when it is fine."""
    if _URL.search(text):
        return "contains a link"
    if _MARKUP.search(text):
        return "contains markup"
    if _CITE_MARK.search(text):
        return "contains an inline citation marker"
    if _INSTRUCTION.search(text):
        return "contains instruction-like text"
    return None


def clean_output(text: str, limit: int = 1200) -> str:
    """Model text with controls removed and whitespace tidied, capped in length."""
    text = _SPACES.sub(" ", strip_controls(text).replace("\n", " ")).strip()
    return text[:limit]
