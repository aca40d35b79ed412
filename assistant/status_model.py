"""A learned reader of the statuses one piece of plan text states (implemented, planned, under study,
not introduced), trained on pieces labelled by reading (``eval/status_labels``).

One logistic regression per status over hashed character n-grams: of the whole piece (what is
talked about, 【】 tags, 予定, 検討) and, apart, of its last characters, where a Japanese sentence
puts its tense and mood (〜しました, 〜しています, 〜します, 〜を検討します). No word lists: what
a wording means is learnt from the labels, so wording no rule foresaw is read as its neighbours are.

Stored as plain files beside this module: ``data/status_model/model.json`` (format version,
classes, feature settings, thresholds, what it was trained on) and ``weights.npy`` (float32,
classes × (features + 1 bias)). ``python -m eval.status_train`` writes both.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from corpus.errors import AssistantError

FORMAT = 1
CACHED = 50_000  # pieces whose probabilities a model keeps (the same passages are read for every status asked)
DEFAULT_DIR = Path(__file__).with_name("data") / "status_model"
_DIGITS = re.compile(r"\d")
_SPACE = re.compile(r"\s+")


class StatusModelError(AssistantError):
    """The status model's files are missing, of another format, or do not fit together."""


def normalize(text: str) -> str:
    """NFKC, digits folded to 0, whitespace dropped (PDF conversions space inside words)."""
    return _SPACE.sub("", _DIGITS.sub("0", unicodedata.normalize("NFKC", text)))


def features(text: str, dim: int, tail: int = 12) -> dict[int, float]:
    """Hashed features of one piece: character 1–3-grams of all of it, 1–4-grams of its last
    ``tail`` characters (marked apart), each counted once; values scaled to unit length."""
    norm = normalize(text)
    keys: set[str] = set()
    for n in (1, 2, 3):
        keys.update("a" + norm[i:i + n] for i in range(len(norm) - n + 1))
    end = "^" + norm[-tail:] + "$"
    for n in (1, 2, 3, 4):
        keys.update("e" + end[i:i + n] for i in range(len(end) - n + 1))
    if not keys:
        return {}
    value = 1.0 / len(keys) ** 0.5
    out: dict[int, float] = {}
    for key in keys:
        slot = zlib.crc32(key.encode("utf-8")) % dim
        out[slot] = out.get(slot, 0.0) + value
    return out


@dataclass(frozen=True)
class StatusModel:
    classes: tuple[str, ...]
    weights: np.ndarray  # classes × (dim + 1); the last column is the bias
    thresholds: tuple[float, ...]
    dim: int
    tail: int
    _seen: dict = field(default_factory=dict, compare=False, repr=False)

    def probabilities(self, text: str) -> dict[str, float]:
        known = self._seen.get(text)
        if known is None:
            if len(self._seen) >= CACHED:
                self._seen.clear()
            known = self._seen[text] = self._probabilities(text)
        return dict(known)

    def _probabilities(self, text: str) -> dict[str, float]:
        found = features(text, self.dim, self.tail)
        slots = np.fromiter(found.keys(), dtype=np.int64, count=len(found))
        values = np.fromiter(found.values(), dtype=np.float32, count=len(found))
        logits = self.weights[:, slots] @ values + self.weights[:, -1]
        return dict(zip(self.classes, (1.0 / (1.0 + np.exp(-logits))).tolist()))

    def statuses(self, text: str) -> list[tuple[str, float]]:
        """The statuses ``text`` states (probability above the class's threshold), likeliest first."""
        probs = self.probabilities(text)
        said = [(c, probs[c]) for c, t in zip(self.classes, self.thresholds) if probs[c] >= t]
        return sorted(said, key=lambda x: -x[1])

    def save(self, folder: str | Path, trained_on: dict) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "weights.npy", self.weights.astype(np.float32), allow_pickle=False)
        meta = {"format": FORMAT, "classes": list(self.classes), "thresholds": list(self.thresholds),
                "dim": self.dim, "tail": self.tail, "trained_on": trained_on}
        (folder / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def load(folder: str | Path = DEFAULT_DIR) -> StatusModel:
    folder = Path(folder)
    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        weights = np.load(folder / "weights.npy", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise StatusModelError(f"cannot read the status model in {folder}: {exc}; "
                               "run `python -m eval.status_train` to write it") from exc
    if meta.get("format") != FORMAT:
        raise StatusModelError(f"the status model in {folder} has format {meta.get('format')}, this code reads {FORMAT}")
    if weights.shape != (len(meta["classes"]), meta["dim"] + 1):
        raise StatusModelError(f"the status model's weights {weights.shape} do not fit {len(meta['classes'])} classes "
                               f"of {meta['dim']} features")
    return StatusModel(tuple(meta["classes"]), weights, tuple(meta["thresholds"]), meta["dim"], meta["tail"])


@lru_cache(maxsize=1)
def default() -> StatusModel:
    return load(DEFAULT_DIR)
