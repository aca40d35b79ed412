"""Plain text (``.txt``): the file's own lines are the canonical text.

Plans converted from PDF by other tools arrive like this, with stray Markdown
and HTML fragments that the chunker's normalization handles line by line. A
leading ``---`` front matter block gives metadata and is blanked in place, so
offsets in the text are offsets in the file.
"""

from __future__ import annotations

import re

from corpus.readers import Extracted

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
FRONT_KEYS = ("city", "title", "prefecture", "period")


def front_matter(text: str) -> tuple[dict, str]:
    """Metadata of a leading ``---`` block (``city:``, ``title:`` …) and the text with that block blanked.

    The block is replaced by spaces of the same length, so span offsets still match the file.
    """
    match = _FRONT.match(text)
    if not match:
        return {}, text
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in FRONT_KEYS and value.strip():
            meta[key.strip().lower()] = value.strip().strip("'\"")
    blank = re.sub(r"[^\n]", " ", match.group(0))
    return meta, blank + text[match.end():]


def read(text: str, name: str = "") -> Extracted:
    meta, text = front_matter(text)
    return Extracted(text, ((0, len(text), 0, len(text)),) if text else (), (), meta)
