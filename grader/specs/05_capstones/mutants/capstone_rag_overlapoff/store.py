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
        if kind == "flat":
            self.index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            self.index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efConstruction = 2 * m
            self.index.hnsw.efSearch = ef_search
        else:
            raise ValueError(f"kind must be 'flat' or 'hnsw', got {kind!r}")
        self.kind, self.dim, self.ef_search = kind, dim, ef_search
        self.metas: list[dict] = []

    def __len__(self) -> int:
        return self.index.ntotal

    @staticmethod
    def _unit(x: np.ndarray) -> np.ndarray:
        x = np.array(x, dtype=np.float32, copy=True, ndmin=2)  # a copy: normalize_L2 works in place
        faiss.normalize_L2(x)
        return x

    def add(self, vectors: np.ndarray, metas: Sequence[dict]) -> None:
        """Add (n, dim) vectors with one metadata dict each; ids continue from len(self)."""
        if len(vectors) != len(metas):
            raise ValueError(f"{len(vectors)} vectors but {len(metas)} metadata dicts")
        self.index.add(self._unit(vectors))
        self.metas.extend(dict(m) for m in metas)

    def _params(self, where: dict | Callable[[dict], bool] | None):
        """faiss SearchParameters restricting the search to the ids whose metadata matches ``where``."""
        kw: dict[str, Any] = {"efSearch": self.ef_search} if self.kind == "hnsw" else {}
        if where is not None:
            keep = where if callable(where) else (lambda m: all(m.get(k) == v for k, v in where.items()))
            ids = np.array([i for i, m in enumerate(self.metas) if keep(m)], dtype=np.int64)
            if len(ids) == 0:
                return None
            kw["sel"] = faiss.IDSelectorBatch(ids)
        return faiss.SearchParametersHNSW(**kw) if self.kind == "hnsw" else faiss.SearchParameters(**kw)

    def search(self, queries: np.ndarray, k: int, where: dict | Callable[[dict], bool] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(q, dim) queries -> scores float32 (q, k) and ids int64 (q, k), best first, -1 / -inf where fewer than
        k vectors match. ``where``: a dict of metadata values to match, or a predicate on the metadata dict."""
        q = self._unit(queries)
        params = self._params(where)
        if params is None or len(self) == 0:  # nothing matches: faiss's own "no result" padding
            return np.full((len(q), k), -np.inf, dtype=np.float32), np.full((len(q), k), -1, dtype=np.int64)
        scores, ids = self.index.search(q, k, params=params)
        scores[ids < 0] = -np.inf
        return scores, ids

    def hits(self, query: np.ndarray, k: int, where: dict | Callable[[dict], bool] | None = None) -> list[Hit]:
        """One (dim,) query -> up to k Hits, best first."""
        scores, ids = self.search(np.asarray(query)[None], k, where)
        return [Hit(float(s), int(i), self.metas[i]) for s, i in zip(scores[0], ids[0]) if i >= 0]


def recall_at_k(approx_ids: np.ndarray, exact_ids: np.ndarray, k: int) -> float:
    """Mean over queries of |first k approximate ids  ∩  first k exact ids| / k (order within the k ignored,
    -1 padding never counts)."""
    approx_ids, exact_ids = np.asarray(approx_ids), np.asarray(exact_ids)
    total = 0.0
    for a, e in zip(approx_ids[:, :k], exact_ids[:, :k]):
        total += len(set(a[a >= 0].tolist()) & set(e[e >= 0].tolist())) / k
    return total / len(exact_ids)
