"""A plan's legend: what it says its 【】 marks mean.

Plans explain their marks once, near the measures they tag (「【新規】…本計画から新たに推進する施策」
「【拡充】…前計画から実施しており、継続・拡充する施策」). The legend is read when a plan is indexed and
kept with its document row (``documents.jsonl``, ``legend``), so answering never rereads a plan's
text; what a definition says about status is read by ``assistant.status.tag_statuses``.
"""

from __future__ import annotations

import re

# a legend line: a tag at the start, a separator, what it means
_LEGEND = re.compile(r"^[\s\-・●◆■*]*【([^】]{1,8})】\s*(?:…+|:|：|‥|・・・|=|＝)\s*(\S.{3,79})$")


def legend(text: str) -> dict[str, str]:
    """{tag: its definition} for every tag the plan defines (the first definition of a tag counts)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = _LEGEND.match(line)
        if match and match.group(1) not in out:
            out[match.group(1)] = match.group(2).strip()
    return out
