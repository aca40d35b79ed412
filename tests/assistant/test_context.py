"""Glossary entries, national policy, surveys and wishes are context, found by structure any plan shares."""

from pathlib import Path

import pytest

from assistant.context import GLOSSARY, POLICY, SURVEY, WISH, kind, section_kind
from corpus.chunk import chunk_documents

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "external"


@pytest.mark.parametrize("section, expected", [
    ("第7章 計画の進行管理 > 7. その他 > 用語集 > 【A~Z】", GLOSSARY),
    ("第5章 情報化推進スケジュール > 【用語解説】", GLOSSARY),
    ("第2章 情報化の現状と動向 > 1. 国の情報化政策の動向 > (3) 自治体DX推進計画", POLICY),
    ("第3章 国、県の情報化政策の動向 > 2. 岐阜県の情報化政策の動向", POLICY),
    ("第7章 計画の進行管理 > 3. アンケート内容 > (14) ホームページの利用状況について", SURVEY),
    # the city's own text, though its chapter names 動向 or the nation
    ("第4章 本市の情報化に関する動向 > 教育のICT化による学校教育の充実", None),
    ("第2章 情報化の現状と動向 > 2. 根室市の情報化の現状 > 沿革", None),
    ("第6章 施策 > 2. 国の標準仕様への対応", None),
])
def test_heading_paths(section, expected):
    assert section_kind(section) == expected


def test_definitions_and_national_sentences_by_wording():
    assert kind("", "テレワーク / 情報通信技術を活用した、時間や場所にとらわれない柔軟な働き方のこと。") == GLOSSARY
    assert kind("その他", "RPA：パソコンの定型作業を自動化するソフトウェアのこと\nAI-OCR：手書き文字を読み取る技術をいう") == GLOSSARY
    assert kind("施策", "国は、2025年度までに標準準拠システムへの移行を目指している。政府は自治体DXを推進している。") == POLICY
    assert kind("自由意見", "もっと手続きをオンラインにしてほしいです。窓口を増やしてほしい。") == WISH
    assert kind("施策の概要", "本市は令和2年度にテレワーク端末を導入し、在宅勤務を実施しました。") is None


def test_each_plan_keeps_most_of_its_own_text(docs):
    """Context is a minority of every plan, and every plan's glossary, if it has one, is found."""
    chunks = chunk_documents(docs)
    for city in {c.city for c in chunks}:
        own = [c for c in chunks if c.city == city]
        context = [c for c in own if kind(" > ".join(c.path), c.text)]
        assert len(context) < 0.6 * len(own), city
        glossary = [c for c in own if any("用語" in p for p in c.path)]
        assert all(kind(" > ".join(c.path), c.text) == GLOSSARY for c in glossary), city


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/external is not beside the repo")
def test_an_unseen_guidebook_glossary_is_context():
    """The data-management guidebook (Markdown, never tuned on): its 用語集 table is glossary."""
    from corpus.documents import read_plan

    doc = read_plan(SHARED / "gov-guidebooks" / "465-1_guidebook_datamanagement_intro.md", {"city": "デジタル庁"})
    chunks = chunk_documents([doc])
    glossary = [c for c in chunks if c.path and "用語集" in c.path[-1]]
    assert glossary and all(kind(" > ".join(c.path), c.text) == GLOSSARY for c in glossary)
    assert any("EBPM" in c.text for c in glossary)
    body = [c for c in chunks if c not in glossary and kind(" > ".join(c.path), c.text) is None]
    assert len(body) > len(chunks) / 2
