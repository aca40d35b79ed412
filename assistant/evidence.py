"""Does a passage support an answer? Signals that hold for any plan corpus.

``support = dense + COVERAGE_WEIGHT * coverage``, where

- ``dense`` is the cosine similarity of question and passage embeddings
  (e5 puts unrelated Japanese text near 0.80 and close paraphrases above 0.90);
- ``coverage`` is the IDF-weighted share of the question's content words
  found in the passage and its heading path. Words the corpus has never seen
  get the highest IDF, so a question about メタバース cannot be "covered" by a
  passage about 市役所.

A passage supports an answer when ``support >= MIN_SUPPORT``. The two numbers
were calibrated on the project's eval set (0.89: the middle of the thresholds with no
error on abstention, 0.88-0.90) (``assistant eval`` reports abstention
accuracy and false-abstention rate) for the default model, intfloat/multilingual-e5-small;
another model needs its own calibration (env ``ASSISTANT_MIN_SUPPORT``).

Passages from a plan's *context* sections (glossaries, summaries of national or
prefectural policy, survey results) describe what others do or what residents
said, not what the city plans; they count for less when deciding whether a
city addresses a topic.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant import context
from index.tokenize import tokenize

COVERAGE_WEIGHT = 0.1
MIN_SUPPORT = 0.89
CONTEXT_PENALTY = 0.03

# question-frame words: they say what kind of answer is wanted, not what it is about
FRAME_WORDS = frozenset(
    ["市", "区", "町", "村", "自治体", "市町村", "都市", "計画", "予定", "取り組む", "取組", "取り組み", "何", "いつ", "いくつ", "どう", "どんな", "どの", "教える", "方法", "ください", "思う", "知る", "知りたい", "くれる", "もらう", "欲しい", "ほしい", "いう", "今", "挙げる", "進める", "考える", "行う", "使う"]
)
_CONTEXT = re.compile(r"用語|(?<![全各])国(?:の|に|における|、|・)|県の|アンケート|調査結果|回答者|参考資料|資料編")


def min_support() -> float:
    value = os.environ.get("ASSISTANT_MIN_SUPPORT")
    try:
        return float(value) if value else MIN_SUPPORT
    except ValueError:
        return MIN_SUPPORT


def question_terms(question: str) -> list[str]:
    return [t for t in dict.fromkeys(tokenize(question)) if t not in FRAME_WORDS]


def name_terms(names: list[str]) -> frozenset[str]:
    """Terms of place names (根室市 -> 根室): the city filter handles them, so they are not topic words."""
    return _name_terms(tuple(names))


@lru_cache(maxsize=8)
def _name_terms(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(tokenize(" ".join(names)))


def is_context_section(section: str, text: str = "") -> bool:
    """Glossary, national/prefectural policy and survey sections, or a passage of residents' wishes
    (survey free text: most sentences end in 〜してほしい。) wherever the converter filed it."""
    return bool(_CONTEXT.search(section)) or context.wishes(text)


@dataclass(frozen=True)
class Support:
    score: float
    dense: float
    coverage: float
    context: bool


class Scorer:
    """Scores passages for one question against one index's vocabulary."""

    def __init__(self, question: str, idf: np.ndarray, vocab: dict[str, int], drop: frozenset[str] = frozenset()):
        self.terms = [t for t in question_terms(question) if t not in drop]
        top = float(idf.max()) if len(idf) else 1.0
        self.weights = {t: float(idf[vocab[t]]) if t in vocab else top for t in self.terms}
        self.total = sum(self.weights.values())

    def coverage(self, passage_terms: set[str]) -> float:
        if not self.total:
            return 0.0
        return sum(w for t, w in self.weights.items() if t in passage_terms) / self.total

    def support(self, dense: float | None, passage: str, section: str) -> Support:
        cov = self.coverage(set(tokenize(f"{section}\n{passage}")))
        context = is_context_section(section, passage)
        score = (dense or 0.0) + COVERAGE_WEIGHT * cov - (CONTEXT_PENALTY if context else 0.0)
        return Support(round(score, 4), round(dense or 0.0, 4), round(cov, 4), context)
