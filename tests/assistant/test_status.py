"""How a sentence of a plan states a measure's status (assistant.status), on sentences of the bundled plans."""

import pytest

from assistant.status import IMPLEMENTED, NOT_INTRODUCED, PLANNED, UNDER_STUDY, from_text


@pytest.mark.parametrize("sentence, status", [
    # 新発田市: carried on until now
    ("当市では、財務会計、文書管理、庶務事務、契約事務などの内部事務を電子化し、それらを1つの決裁基盤上で"
     "電子決裁ができるようシステム化し、業務の効率化、ペーパーレス化を進めてきました。", IMPLEMENTED),
    # 根室市
    ("介護保険料、住宅使用料、駐車場使用料、保育料等でコンビニ納付及び一部の電子マネーでの決済の導入を図ってきました。", IMPLEMENTED),
    ("当市では公共施設予約システムを平成20年度から運用してきました。", IMPLEMENTED),
    ("参加する市町村の増加による費用面の軽減化などの環境が整いしだい、導入に向けて検討していきます。", UNDER_STUDY),
    ("住民票等の「コンビニ交付サービス」の構築【継続】", PLANNED),
    ("公共施設予約システムの導入\t未導入", NOT_INTRODUCED),
    # 根室市's 前計画の状況 table as its chunk text holds it: the cells' tabs became spaces
    ("ICTを活用した校務支援システムの導入 校務支援システムの導入 導入", IMPLEMENTED),
    ("シンクライアントシステムの構築 未導入", NOT_INTRODUCED),
])
def test_a_sentence_states_its_status(sentence, status):
    assert from_text(sentence).status == status


def test_a_sentence_without_a_marker_states_none():
    assert from_text("マイナンバーカードは、コンビニ交付サービスやマイナポータルなど市民の利便性を高めることが可能であり") is None
    assert from_text("クラウドサービスの 導入") is None  # a phrase split after its particle, not a cell
    # a schedule's cells (the national corpus's 工程表 rows, rendered) plan the year's step
    assert from_text("2023 (R5): 実施") is None
    assert from_text("3-2デジタル人材の確保・育成 / 準備 / 実施") is None


@pytest.mark.parametrize("reader", ["rules", "learned"])
def test_a_target_field_is_a_plan_and_its_result_a_fact(monkeypatch, reader):
    from assistant.status import read_statuses

    monkeypatch.setenv("ASSISTANT_STATUS_READER", reader)
    # 新発田市's measure table, rendered: the KPI names what the plan aims at; the 実績 says it is not done
    line = ("取組方針: インターネットを介した手話動画の配信に努めます。 / K P I: 手話動画の配信を開始 / "
            "実績値(KPI) 令和5年度末: (未実施)")
    said = read_statuses("市民向け情報施策 / 情報発信・提供の強化", [line], lambda piece: "手話動画" in piece)
    assert IMPLEMENTED not in {s.status for s in said}
    assert NOT_INTRODUCED in {s.status for s in said}
    planned = [s.marker for s in said if s.status == PLANNED and not s.weak]
    # by rule, the field's label turns 「…を開始」 into a target; the learned reader reads the field as a plan itself
    assert planned == (["K P I"] if reader == "rules" else [": 手話動画の配信を開始"])


def test_under_a_label_of_what_comes_next_the_lines_speak_of_the_measure():
    from assistant.status import read_statuses

    # 苫小牧市's 1 公共施設利用申込みシステムの推進: the plan's intent follows 「今後の取組」 without naming it again
    lines = ["実施状況(別表項番12)",
             "HARPにより「施設予約システム」が開発・提供されましたが、現時点では利用に至っていません。",
             "今後の取組",
             "参加する市町村の増加による費用面の軽減化などの環境が整いしだい、導入に向けて検討していきます。"]
    said = read_statuses("1 公共施設利用申込みシステムの推進", lines, lambda line: "施設予約" in line)
    assert {s.status for s in said} >= {NOT_INTRODUCED, UNDER_STUDY}
    # a passage that never names the topic gets nothing from its 今後 lines
    assert read_statuses("1 公共施設利用申込みシステムの推進", lines, lambda line: "電子入札" in line) == []


def test_a_plan_legend_says_what_its_tags_mean():
    from pathlib import Path

    from assistant.status import legend, read_statuses

    plans = Path(__file__).resolve().parents[2] / "corpus" / "plans"
    # 根室市: 「【拡充】…前計画から実施しており、継続・拡充する施策」; 【新規】【継続】 define no status of their own
    assert legend((plans / "000_cd99eabcda383157.txt").read_text(encoding="utf-8")) == {"拡充": IMPLEMENTED}
    assert legend((plans / "002_3a8372cf3b1720a0.txt").read_text(encoding="utf-8")) == {}
    tags = {"拡充": IMPLEMENTED}
    # the tag speaks for its measure: when the heading names the topic, the plan's meaning counts
    said = read_statuses("基本目標3 > 各種使用料に係るキャッシュレス決済の拡大【拡充】", ["施策の概要"],
                         lambda line: "キャッシュレス" in line, tags=tags)
    assert [s.status for s in said] == [IMPLEMENTED]
    # a sub-item of a measure tagged 【拡充】 (本会議の中継 in 市議会のICT化) is not thereby done
    said = read_statuses("基本目標4 > 市議会におけるICT化の推進【拡充】", ["本会議のインターネット中継を行います。"],
                         lambda line: "中継" in line, tags=tags)
    assert IMPLEMENTED not in {s.status for s in said}


def test_a_records_result_field_is_a_fact_a_bare_rate_is_not():
    from assistant.status import read_statuses

    # 新発田市's measure table, rendered as one record: the result field says the audit was done
    line = ("具体的な取組: 情報セキュリティポリシーの徹底と監査の実施 / K P I: 監査の実施数 / "
            "実績値(KPI) 令和4年度末: - / 実績値(KPI) 令和5年度末: 外部監査の実施")
    said = read_statuses("基盤となる情報施策", [line], lambda piece: "情報セキュリティ" in piece)
    assert IMPLEMENTED in {s.status for s in said if s.marker == "実績"}
    not_yet = line.replace("外部監査の実施", "(未実施)")
    assert {s.status for s in read_statuses("基盤となる情報施策", [not_yet], lambda p: "情報セキュリティ" in p)
            if s.marker == "実績"} == {NOT_INTRODUCED}
    rate = line.replace("外部監査の実施", "148.2% 20%")  # progress toward a target, not the thing done
    assert not [s for s in read_statuses("基盤となる情報施策", [rate], lambda p: "情報セキュリティ" in p) if s.marker == "実績"]


def test_a_chapter_of_research_projects_is_under_study():
    from assistant.status import read_statuses

    # 苫小牧市's 第4章 情報化の研究事業: the sentence says the departments run separate GIS today; the
    # integrated GIS is a research project of the plan
    line = "上下水道部門などにおいて、個別にGISを構築して業務を行っています。"
    said = read_statuses("第4章 情報化の研究事業 > 1 統合型地理情報システム(GIS)", [line], lambda p: "GIS" in p)
    assert [s.status for s in said] == [UNDER_STUDY]
    # 「これまでの主要な取組状況と今後の検討事項」 mixes what was done with what is to be studied: no scope
    assert IMPLEMENTED in {s.status for s in read_statuses(
        "第4章 動向 > これまでの主な取組状況と今後の検討事項", [line], lambda p: "GIS" in p)}
