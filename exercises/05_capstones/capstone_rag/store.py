"""A cosine-similarity vector store on faiss: exact (flat) or approximate (HNSW), with metadata and filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import faiss
import numpy as np


@dataclass
class Hit:
    """One search result: cosine ``score``, the vector's ``id`` (its insertion position) and its metadata."""

    score: float
    id: int
    meta: dict


class VectorStore:
    """``kind="flat"``: faiss.IndexFlatIP, exact. ``kind="hnsw"``: faiss.IndexHNSWFlat (inner product), approximate,
    ``m`` links per node, ``ef_search`` candidates kept while searching. Vectors are L2-normalised on the way in,
    queries too, so the inner product is the cosine similarity. ``self.metas``: the metadata dicts, by id."""

    def __init__(self, dim: int, kind: str = "flat", m: int = 32, ef_search: int = 64):
        raise NotImplementedError("VectorStore.__init__")

    def __len__(self) -> int:
        raise NotImplementedError("VectorStore.__len__")

    def add(self, vectors: np.ndarray, metas: Sequence[dict]) -> None:
        """Add (n, dim) vectors with one metadata dict each; ids continue from len(self)."""
        raise NotImplementedError("VectorStore.add")

    def search(self, queries: np.ndarray, k: int, where: dict | Callable[[dict], bool] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(q, dim) queries -> scores float32 (q, k) and ids int64 (q, k), best first, -1 / -inf where fewer than
        k vectors match. ``where``: a dict of metadata values to match, or a predicate on the metadata dict."""
        raise NotImplementedError("VectorStore.search")

    def hits(self, query: np.ndarray, k: int, where: dict | Callable[[dict], bool] | None = None) -> list[Hit]:
        """One (dim,) query -> up to k Hits, best first."""
        raise NotImplementedError("VectorStore.hits")


def recall_at_k(approx_ids: np.ndarray, exact_ids: np.ndarray, k: int) -> float:
    """Mean over queries of |first k approximate ids  ∩  first k exact ids| / k (order within the k ignored,
    -1 padding never counts)."""
    raise NotImplementedError("recall_at_k")
