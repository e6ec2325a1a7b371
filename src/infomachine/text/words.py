"""Word-level rules shared by stages: typography folding for quote matching, and
every word pattern, named by what it is for.

Each pattern is tuned to its use, so they differ on purpose; keep a new one
here, named by its purpose, rather than beside the code that reads it.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\u00a0": " ", "\u2026": "...",
    }
)
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case, whitespace and typography folded, for quote matching."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).lower()
    return _SPACE.sub(" ", text).strip()


# Cluster features: words, numbers with units ("$5", "40%"), versions and
# abbreviations ("v3.1", "U.S."), kept whole.
FEATURE_TOKEN = re.compile(r"\$?[^\W_]+(?:[-.'’][^\W_]+)*%?")
# Terms of a derived search query: alphabetic words of two letters or more.
QUERY_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]+")
# Verification: folded words and numbers ("3.5", "1,200") a sentence and its quote share.
SUPPORT_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
# Evolution: folded words of a stance ("u.s.", "open-weight" kept whole).
STANCE_WORD = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*")
# Sentences and claims: alphabetic words (a sentence's length, claim overlap).
SENTENCE_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
# The language of a sentence: runs of letters, accented ones included (no digits).
LETTER_WORD = re.compile(r"[^\W\d_]+")
# Names and slugs compared loosely (story lookup, actor keys): runs of ASCII letters and digits.
PLAIN_WORD = re.compile(r"[a-z0-9]+")
