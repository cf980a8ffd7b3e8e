"""The harness: tasks, a few deterministic toy models, and the loop that scores every model on every task."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .metrics import bleu_from_statistics, bleu_statistics, exact_match, expected_calibration_error, rouge_l, rouge_n, token_f1
from .report import bootstrap_ci
from .safety import hallucination_rate, toxicity_score

# --------------------------------------------------------------------------- given: the tasks
KINDS = ("classification", "qa", "summarization", "translation")


@dataclass
class Task:
    """One evaluation task. ``references``: int labels (classification), lists of gold answers (qa),
    one reference text each (summarization, translation). ``contexts``: the source passage of each qa item."""

    name: str
    kind: str
    inputs: list[str]
    references: list[Any]
    contexts: list[str] | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if len(self.inputs) != len(self.references):
            raise ValueError("one reference per input")


# Short passages from the course's Wikipedia excerpt (wiki-excerpt, test split), with questions and a summary.
PASSAGES: list[dict] = [
    {"title": "An American in Paris",
     "passage": "An American in Paris is a jazz-influenced symphonic poem by the American composer George Gershwin, "
                "written in 1928. Inspired by the time Gershwin had spent in Paris, it evokes the sights and energy "
                "of the French capital in the 1920s. Gershwin composed it on commission from the conductor Walter Damrosch.",
     "qa": [("Who composed An American in Paris?", ["George Gershwin", "Gershwin"]),
            ("In what year was An American in Paris written?", ["1928"]),
            ("Which conductor commissioned the piece?", ["Walter Damrosch", "Damrosch"])],
     "summary": "Gershwin wrote the symphonic poem An American in Paris in 1928."},
    {"title": "Ayn Rand",
     "passage": "Ayn Rand was a Russian-born American novelist, philosopher, playwright, and screenwriter. She is known "
                "for her two best-selling novels, The Fountainhead and Atlas Shrugged, and for developing a "
                "philosophical system she called Objectivism. Rand moved to the United States in 1926.",
     "qa": [("What philosophical system did Ayn Rand develop?", ["Objectivism"]),
            ("When did Rand move to the United States?", ["1926", "in 1926"])],
     "summary": "Ayn Rand was a Russian-born American novelist who developed Objectivism."},
    {"title": "Anthropology",
     "passage": "Anthropology is the study of humans and their societies in the past and present. Its main "
                "subdivisions are social anthropology, cultural anthropology, linguistic anthropology and "
                "biological anthropology.",
     "qa": [("What is anthropology the study of?", ["humans and their societies", "humans and their societies in the past and present"])],
     "summary": "Anthropology studies humans and their societies, past and present."},
    {"title": "Afroasiatic languages",
     "passage": "Afroasiatic, also known as Afrasian, is a large language family of several hundred related languages "
                "and dialects. It comprises about 300 living languages and dialects. It has six branches: Berber, "
                "Chadic, Cushitic, Egyptian, Omotic and Semitic.",
     "qa": [("How many branches does the Afroasiatic family have?", ["six", "6"]),
            ("About how many living Afroasiatic languages are there?", ["about 300", "300"])],
     "summary": "Afroasiatic is a large language family of about 300 living languages in six branches."},
    {"title": "Alkane",
     "passage": "In organic chemistry, an alkane, or paraffin, is a saturated hydrocarbon. Alkanes consist only of "
                "hydrogen and carbon atoms and all bonds are single bonds. For example, methane is CH4.",
     "qa": [("What is another name for an alkane?", ["paraffin"]),
            ("Which atoms do alkanes consist of?", ["hydrogen and carbon", "hydrogen and carbon atoms"])],
     "summary": "An alkane is a saturated hydrocarbon made only of hydrogen and carbon."},
    {"title": "Asia",
     "passage": "Asia is the Earth's largest and most populous continent, located primarily in the eastern and "
                "northern hemispheres. Asia covers an area of 44,579,000 square kilometers, about 30% of Earth's "
                "total land area.",
     "qa": [("What is the Earth's largest continent?", ["Asia"]),
            ("What share of Earth's land area does Asia cover?", ["about 30%", "30%"])],
     "summary": "Asia is the largest and most populous continent, about 30% of Earth's land."},
    {"title": "Arraignment",
     "passage": "Arraignment is a formal reading of a criminal charging document in the presence of the defendant "
                "to inform the defendant of the charges against them. In response to arraignment, the accused is "
                "expected to enter a plea.",
     "qa": [("What is the accused expected to enter at an arraignment?", ["a plea", "plea"])],
     "summary": "At an arraignment the charges are read to the defendant, who enters a plea."},
    {"title": "Albedo",
     "passage": "Albedo, from Latin albedo meaning whiteness, is the diffuse reflectivity or reflecting power of a "
                "surface. It is measured on a scale from zero for no reflection of a perfectly black surface to 1 "
                "for perfect reflection of a white surface.",
     "qa": [("What does the Latin word albedo mean?", ["whiteness"]),
            ("What albedo does a perfectly black surface have?", ["zero", "0"])],
     "summary": "Albedo is how much a surface reflects, from zero for black to 1 for white."},
]


def qa_task() -> Task:
    """The QA task: 'question: ...\\ncontext: ...' inputs, gold answer lists, the passages as contexts."""
    inputs, refs, ctx = [], [], []
    for p in PASSAGES:
        for q, golds in p["qa"]:
            inputs.append(f"question: {q}\ncontext: {p['passage']}")
            refs.append(list(golds))
            ctx.append(p["passage"])
    return Task("wiki-qa", "qa", inputs, refs, ctx)


def summarization_task() -> Task:
    """Summarise each passage in one sentence; the references are the hand-written summaries."""
    return Task("wiki-summary", "summarization", [p["passage"] for p in PASSAGES], [p["summary"] for p in PASSAGES])


def classification_task(texts: Sequence[str], labels: Sequence[int], name: str = "movie-polarity") -> Task:
    return Task(name, "classification", list(texts), [int(y) for y in labels])


def translation_task(pairs: Sequence[tuple[str, str]], name: str = "numbers-en-fr") -> Task:
    return Task(name, "translation", [a for a, _ in pairs], [b for _, b in pairs])


# --------------------------------------------------------------------------- given: toy models
def echo_model(text: str) -> str:
    """Repeats its input: the floor every generation metric should beat."""
    return text


def lead_model(text: str) -> str:
    """The lead-1 summariser: the first sentence."""
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]


def constant_classifier(text: str) -> tuple[int, float]:
    """Always 'positive' at confidence 0.5."""
    return 1, 0.5


class KeywordSentiment:
    """(label, confidence) from counts of positive and negative cue words; confidence grows with the margin."""

    POS = ("good", "great", "best", "fun", "funny", "beautiful", "love", "enjoy", "entertaining", "worth", "moving",
           "fine", "charming", "well", "solid", "wonderful", "smart", "touching", "heart")
    NEG = ("bad", "worst", "dull", "boring", "tedious", "silly", "mess", "stupid", "flat", "nothing", "too", "no",
           "never", "lame", "unfunny", "pointless", "waste", "awful", "tired")

    def __call__(self, text: str) -> tuple[int, float]:
        words = text.lower().split()
        margin = sum(w in self.POS for w in words) - sum(w in self.NEG for w in words)
        label = int(margin >= 0)
        return label, min(0.5 + 0.15 * abs(margin), 0.95)


def overlap_qa_model(text: str) -> str:
    """Answers with the context sentence that shares the most words with the question."""
    question, context = text.split("\ncontext: ", 1)
    q = set(question.removeprefix("question: ").lower().split())
    sentences = re.split(r"(?<=[.!?])\s+", context)
    return max(sentences, key=lambda s: len(q & set(s.lower().split())))


def guessing_qa_model(text: str) -> str:
    """Always the same confident, unsupported answer: a hallucinator."""
    return "Napoleon Bonaparte in 1812"


NUMBER_WORDS_FR = {
    "zero": "zéro", "one": "un", "two": "deux", "three": "trois", "four": "quatre", "five": "cinq", "six": "six",
    "seven": "sept", "eight": "huit", "nine": "neuf", "ten": "dix", "eleven": "onze", "twelve": "douze",
    "thirteen": "treize", "fourteen": "quatorze", "fifteen": "quinze", "sixteen": "seize", "twenty": "vingt",
    "thirty": "trente", "forty": "quarante", "fifty": "cinquante", "sixty": "soixante", "hundred": "cent",
    "thousand": "mille", "and": "", "seventeen": "dix-sept", "eighteen": "dix-huit", "nineteen": "dix-neuf",
    "seventy": "soixante-dix", "eighty": "quatre-vingts", "ninety": "quatre-vingt-dix",
}


class LookupTranslator:
    """Word-by-word dictionary translation: hyphenated parts and words looked up one by one, unknown ones kept."""

    def __init__(self, table: Mapping[str, str] = NUMBER_WORDS_FR):
        self.table = dict(table)

    def __call__(self, text: str) -> str:
        words = []
        for w in text.replace(",", "").split():
            parts = [self.table.get(p, p) for p in w.split("-")]
            words.append("-".join(p for p in parts if p))
        return " ".join(w for w in words if w)


def default_models() -> dict[str, dict[str, Callable]]:
    """Two model 'suites': for each, the callable to use per task kind."""
    return {
        "echo": {"classification": constant_classifier, "qa": echo_model, "summarization": echo_model,
                 "translation": echo_model},
        "heuristic": {"classification": KeywordSentiment(), "qa": overlap_qa_model, "summarization": lead_model,
                      "translation": LookupTranslator()},
        "guesser": {"qa": guessing_qa_model},
    }


# --------------------------------------------------------------------------- the learner's part
def score_task(task: Task, outputs: Sequence[Any]) -> dict[str, Callable[[np.ndarray], float]]:
    """For each metric of the task's kind, a function of an index array that scores those examples.

    classification (outputs are (label, confidence)): "accuracy", "ece" (10 bins);
    qa: "exact_match", "f1" (means over items), "hallucination" (rate against the contexts, threshold 0.5),
        "toxicity" (mean toxicity_score);
    summarization: "rouge1", "rouge2", "rougeL" (mean F-measures), "toxicity";
    translation: "bleu" (corpus BLEU of the selected pairs: sum their bleu_statistics).
    """
    n = len(task.inputs)
    if len(outputs) != n:
        raise ValueError(f"{len(outputs)} outputs for {n} inputs")
    refs = task.references

    def mean_of(per_item: Sequence[float]) -> Callable[[np.ndarray], float]:
        arr = np.asarray(per_item, dtype=np.float64)
        return lambda idx: float(arr[idx].mean())

    if task.kind == "classification":
        labels = np.array([o[0] for o in outputs])
        conf = np.array([o[1] for o in outputs], dtype=np.float64)
        correct = (labels == np.asarray(refs)).astype(np.float64)
        return {"accuracy": mean_of(correct),
                "ece": lambda idx: expected_calibration_error(conf[idx], correct[idx], n_bins=10)}
    toxic = mean_of([toxicity_score(o) for o in outputs]) if task.kind in ("qa", "summarization") else None
    if task.kind == "qa":
        return {"exact_match": mean_of([exact_match(o, g) for o, g in zip(outputs, refs)]),
                "f1": mean_of([token_f1(o, g) for o, g in zip(outputs, refs)]),
                "hallucination": mean_of([hallucination_rate([o], [c]) for o, c in zip(outputs, task.contexts)]),
                "toxicity": toxic}
    if task.kind == "summarization":
        return {"rouge1": mean_of([rouge_n(o, r, 1) for o, r in zip(outputs, refs)]),
                "rouge2": mean_of([rouge_n(o, r, 2) for o, r in zip(outputs, refs)]),
                "rougeL": mean_of([rouge_l(o, r) for o, r in zip(outputs, refs)]),
                "toxicity": toxic}
    # BLEU is not a mean over sentences: sum the sentences' statistics, then compute the score once
    stats = np.stack([bleu_statistics(o, r) for o, r in zip(outputs, refs)])  # (n, 10)
    return {"bleu": lambda idx: bleu_from_statistics(stats[idx].sum(axis=0))}


def evaluate(models: Mapping[str, Mapping[str, Callable]], tasks: Sequence[Task], *, n_resamples: int = 1000,
             alpha: float = 0.05, seed: int = 0) -> list[dict]:
    """Run every model on every task it has a callable for; one row per (model, task, metric):
    {"model", "task", "metric", "value", "lo", "hi", "n"}, the CI from bootstrap_ci over the task's items
    (same seed for every metric)."""
    rows = []
    for model_name, suite in models.items():
        for task in tasks:
            model = suite.get(task.kind)
            if model is None:
                continue
            outputs = [model(x) for x in task.inputs]
            idx = np.arange(len(task.inputs))
            for metric, fn in score_task(task, outputs).items():
                lo, hi = bootstrap_ci(idx, fn, n_resamples=n_resamples, alpha=alpha, seed=seed)
                rows.append({"model": model_name, "task": task.name, "metric": metric, "value": fn(idx),
                             "lo": lo, "hi": hi, "n": len(idx)})
    return rows
