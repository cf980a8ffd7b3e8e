"""Conversation memory: rewrite follow-up questions with the topic, keep the history within a token budget."""

from __future__ import annotations

import re
from typing import Callable, Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from .rag import RAG, Answer

PRONOUNS = ("he", "she", "it", "they", "him", "her", "them")
POSSESSIVES = ("his", "its", "their")
_WORD = re.compile(r"\b(" + "|".join(PRONOUNS + POSSESSIVES) + r")\b", re.IGNORECASE)


def rewrite_question(question: str, topic: str | None) -> str:
    """A follow-up question made standalone. With no topic: unchanged. Otherwise every pronoun in PRONOUNS
    becomes the topic and every possessive in POSSESSIVES becomes "<topic>'s" (whole words, any case); a
    question with neither, that does not already mention the topic, gets "<topic>: " in front."""
    question = question.strip()
    if not topic:
        return question
    rewritten, n = _WORD.subn(lambda m: topic + "'s" if m.group(0).lower() in POSSESSIVES else topic, question)
    if n:
        return rewritten
    return question if topic.lower() in question.lower() else f"{topic}: {question}"


def trim_history(messages: Sequence[BaseMessage], max_tokens: int, count_tokens: Callable[[str], int]
                 ) -> list[BaseMessage]:
    """Keep the leading SystemMessage (if any) and the longest run of the most recent messages that starts with a
    HumanMessage and whose token total (count_tokens of each content, system included) is at most max_tokens:
    the oldest turns go first."""
    messages = list(messages)
    system = messages[:1] if messages and isinstance(messages[0], SystemMessage) else []
    rest = messages[len(system):]
    budget = max_tokens - sum(count_tokens(m.content) for m in system)
    start, used = len(rest), 0
    while start > 0 and used + count_tokens(rest[start - 1].content) <= budget:  # walk back from the newest
        start -= 1
        used += count_tokens(rest[start].content)
    while start < len(rest) and not isinstance(rest[start], HumanMessage):  # a turn starts with the user
        start += 1
    return system + rest[start:]


class Conversation:
    """Multi-turn question answering: each question is rewritten with the current topic (the title of the
    article the last answer came from), answered by ``rag``, and the history is trimmed to ``max_tokens``.
    Attributes: ``messages`` (the history, a SystemMessage first, then HumanMessage / AIMessage turns) and
    ``topic`` (None before the first answer)."""

    def __init__(self, rag: RAG, count_tokens: Callable[[str], int], max_tokens: int = 256,
                 system: str = "You answer questions about Wikipedia articles."):
        self.rag, self.count_tokens, self.max_tokens = rag, count_tokens, max_tokens
        self.messages: list[BaseMessage] = [SystemMessage(system)]
        self.topic: str | None = None

    def ask(self, question: str) -> tuple[str, Answer]:
        """Returns (the standalone question that was searched, the answer); updates messages and topic."""
        standalone = rewrite_question(question, self.topic)
        answer = self.rag.answer(standalone)
        if answer.titles:  # an "I don't know" keeps the old topic
            self.topic = answer.titles[0]
        self.messages += [HumanMessage(question), AIMessage(answer.text)]
        self.messages = trim_history(self.messages, self.max_tokens, self.count_tokens)
        return standalone, answer
