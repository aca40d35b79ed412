"""Optional answer writer: an LLM on the local network rewrites the extractive answer.

Off by default. Set ``ASSISTANT_LLM_URL`` to an OpenAI-compatible endpoint
(e.g. ``http://10.0.0.5:8000/v1``), optionally ``ASSISTANT_LLM_MODEL`` and
``ASSISTANT_LLM_KEY``. The writer sees only the cited passages, each with an
id ``[n]``, and must cite them as ``[n]``. Markers that point at no passage
are removed; an answer citing no valid passage, or any failure of the
endpoint, falls back to the extractive answer, which is never lost.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from dataclasses import replace
from typing import Protocol

from assistant.answer import Answer

_MARK = re.compile(r"\[(\d{1,3})\]")
INSTRUCTIONS = (
    "あなたは自治体の計画書について答えるアシスタントです。与えられた抜粋だけを根拠に、"
    "質問に日本語で簡潔に答えてください。根拠にした抜粋は必ず [番号] の形で示してください。"
    "抜粋に書かれていないことは書かないでください。"
)


class Generator(Protocol):
    def write(self, question: str, passages: list[dict]) -> str:
        """Text answering ``question`` from ``passages`` (each ``{"id", "city", "section", "text"}``), citing ``[id]``."""


class OpenAICompatible:
    """Chat-completions client for a local endpoint (stdlib only, no SDK)."""

    def __init__(self, url: str, model: str = "default", key: str | None = None, timeout: float = 30.0):
        self.url, self.model, self.key, self.timeout = url.rstrip("/"), model, key, timeout

    def write(self, question: str, passages: list[dict]) -> str:
        context = "\n\n".join(f"[{p['id']}] {p['city']}「{p['section']}」\n{p['text']}" for p in passages)
        body = {"model": self.model, "temperature": 0,
                "messages": [{"role": "system", "content": INSTRUCTIONS},
                             {"role": "user", "content": f"抜粋:\n{context}\n\n質問: {question}"}]}
        request = urllib.request.Request(f"{self.url}/chat/completions", data=json.dumps(body).encode("utf-8"),
                                         headers={"Content-Type": "application/json",
                                                  **({"Authorization": f"Bearer {self.key}"} if self.key else {})})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.load(response)["choices"][0]["message"]["content"]


def from_env() -> Generator | None:
    url = os.environ.get("ASSISTANT_LLM_URL")
    if not url:
        return None
    return OpenAICompatible(url, os.environ.get("ASSISTANT_LLM_MODEL", "default"), os.environ.get("ASSISTANT_LLM_KEY"))


def rewrite(answer: Answer, generator: Generator) -> Answer:
    """The generator's text with only valid citations, or ``answer`` unchanged."""
    passages = [{"id": str(n), "city": c.hit.city, "section": c.hit.section, "text": c.hit.text}
                for n, c in enumerate(answer.citations, 1)]
    try:
        text = generator.write(answer.question, passages)
    except Exception as exc:  # noqa: BLE001 - any failure of an optional remote writer falls back
        return replace(answer, notices=(*answer.notices, f"回答生成に失敗したため（{type(exc).__name__}）、抜粋による回答を表示しています"))
    if not isinstance(text, str):
        return answer
    valid = {str(n) for n in range(1, len(passages) + 1)}
    used = [m for m in _MARK.findall(text) if m in valid]
    if not used:
        return replace(answer, notices=(*answer.notices, "生成された回答が検索結果を引用していないため、抜粋による回答を表示しています"))
    clean = _MARK.sub(lambda m: m.group(0) if m.group(1) in valid else "", text).strip()
    keep = [answer.citations[int(n) - 1] for n in dict.fromkeys(used)]
    kept_ids = {c.hit.chunk_id for c in keep}
    cities = tuple(
        replace(city, citations=tuple(c for c in city.citations if c.hit.chunk_id in kept_ids))
        for city in answer.cities if any(c.hit.chunk_id in kept_ids for c in city.citations)
    )
    return replace(answer, answer=clean, citations=tuple(keep), cities=cities, writer="generator")
