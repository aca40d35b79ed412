"""The benchmark's topics: 12 rows of ``assistant/data/topics.tsv``, each with the words that mention it.

A topic's ``terms`` are what its evidence sentence must hold (the words a reader asks by);
``avoid`` is every surface that counts as a mention when the plan must not mention the topic:
the terms, their equivalents and narrower terms from ``assistant/data/synonyms.tsv``, and the
parts that ``assistant.topic`` matches separately (マイナンバー, 標準化, ガバメント). Filler text
holding any of them is left out of every plan, so a topic appears only where the generator puts it.

Left out of the 15 default topics: 情報セキュリティ, 職員研修 and 行政手続のオンライン化 are in
nearly every paragraph of a real plan, so no filler would be left once they are avoided.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SERVICE, EFFICIENCY, REGION, SAFETY = "service", "efficiency", "region", "safety"


@dataclass(frozen=True)
class Topic:
    label: str  # as in assistant/data/topics.tsv
    area: str  # the measures section it belongs in
    terms: tuple[str, ...]  # the evidence sentence holds one of these
    avoid: tuple[str, ...]  # any of these (folded) is a mention
    objects: tuple[tuple[str, str], ...]  # (noun phrase, verb noun): 「{np}を{verb}する」「{np}の{verb}を検討する」
    headings: tuple[str, ...]  # measure titles naming it, with no status word
    names: tuple[str, ...]  # how a national policy sentence or a survey names it
    glossary: tuple[tuple[str, str], ...]  # (term, definition) rows of a 用語集


def fold(text: str) -> str:
    """NFKC, lower case, no whitespace: as ``index.chars.fold`` compares text."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


TOPICS: tuple[Topic, ...] = (
    Topic(
        "書かない窓口", SERVICE, ("書かない窓口",),
        ("書かない", "書かせない", "やさしい窓口", "記入軽減", "記入不要"),
        (("書かない窓口", "導入"), ("申請書を手書きせずに手続ができる書かない窓口", "導入"),
         ("住民異動届などの書かない窓口", "導入")),
        ("書かない窓口", "書かない窓口の推進"), ("書かない窓口",),
        (("書かない窓口", "窓口で職員が聞き取った内容をシステムに入力し、申請者が申請書を手書きしなくても手続ができる仕組みのこと。"),),
    ),
    Topic(
        "マイナンバーカード", SERVICE, ("マイナンバーカード",),
        ("マイナンバー", "個人番号", "マイナポータル", "マイナ保険証"),
        (("マイナンバーカードの休日交付窓口", "開設"), ("マイナンバーカードの出張申請受付", "実施"),
         ("マイナンバーカードを利用した図書館サービス", "導入"), ("マイナンバーカードの普及に向けた申請支援", "実施")),
        ("マイナンバーカードの普及", "マイナンバーカードの利活用"), ("マイナンバーカードの利活用", "マイナンバーカード"),
        (("マイナンバーカード", "個人番号が記載された顔写真付きのICカードのこと。本人確認の書類として利用できるほか、電子証明書が搭載されている。"),),
    ),
    Topic(
        "コンビニ交付", SERVICE, ("コンビニ交付",),
        ("コンビニ", "キオスク端末", "マルチコピー機"),
        (("住民票の写し等のコンビニ交付", "導入"), ("証明書のコンビニ交付", "導入"), ("コンビニ交付サービス", "導入"),
         ("戸籍証明書のコンビニ交付", "導入")),
        ("証明書のコンビニ交付", "コンビニ交付サービス"), ("コンビニ交付", "証明書のコンビニ交付"),
        (("コンビニ交付", "住民票の写しや印鑑登録証明書などを、コンビニエンスストア等に設置されたマルチコピー機で取得できるサービスのこと。"),),
    ),
    Topic(
        "キャッシュレス決済", SERVICE, ("キャッシュレス決済",),
        ("キャッシュレス", "電子マネー", "クレジットカード", "クレジット収納", "qrコード", "二次元コード", "二次元バーコード",
         "電子納付", "交通系ic", "スマホ決済", "スマートフォン決済", "電子決済"),
        (("窓口手数料のキャッシュレス決済", "導入"), ("公共施設使用料のキャッシュレス決済", "導入"),
         ("キャッシュレス決済", "導入"), ("税金等の納付におけるキャッシュレス決済", "導入")),
        ("キャッシュレス決済の導入", "窓口でのキャッシュレス決済"), ("キャッシュレス決済",),
        (("キャッシュレス決済", "現金を使わずに、クレジットカードや電子マネー、QRコード等により代金を支払う方法のこと。"),),
    ),
    Topic(
        "情報システム標準化・ガバメントクラウド", EFFICIENCY, ("情報システムの標準化", "ガバメントクラウド"),
        ("標準化", "ガバメント", "govcloud", "gov-cloud", "標準準拠", "標準仕様", "共通化", "互換性の確保"),
        (("基幹業務に係る情報システムの標準化", "実施"), ("ガバメントクラウドへの移行", "実施"),
         ("ガバメントクラウドの利用", "開始"), ("情報システムの標準化への対応", "実施")),
        ("情報システムの標準化", "ガバメントクラウドへの対応"), ("情報システムの標準化", "ガバメントクラウドの活用"),
        (("ガバメントクラウド", "政府共通のクラウドサービスの利用環境のこと。地方公共団体の基幹業務システムの稼働環境として国が整備する。"),),
    ),
    Topic(
        "AI・RPA", EFFICIENCY, ("AI", "RPA"),
        ("ai", "rpa", "人工知能", "ロボティック", "ソフトウェアロボット", "チャットボット", "自動化", "機械学習"),
        (("AIやRPA", "活用"), ("定型業務へのRPA", "導入"), ("AI-OCR", "導入"), ("AIを活用した議事録作成支援", "導入")),
        ("AI・RPAの活用", "RPAによる業務効率化"), ("AIやRPA", "RPA"),
        (("RPA", "Robotic Process Automationの略。パソコンで行う定型的な作業をソフトウェアのロボットに代行させる技術のこと。"),
         ("AI", "Artificial Intelligenceの略で、人工知能のこと。言語の理解や推論などの知的な処理をコンピュータに行わせる技術。")),
    ),
    Topic(
        "テレワーク", EFFICIENCY, ("テレワーク",),
        ("テレワーク", "在宅", "モバイルワーク", "サテライトオフィス", "リモートワーク"),
        (("職員のテレワーク", "導入"), ("テレワーク", "導入"), ("テレワーク環境", "整備")),
        ("テレワークの推進", "職員のテレワーク"), ("テレワーク",),
        (("テレワーク", "ICTを活用し、時間や場所にとらわれずに柔軟に働く勤務形態のこと。在宅勤務、モバイルワーク、サテライトオフィス勤務がある。"),),
    ),
    Topic(
        "ペーパーレス", EFFICIENCY, ("ペーパーレス",),
        ("ペーパーレス", "紙", "資料等の電子化", "会議資料のデジタル化"),
        (("庁内会議のペーパーレス化", "実施"), ("ペーパーレス会議システム", "導入"), ("議会資料のペーパーレス化", "実施")),
        ("ペーパーレス化の推進", "会議のペーパーレス化"), ("ペーパーレス化",),
        (("ペーパーレス", "紙の書類を電子データに置き換え、印刷や保管にかかる費用と手間を減らす取組のこと。"),),
    ),
    Topic(
        "公衆無線LAN", REGION, ("公衆無線LAN",),
        ("無線lan", "wi-fi", "wifi", "wi‐fi", "ワイファイ", "公衆無線", "無線ネットワーク"),
        (("公共施設への公衆無線LAN", "整備"), ("避難所となる施設の公衆無線LAN", "整備"),
         ("観光施設の公衆無線LAN", "整備"), ("公衆無線LAN（フリーWi-Fi）", "整備")),
        ("公衆無線LANの整備", "公衆無線LAN環境"), ("公衆無線LAN", "公共施設の公衆無線LAN"),
        (("公衆無線LAN", "無線通信により、誰でもインターネットに接続できる環境を提供する仕組みのこと。Wi-Fiスポットとも呼ばれる。"),),
    ),
    Topic(
        "オープンデータ", REGION, ("オープンデータ",),
        ("オープンデータ", "二次利用", "官民データ", "推奨データセット", "opendata"),
        (("オープンデータ", "公開"), ("統計データ等のオープンデータ", "公開"), ("オープンデータカタログサイト", "開設")),
        ("オープンデータの推進", "オープンデータの公開"), ("オープンデータ", "オープンデータの公開"),
        (("オープンデータ", "国や地方公共団体、事業者が保有するデータのうち、誰もが二次利用できるよう機械判読に適した形式で公開されたデータのこと。"),),
    ),
    Topic(
        "デジタルデバイド対策", REGION, ("デジタルデバイド",),
        ("デジタルデバイド", "デジタル・デバイド", "デバイド", "情報格差", "格差", "デジタル活用支援", "スマートフォン教室",
         "スマホ教室", "スマートフォン講習", "パソコン教室", "パソコン講座", "ict講習会"),
        (("高齢者向けスマートフォン教室などのデジタルデバイド対策", "実施"), ("デジタルデバイド対策", "実施"),
         ("デジタル活用支援員によるデジタルデバイド対策", "実施")),
        ("デジタルデバイド対策", "デジタルデバイドの解消"), ("デジタルデバイド対策", "デジタルデバイドの解消"),
        (("デジタル・デバイド", "インターネットなどの情報通信技術を利用できる人と利用できない人との間に生じる格差のこと。"),),
    ),
    Topic(
        "ICT-BCP", SAFETY, ("ICT-BCP",),
        ("ict-bcp", "bcp", "業務継続計画", "業務継続"),
        (("ICT-BCP（ICT部門の業務継続計画）", "策定"), ("ICT-BCP", "策定"), ("災害に備えたICT-BCP", "策定")),
        ("ICT-BCPの策定", "ICT-BCP"), ("ICT-BCP",),
        (("ICT-BCP", "災害や事故で情報システムが停止した場合にも、重要な業務を続け、早期に復旧するための計画のこと。"),),
    ),
)
BY_LABEL = {t.label: t for t in TOPICS}


def normalized(text: str) -> str:
    """NFKC and lower case, offsets kept (the raw text in lower case where NFKC would move them)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return folded if len(folded) == len(text) else text.lower()


def mentions(topic: Topic, norm: str) -> list[tuple[int, int]]:
    """Spans of a ``normalized`` text that mention ``topic``, in order."""
    spans = []
    for word in topic.avoid:
        start = norm.find(word)
        while start >= 0:
            spans.append((start, start + len(word)))
            start = norm.find(word, start + 1)
    return sorted(spans)


def mentions_any(text: str) -> bool:
    """Whether ``text`` mentions any benchmark topic (folded, whitespace removed)."""
    folded = fold(text)
    return any(word in folded for topic in TOPICS for word in topic.avoid)
