"""How plans word a measure's status, and the sentences that mention a topic without planning it.

Status sentences are modelled on the bundled plans (「…を導入しています」「…の実現を目指します」
「…の導入を検討します」). Slots: ``{np}`` the measure, ``{v}`` its verb noun (導入, 整備 …),
``{self}`` 本市/本町/本村/本区, ``{people}`` 市民/町民…, ``{past}`` a fiscal year before the
plan began, ``{future}`` one inside its period. A few wordings are ones that ``assistant.status``
does not read as their status (「計画期間内に…を導入する。」 has no marker; 「…を研究します」
reads as a plan): they are how plans write, and the truth keeps the status a person reads.

Traps name the topic in a sentence that says nothing about the municipality's own plan:
a glossary row, national (or prefectural) policy, a survey result.
"""

from __future__ import annotations

IMPLEMENTED, PLANNED, UNDER_STUDY, ABSENT = "implemented", "planned", "under_study", "absent"
STATUSES = (IMPLEMENTED, PLANNED, UNDER_STUDY, ABSENT)
GLOSSARY, POLICY, SURVEY = "glossary", "policy", "survey"
TRAPS = (GLOSSARY, POLICY, SURVEY)

STATUS_WORDINGS: dict[str, tuple[str, ...]] = {
    IMPLEMENTED: (
        "{self}では、{past}から{np}を{v}している。",
        "{np}については、{past}に{v}済みであり、引き続き利用の拡大に努めている。",
        "{past}から{np}の取組を開始した。",
        "{np}は既に実施中であり、利用状況の把握に努めている。",
        "{np}を{v}し、{past}から本格的な運用を行っている。",
        "{past}から{np}を{v}済みである。",
        "前計画期間中に{np}を{v}しました。",
    ),
    PLANNED: (
        "{np}を{v}します。",
        "計画期間中に{np}の実現を目指します。",
        "{future}までに{np}を{v}する予定です。",
        "{np}の{v}に向けて、関係部署と連携して取り組みます。",
        "【新規】{np}を{v}し、{people}サービスの向上を図ります。",
        "{future}以降、{np}を順次{v}していきます。",
        "計画期間内に{np}を{v}する。",
    ),
    UNDER_STUDY: (
        "{np}の{v}について検討する。",
        "{np}の{v}を研究します。",
        "{np}の{v}に向けて検討を進めます。",
        "{np}については、費用対効果を見極めながら{v}の可否を検討していきます。",
        "{np}の活用について、先進自治体の事例を調査研究する。",
        "{np}は、今後の技術動向を踏まえ、{v}を検討中である。",
        "{np}の{v}について、関係部署と協議しながら検討します。",
    ),
}

POLICY_WORDINGS = (
    "国は、{name}の普及を推進している。",
    "国の「自治体DX推進計画」では、{name}が取組事項の一つに位置付けられている。",
    "総務省の調査によれば、全国の自治体で{name}の導入が進んでいる。",
    "デジタル庁は、{name}に関する手引きを公表し、自治体の取組を支援している。",
    "国は「デジタル田園都市国家構想」において、{name}の活用を推進しています。",
    "{pref}においても、{name}の普及に向けた取組が進められている。",
)
SURVEY_WORDINGS = (
    "{people}アンケートでは、{name}の導入を望む声が多く寄せられた。",
    "アンケート結果では、{name}の充実を求める意見が{pct}％を占めた。",
    "{people}意識調査において、「{name}を導入してほしい」との回答が{pct}％あった。",
    "自由記述欄には、{name}を求める意見が複数寄せられている。",
    "「今後充実してほしいサービス」として{name}を挙げた回答者は{pct}％であった。",
)

# a sentence before the status sentence, by area: background with no topic and no status
LEADS: dict[str, tuple[str, ...]] = {
    "service": (
        "住民が行政サービスを身近に感じられるよう、手続の負担を減らす取組が求められている。",
        "来庁者の待ち時間の短縮や手続の簡素化は、住民満足度の向上に直結する課題である。",
        "窓口に来る人の事情は様々であり、それぞれに合った手続の方法を用意することが大切である。",
        "行政サービスの提供方法を見直し、来庁しなくても用事が済む環境づくりが重要になっている。",
    ),
    "efficiency": (
        "限られた職員数で多様化する行政需要に対応するため、業務の見直しが必要となっている。",
        "職員がより付加価値の高い業務に注力できるよう、事務の効率化が求められている。",
        "働き方の見直しは、職員の負担軽減と行政サービスの質の維持の両面から重要である。",
        "業務の進め方を根本から見直し、簡素で効率的な行政運営を実現することが課題である。",
    ),
    "region": (
        "地域の誰もがデジタル技術の恩恵を受けられる環境づくりが求められている。",
        "人口減少が進む中、地域の活力を維持するためにデジタル技術の活用が期待されている。",
        "住民や事業者がデジタル社会に参加しやすい環境を整えることが重要である。",
        "地域の情報基盤は、日常生活だけでなく災害時の情報収集にも欠かせないものである。",
    ),
    "safety": (
        "大規模災害の発生時にも行政機能を維持することが重要である。",
        "情報システムへの依存が高まる中、システム停止が住民生活に与える影響は大きくなっている。",
        "災害や障害が起きた際に、どの業務をどの順で復旧するかを定めておくことが必要である。",
    ),
}
FOLLOWS = (
    "利用状況を把握し、効果の検証につなげることが重要である。",
    "住民の声を踏まえた改善が欠かせない。",
    "関係部署との役割分担を明確にすることが求められる。",
    "",
    "",
)
AREA_TITLES: dict[str, tuple[str, ...]] = {
    "service": ("行政サービスの利便性向上", "便利な行政サービスの提供", "窓口サービスの充実", "住民の利便性向上に関する取組"),
    "efficiency": ("行政運営の効率化", "効果的・効率的な行政運営", "業務改革の推進", "行政事務の効率化に関する取組"),
    "region": ("地域社会のデジタル化", "暮らしやすい地域づくり", "誰もが恩恵を受けられるデジタル社会", "地域の情報基盤とデータ活用"),
    "safety": ("安全・安心な行政基盤", "災害に強い情報基盤", "危機管理と情報基盤の強化"),
}
AREA_ORDER = ("service", "efficiency", "region", "safety")

CHAPTER_TITLES: dict[str, tuple[str, ...]] = {
    "intro": ("計画の策定にあたって", "計画の概要", "はじめに", "計画策定の趣旨"),
    "trend": ("国の動向", "情報化を取り巻く動向", "国・県の情報化政策の動向", "社会の動向"),
    "current": ("現状と課題", "{self}の情報化の現状と課題", "これまでの取組と課題"),
    "measure": ("施策の展開", "具体的な取組", "情報化施策の推進", "取組事項", "重点施策"),
    "system": ("計画の推進体制", "推進体制と進行管理", "計画の推進に向けて"),
}
PLAN_KINDS = ("地域情報化計画", "情報化推進計画", "DX推進計画", "デジタル・トランスフォーメーション推進計画",
              "ICT基本計画", "デジタル化推進計画", "自治体DX推進計画")
EDITIONS = ("", "", "第2次", "第3次", "第4次")
SUBTITLES = ("", "", "〜 デジタルでつながる、暮らしやすいまち 〜", "〜 誰一人取り残さないデジタル化 〜",
             "（{name}情報化推進計画を兼ねる）", "〜 住民に寄り添うスマートな行政 〜")

SURVEY_TITLES = ("{people}アンケート結果", "資料 {people}意識調査の結果", "情報化に関する{people}アンケート")
SURVEY_LINES = (
    "本調査は、{people}{n}人を無作為に抽出し、郵送及びインターネットにより行った。",
    "回答数は{m}件で、回答率は{rate}％であった。",
    "年代別では、{age}歳代の回答が最も多かった。",
    "インターネットを「ほぼ毎日利用する」と回答した人は{pct}％であった。",
    "スマートフォンを保有している人の割合は{pct}％で、前回調査から増加した。",
    "{kind}のホームページを「よく見る」と回答した人は{pct}％にとどまった。",
    "行政からの情報をSNSで受け取りたいと回答した人は{pct}％であった。",
)
GLOSSARY_TITLES = ("用語集", "用語解説", "資料 用語の解説")
