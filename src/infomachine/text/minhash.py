"""The persisted form of MinHash signatures: their LSH band keys.

Signatures are ``NUM_PERM`` 64-bit values (``ingest/dedupe.py`` computes
them); the store keeps their band keys in ``item_lsh``, so the banding is part
of the stored format and has one owner here, below both the store (whose
migrations backfill keys) and ingest (which writes them).
"""

from __future__ import annotations

import hashlib

import numpy as np
from datasketch.lsh import _optimal_param

NUM_PERM = 64
NEAR_DUP_THRESHOLD = 0.7  # Jaccard of word 5-shingles; syndicated copies with light edits score 0.75+

# LSH banding for the persisted index: b bands of r rows, chosen by datasketch
# for our threshold and permutation count (false positives and negatives
# weighted equally).  A band's key is a signed 64-bit hash, so SQLite can
# index it as an INTEGER.
BANDS, ROWS = _optimal_param(NEAR_DUP_THRESHOLD, NUM_PERM, 0.5, 0.5)


def band_keys(values: np.ndarray) -> list[int]:
    """The LSH bucket keys of a signature, one per band."""
    raw = np.asarray(values, dtype=np.uint64).tobytes()
    width = ROWS * 8
    blake, from_bytes = hashlib.blake2b, int.from_bytes
    return [
        from_bytes(
            blake(bytes((band,)) + raw[band * width : (band + 1) * width], digest_size=8).digest(),
            "big",
            signed=True,
        )
        for band in range(BANDS)
    ]
