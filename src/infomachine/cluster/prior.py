"""A background IDF prior for story clustering.

The clusterer counts document frequencies as the stream arrives, so early in
a stream (or in a small one: the UCI dev file is one day, 2,500 headlines)
IDF knows little: "bankruptcy" looks as rare as "Sbarro" when only one
bankruptcy story has been seen, and two stories sharing "files for
bankruptcy" look alike. The prior adds ``prior_docs`` pseudo-documents whose
document frequency for a word comes from its general English frequency
(``wordfreq``: Wikipedia, news, books, web, subtitles ...): a word with
frequency ``f`` per word appears in ``1 - exp(-words_per_doc * f)`` of the
background documents. Names never seen in general text ("Sbarro", "Gox")
stay rare; common words ("files", "prices", "gas") get the IDF a long
stream would give them. Entity features (``e:``) and bigrams (``b:``) get no
background count. As the stream grows its own counts dominate.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def background_df(words_per_doc: float) -> Callable[[str], float]:
    """term -> share of background documents that contain it."""
    from wordfreq import word_frequency  # imported on first use: it loads its word lists

    def share(term: str) -> float:
        if term.startswith(("e:", "b:")):
            return 0.0
        return 1.0 - math.exp(-words_per_doc * word_frequency(term, "en"))

    return share
