"""A plan's legend of its 【】 marks (corpus.legend), read from the real plans."""

from corpus.legend import legend


def test_a_legend_is_read_from_its_lines_and_nothing_else(docs):
    by_city = {d.city: legend(d.text) for d in docs}
    assert by_city["根室市"] == {"新規": "本計画から新たに推進する施策", "拡充": "前計画から実施しており、継続・拡充する施策",
                              "継続": "前計画から実施・完了しておらず、本計画でも継続する施策", "DX": "自治体DX推進手順書の重点取組事項"}
    # a tagged heading (「テレワークの推進【新規】【DX】」) or a bracketed title is no definition
    assert all(not found for city, found in by_city.items() if city != "根室市")
    assert legend("- 消防活動のICT化【新規】\n【現状と課題】\n【重点】: 国の重点取組事項に関連する施策") == {
        "重点": "国の重点取組事項に関連する施策"}
