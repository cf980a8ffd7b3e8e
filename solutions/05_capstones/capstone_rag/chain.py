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
        hits = self.rag.retrieve(query, k=self.k, where=self.where)
        return [Document(page_content=h.meta["text"],
                         metadata={**{k: v for k, v in h.meta.items() if k != "text"}, "score": h.score})
                for h in hits]


class TinyLlamaLLM(LLM):
    """A transformers causal LM as a LangChain LLM: greedy decoding of ``max_new_tokens`` tokens. A prompt longer
    than the model's context keeps its last (context - max_new_tokens) tokens; the reply is the new text only,
    cut before the first stop string."""

    model: Any
    tokenizer: Any
    max_new_tokens: int = 16

    @property
    def _llm_type(self) -> str:
        return "tiny-llama"

    def _call(self, prompt: str, stop: list[str] | None = None,
              run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> str:
        ids = self.tokenizer(prompt, return_tensors="pt").input_ids              # (1, T)
        room = self.model.config.max_position_embeddings - self.max_new_tokens
        ids = ids[:, -room:]                                                     # the question is at the end: keep it
        with torch.inference_mode():
            out = self.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=self.max_new_tokens,
                                      do_sample=False, pad_token_id=self.tokenizer.eos_token_id)
        text = self.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
        for s in stop or []:
            text = text.split(s)[0]
        return text


def make_chain(retriever: BaseRetriever, llm: LLM, count_tokens: Callable[[str], int], max_tokens: int) -> Runnable:
    """LCEL: question (str) -> {"answer": str, "sources": [article ids of the passages in the prompt, in order,
    without repeats]}. retriever -> build_prompt (within max_tokens) -> llm -> StrOutputParser."""

    def prompt_of(x: dict) -> dict:
        passages = [(d.metadata["title"], d.page_content) for d in x["docs"]]
        prompt = build_prompt(x["question"], passages, count_tokens, max_tokens)
        used = [d for i, (d, (t, text)) in enumerate(zip(x["docs"], passages))
                if format_passage(i + 1, t, text) in prompt]  # the passages that fit the budget
        return {"prompt": prompt, "sources": list(dict.fromkeys(d.metadata["article_id"] for d in used))}

    return (
        {"question": RunnablePassthrough(), "docs": retriever}
        | RunnableLambda(prompt_of)
        | RunnablePassthrough.assign(answer=(lambda x: x["prompt"]) | llm | StrOutputParser())
        | RunnableLambda(lambda x: {"answer": x["answer"], "sources": x["sources"]})
    )
