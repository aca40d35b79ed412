"""Heading styles of Japanese municipal plans: one style per plan, three levels deep.

Each style is a numbering convention the section chunker reads (``corpus.headings``):
第N章 > 第N節 > 1. > (1) > ア > ①, Markdown ``#``, full-width digits. Levels 2 and 3
number at most 20 items (ア…ト and ①…⑳ stop there); a plan opens a new chapter first.
"""

from __future__ import annotations

from typing import Callable

KANA = "アイウエオカキクケコサシスセソタチツテト"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
MAX_ITEMS = 20
_WIDE = str.maketrans("0123456789", "０１２３４５６７８９")

Render = Callable[[int, str], str]


def _wide(n: int) -> str:
    return str(n).translate(_WIDE)


# name -> (chapter, section, item) renderers
STYLES: dict[str, tuple[Render, Render, Render]] = {
    "chapter-dot-paren": (lambda n, t: f"第{n}章 {t}", lambda n, t: f"{n}. {t}", lambda n, t: f"({n}) {t}"),
    "chapter-paren-circled": (lambda n, t: f"第{n}章 {t}", lambda n, t: f"({n}) {t}", lambda n, t: f"{CIRCLED[n - 1]} {t}"),
    "number-paren-kana": (lambda n, t: f"{n} {t}", lambda n, t: f"({n}) {t}", lambda n, t: f"{KANA[n - 1]} {t}"),
    "chapter-section-dot": (lambda n, t: f"第{n}章 {t}", lambda n, t: f"第{n}節 {t}", lambda n, t: f"{n}. {t}"),
    "fullwidth": (lambda n, t: f"第{_wide(n)}章　{t}", lambda n, t: f"{_wide(n)}．{t}", lambda n, t: f"（{_wide(n)}）{t}"),
    "markdown": (lambda n, t: f"# {t}", lambda n, t: f"## {t}", lambda n, t: f"### {t}"),
    "markdown-numbered": (lambda n, t: f"## 第{n}章 {t}", lambda n, t: f"### {n}. {t}", lambda n, t: f"#### ({n}) {t}"),
}


def heading(style: str, level: int, n: int, title: str) -> str:
    """The heading line of item ``n`` (1-based) at ``level`` (1 chapter, 2 section, 3 item)."""
    return STYLES[style][level - 1](n, title)

