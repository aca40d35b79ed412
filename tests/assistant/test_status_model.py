"""The learned status reader (assistant.status_model) and how it reads beside the rules (status.read_piece),
on pieces of the bundled plans; the model is the shipped one, and it is what its labels and code make."""

import json
from pathlib import Path

import numpy as np
import pytest

from assistant import status
from assistant.status import IMPLEMENTED, NOT_INTRODUCED, PLANNED, UNDER_STUDY, read_piece, ruled
from assistant.status_model import DEFAULT_DIR, FORMAT, StatusModelError, default, load

LABELS = Path(__file__).resolve().parents[2] / "eval" / "status_labels"


@pytest.fixture
def learned(monkeypatch):
    monkeypatch.setenv("ASSISTANT_STATUS_READER", "learned")


def test_the_shipped_model_is_plain_files_that_fit_together():
    meta = json.loads((DEFAULT_DIR / "model.json").read_text(encoding="utf-8"))
    model = default()
    assert meta["format"] == FORMAT and model.classes == (IMPLEMENTED, PLANNED, UNDER_STUDY, NOT_INTRODUCED)
    assert model.weights.shape == (4, model.dim + 1) and model.weights.dtype == np.float32
    assert all(0 < t < 1 for t in model.thresholds)
    assert meta["trained_on"]["pieces"] == sum(1 for _ in (LABELS / "plans.jsonl").open(encoding="utf-8"))


def test_a_missing_or_mismatched_model_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(StatusModelError, match="eval.status_train"):
        load(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format": FORMAT, "classes": ["implemented"], "thresholds": [0.5],
                                                     "dim": 8, "tail": 12}), encoding="utf-8")
    np.save(tmp_path / "weights.npy", np.zeros((1, 4), dtype=np.float32))
    with pytest.raises(StatusModelError, match="do not fit"):
        load(tmp_path)


def test_the_shipped_model_is_what_the_labels_and_the_code_make():
    from eval import status_train

    rows = status_train.load_plans(LABELS)
    weights = status_train.fit([r["text"] for r in rows], [status_train.gold_of(r) for r in rows])
    assert np.allclose(weights, default().weights, atol=1e-4)


def test_the_labels_are_pieces_with_one_status_each():
    from eval.status_pieces import piece_id

    rows = [json.loads(line) for line in (LABELS / "plans.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 2000 and len({r["doc"] for r in rows}) == 5
    assert all(r["id"] == piece_id(r["text"]) for r in rows)
    assert {r["main"] for r in rows} == {IMPLEMENTED, PLANNED, UNDER_STUDY, NOT_INTRODUCED, "none"}
    # the external pieces are kept by id only: their text stays in ../shared
    for line in (LABELS / "external.tsv").read_text(encoding="utf-8").splitlines():
        pid, doc, _, main = line.split("\t")
        assert len(pid) == 12 and main in {IMPLEMENTED, PLANNED, UNDER_STUDY, NOT_INTRODUCED, "none"}


@pytest.mark.parametrize("piece, said", [
    # 根室市's 沿革: a year and what was introduced, no verb a rule reads
    ("平成2年度 軽自動車税賦課システムの導入、児童手当システムの導入", IMPLEMENTED),
    # ends in the plan's voice, but what it is about is already available
    ("当市においても、既にマイナンバーカードを用いたオンライン手続きは、現在13の手続きにおいて利用可能ではありますが、"
     "当該サービスの認知度は低く、利用者は少ない状況です。", IMPLEMENTED),
])
def test_the_learned_reader_reads_wording_the_rules_miss_or_misread(learned, piece, said):
    assert [s.status for s in read_piece(piece)] == [said]


def test_an_explicit_marker_is_read_by_rule_whatever_the_model_says(learned):
    piece = "公共施設予約システムの導入\t未導入"
    assert ruled(piece)[1] < status._EXPLICIT
    assert [s.status for s in read_piece(piece)] == [NOT_INTRODUCED]
    assert [s.marker for s in read_piece("住民票等の「コンビニ交付サービス」の構築【継続】")] == ["【継続】"]
    # the words of study are the rules' too: the model, trained on few of them, read this one as a plan
    assert [s.status for s in read_piece("書かない窓口の導入を研究します。")] == [UNDER_STUDY]


def test_the_rules_reader_reads_as_before(monkeypatch):
    monkeypatch.setenv("ASSISTANT_STATUS_READER", "rules")
    assert read_piece("平成2年度 軽自動車税賦課システムの導入、児童手当システムの導入") == []
    monkeypatch.setenv("ASSISTANT_STATUS_READER", "nonsense")  # an unknown name falls back to the default
    assert status.reader() == status.DEFAULT_READER


def test_a_piece_read_again_is_not_computed_again_nor_shared():
    from assistant.status_model import StatusModel

    model = StatusModel(default().classes, default().weights, default().thresholds, default().dim, default().tail)
    first = model.probabilities("市ホームページのリニューアル 実施済")
    first["implemented"] = -1.0  # a caller's change stays the caller's
    assert model.probabilities("市ホームページのリニューアル 実施済") == default().probabilities("市ホームページのリニューアル 実施済")
    assert len(model._seen) == 1
