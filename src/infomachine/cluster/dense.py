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

Neither library is a dependency: install ``model2vec`` (no PyTorch) or
``sentence-transformers`` to use this. A name that is not a local folder is
looked up on the Hugging Face hub (and cached there) by the library.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from infomachine.errors import ConfigError

Encoder = Callable[[list[str]], np.ndarray]


log = logging.getLogger(__name__)


def load_embedder(name: str) -> Encoder:
    """A batch encoder returning one L2-normalised row per text (zero rows stay zero)."""
    folder = Path(name).expanduser()
    looks_like_path = name.startswith(("/", ".", "~")) or (
        folder.parent != Path(".") and folder.parent.exists()
    )
    local = folder.exists() or looks_like_path
    if local and not folder.is_dir():
        raise ConfigError(f"embedding_model={name!r}: no such model folder")
    target = str(folder) if local else name
    if (folder / "config_sentence_transformers.json").exists():
        encode = _sentence_transformers(target)
    else:
        try:
            encode = _model2vec(target)
        except ImportError:
            encode = _sentence_transformers(target)
        except ConfigError:
            if local or not _has("sentence_transformers"):
                raise
            log.info("embedding_model=%r is not a model2vec model; trying sentence-transformers", name)
            encode = _sentence_transformers(target)

    def normalised(texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vecs = np.asarray(encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vecs / norms

    return normalised


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _model2vec(name: str) -> Encoder:
    from model2vec import StaticModel

    try:
        model = StaticModel.from_pretrained(name)
    except Exception as exc:  # the library raises OSError, ValueError, hub errors ...
        where = "" if Path(name).exists() else " (not a local folder: looked up on the Hugging Face hub)"
        raise ConfigError(
            f"embedding_model={name!r}: cannot load a model2vec model{where}: {exc}"
        ) from exc
    return lambda texts: model.encode(texts)


def _sentence_transformers(name: str) -> Encoder:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ConfigError(
            f"embedding_model={name!r} needs sentence-transformers installed "
            "(or a model2vec model with model2vec installed)"
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
    if body == title or body.startswith(title + " "):
        return body
    return f"{title}. {body}" if body else title


def cosine(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Cosine of two dense vectors (either may be an unnormalised sum)."""
    va, vb = np.asarray(a), np.asarray(b)
    den = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb) / den if den else 0.0


class DenseIndex:
    """Mean vectors of stories, one row each, searched by one matrix product."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.row: dict[str, int] = {}
        self.mat = np.zeros((0, 0), dtype=np.float32)
        self.last = np.zeros(0)

    def put(self, story_id: str, dense_sum: Sequence[float] | np.ndarray, last_ts: float) -> None:
        vec = np.asarray(dense_sum, dtype=np.float32)
        norm = float(np.linalg.norm(vec))
        if not norm or not math.isfinite(norm):
            self.drop(story_id)
            return
        if self.mat.shape[1] != vec.shape[0]:
            if self.row:
                raise ConfigError(
                    f"dense vectors of {vec.shape[0]} and {self.mat.shape[1]} dimensions mixed"
                )
            self.ids, self.row = [], {}
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

    def compact(self, horizon: float) -> None:
        """Forget dropped stories and those idle since before ``horizon``."""
        keep = [i for i in range(len(self.ids)) if self.last[i] >= horizon and np.isfinite(self.last[i])]
        if len(keep) == len(self.ids):
            return
        size = max(64, 2 * len(keep))
        mat = np.zeros((size, self.mat.shape[1]), dtype=np.float32)
        last = np.full(size, -np.inf)
        mat[: len(keep)] = self.mat[keep]
        last[: len(keep)] = self.last[keep]
        self.ids = [self.ids[i] for i in keep]
        self.row = {sid: i for i, sid in enumerate(self.ids)}
        self.mat, self.last = mat, last

    def nearest(self, vec: np.ndarray, k: int, horizon: float) -> list[tuple[str, float]]:
        """The ``k`` stories active since ``horizon`` whose mean vector is nearest ``vec``."""
        n = len(self.ids)
        if not n or k <= 0 or vec.shape[0] != self.mat.shape[1]:
            return []
        sims = self.mat[:n] @ vec
        last = self.last[:n]
        sims[~np.isfinite(last) | (last < horizon)] = -np.inf
        k = min(k, n)
        top = np.argpartition(-sims, k - 1)[:k]
        return [(self.ids[i], float(sims[i])) for i in top if np.isfinite(sims[i])]
