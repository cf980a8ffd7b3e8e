"""Capstone 2: retrieval-augmented generation (RAG).

Goal
----
A question-answering system over Wikipedia that cites its sources and says "I don't know" when it should:
chunk the articles, embed the chunks with a sentence encoder, index them in faiss, retrieve with metadata
filters, build a prompt within a token budget, answer, and carry a conversation. Then plug it into LangChain,
the way production RAG stacks are wired.

This is a package: five modules, each a part of the job.

- ``chunking.py``: ``chunk_text(text, max_chars, overlap)`` and ``chunk_articles(articles, ...)``.
    * ``sentence_spans(text, max_chars)`` is given: contiguous units (sentences, lines) covering the text,
      each at most ``max_chars`` long;
    * pack units greedily: a chunk is units i .. j-1, as many as keep ``end - start <= max_chars``; the next
      chunk starts at unit max(j - overlap, i + 1) (it repeats the last ``overlap`` sentences, so a fact cut
      at a chunk border is whole in one of the two), moved on only as far as needed for unit j to fit;
    * ``chunk_articles`` gives ``Chunk(article_id, title, start, end, text)`` with
      ``text == article.text[start:end]``; ``Chunk.embed_text`` (given) is "title: text".
- ``embed.py``: ``mean_pool(last_hidden_state, attention_mask)`` and ``Embedder(tokenizer, model)``, which maps
  texts to float32 (n, 384) unit vectors exactly as sentence-transformers' all-MiniLM-L6-v2 does: tokenize
  (padding, truncation at 256 tokens), run the encoder, average the token vectors where the mask is 1,
  L2-normalise. Get the model with ``tokenizer, model, folder = grader.data.load("minilm")``.
- ``store.py``: ``VectorStore(dim, kind="flat"|"hnsw", m=32, ef_search=64)`` on faiss, cosine similarity:
    * ``"flat"``: ``faiss.IndexFlatIP`` (exact); ``"hnsw"``: ``faiss.IndexHNSWFlat(dim, m,
      faiss.METRIC_INNER_PRODUCT)`` with ``hnsw.efSearch = ef_search`` (approximate, sub-linear); anything
      else: ValueError. Normalise vectors and queries (``faiss.normalize_L2`` on a float32 copy), so that
      the inner product is the cosine;
    * ``add(vectors, metas)``; ``search(queries, k, where=None) -> (scores (q, k), ids (q, k))`` with faiss's
      padding (-1 ids) when fewer match; ``hits(query, k, where=None) -> [Hit(score, id, meta)]``;
    * ``where``: a dict of metadata values (``{"article_id": 308}``) or a predicate on the metadata; search
      only the matching ids (``faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))``, or
      ``SearchParametersHNSW``), so that k matching results come back;
    * ``recall_at_k(approx_ids, exact_ids, k)``: mean over queries of |approx[:k] ∩ exact[:k]| / k: how much
      of the exact answer the approximate index finds.
- ``rag.py``:
    * ``build_prompt(question, passages, count_tokens, max_tokens)``: ``PROMPT`` with ``SYSTEM``, the
      numbered passages (``format_passage``, given) and the question; passages in rank order until the first
      that would take the whole prompt over ``max_tokens`` (count the whole prompt: tokens do not add up
      across a join); ValueError if even the bare prompt is over;
    * ``RAG.from_articles(articles, embed, max_chars, overlap, kind, **kw)``: chunk, embed each
      ``embed_text``, store with metadata ``{"article_id", "title", "start", "end", "text"}``;
    * ``RAG.retrieve(question, k, where)``: ValueError on an empty or blank question;
    * ``RAG.answer(question)``: extractive: NO_ANSWER ("I don't know") with no sources when the best chunk
      scores below ``threshold``; otherwise the sentence (3+ words) of the ``extract_from`` best chunks sharing
      the most ``terms`` (given) with the question, with its article as the source. Extracting keeps the
      answer grounded: every word of it is in a retrieved passage.
- ``memory.py``: ``rewrite_question(question, topic)`` (pronouns -> the topic, "his/its/their" ->
  "topic's", or "topic: " in front of a question without one); ``trim_history(messages, max_tokens,
  count_tokens)`` (keep the system message, drop the oldest messages, start on a human message);
  ``Conversation(rag, count_tokens, max_tokens)``, whose ``ask`` rewrites, answers, updates the topic (the
  title of the article the answer came from) and trims the history.
- ``chain.py``: LangChain (``langchain_core``): ``RAGRetriever(BaseRetriever)`` (one Document per hit,
  metadata with article_id, title, score), ``TinyLlamaLLM(LLM)`` (greedy decoding with the course's tiny
  Llama, ``data.load("tiny-llama-1m")``, prompt left-truncated to its 256-token context), and
  ``make_chain(retriever, llm, count_tokens, max_tokens)``, an LCEL runnable: question -> retriever ->
  prompt -> llm -> StrOutputParser -> {"answer", "sources"}.

Why it matters
--------------
A language model knows what its training data said, as of then, and makes up the rest. RAG grounds it in
documents you choose and can cite: it is how most LLM products answer questions about private or fresh data.
Its quality is mostly retrieval quality (chunking, embeddings, the index), which is measurable without an LLM.

Tiers
-----
- CPU (``course check``): the leads (first paragraphs, up to 1,200 characters) of the excerpt's 21 valid and
  test articles, 400-character chunks with one sentence of overlap (80 chunks; embedding all 106 articles
  would take about 15 CPU-minutes), and 22 held-out questions: the expected article must be among the 5
  retrieved chunks for 90% of them (the reference: 100%), and 60% of the extractive answers must be grounded
  (a sentence of a retrieved chunk, from the expected article, holding the answer; the reference: 68%, 15/22).
  Unanswerable questions get "I don't know". The tiny Llama (1M parameters) writes poor answers: the chain is
  graded on its wiring, not on its prose.

Worked example
--------------
>>> tok, model, _ = data.load("minilm")
>>> rag = RAG.from_articles(articles, Embedder(tok, model), max_chars=400, overlap=1)
>>> a = rag.answer("Which Oxford college did Aldous Huxley graduate from?")
>>> a.text, a.sources
('He graduated from Balliol College, Oxford with a first in English literature.', [628])
>>> rag.answer("How do I reset my router password?").text
"I don't know"

Reference
---------
Lewis et al. 2020, Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks; Reimers & Gurevych 2019,
Sentence-BERT; Malkov & Yashunin 2018, HNSW; the faiss wiki; the LangChain docs (retrievers, custom LLMs, LCEL).
"""

from .chain import RAGRetriever, TinyLlamaLLM, make_chain
from .chunking import Chunk, chunk_articles, chunk_text, sentence_spans
from .embed import Embedder, mean_pool
from .memory import Conversation, rewrite_question, trim_history
from .rag import NO_ANSWER, PROMPT, RAG, STOPWORDS, SYSTEM, Answer, build_prompt, format_passage, terms
from .store import Hit, VectorStore, recall_at_k

__all__ = ["NO_ANSWER", "PROMPT", "SYSTEM", "Answer", "Chunk", "Conversation", "Embedder", "Hit", "RAG",
           "RAGRetriever", "STOPWORDS", "TinyLlamaLLM", "VectorStore", "build_prompt", "chunk_articles", "chunk_text",
           "format_passage", "make_chain", "mean_pool", "recall_at_k", "rewrite_question", "sentence_spans", "terms",
           "trim_history"]
