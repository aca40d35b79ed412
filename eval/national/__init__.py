"""National benchmark corpus: synthetic plans for Japan's municipalities, built from real plan text, with known truth.

``python -m eval.national generate --municipalities 300 --out var/national`` writes the plans,
``truth.jsonl`` (each municipality × topic: status, evidence span, traps) and a README.
"""

from eval.national.codes import Municipality, municipalities
from eval.national.errors import CodeListError, GenerateError
from eval.national.generate import Summary, generate, sample
from eval.national.plan import Plan, compose
from eval.national.topics import TOPICS

__all__ = ["CodeListError", "GenerateError", "Municipality", "Plan", "Summary", "TOPICS", "compose", "generate",
           "municipalities", "sample"]
