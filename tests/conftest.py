"""Shared fixtures: the real plans, and one real index built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from corpus.documents import BUNDLED_DIR, load_folder

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def docs():
    return load_folder(BUNDLED_DIR)


@pytest.fixture(scope="session")
def doc_by_city(docs):
    return {d.city: d for d in docs}


@pytest.fixture(scope="session")
def encoder():
    from index.encoder import Encoder

    return Encoder()


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, docs, encoder):
    """(folder, first BuildReport) of the bundled corpus, built with the real model."""
    from index.build import build_index

    folder = tmp_path_factory.mktemp("index")
    report = build_index(docs, folder, encoder=encoder)
    return folder, report


@pytest.fixture(scope="session")
def assistant(built_index, encoder):
    from assistant import Assistant
    from index.search import Index

    return Assistant(Index.load(built_index[0], encoder=encoder))


@pytest.fixture(scope="session")
def national(tmp_path_factory, encoder):
    """(corpus folder, Assistant) of a small generated national corpus: 50 municipalities in all
    47 prefectures, 8 sections a plan (eval/national; synthetic, from real plan sections)."""
    from assistant import Assistant
    from corpus.documents import load_folder as load
    from eval.national.generate import generate
    from index.build import build_index
    from index.search import Index

    corpus = tmp_path_factory.mktemp("national")
    generate(corpus / "corpus", 50, seed=0, sections=8)
    folder = corpus / "index"
    build_index(load(corpus / "corpus" / "plans"), folder, encoder=encoder)
    return corpus / "corpus", Assistant(Index.load(folder, encoder=encoder))
