"""Retrieval, prompts and grounded (extractive) answers over a chunked, embedded corpus."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .chunking import chunk_articles, sentence_spans
from .store import Hit, VectorStore

NO_ANSWER = "I don't know"
SYSTEM = ("Answer the question using only the numbered context passages. Cite the passages you use as [n]. "
          f"If the context does not contain the answer, say \"{NO_ANSWER}\".")
PROMPT = "{system}\n\nContext:\n{context}\n\nQuestion: {question}\nAnswer:"


STOPWORDS = frozenset(
    "a an and are as at be been by did do does for from how in is it its many much of on or that the these this "
    "those to was were what when where which who whom whose why with".split())


def terms(text: str) -> set[str]:
    """Given. The content words of a text: lower-cased alphanumeric words not in STOPWORDS, cut to their first
    5 characters (a crude stem: "novels" and "novelist" both give "novel")."""
    return {w[:5] for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS}


def format_passage(n: int, title: str, text: str) -> str:
    """Given. Passage ``n`` (1-based) as it appears in the prompt: "[n] (title) text"."""
    return f"[{n}] ({title}) {text.strip()}"


def build_prompt(question: str, passages: Sequence[tuple[str, str]], count_tokens: Callable[[str], int],
                 max_tokens: int) -> str:
    """PROMPT filled with SYSTEM, the question and as many (title, text) passages as fit: passages go in rank order
    numbered from 1, and the first one that would push ``count_tokens(prompt)`` over ``max_tokens`` is left out
    with every one after it. ValueError when even the prompt with no passage is over budget."""
    def render(n: int) -> str:
        context = "\n\n".join(format_passage(i + 1, t, x) for i, (t, x) in enumerate(passages[:n]))
        return PROMPT.format(system=SYSTEM, context=context, question=question.strip())

    if count_tokens(render(0)) > max_tokens:
        raise ValueError(f"the prompt without any passage is already over the budget of {max_tokens} tokens")
    n = 0
    # count the whole prompt each time: tokens of a concatenation are not the sum of the parts' tokens
    while n < len(passages) and count_tokens(render(n + 1)) <= max_tokens:
        n += 1
    return render(n)


@dataclass
class Answer:
    """An answer and where it comes from: ``sources`` article ids and their ``titles`` (empty for NO_ANSWER);
    ``passages``: every hit retrieved for the question, best first (kept for evaluation)."""

    text: str
    sources: list[int] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)


class RAG:
    """A store of chunk embeddings plus the embedder: retrieve passages, answer by extracting the best sentence."""

    def __init__(self, store: VectorStore, embed: Callable[[Sequence[str]], np.ndarray], k: int = 5,
                 threshold: float = 0.35, extract_from: int = 3):
        self.store, self.embed, self.k = store, embed, k
        self.threshold, self.extract_from = threshold, extract_from

    @classmethod
    def from_articles(cls, articles: Sequence, embed: Callable[[Sequence[str]], np.ndarray], max_chars: int = 400,
                      overlap: int = 1, kind: str = "flat", **kw) -> "RAG":
        """Chunk the articles, embed each chunk's ``embed_text``, and store the vectors with metadata
        {"article_id", "title", "start", "end", "text"}."""
        chunks = chunk_articles(articles, max_chars, overlap)
        vectors = embed([c.embed_text for c in chunks])  # (n_chunks, dim)
        store = VectorStore(vectors.shape[1], kind=kind)
        store.add(vectors, [dict(article_id=c.article_id, title=c.title, start=c.start, end=c.end, text=c.text)
                            for c in chunks])
        return cls(store, embed, **kw)

    def retrieve(self, question: str, k: int | None = None, where=None) -> list[Hit]:
        """The k best chunks for the question (cosine, best first), optionally filtered by metadata.
        ValueError on an empty or blank question: there is nothing to search for."""
        if not question or not question.strip():
            raise ValueError("empty question: nothing to retrieve")
        q = self.embed([question.strip()])[0]  # (dim,)
        return self.store.hits(q, k or self.k, where)

    def answer(self, question: str, where=None) -> Answer:
        """Extractive answer: among the sentences (of 3+ words) of the ``extract_from`` best chunks, the one that
        shares the most ``terms`` with the question (ties: the earlier one, best chunk first), with the article it
        comes from. NO_ANSWER with no sources when nothing is retrieved or the best chunk scores below
        ``threshold``: better no answer than a confident one from unrelated text."""
        hits = self.retrieve(question, where=where)
        if not hits or hits[0].score < self.threshold:
            return Answer(NO_ANSWER, passages=hits)
        wanted = terms(question)
        best, best_score = None, -1
        for h in hits[:self.extract_from]:
            text = h.meta["text"]
            for s, e in sentence_spans(text, len(text) + 1):
                sentence = text[s:e].strip()
                score = len(wanted & terms(sentence))
                if len(sentence.split()) >= 3 and score > best_score:  # strict: ties keep the earlier sentence
                    best, best_score = (sentence, h), score
        if best is None:
            return Answer(NO_ANSWER, passages=hits)
        sentence, h = best
        return Answer(sentence, [h.meta["article_id"]], [h.meta["title"]], hits)
