"""Identity and duplicates: canonical URLs, stable item ids, content hashes,
and near-duplicate detection (MinHash LSH from datasketch).

Exact duplicates are merged into the existing item: the same GUID from the
same source; else the same canonical URL or content hash, unless both items
come from one source and carry different GUIDs (the feed says they are
distinct entries); near-duplicates (syndicated copies) are stored and linked
through ``duplicate_of``, never dropped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

from infomachine.text.minhash import NEAR_DUP_THRESHOLD, NUM_PERM
from infomachine.text.minhash import band_keys as _band_keys

# Parameters that only say how a reader arrived, never which page it is.
# Ambiguous names that some sites use as content ids (cid, ref, id, share,
# partner, track…) are deliberately kept.
TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid",
    "yclid", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "ref_url", "cmpid", "ncid", "ocid",
    "sr_share", "s_cid", "smid", "ns_source", "ns_mchannel", "ns_campaign", "ns_linkname",
    "ns_fee", "at_medium", "at_campaign", "guccounter", "guce_referrer", "guce_referrer_sig",
    "__twitter_impression",
}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "oly_", "vero_", "__hs", "_ga")
DEFAULT_PORTS = {"http": 80, "https": 443}

SCHEME = "affine32"  # pinned: stored signatures must stay comparable across upgrades
SHINGLE = 5  # words per shingle
MIN_WORDS_FOR_NEAR_DUP = 25


def canonical_url(url: str | None) -> str | None:
    """Normalise a URL so that the same page gets the same string.

    Lower-cases scheme and host, drops default ports, ``www.``, fragments,
    tracking parameters (utm_*, fbclid…) and trailing slashes, sorts the
    query. Returns None for anything that is not an http(s) URL.
    """
    if not url:
        return None
    url = url.strip().replace("\\?", "?")
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = ""
    if parts.query:
        pairs = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
        ]
        pairs.sort()
        query = urlencode(pairs)
    # http and https are the same page for identity purposes.
    return urlunsplit(("https", netloc, path, query, ""))


_SLASHES = re.compile(r"/{2,}")


@lru_cache(maxsize=16)
def normalise_text(text: str) -> str:
    """Lower-cased words joined by single spaces (cached: extract and the
    near-duplicate signature normalise the same text one after the other)."""
    if text.isascii():
        # Fast path, same result: ASCII is unchanged by NFKC, and its word
        # characters are exactly [A-Za-z0-9_]; every other byte becomes a space.
        return " ".join(text.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii").lower().split())
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_WORDS.findall(text))


_WORDS = re.compile(r"\w+")
_ASCII_NON_WORD = bytes(
    i if i < 128 and _WORDS.fullmatch(chr(i)) else 32 for i in range(256)
)


def content_hash(title: str, text: str) -> str:
    """SHA-256 of the normalised title and text (whitespace, case and punctuation folded)."""
    h = hashlib.sha256()
    h.update(normalise_text(title).encode())
    h.update(b"\x00")
    h.update(normalise_text(text).encode())
    return h.hexdigest()


def item_id(canonical: str | None, guid: str | None, chash: str, source: str | None = None) -> str:
    """A stable id: from the GUID first (only unique within its feed, so it is
    qualified by the source: podcast episodes that all link to the show's home
    page are distinct entries), else the canonical URL, else the content hash.

    Items stored before GUIDs came first keep their URL-based ids: the store's
    duplicate lookup (``find_existing``) finds them by URL with the same GUID
    and source, so re-ingesting them merges instead of copying.
    """
    if guid and guid.strip():
        key = f"guid:{source or ''}:{guid.strip()}"
    elif canonical:
        key = "url:" + canonical
    else:
        key = "hash:" + chash
    return hashlib.sha256(key.encode()).hexdigest()[:16]


MIN_IDENTIFYING_CHARS = 80


def hash_identifies(title: str, text: str) -> bool:
    """Whether the content hash is evidence of identity.

    A title-only or near-empty item (a headline feed, a bare link) shares its
    hash with every other item that has the same headline or no text at all;
    such hashes must not merge items that have different URLs.
    """
    body = normalise_text(text)
    return len(body) >= MIN_IDENTIFYING_CHARS and body != normalise_text(title)


# Shingle hashing is vectorised: each word is hashed once (crc32), and the
# hash of a 5-word shingle is a fixed odd-multiplier mix of its words'
# hashes computed with numpy.  datasketch then applies its own permutations
# to those 32-bit values (``hashfunc=int``).  Hashing every joined shingle
# string in Python was most of the ingest time.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)[:SHINGLE]


_WORD_HASHES: dict[str, int] = {}


def shingle_hashes(text: str) -> np.ndarray:
    """Distinct 32-bit hashes of the word 5-shingles of ``text``."""
    words = normalise_text(text).split()
    if not words:
        return np.empty(0, dtype=np.uint64)
    cache = _WORD_HASHES
    if len(cache) > 1_000_000:  # bound memory on very long runs
        cache.clear()
    wh = np.fromiter(
        (cache[w] if w in cache else cache.setdefault(w, zlib.crc32(w.encode())) for w in words),
        dtype=np.uint64,
        count=len(words),
    )
    if len(words) < SHINGLE:
        wh = np.concatenate([wh, np.zeros(SHINGLE - len(words), dtype=np.uint64)])
    n = len(wh) - SHINGLE + 1
    mixed = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):
        mixed += wh[k : k + n] * _MIX[k]  # wraps modulo 2**64, as intended
    return np.unique((mixed >> np.uint64(32)) ^ (mixed & np.uint64(0xFFFFFFFF)))


_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=7, scheme=SCHEME, hashfunc=int)


def _new_minhash(hashvalues: np.ndarray | None = None) -> MinHash:
    # Permutations are drawn once (seeded) and shared: drawing them per
    # MinHash cost more than hashing the shingles.
    return MinHash(
        num_perm=NUM_PERM,
        seed=7,
        scheme=SCHEME,
        hashfunc=int,
        permutations=_TEMPLATE.permutations,
        hashvalues=hashvalues,
    )


def near_dup_hashes(text: str) -> np.ndarray | None:
    """The shingle hashes a signature is made of, or None when the text is
    too short to judge (the same rule as :func:`signature`)."""
    if len(text.split()) < MIN_WORDS_FOR_NEAR_DUP:
        return None
    return shingle_hashes(text)


def signature(text: str) -> MinHash | None:
    """MinHash of word 5-shingles, or None when the text is too short to judge.

    The reference path through datasketch's own ``update_batch``; ingest uses
    :func:`minhash_values`, which gives the same values for many texts at once."""
    hashes = near_dup_hashes(text)
    if hashes is None:
        return None
    m = _new_minhash()
    m.update_batch(hashes.tolist())
    return m


# The batch path: datasketch's affine32 permutations (a, b drawn by the shared
# template) applied to the shingle hashes of many texts in one numpy
# expression, exactly as ``MinHash.update_batch`` applies them (MurmurHash3
# finalizer pre-mix, then ``a * h + b`` wrapping in uint32), and reduced per
# text with ``np.minimum.reduceat``.  Per item this replaces building a
# MinHash, a Python list of hashes and a small (n, 64) product.
_PERM_A, _PERM_B = _TEMPLATE.permutations
_SCHEME_DTYPE = _TEMPLATE.hashvalues.dtype  # uint32 for affine32
_EMPTY = np.asarray(_TEMPLATE.hashvalues, dtype=np.uint64)  # an empty MinHash: all max hash
_CHUNK_SHINGLES = 32_768  # rows per numpy product (32k x 64 uint32 = 8 MiB)


def minhash_values(hash_sets: Sequence[np.ndarray]) -> list[np.ndarray]:
    """MinHash values (uint64 arrays of ``NUM_PERM``) of many shingle-hash
    sets; equal to ``MinHash.update_batch`` of each set with our permutations."""
    out: list[np.ndarray] = [_EMPTY] * len(hash_sets)
    start = 0
    while start < len(hash_sets):
        end, rows = start, 0
        while end < len(hash_sets) and (rows == 0 or rows + len(hash_sets[end]) <= _CHUNK_SHINGLES):
            rows += len(hash_sets[end])
            end += 1
        idx = [i for i in range(start, end) if len(hash_sets[i])]
        if idx:
            lengths = np.fromiter((len(hash_sets[i]) for i in idx), dtype=np.int64, count=len(idx))
            offsets = np.zeros(len(idx), dtype=np.int64)
            np.cumsum(lengths[:-1], out=offsets[1:])
            hv = np.concatenate([hash_sets[i] for i in idx]).astype(_SCHEME_DTYPE)
            hv = _fmix(hv.reshape(-1, 1), 32)
            phv = hv * _PERM_A
            phv += _PERM_B
            mins = np.minimum.reduceat(phv, offsets, axis=0).astype(np.uint64)
            for row, i in enumerate(idx):
                out[i] = mins[row]
        start = end
    return out


def signatures(texts: Sequence[str]) -> list[np.ndarray | None]:
    """Signature values of many texts at once (None: too short to judge)."""
    hashes = [near_dup_hashes(t) for t in texts]
    present = [i for i, h in enumerate(hashes) if h is not None]
    values = minhash_values([hashes[i] for i in present])  # type: ignore[misc]
    out: list[np.ndarray | None] = [None] * len(texts)
    for i, v in zip(present, values, strict=True):
        out[i] = v
    return out


def _values(sig: MinHash | np.ndarray) -> np.ndarray:
    if isinstance(sig, np.ndarray):
        return sig.astype(np.uint64, copy=False)
    return np.asarray(sig.hashvalues, dtype=np.uint64)


def signature_bytes(m: MinHash | np.ndarray) -> bytes:
    return _values(m).tobytes()


def signature_from_bytes(raw: bytes) -> MinHash:
    return _new_minhash(np.frombuffer(raw, dtype=np.uint64))


class CandidateSource(Protocol):
    def lsh_candidates(self, keys: list[int]) -> Iterable[tuple[str, bytes]]: ...


class NearDuplicateIndex:
    """MinHash LSH over stored items, persisted in the store.

    Band keys live in the store (``item_lsh``), so nothing is rebuilt in
    memory when a process starts: a query looks up the items sharing a band
    with the new signature and confirms them by estimated Jaccard similarity.
    """

    def __init__(self, store: CandidateSource, threshold: float = NEAR_DUP_THRESHOLD) -> None:
        self.store = store
        self.threshold = threshold

    def query(self, sig: MinHash | np.ndarray, bands: list[int] | None = None) -> str | None:
        """The most similar stored item at or above the threshold (ties: smallest id).

        ``sig`` is a MinHash or its values (uint64); similarity is the share
        of equal values, as ``MinHash.jaccard`` computes it.  ``bands`` are the
        signature's band keys when the caller has them already."""
        candidates = list(self.store.lsh_candidates(bands or band_keys(sig)))
        if not candidates:
            return None
        values = _values(sig)
        width = values.nbytes
        if any(len(raw) != width for _, raw in candidates):
            raise ValueError("stored signature of a different size")
        stored = np.frombuffer(b"".join(raw for _, raw in candidates), dtype=np.uint64)
        equal = np.count_nonzero(stored.reshape(len(candidates), -1) == values, axis=1)
        best, best_sim = None, self.threshold
        for (key, _), n in zip(candidates, equal.tolist(), strict=True):
            sim = float(n) / float(len(values))
            if sim > best_sim or (sim == best_sim and (best is None or key < best)):
                best, best_sim = key, sim
        return best


def band_keys(sig: MinHash | np.ndarray) -> list[int]:
    """The LSH bucket keys of a signature, one per band (``text.minhash.band_keys``)."""
    return _band_keys(_values(sig))
