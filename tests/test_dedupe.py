from __future__ import annotations

import numpy as np

from infomachine.ingest.dedupe import (
    NearDuplicateIndex,
    band_keys,
    canonical_url,
    content_hash,
    item_id,
    signature,
    signature_bytes,
    signature_from_bytes,
)
from infomachine.models import Item
from infomachine.store import SQLiteStore

STORY = (
    "The regional water authority said on Tuesday that the reservoir had fallen to its lowest "
    "level in forty years, and that hosepipe restrictions would begin next Monday across three "
    "counties. Engineers expect the level to keep dropping until the autumn rains arrive, the "
    "authority added, while farmers warned that irrigation limits could cut this year's harvest."
)


def test_canonical_url_strips_tracking_and_normalises() -> None:
    a = canonical_url("HTTP://WWW.Example.com:80/news/story/?utm_source=x&b=2&a=1&fbclid=zz#top")
    b = canonical_url("https://example.com/news/story?a=1&b=2")
    assert a == b == "https://example.com/news/story?a=1&b=2"
    assert canonical_url("ftp://example.com/x") is None
    assert canonical_url("not a url") is None
    assert canonical_url("https://example.com:8443/x") == "https://example.com:8443/x"


def test_item_id_prefers_url_then_guid_then_hash() -> None:
    h = content_hash("T", "body")
    by_url = item_id("https://example.com/a", None, h)
    assert by_url == item_id("https://example.com/a", None, "other")
    assert item_id("https://example.com/a", "g1", h) == item_id(None, "g1", h)  # GUID first
    assert item_id(None, "g1", h) == item_id(None, "g1", "other")
    assert item_id(None, None, h) != item_id(None, "g1", h)
    assert content_hash("Title", "Some  text.") == content_hash("title", "some text")


def test_near_duplicates_found_through_the_persisted_index(store: SQLiteStore) -> None:
    copy = "Updated: " + STORY + " Reporting by a wire service."
    unrelated = STORY.replace("reservoir", "stadium").split(".")[0] + ". " + " ".join(
        f"word{i}" for i in range(80)
    )
    sig = signature(STORY)
    assert sig is not None
    assert signature_from_bytes(signature_bytes(sig)).jaccard(sig) == 1.0
    store.insert_item(
        Item(id="orig", title="t", text=STORY, content_hash="h"), signature_bytes(sig), band_keys(sig)
    )
    index = NearDuplicateIndex(store)
    assert index.query(signature(copy)) == "orig"  # type: ignore[arg-type]
    assert index.query(signature(unrelated)) is None  # type: ignore[arg-type]
    assert signature("too short to judge") is None


def test_backfill_migration_indexes_older_signatures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = SQLiteStore(tmp_path / "old.db")
    sig = signature(STORY)
    assert sig is not None
    store.insert_item(Item(id="orig", title="t", text=STORY, content_hash="h"), signature_bytes(sig))
    # As a database written before band keys were stored: no LSH rows yet.
    store.execute("DELETE FROM schema_migrations WHERE name = '0032_item_lsh_backfill'")
    assert store.execute("SELECT COUNT(*) FROM item_lsh").fetchone()[0] == 0
    assert store.migrate() == ["0032_item_lsh_backfill"]
    assert NearDuplicateIndex(store).query(signature("Updated: " + STORY)) == "orig"  # type: ignore[arg-type]


# Pinned before the batch signature path was added: stored signatures (and the
# LSH band keys derived from them) must stay comparable across upgrades.
STORY_SIG_FIRST = [334850737, 114744336, 67981845, 34858531, 36512360, 4326029, 94983249, 126373361]
STORY_SIG_SHA256 = "494ead34c10a21d607f34c2f0130e147d7774e312c224c6ee7a6c528cb4b69f1"
STORY_BANDS = [
    -4073207826743283794, -3351442724742967910, -1373435746184841105, 4186951317524332425,
    -5819845436114997007, 2464773909616213791, -3671699861894054770, 6682816956313773960,
]


def test_stored_signature_values_are_pinned() -> None:
    import hashlib

    sig = signature(STORY)
    assert sig is not None
    raw = signature_bytes(sig)
    assert np.frombuffer(raw, dtype=np.uint64)[:8].tolist() == STORY_SIG_FIRST
    assert hashlib.sha256(raw).hexdigest() == STORY_SIG_SHA256
    assert band_keys(sig) == STORY_BANDS


def test_batch_signatures_equal_datasketch_update_batch() -> None:
    from datasketch import MinHash

    from infomachine.ingest.dedupe import (
        NUM_PERM,
        SCHEME,
        minhash_values,
        shingle_hashes,
        signatures,
    )

    texts = [
        STORY,
        "Updated: " + STORY + " Reporting by a wire service.",
        "too short to judge",
        " ".join(f"word{i % 37}" for i in range(400)),
        STORY.upper() + " " + STORY,
        "one two three",  # fewer words than a shingle
    ]
    # Datasketch's own update_batch with its own (seeded) permutations.
    reference = MinHash(num_perm=NUM_PERM, seed=7, scheme=SCHEME, hashfunc=int)
    for text in texts:
        hashes = shingle_hashes(text)
        m = MinHash(
            num_perm=NUM_PERM, seed=7, scheme=SCHEME, hashfunc=int,
            permutations=reference.permutations,
        )
        m.update_batch(hashes.tolist())
        assert minhash_values([hashes])[0].tolist() == m.hashvalues.tolist()
    # Many texts at once, including an empty hash set, equal one at a time.
    sets = [shingle_hashes(t) for t in texts] + [np.empty(0, dtype=np.uint64)]
    together = minhash_values(sets)
    assert [v.tolist() for v in together] == [minhash_values([s])[0].tolist() for s in sets]
    empty = MinHash(num_perm=NUM_PERM, seed=7, scheme=SCHEME, hashfunc=int)
    assert together[-1].tolist() == empty.hashvalues.tolist()
    # The batch path and the reference signature() agree, short texts included.
    for text, values in zip(texts, signatures(texts), strict=True):
        ref = signature(text)
        if ref is None:
            assert values is None
        else:
            assert values is not None and values.dtype == np.uint64
            assert values.tolist() == ref.hashvalues.tolist()
            assert signature_bytes(values) == signature_bytes(ref)
            assert band_keys(values) == band_keys(ref)
    first = signatures([STORY])[0]
    assert first is not None and first[:8].tolist() == STORY_SIG_FIRST


def test_batch_chunks_give_the_same_values(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import infomachine.ingest.dedupe as d

    sets = [d.shingle_hashes(STORY + f" extra{i} " * i) for i in range(20)]
    whole = d.minhash_values(sets)
    monkeypatch.setattr(d, "_CHUNK_SHINGLES", 50)
    assert [v.tolist() for v in d.minhash_values(sets)] == [v.tolist() for v in whole]


def test_query_with_array_signature_matches_minhash(store: SQLiteStore) -> None:
    from infomachine.ingest.dedupe import signatures

    sig = signature(STORY)
    assert sig is not None
    store.insert_item(
        Item(id="orig", title="t", text=STORY, content_hash="h"), signature_bytes(sig), band_keys(sig)
    )
    copy = "Updated: " + STORY + " Reporting by a wire service."
    values = signatures([copy])[0]
    assert values is not None
    index = NearDuplicateIndex(store)
    assert index.query(values) == index.query(signature(copy)) == "orig"  # type: ignore[arg-type]


def _reference_normalise(text: str) -> str:
    import re
    import unicodedata

    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower()))


def _reference_clean(text: str) -> str:
    from infomachine.text.html import _CONTROL, _ws

    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    lines = [_ws.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def test_fast_paths_give_the_reference_results() -> None:
    import random

    from infomachine.ingest.dedupe import normalise_text
    from infomachine.text.html import clean_text

    alphabet = list("aZ9_ .,'-/") + [
        "\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x00", "\x1c", "\x1f", "\x7f", "\xa0", "\x85",
        "\u2028", "\u3000", "\ufb01", "Ä", "ß", "İ", "²", "  ", "\u200b", "é",
    ]
    rng = random.Random(5)
    samples = [STORY, "", " ", "  a  b  ", "plain words only", "x\n\n\ny"]
    for _ in range(3000):
        samples.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))))
    ascii_only = [c for c in alphabet if c.isascii()]
    for _ in range(1000):
        samples.append("".join(rng.choice(ascii_only) for _ in range(rng.randint(0, 30))))
    for text in samples:
        assert normalise_text(text) == _reference_normalise(text), repr(text)
        assert clean_text(text) == _reference_clean(text), repr(text)


def test_canonical_url_edge_cases() -> None:
    assert canonical_url("https://example.com") == "https://example.com/"
    assert canonical_url("https://example.com//a///b//?") == "https://example.com/a/b"
    assert canonical_url("https://example.com/a?utm_source=x") == "https://example.com/a"
    assert canonical_url("https://example.com/a?b=&a=1") == "https://example.com/a?a=1&b="
