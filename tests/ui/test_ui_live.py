"""The UI follows the index: a plan added to the index folder is answered without a restart."""

import logging
import shutil
import time

import pytest

from corpus.documents import Document
from ui.app import UPDATED, Handlers
from ui.live import LiveAssistant

pytestmark = pytest.mark.slow

NEW_PLAN = """架空市ドローン活用推進計画

第1章 計画の概要
架空市は、山間部の集落が多く、通院や買い物が難しい高齢者が増えています。

第2章 施策
1. ドローンによる医薬品配送
山間部の集落へ、処方薬や日用品をドローンで配送するサービスを令和7年度から開始します。
配送拠点は架空市役所の屋上に設け、往復30分以内で届けます。
2. ドローンによる橋梁点検
市内の橋梁点検にドローンを導入し、点検費用を削減します。
"""


def _wait_for(condition, seconds=60.0):
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def live(built_index, encoder, tmp_path):
    from assistant import Assistant
    from index.search import Index

    folder = tmp_path / "index"
    shutil.copytree(built_index[0], folder)  # a copy: the session index stays as it is
    live = LiveAssistant(Assistant(Index.load(folder, encoder=encoder)), poll_s=0.2).start()
    yield live
    live.stop()


def test_a_plan_added_to_the_index_is_answered_and_listed(live, docs, encoder, tmp_path):
    from index.build import build_index

    handlers = Handlers(live, tmp_path / "ui-tmp")
    choices, _, notice, page_build = handlers.index_view(None, None)
    assert "架空市" not in choices and notice == ""
    old = live.current
    # What `assistant index add` does: a new build of the same plans plus one, made live atomically.
    build_index([*docs, Document("kakuu.md", NEW_PLAN, "架空市", "架空市ドローン活用推進計画")], live.current.index.folder,
                encoder=encoder)
    assert _wait_for(lambda: live.current is not old), "the new build was not picked up"
    assert live.current.index.encoder is encoder  # the model was not loaded again

    answer, rows, citations, _ = handlers.staff("ドローンで医薬品を配送する計画は？", ["架空市"], "hybrid")
    assert "架空市" in answer and any(r[0] == "架空市" for r in rows) and 'data-city="架空市"' in citations
    choices, kept, notice, build = handlers.index_view(page_build, ["根室市", "消えた市"])
    assert "架空市" in choices and "根室市" in choices and kept == ["根室市"]
    assert UPDATED in notice and build == live.current.index.build_name != page_build
    assert handlers.index_view(build, None)[2] == ""  # told once: the page now knows this build
    assert old.ask("コンビニ交付を計画している市は？").found  # a request holding the old one still finishes on it


def test_a_damaged_new_build_is_skipped_and_the_old_one_keeps_serving(live, caplog):
    folder = live.current.index.folder
    serving = live.build_name
    broken = folder / "build-broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    (folder / "CURRENT").write_text(broken.name, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="assistant.ui"):
        assert live.check() is False
    assert live.build_name == serving and "build-broken" in caplog.text
    assert live.current.ask("コンビニ交付を計画している市は？").found
