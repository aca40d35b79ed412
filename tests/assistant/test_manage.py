"""`assistant index add` / `remove` on a copy of the real index: only new chunks are embedded."""

import json
import shutil
import subprocess
import sys

import pytest

from assistant.core import Assistant, add_plans, remove_plans
from corpus.errors import CorpusError, QueryError

pytestmark = pytest.mark.slow
PLAN = "---\ncity: 架空市\ntitle: 架空市DX推進計画\n---\n# 第1章 はじめに\n架空市では、メタバース窓口とドローン配送の実証を令和8年度に始めます。\n"


@pytest.fixture
def copy(built_index, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(built_index[0], folder)
    return folder


def test_add_embeds_only_the_new_plan_and_search_finds_it(copy, tmp_path):
    plan = tmp_path / "kaku.md"
    plan.write_text(PLAN, encoding="utf-8")
    report = add_plans([plan], copy)
    assert report.encoded == 1 and report.documents == 6
    hits = Assistant.load(copy).search("メタバース窓口", k=3)
    assert hits[0].city == "架空市" and hits[0].section == "第1章 はじめに"
    report = remove_plans(["架空市"], copy)
    assert report.encoded == 0 and report.documents == 5
    assistant = Assistant.load(copy)
    assert "架空市" not in assistant.cities and all(h.city != "架空市" for h in assistant.search("メタバース窓口", k=10))


def test_removing_a_bundled_plan_removes_its_chunks(copy):
    before = Assistant.load(copy)
    n = sum(1 for c in before.index.chunks if c.city == "新発田市")
    report = remove_plans(["003_bbb15f1f410c1012.txt"], copy)
    assert report.chunks == len(before.index.chunks) - n and report.encoded == 0


def test_bad_requests_say_what_is_wrong(copy, tmp_path):
    with pytest.raises(QueryError, match="大阪市"):
        remove_plans(["大阪市"], copy)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x82\xa0\xff\xfe\x81")
    with pytest.raises(CorpusError, match="bad.txt"):
        add_plans([bad], copy)
    with pytest.raises(CorpusError, match="missing.txt"):
        add_plans([tmp_path / "missing.txt"], copy)


def test_cli_add_and_remove(copy, tmp_path):
    plan = tmp_path / "kaku.md"
    plan.write_text(PLAN, encoding="utf-8")
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    run = [sys.executable, "-m", "assistant", "index"]
    out = subprocess.run([*run, "add", str(plan), str(bad), "--index", str(copy), "--json", "--quiet"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["encoded"] == 1 and "skipped empty.txt: the file is empty" in out.stderr
    out = subprocess.run([*run, "remove", "架空市", "--index", str(copy), "--quiet"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "indexed 5 plans" in out.stderr
