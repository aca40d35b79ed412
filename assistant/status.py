"""Status of a measure where the plan states it: implemented, planned, under study, not introduced.

Plans mark measures with bracketed tags (【新規】【継続】【拡充】【完了】【新】)
and status words in tables and sentences (導入済・実施済・未導入・検討 …).
The status is read from the citation's heading path first (施策名 …【継続】,
a table row's label), then from the source lines of the citation that
mention the question's words. Nothing is inferred: no marker, no status.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import asdict, dataclass

DEFAULT_READER = "learned"
IMPLEMENTED, PLANNED, UNDER_STUDY, NOT_INTRODUCED = "implemented", "planned", "under_study", "not_introduced"
LABELS = {IMPLEMENTED: "実施済", PLANNED: "計画", UNDER_STUDY: "検討中", NOT_INTRODUCED: "未導入"}

# (pattern, status); earlier patterns win within one line. Tags in 【】 and status cells of a table
# are explicit and come first; then the wording: 未…, 検討, an announced date or 予定, what is done
# (〜済, 〜しました, 〜しています, 運用中), and last the plan's own voice (〜します, 〜を図ります).
_VERB = r"(?:導入|実施|整備|開始|構築|設置|開設|運用|稼働|稼動|公開|配信|提供|策定|移行|更新|実現|推進|活用|参加|開催|設立|配備|展開|対応|拡充|拡大|充実|普及|支援|発行|交付|受付|開通)"
# a cell: between tabs, or the last word of a row whose tabs became spaces (「校務支援システムの導入 導入」),
# not a phrase a converter split after its particle (「システムの 導入」), nor a rendered field's value
# or a rendered row's (「2023 (R5): 実施」「…育成 / 準備 / 実施」 in a schedule are plans)
_CELL = r"(?:(?:^|\t)\s*({0})\s*(?:\t|$|⇒|→)|(?<=[^\sのをがにはとへやで:：)）/／]) ({0})\s*$)"
# a KPI row with counted results (延べ41人, 563人, 2社): something was done
_COUNTED = r"(延べ\s*\d[\d,]*|\t\s*[1-9][\d,]*\s*(?:人|件|回|社|団体|箇所|校|台|業務|施設)?\s*(?:\t|$))"
# markers in order of precedence. First the explicit ones — 【】 tags, status cells, 〜済, 未導入, counted
# results — and the words of study (検討します, 調査・研究): the learned reader never overrules these
_EXPLICIT_MARKERS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"【(完了|実施済み?|導入済み?|済)】"), IMPLEMENTED),
    # a measure named 「…の導入検討」 is under study, whatever its 【継続】 tag says about the measure
    (re.compile(r"((?:導入|実施|整備|構築|活用|利用|移行)(?:の|に向けた)?(?:検討|調査・?研究))(?=[【\s]|$)"), UNDER_STUDY),
    (re.compile(r"【(新規|新|拡充|継続|重点|重点取組|DX)】"), PLANNED),
    (re.compile(r"【(検討|調査研究)】"), UNDER_STUDY),
    (re.compile(_CELL.format("完了|実施済み?|導入済み?|済|導入|実施|一部導入|一部実施|運用中|稼働中")), IMPLEMENTED),
    (re.compile(_CELL.format("未導入|未実施|未着手")), NOT_INTRODUCED),
    (re.compile(_CELL.format("検討|検討中|調査研究")), UNDER_STUDY),
    (re.compile(rf"({_VERB}済み?)"), IMPLEMENTED),
    (re.compile(r"(未導入|未実施|未着手|未整備|(?:利用|導入|実施)(?:に|には)至って(?:い|お)(?:ない|ません|りません))"), NOT_INTRODUCED),
    (re.compile(_COUNTED), IMPLEMENTED),
    (re.compile(r"((?:導入|実施|整備|構築|活用|利用|移行)(?:の|を|に向けて|に向けた|について)?(?:検討|調査・?研究)"
                r"|検討(?:する|します|していきます|を進め|を行い|中|しています|してまいります)|調査・?研究"
                # 「…の導入を研究します」: to study is to study, whoever does it
                r"|(?:導入|実施|活用|利用|移行)(?:の|を|について)?研究(?!機関|所|会)|研究(?:する|します|していきます|を進め|を行い)(?![^。]*機関))"), UNDER_STUDY),
]
# then the wording: 予定 and dates, what is done (〜しました, 〜しています), and last the plan's own voice
_WORDING_MARKERS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"((?:導入|実施|開始|完了|移行|稼働|運用)予定|予定(?:です|しています|しております)"
                r"|(?:令和|平成)\s*\d+\s*年度?(?:末|中)?(?:まで|以降|を目途|を目標)|以降[、,]?[^。]{0,40}する[。]?$)"), PLANNED),
    # 平成 ended in 2019: an event dated 平成 is past for any plan written since; 「…から運用」 runs since then
    (re.compile(r"(平成\s*(?:\d+|元)\s*年度?(?:\s*\d+\s*月)?(?:から|より|に|には|、)|(?:令和\s*(?:\d+|元)\s*年度?(?:\s*\d+\s*月)?)(?:から|より)(?![^。]*(?:予定|目指|します)))"), IMPLEMENTED),
    # 「…している」 states a status only as a predicate: 「現在行っている交付について」「導入している自治体が
    # 少なく」 are clauses about something else
    (re.compile(rf"({_VERB}(?:しました|されました|しています|されています|しております|してきました|しており|されており)"
                rf"|{_VERB}している(?=[。、,]|$)"
                r"|(?:行っ|使っ|取り組ん|進め|設け|開い|作っ|設置し|整備し)て(?:い|お)(?:ます|ります|り[、,]|る(?=[。、,]|$))"
                r"|運用中|稼働中|実施中|(?:を|の)開始(?=\s*$|[。、/])|を開始し(?!ます)"
                # what has been carried on until now (〜を進めてきました, 〜を図ってまいりました)
                r"|て(?:き|まいり)ました)"), IMPLEMENTED),
    # the plan's own voice, polite (〜します) or plain (〜を導入する。, as plans written in である調 say it)
    (re.compile(rf"(計画(?:する|します)|推進します|取り組みます|目指します|(?:し|り|め|げ|せ|え|き)ます[。．]|していきます|を図ります|に努めます|を進めます"
                rf"|{_VERB}する[。．]|(?:を図|に努め|を進め|に取り組)る[。．])"), PLANNED),
]
_MARKERS = _EXPLICIT_MARKERS + _WORDING_MARKERS
_PIECE = re.compile(r"(?<=[。．！？])|\s/\s")
# a rendered field whose label says it records the past (「これまでの主な取組状況: …」「前期計画取組施策: …」)
_HISTORY_LABEL = re.compile(r"^\s*(?:これまでの[^:：]{0,12}(?:取組|実績)[^:：]{0,12}|沿革|実績)[:：]")
# a rendered field whose label says its value is a target (「KPI: …を開始」「目標: …」), not a result
_TARGET_LABEL = re.compile(r"^\s*((?:K\s*P\s*I|目標値?|数値目標|成果指標|指標)(?![^:：]{0,12}(?:実績|結果))[^:：]{0,12})[:：]")
_STUDY_SCOPE = re.compile(r"(?:調査)?研究(?:事業|課題|項目|テーマ)")
_FIELD = re.compile(r"^\s*[^:：/]{1,24}[:：]\s*\S")
_RESULT_LABEL = re.compile(r"^\s*実績[^:：]{0,20}[:：]\s*(.*)$")
_WORDED = re.compile(r"[ぁ-んァ-ヶ一-龥]{2,}")
_NOT_DONE = re.compile(r"未実施|未着手|未導入|実施なし|なし")
_AHEAD_LABEL = re.compile(r"^\s*(?:今後の(?:取組|取り組み|方向性|方針|展開|予定|対応)|今後)\s*[:：]?\s*$")
_NOW_LABEL = re.compile(r"^\s*(?:実施状況|現状(?:と課題)?|これまでの取組|課題)\b")
_PAST_LABEL = re.compile(r"^\s*(?:前期?計画[^:：]{0,12}|これまでの[^:：]{0,16})[:：]")
_DATED = next(n for n, (p, _) in enumerate(_MARKERS) if p.pattern.startswith("(平成"))
_PAST = re.compile(r"前計画|前期計画|これまで|沿革|実績|取組状況|取り組み状況")


@dataclass(frozen=True)
class Status:
    status: str
    label: str  # e.g. "計画（継続）"
    marker: str  # the words in the source, e.g. "【継続】"
    past: bool = False  # read from a section about the previous plan or past record
    weak: bool = False  # only the plan's own future voice (〜します, 〜を図ります): a plan, by default

    def to_dict(self) -> dict:
        return asdict(self)


_ERA = re.compile(r"(平成|令和)\s*(\d+|元)\s*年|((?:19|20)\d\d)\s*年")


def year_of(text: str) -> int | None:
    """The Western year of the first date in ``text`` (平成N, 令和N or 20NN), or None."""
    match = _ERA.search(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    if match.group(3):
        return int(match.group(3))
    n = 1 if match.group(2) == "元" else int(match.group(2))
    return n + (1988 if match.group(1) == "平成" else 2018)


def from_text(text: str, past: bool = False, start: int | None = None, tags: dict[str, str] | None = None) -> Status | None:
    """The first status marker in ``text`` by precedence, or None (``ruled`` without the marker's rank)."""
    found = ruled(text, past, start, tags)
    return found[0] if found else None


def ruled(text: str, past: bool = False, start: int | None = None,
          tags: dict[str, str] | None = None) -> tuple[Status, int] | None:
    """The first status marker in ``text`` by precedence and its rank in ``_MARKERS``, or None.

    ``tags``: what the plan's own legend says its 【】 tags mean (``legend``), e.g. {"拡充": implemented}.

    ``start``: the first year of the plan's period. A dated event (「平成23年度から」) is done
    when it lies before the plan began; one dated inside the plan's own period is a plan
    (「平成32年度に」 in a plan for 平成26–31). Without ``start``, 平成 dates count as past
    (平成 ended in 2019, before any plan written since)."""
    for n, (pattern, status) in enumerate(_MARKERS):
        match = pattern.search(text)
        if match and n == _DATED and start is not None and (year_of(match.group(0)) or 0) >= start:
            status = PLANNED
        if match:
            word = next((g for g in match.groups() if g is not None), match.group(0))
            if tags and match.group(0).startswith("【") and word in tags:
                status = tags[word]  # 「【拡充】…前計画から実施しており、継続・拡充する施策」
            tagged = match.group(0).startswith("【") and word not in LABELS[status]
            label = f"{LABELS[status]}（{word}）" if tagged else LABELS[status]
            return Status(status, label, match.group(0).strip("\t ⇒→"), past, weak=n == len(_MARKERS) - 1), n
    return None


# markers the learned reader never overrules: the explicit ones (【】 tags, status cells, 〜済, 未導入, 延べ41人)
# and the words of study (検討します, 調査・研究). Read by rule, the labelled pieces (eval/status_labels) agree
# with them 0.79-1.0 of the time (検討・研究 0.86); the wording after them agrees less — 予定 and dates 0.77,
# 平成 dates 0.68, 〜しています 0.58, 〜します 0.52 — and is what the learned reader may overrule. (Letting it
# overrule the words of study too read 「…の導入を研究します」 as a plan: the national benchmark's under-study
# recall fell from 1.0 to 0.87.)
_EXPLICIT = len(_EXPLICIT_MARKERS)  # ranks below this are explicit
READERS = ("rules", "learned")
# how sure the learned reader must be to overrule the wording rules: chosen on the dev half of the
# project's eval and the first held-out set, each plan read by a model trained on the other four
# (``python -m eval.status_lopo``): pooled cross-city F1 0.745 at 0.4-0.5, 0.772 at 0.6-0.7, 0.757
# at 0.75-0.8, 0.747 at 0.95 (the rules alone 0.750); 0.65 is the middle of the plateau
OVERRULE = 0.65


def reader() -> str:
    """Which reader reads a piece's wording: ``rules`` (``_MARKERS``) or ``learned`` (``status_model``
    beside the rules); ``ASSISTANT_STATUS_READER`` chooses."""
    name = os.environ.get("ASSISTANT_STATUS_READER") or DEFAULT_READER
    return name if name in READERS else DEFAULT_READER


def status_model():
    """The learned reader (``assistant.status_model``), loaded once."""
    from assistant.status_model import default

    return default()


def read_piece(text: str, past: bool = False, start: int | None = None,
               tags: dict[str, str] | None = None, model=None) -> list[Status]:
    """The status one piece states (a list of none or one).

    An explicit marker (【】 tag, status cell, 〜済, 未導入, counted result) or a word of study is read
    by rule. The other wording is read by rule too, unless the learned reader (``model``, by default
    the shipped one) is sure (``OVERRULE``) it says another status; wording no rule reads is read by
    the learned reader alone."""
    found = ruled(text, past, start, tags)
    if reader() == "rules" or (found is not None and found[1] < _EXPLICIT):
        return [found[0]] if found else []
    rule = found[0] if found else None
    model = model or status_model()
    if rule is not None:
        probs = model.probabilities(text)
        said = max(probs, key=probs.get)
        if said == rule.status or probs[said] < OVERRULE:
            return [rule]
    else:
        top = model.statuses(text)[:1]
        if not top:
            return []
        said = top[0][0]
    # the words shown as the marker: the end of the piece, where its predicate is
    return [Status(said, LABELS[said], text.strip()[-12:], past, weak=said == PLANNED and (rule is None or rule.weak))]


def plan_start(period: str | None) -> int | None:
    """The first year of a plan period such as 「令和4年度～令和8年度」 or 「2022～2025年度」."""
    match = re.search(r"(平成|令和)\s*(\d+|元)|((?:19|20)\d\d)", unicodedata.normalize("NFKC", period or ""))
    if not match:
        return None
    return year_of(match.group(0) + "年")


def read_statuses(section: str, lines: list[str], mentions, start: int | None = None,
                  tags: dict[str, str] | None = None) -> list[Status]:
    """Every status a citation states about the topic: its lines that mention it (``mentions(line)``),
    then its heading's last level. Past sections (前計画, 沿革, 実績 …) mark theirs ``past``; a line of
    a history section with no marker of its own records something done."""
    past = bool(_PAST.search(section))
    study = _STUDY_SCOPE.search(section)
    if study:
        # a chapter of research projects (「第4章 情報化の研究事業」): its measures are under study, whatever
        # their sentences say of the systems in place today
        return [Status(UNDER_STUDY, LABELS[UNDER_STUDY], study.group(0), past)]
    history = bool(re.search(r"沿革|これまでの(?:取組|主な取組)|主な取組実績", section))
    found = []
    # under a label of what comes next (「今後の取組」「今後の方向性」), the lines speak of the passage's
    # measure whether or not they name it again, when the passage names the topic at all (asked only
    # once such a label is met)
    about: bool | None = None
    ahead = False
    for line in lines:
        if _AHEAD_LABEL.match(line):
            ahead = True
            if about is None:
                about = mentions(section) or any(mentions(other) for other in lines)
            continue
        if _NOW_LABEL.match(line):
            ahead = False
        # a table row speaks as one; prose and rendered fields (「項目: 値 / 項目: 値」) piece by piece
        pieces = [line] if "\t" in line else [p for p in _PIECE.split(line) if p.strip()]
        named = [mentions(p) for p in pieces]
        # a rendered record (「具体的な取組: … / 実績値(KPI) 令和5年度末: 外部監査の実施」) speaks of one measure:
        # when it names the topic, its result fields say what was done
        record = any(named) and sum(1 for p in pieces if _FIELD.match(p)) >= 3
        for n, piece in enumerate(pieces):
            result = _RESULT_LABEL.match(piece) if record else None
            if result:
                # 「実績値(KPI) 令和5年度末: 外部監査の実施」 says it was done; 「(未実施)」 that it was not. A bare
                # number or rate (「148.2% 20%」) measures progress toward a target, not the thing itself
                value = result.group(1).strip()
                if _WORDED.search(value):
                    status = NOT_INTRODUCED if _NOT_DONE.search(value) else IMPLEMENTED
                    found.append(Status(status, LABELS[status], "実績", past))
                continue
            if not named[n] and not (ahead and about):
                continue
            # the sentence after one that names the topic often says what becomes of it
            # (「…が提供されました。…環境が整いしだい、導入に向けて検討していきます。」)
            for part in pieces[n:n + 2] if n + 1 < len(pieces) and not named[n + 1] else [piece]:
                said = read_piece(part, past or bool(_PAST_LABEL.match(part)), start, tags)
                target = _TARGET_LABEL.match(part)
                if target:
                    # 「KPI: 手話動画の配信を開始」 names what the plan aims at, not what was done
                    said = [Status(PLANNED, LABELS[PLANNED], target.group(1), past) if s.status == IMPLEMENTED else s
                            for s in said]
                if not said and (history or _HISTORY_LABEL.match(part)):
                    said = [Status(IMPLEMENTED, LABELS[IMPLEMENTED], "沿革", True)]
                found += said
    last = section.rsplit(" > ", 1)[-1]
    # a measure's tag speaks for the measure: the plan's legend for it counts when the heading names the topic.
    # A heading is read by rule alone: it names a measure, and only its markers state a status (the learned
    # reader, trained on sentences, read a schedule row's heading 「2-2BPRの取組の推進 / 検討 / ⇒」 as a study)
    heading = from_text(last, past, start, tags if mentions(last) else None)
    return found + ([heading] if heading else [])


def tag_statuses(definitions: dict[str, str]) -> dict[str, str]:
    """What a plan's legend (``corpus.legend``: {tag: definition}) says its tags mean, where that is a
    status: {tag: status}. A tag whose definition states a status (「【拡充】…前計画から実施しており」:
    done) is read as that status in this plan, whatever the same tag means in another; tags defined
    by no status (「本計画から新たに推進する施策」) keep their default."""
    out: dict[str, str] = {}
    for tag, definition in definitions.items():
        status = from_text(definition)
        if status is not None and not status.weak and status.status != PLANNED:
            out[tag] = status.status
    return out


def legend(source: str) -> dict[str, str]:
    """{tag: status} from a plan's text (``tag_statuses`` of ``corpus.legend.legend``)."""
    from corpus.legend import legend as definitions

    return tag_statuses(definitions(source))


def combine(statuses: list[Status]) -> tuple[Status | None, Status | None]:
    """(current, previous): the first status from the plan's own measures, and one from its past record."""
    current = next((s for s in statuses if not s.past), None)
    previous = next((s for s in statuses if s.past), None)
    return current or previous, previous if current else None
