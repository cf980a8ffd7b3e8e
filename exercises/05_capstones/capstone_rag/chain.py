"""LangChain integration: the store as a BaseRetriever, the tiny Llama as an LLM, and an LCEL chain."""

from __future__ import annotations

from typing import Any, Callable

import torch
from langchain_core.callbacks import CallbackManagerForLLMRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models.llms import LLM
from langchain_core.output_parsers import StrOutputParser
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from .rag import build_prompt, format_passage


class RAGRetriever(BaseRetriever):
    """``rag.retrieve`` as a LangChain retriever: one Document per hit, page_content the chunk text, metadata
    {"article_id", "title", "start", "end", "score"}."""

    rag: Any
    k: int = 5
    where: Any = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        raise NotImplementedError("RAGRetriever._get_relevant_documents")


class TinyLlamaLLM(LLM):
    """A transformers causal LM as a LangChain LLM: greedy decoding of ``max_new_tokens`` tokens. A prompt longer
    than the model's context keeps its last (context - max_new_tokens) tokens; the reply is the new text only,
    cut before the first stop string."""

    model: Any
    tokenizer: Any
    max_new_tokens: int = 16

    @property
    def _llm_type(self) -> str:
        raise NotImplementedError("TinyLlamaLLM._llm_type")

    def _call(self, prompt: str, stop: list[str] | None = None,
              run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> str:
        raise NotImplementedError("TinyLlamaLLM._call")


def make_chain(retriever: BaseRetriever, llm: LLM, count_tokens: Callable[[str], int], max_tokens: int) -> Runnable:
    """LCEL: question (str) -> {"answer": str, "sources": [article ids of the passages in the prompt, in order,
    without repeats]}. retriever -> build_prompt (within max_tokens) -> llm -> StrOutputParser."""

    raise NotImplementedError("make_chain")
