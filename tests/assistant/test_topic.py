"""The specific thing a question asks: topic terms, alternatives, the dictionary, the status asked."""

import pytest

from assistant.intent import asked_status
from assistant.topic import SYNONYMS, Salience, TopicMatcher, dictionary, fold, topic


def labels(question):
    return [[t.text for t in g.terms] for g in topic(question)]


@pytest.mark.parametrize("question, expected", [
    ("テレワークを導入済みの市はどこ？", [["テレワーク"]]),
    ("電子入札を導入している、または導入を予定・検討している市は？", [["電子入札"]]),
    ("高齢者向けのスマホ講座やパソコン講座をすでに開いている市は？", [["高齢者"], ["スマホ講座", "パソコン講座"]]),
    ("AIで会議録（議事録）を作るシステムをすでに使っている市は？", [["ai"], ["会議録", "議事録"], ["システム"]]),
    ("国の「推奨データセット」に沿ってオープンデータを整備・公開する市は？", [["推奨データセット"], ["オープンデータ"], ["公開"]]),
    # 「庁内の無線LAN」 is the dictionary's 庁内無線LAN, the neighbour of 公衆無線LAN: one term
    ("職員が使う庁内の無線LANを整備する市は", [["職員"], ["庁内無線lan"]]),
    ("職員が庁内で使う端末の無線LANを整備する市は", [["職員"], ["庁内"], ["端末"], ["無線lan"]]),
    # a noun right after a bracket goes on the term the bracket named: not an alternative of its own
    ("一人暮らし高齢者の安否確認（見守り）システムの導入を検討している市は？", [["一人暮らし高齢者"], ["安否確認システム"]]),
    ("会議録（議事録）作成システムを導入した市は？", [["会議録システム", "議事録システム"]]),
    # an adjectival noun before a noun is part of the term; alone (「様々な」) it is none
    ("スマート農業の導入を補助・支援している市は？", [["スマート農業"], ["補助"]]),
    ("様々な手続きをオンラインでできる市は", [["手続き"], ["オンライン"]]),
    # a suffix on a verb (「使いやすい」「使い方」) and the words for people (人, 方々) are no topic
    ("お年寄りや障がいのある人でも使いやすいように配慮した市のホームページを、もう運営している市は？",
     [["お年寄り", "障がい"], ["配慮"], ["ホームページ"]]),
    ("スマホの使い方を教える講座を開いている市は？", [["スマホ"], ["講座"]]),
    # a suffix or noun of place or side (「インターネット上」「端末側」) and 一本化 say where or how, not what
    ("公共工事の入札をインターネット上で行える市は？", [["公共工事"], ["入札"], ["インターネット"]]),
    ("地図情報システムを一本化して共用する市は？", [["地図情報システム"], ["共用"]]),
    # 公式・各種・既存 qualify, they do not tell one thing from another (plans write just 「Facebook」)
    ("市の公式Facebookで情報を発信している市は？", [["facebook"], ["情報"], ["発信"]]),
    # か after a verb asks; after a noun (「税金とか手数料」) it offers an alternative
    ("除雪車がどこを走っているか地図で確認できますか", [["除雪車"], ["地図"], ["確認"]]),
    ("税金とか手数料をキャッシュレスで払える市", [["税金", "手数料"], ["キャッシュレス"]]),
    # a bracket's phrase is one alternative, its words found together, not topics of their own
    ("デマンド交通（予約型の乗合交通）を運行している市は？", [["デマンド交通", "予約型乗合交通"], ["運行"]]),
    # what modifies is not asked about: nouns of time alone (「…ときに」), a noun made an adjective by 的 or used
    # as one (「全面的に」「自由に」); a 、 after a particle ends a clause, it lists nothing
    ("セキュリティ事故が起きたときに対応する専門チーム（CSIRT）を置いている市は？",
     [["セキュリティ事故"], ["専門チーム", "csirt"]]),
    ("市の公式ホームページを全面的にリニューアルした市は？", [["ホームページ"], ["リニューアル"]]),
    ("市民が自由に使える情報端末を、公共施設や駅前に置いている市は？", [["市民"], ["情報端末"], ["公共施設", "駅前"]]),
])
def test_topic_groups_follow_the_wording(question, expected):
    assert labels(question) == expected


def test_a_quoted_term_is_one_term_as_written():
    """「書かない窓口」: its own noun 窓口 alone would let any passage about a counter stand for it."""
    (quoted, other) = topic("申請書を書かずに済む「書かない窓口」に取り組む市は？")
    assert [t.text for t in quoted.terms] == ["書かない窓口"] and [t.text for t in other.terms] == ["申請書"]
    assert not quoted.found_in(fold("総合窓口でワンストップ化を進めます"))
    assert quoted.found_in(fold("書かない窓口の導入を目指します")) and quoted.found_in(fold("書かせない窓口"))


def test_city_names_are_no_topic():
    groups = topic("根室市のテレワーク", drop=frozenset({"根室"}))
    assert [[t.text for t in g.terms] for g in groups] == [["テレワーク"]]


@pytest.mark.parametrize("question, status", [
    ("テレワークを導入済みの市はどこ？", "implemented"),
    ("コンビニ交付をすでに始めている市", "implemented"),
    ("ガバメントクラウドへの移行を計画している市は？", "planned"),
    ("RPAを導入する予定の自治体", "planned"),
    ("電子申請の導入を検討している市はどこ？", "under_study"),
    ("電子申請に触れている市", "any"),
    ("AIチャットボットを導入・検討している自治体は？", "any"),
    ("キャッシュレス決済をこれから導入する予定の市は？", "planned"),  # 決済 holds 済: no "done"
    ("Web会議を導入している、または導入予定の市は？", "any"),
])
def test_the_status_asked_is_read_from_the_wording(question, status):
    assert asked_status(question) == status


def test_the_dictionary_is_well_formed_and_sourced():
    for n, line in enumerate(SYNONYMS.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        cells = line.split("\t")
        assert len(cells) == 4 and cells[0].strip() and cells[3].strip(), (n, line)
        assert cells[1].strip() or cells[2].strip(), (n, line)
    words = dictionary()
    assert "在宅勤務" in words.variants("テレワーク") and "テレワーク" in words.variants("在宅勤務")
    # a narrower term is found from the broader one, never the reverse
    assert fold("QRコード") in words.variants("キャッシュレス決済")
    assert "キャッシュレス決済" not in words.variants(fold("QRコード"))


def test_terms_match_as_characters_not_tokens():
    """unidic keeps コンビニエンスストア as one token; the text still holds コンビニ."""
    group = topic("コンビニで住民票を取れる市")[0]
    assert group.found_in(fold("最寄りのコンビニエンスストアで取得できます"))
    (nyusatsu,) = topic("電子入札を導入した市")
    assert not nyusatsu.found_in(fold("電子決裁システムを導入しました"))
    assert nyusatsu.found_in(fold("入札事務の電子化を進めます"))  # all its parts
    (web,) = topic("Web会議を導入した市")
    far = "ホームページ（Web）を刷新しました。" + "市民サービスの向上を図ります。" * 8 + "機構改革検討会議を設けました。"
    assert not web.found_in(fold(far))  # its parts, but paragraphs apart
    assert web.found_in(fold("Webによる会議を開きます"))


def test_a_bracketed_list_sharing_the_noun_after_it_is_read_in_full():
    from assistant.topic import spelled_out

    # 東御市: 「内部業務系（文書決裁・庶務事務）システムの導入」 holds 文書決裁システム, the dictionary's 電子決裁
    (approval,) = topic("電子決裁を導入している市は？")
    passage = "内部業務系（文書決裁・庶務事務）システムの導入"
    assert approval.found_in(spelled_out(fold(passage))) and not approval.found_in(fold(passage))
    assert spelled_out(fold("ICT-BCP（ICT部門の業務継続計画）の改定")) == fold("ICT-BCP（ICT部門の業務継続計画）の改定")


def test_the_rarest_group_is_the_head_and_weighs_most():
    passages = [fold(t) for t in ("庁内の無線LANを整備します", "公衆無線LANを設置しました", "公共施設に公衆無線LAN",
                                  "庁内の電子決裁", "庁内の文書管理", "庁内ネットワーク")]
    matcher = TopicMatcher(topic("庁内で使う無線LANを計画している市は"), Salience(passages))
    assert matcher.head.label == "無線LAN"  # as the question writes it
    inside, public = matcher.match("庁内の無線LANを整備します"), matcher.match("公衆無線LANを設置しました")
    assert inside.coverage == 1.0 and public.head and public.coverage < 0.7 and public.missing == ("庁内",)
    # said as the dictionary's one term, 庁内無線LAN, a public LAN does not hold it at all
    joined = TopicMatcher(topic("庁内の無線LANを計画している市は"), Salience(passages))
    assert joined.match("庁内の無線LANを整備します").head and not joined.match("公衆無線LANを設置しました").head


def test_an_unheard_loanword_is_the_head_an_unheard_everyday_word_is_not():
    passages = [fold(t) for t in ("観光客の動態分析の調査・研究", "当日投票システムの導入", "観光客向けWi-Fi")]
    # no plan says ブロックチェーン: the question's thing is in none of them, whatever else matches
    assert TopicMatcher(topic("ブロックチェーンを使った投票"), Salience(passages)).head.label == "ブロックチェーン"
    # 「動き」 is how a person says it; the plans say 動態: the head is a word they do hold
    matcher = TopicMatcher(topic("観光客の動きを分析している市"), Salience(passages))
    assert matcher.head.label in {"観光客", "分析"} and matcher.match(passages[0]).head


def test_the_head_is_anchored_on_the_words_the_best_passages_use():
    # 根室市's and 各務原市's lines, and a classroom line about something else
    passages = [fold(t) for t in ("校内無線LANの整備や、児童生徒一人一台のタブレット端末の配備、大型ディスプレイ等の機器の整備",
                                  "令和4年度は大型ディスプレイの更改と校内放送システムの導入", "教室の空調設備",
                                  "小中学校の耐震化", "小中学校の給食", "電子黒板の活用")]
    matcher = TopicMatcher(topic("小中学校の教室に電子黒板や大型ディスプレイをもう入れている市は？"), Salience(passages))
    assert matcher.head.label == "教室"  # the rarest word, said only in passing
    matcher.anchor([passages[1], passages[0]])  # the question's best-ranked passages
    assert matcher.head.label == "電子黒板・大型ディスプレイ"
    assert matcher.match(passages[1]).head and not matcher.match(passages[2]).head
    # a passage without the head is said to lack the head, not the rarer word the ranking did not use
    assert matcher.match(passages[3]).missing[0] == "電子黒板・大型ディスプレイ"
    # passages that hold the rarest word leave it the head; a loanword no passage holds stays the head
    kept = TopicMatcher(topic("小中学校の教室に電子黒板を入れている市は？"), Salience(passages))
    kept.anchor([passages[2]])
    assert kept.head.label == "教室"
    unheard = TopicMatcher(topic("ブロックチェーンを使った小中学校の給食"), Salience(passages))
    unheard.anchor([passages[4]])
    assert unheard.head.label == "ブロックチェーン"
