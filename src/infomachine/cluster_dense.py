"""Optional dense embeddings for the cluster stage.

When ``embedding_model`` is set (a model2vec static model, or a
sentence-transformers model, by local path or hub name), every item also gets
a dense, L2-normalised vector:

* ``load_embedder`` picks the library from the model folder
  (``config_sentence_transformers.json`` means sentence-transformers, else
  model2vec) and encodes in batches;
* each story keeps the sum of its members' vectors (``StoryState.dense``,
  persisted with the rest of its state);
* ``DenseIndex`` holds the active stories' mean vectors in one numpy matrix,
  so the stories nearest to an item are found with one matrix-vector product
  and become candidates even when they share no word with it.

Neither library is a dependency: install ``model2vec`` (numpy only, no
PyTorch) or ``sentence-transformers`` to use this.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from infomachine.errors import ConfigError

Encoder = Callable[[list[str]], np.ndarray]


def load_embedder(name: str) -> Encoder:
    """A batch encoder returning one L2-normalised row per text."""
    folder = Path(name).expanduser()
    if (folder / "config_sentence_transformers.json").exists():
        encode = _sentence_transformers(str(folder))
    else:
        try:
            encode = _model2vec(str(folder) if folder.exists() else name)
        except ImportError:
            encode = _sentence_transformers(name)

    def normalised(texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vecs = np.asarray(encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vecs / norms

    return normalised


def _model2vec(name: str) -> Encoder:
    from model2vec import StaticModel

    try:
        model = StaticModel.from_pretrained(name)
    except Exception as exc:  # the library raises OSError, ValueError, hub errors ...
        raise ConfigError(f"embedding_model={name!r}: cannot load a model2vec model: {exc}") from exc
    return lambda texts: model.encode(texts)


def _sentence_transformers(name: str) -> Encoder:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ConfigError(
            f"embedding_model={name!r} needs model2vec or sentence-transformers installed"
        ) from exc
    try:
        model = SentenceTransformer(name, device="cpu")
    except Exception as exc:
        raise ConfigError(f"embedding_model={name!r}: cannot load: {exc}") from exc
    return lambda texts: model.encode(texts, batch_size=64, show_progress_bar=False)


def embedding_text(title: str, text: str, words: int = 120) -> str:
    """What is embedded: the title and the start of the body."""
    title = " ".join(title.split())
    body = " ".join((text or "").split()[:words])
    if body.startswith(title):
        return body
    return f"{title}. {body}" if body else title


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of two dense vectors (either may be an unnormalised sum)."""
    va, vb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    den = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb) / den if den else 0.0


class DenseIndex:
    """Mean vectors of stories, one row each, searched by one matrix product."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.row: dict[str, int] = {}
        self.mat = np.zeros((0, 0), dtype=np.float32)
        self.last = np.zeros(0)

    @property
    def dim(self) -> int:
        """Dimension of the stored vectors (0 while empty)."""
        return self.mat.shape[1] if self.ids else 0

    def check(self, vec: Sequence[float]) -> None:
        """Refuse an item vector that does not match the stories' dimension."""
        if self.dim and len(vec) != self.dim:
            raise ConfigError(
                f"stories were embedded with a {self.dim}-dimensional model but embedding_model "
                f"gives {len(vec)} dimensions; use the same model, or re-cluster a fresh database"
            )

    def put(self, story_id: str, dense_sum: Sequence[float], last_ts: float) -> None:
        vec = np.asarray(dense_sum, dtype=np.float32)
        norm = float(np.linalg.norm(vec))
        if not norm or not math.isfinite(norm):
            return
        if self.mat.shape[1] != vec.shape[0]:
            self.check(dense_sum)
            self.mat = np.zeros((64, vec.shape[0]), dtype=np.float32)
            self.last = np.full(64, -np.inf)
        i = self.row.get(story_id)
        if i is None:
            i = len(self.ids)
            if i == self.mat.shape[0]:
                self.mat = np.vstack([self.mat, np.zeros_like(self.mat)])
                self.last = np.concatenate([self.last, np.full(len(self.last), -np.inf)])
            self.ids.append(story_id)
            self.row[story_id] = i
        self.mat[i] = vec / norm
        self.last[i] = last_ts

    def drop(self, story_id: str) -> None:
        i = self.row.pop(story_id, None)
        if i is not None:
            self.mat[i] = 0.0
            self.last[i] = -np.inf

    def nearest(self, vec: np.ndarray, k: int, horizon: float) -> list[tuple[str, float]]:
        """The ``k`` stories active since ``horizon`` whose mean vector is nearest ``vec``."""
        n = len(self.ids)
        if not n or k <= 0:
            return []
        sims = self.mat[:n] @ vec
        sims[self.last[:n] < horizon] = -np.inf
        k = min(k, n)
        top = np.argpartition(-sims, k - 1)[:k]
        return [(self.ids[i], float(sims[i])) for i in top if np.isfinite(sims[i])]
