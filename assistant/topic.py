"""The specific thing a question asks about, and whether a passage says it.

A question's topic is read off its wording, for any topic: runs of nouns (with their
prefixes, suffixes and numbers) make **terms** (「電子入札」「公衆無線LAN」「三層分離」);
terms joined by や・か・「・」・または, or one in brackets after another (「会議録（議事録）」),
are **alternatives** of one group; groups are all asked for (「庁内の無線LAN」: 庁内 and 無線LAN).
Words that only frame the question (市, 計画, 導入, 検討 …) are no topic.

A term is found in a passage when the passage holds it — exactly, in a normalized form
(NFKC, case and spaces folded), as an equivalent or a narrower term from the curated
dictionary (``assistant/data/synonyms.tsv``), or as all of its parts near each other (「電子」 and
「入札」 within ``NEAR`` characters).
Text is compared as characters, not tokens: unidic keeps コンビニエンスストア as one
token, yet it holds コンビニ.

Groups weigh by how rare they are in the corpus (IDF over passages): the rarest group is
the question's **head**, the thing that tells it from its neighbours (電子入札 vs 電子決裁).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from collections import OrderedDict
from functools import lru_cache, reduce
from pathlib import Path

import numpy as np

from index.chars import fold
from index.tokenize import words

SYNONYMS = Path(__file__).with_name("data") / "synonyms.tsv"

# words that say what kind of answer is wanted, or what is done, not what it is about
FRAME = frozenset("""
市 区 町 村 自治体 市町村 都市 まち 市区町村 どこ 何 なに いくつ どれ どの 方 ほか 他 全て すべて それぞれ 各 一覧
計画 予定 導入 実施 検討 整備 活用 推進 取組 取り組み 運用 開始 提供 利用 構築 策定 対応 支援 促進 充実 強化 拡充 向上 確保
実現 展開 研究 調査 移行 設置 開設 使用 作成 進捗 状況 現状 今後 これから すでに 既に もう 新た 新規 継続 拡大 国 県
こと もの ため よう など 等 的 化 向け 用 中 済 済み 以上 以下 程度 場合 際 時 ところ 公式 各種 既存
人 人たち 人々 方々 誰 運営 実績 段階 つもり 自分 自分たち 一緒 方法 形 仕方 具合 様子 上 側 一本 一元
""".split())
_RIGHT_AFTER = {"か", "と"}
_ALTERNATIVE = {"や", "か", "・", "/", "又は", "または", "もしくは", "あるいは", "及び", "および", "と", "、"}
_OPEN, _CLOSE = {"(", "「", "『", "【", "["}, {")", "」", "』", "】", "]"}
_NOMINAL = {"名詞", "接頭辞", "接尾辞"}
_QUOTED = re.compile(r"[「『]([^」』]{2,40})[」』]")
# how far apart (folded characters) a term's parts may lie and still say it. Chosen on the dev half of the
# eval set: cross-city F1 0.814 without a limit, 0.782 at 10-20, 0.818 from 30 to 200 (one trap fewer, no
# recall lost); 80 is the middle of that plateau. Reported on the test half in the README.
NEAR = 80
_LOANWORD = re.compile(r"[ァ-ヺー・]{3,}|[a-z][a-z0-9\-.]{2,}")  # folded: a katakana or Latin word
_KATAKANA = re.compile(r"[ァ-ヺー・]+")  # a katakana word is one word (Term.by_parts)


@dataclass(frozen=True)
class Term:
    text: str  # folded, e.g. "電子入札"
    parts: tuple[str, ...]  # its topical parts, e.g. ("電子", "入札")
    variants: tuple[str, ...] = ()  # folded equivalents and narrower terms from the dictionary
    shown: str = field(default="", compare=False)  # as the question or the dictionary writes it (無線LAN, not 無線lan)

    def found_in(self, folded: str) -> bool:
        if self.text in folded or any(v in folded for v in self.variants):
            return True
        return self.by_parts and all(p in folded for p in self.parts) and self._near(folded)

    def _near(self, folded: str) -> bool:
        """Its parts lie within ``NEAR`` characters of one of its first part's occurrences: 「入札事務の
        電子化」 says 電子入札; a 「Web」 in one paragraph and a 「会議」 in another do not say Web会議."""
        first, *rest = self.parts
        at = folded.find(first)
        while at >= 0:
            lo, hi = max(0, at - NEAR), at + len(first) + NEAR
            if all(p in folded[lo:hi] for p in rest):
                return True
            at = folded.find(first, at + 1)
        return False

    @property
    def by_parts(self) -> bool:
        """Whether its parts apart stand for it (入札の電子化 for 電子入札); a katakana word is one
        word (オープンデータ): its pieces apart (オープンソース … データ) are not it."""
        return len(self.parts) > 1 and not _KATAKANA.fullmatch(self.text)


@dataclass(frozen=True)
class Group:
    """Alternatives: a passage that holds any of them holds the group."""

    terms: tuple[Term, ...]

    def found_in(self, folded: str) -> bool:
        return any(t.found_in(folded) for t in self.terms)

    @property
    def label(self) -> str:
        return "・".join(t.shown or t.text for t in self.terms)


@dataclass(frozen=True)
class Dictionary:
    equivalents: dict[str, frozenset[str]]  # folded term -> folded members of its groups
    narrower: dict[str, frozenset[str]]  # folded canonical -> folded narrower terms
    written: dict[str, str] = field(default_factory=dict)  # folded term -> as the dictionary writes it

    def shown(self, term: str) -> str:
        return self.written.get(term, term)

    def variants(self, term: str) -> tuple[str, ...]:
        out = set(self.equivalents.get(term, ())) | set(self.narrower.get(term, ()))
        for member in self.equivalents.get(term, ()):
            out |= self.narrower.get(member, frozenset())
        out.discard(term)
        return tuple(sorted(out, key=lambda v: (len(v), v)))


@lru_cache(maxsize=4)
def dictionary(path: Path = SYNONYMS) -> Dictionary:
    """The curated dictionary: canonical, equivalents, narrower terms, source (tab-separated)."""
    equivalents: dict[str, set[str]] = {}
    narrower: dict[str, set[str]] = {}
    written: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        for value in [cells[0], *(v for c in cells[1:3] for v in c.split("|"))]:
            if value.strip():
                written.setdefault(fold(value), re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)))
        canonical = fold(cells[0])
        group = {canonical} | {fold(v) for v in (cells[1] if len(cells) > 1 else "").split("|") if v.strip()}
        for member in group:
            equivalents.setdefault(member, set()).update(group)
        narrow = {fold(v) for v in (cells[2] if len(cells) > 2 else "").split("|") if v.strip()}
        for member in group:
            narrower.setdefault(member, set()).update(narrow)
    return Dictionary({k: frozenset(v) for k, v in equivalents.items()}, {k: frozenset(v) for k, v in narrower.items()},
                      written)


def _terms(question: str, drop: frozenset[str]) -> list[list[tuple[str, tuple[str, ...]]]]:
    """Groups of (term, parts) in question order."""
    groups: list[list[tuple[str, tuple[str, ...]]]] = []
    run: list[tuple[str, str, str, str]] = []  # the noun run being read
    joined = False  # the next term is an alternative of the last group
    depth = 0
    closed = False  # a bracket has just closed: a noun run right after it goes on the term before it

    def close(continues: bool = False, head: bool = False) -> bool | None:
        """End the noun run: True when it made a term, False when it held only frame words.
        ``head``: the run is the head noun of a phrase whose modifier was the last alternative made."""
        nonlocal run, joined, alternative
        # an adjectival noun belongs to the run only before a noun (「スマート農業」), never alone (「様々」); an
        # adjectival suffix (「使いやすい」「見にくい」) says how, not what
        while run and (run[-1][0] in {"-", "."} or run[-1][1] == "形状詞" or run[-1][2] == "形容詞的"):
            run.pop()
        # a suffix with no noun before it hangs on a verb (「使いやすい」「読み方」): no term begins with it
        while run and run[0][1] == "接尾辞":
            run.pop(0)
        # what modifies, not what is asked about: a noun made an adjective by 的 (「全面的に」「積極的な」), and
        # nouns of time and extent alone (「…したときに」「今後」「一部」)
        if run and (run[-1][1] == "接尾辞" and run[-1][2] == "形状詞的" or all(w[3] == "副詞可能" for w in run)):
            run = []
        if not run:
            return None
        parts: list[str] = []
        prefix, numeral = "", False
        for surface, pos1, pos2, _ in run:
            if pos1 == "接頭辞":
                prefix += surface
            elif pos1 == "接尾辞" and parts:
                if surface not in FRAME:  # 「高齢者向け」 -> 高齢者, 「無線LAN化」 -> 無線LAN
                    parts[-1] += surface
            elif parts and numeral:  # 「三」「層」 -> 三層
                parts[-1] += prefix + surface
                prefix = ""
            else:
                parts.append(prefix + surface)
                prefix = ""
            numeral = pos2 == "数詞"
        # a prefix with no noun after it (「お」 of 「おくやみ」, whose rest is a verb) is no term
        topical = tuple(p for p in parts if p not in FRAME and p not in drop)
        # a frame word at either end is no part of the topic: 「テレワーク導入」 is テレワーク
        while parts and (parts[-1] in FRAME or parts[-1] in drop):
            parts.pop()
        while parts and (parts[0] in FRAME or parts[0] in drop):
            parts.pop(0)
        text = "".join(parts)
        made = bool(topical and text) and text not in FRAME and text not in drop  # 「自治」「体」 is 自治体
        if made and continues and groups:
            # 「安否確認（見守り）システム」: the bracket named the term before it, which goes on after
            # it (安否確認システム), the bracket's alternatives with it (見守りシステム)
            groups[-1] = [(t + text, ps + topical) for t, ps in groups[-1]]
        elif made and head and groups:
            # 「デマンド交通（予約型の乗合交通）」: the bracket's whole phrase is the alternative, its
            # words found near each other (予約型 … 乗合交通), not each word a topic of its own
            last_text, last_parts = groups[-1][-1]
            groups[-1][-1] = (last_text + text, last_parts + topical)
        elif made:
            if joined and groups:
                groups[-1].append((text, topical))
            else:
                groups.append([(text, topical)])
        alternative = made and (head or (joined and depth > 0))
        run = []
        joined = joined and not made  # a frame-only run (「国の」 inside brackets) keeps the link open
        return made

    last = None  # what the last noun run made (see close)
    previous = ""  # the last word that was no part of a noun run
    after = False  # the noun run being read began right after a closing bracket
    alternative = False  # the last noun run made an alternative inside a bracket
    modified = False  # ... and its phrase goes on: the next noun run in the bracket is the phrase's head
    for surface, pos1, pos2, pos3 in words(question):
        latin = re.fullmatch(r"[a-z0-9]+", surface) is not None
        if (pos1 in _NOMINAL or pos1 == "形状詞" or latin
                or (surface in {"-", "."} and run and run[-1][0][-1:].isalnum())):
            after = after or (closed and not run)
            closed = False
            run.append((surface, pos1, pos2, pos3))
            continue
        if pos1 == "助動詞" and surface in {"に", "な"} and len(run) == 1 and run[0][3] == "形状詞可能":
            run = []  # 「自由に使える」「簡単な」: a noun used as an adjective modifies, it is not asked about
        made = close(after, modified)
        # inside a bracket, the phrase after an alternative goes on to its head noun: one phrase names the
        # thing (「予約型の乗合交通」「死亡に伴う手続のワンストップ窓口」); a ・ or the bracket's end stops it
        modified = depth > 0 and (modified or (alternative and made is True)) and surface not in _ALTERNATIVE
        after = closed = False
        last = made if made is not None else last
        if surface == "(":
            depth += 1
            joined = made is True  # 「会議録（議事録）」: a bracket right after a term names the same thing
        elif surface in _OPEN:
            joined = False  # 「」 quote a term: no alternative
        elif surface in _CLOSE:
            depth = max(0, depth - 1)
            closed = surface == ")" and depth == 0 and bool(groups)
        elif surface in _RIGHT_AFTER and made is None:
            pass  # 「走っているか」 ends a clause: か and と join only the noun right before them (「税金とか」 keeps と's)
        elif surface in _ALTERNATIVE:
            # 「整備・公開」: no alternative of a frame word; 「端末を、公共施設や…」: a 、 after a particle or a
            # verb ends a clause, it lists nothing (only one right after a term or its closing bracket does)
            joined = bool(groups) and (made is True or (made is None and last is True and previous in _CLOSE))
        elif depth == 0:
            joined = False
        previous = surface
    close(after, modified)
    return groups


_HOLD = "xqk{}"  # a Latin word fugashi keeps whole: stands for a dictionary term while the question is read


def _hold_known(text: str, drop: frozenset[str], synonyms: Dictionary) -> tuple[str, dict[str, str]]:
    """(the question with the dictionary's terms that its noun runs would split held as one word,
    hold word -> the term as written): 書かない窓口 would be read as 窓口, but the dictionary knows it
    as one term. Held words keep their place, so brackets and ・ still make them alternatives."""
    present = [k for k in synonyms.equivalents if len(k) >= 3 and k in text.lower()]
    if not present:
        return text, {}  # the usual case: no second reading of the question
    made = {t for g in _terms(_QUOTED.sub("、", text), drop) for t, _ in g}
    held: dict[str, str] = {}
    for known in sorted((k for k in present if k not in made), key=lambda k: -len(k)):
        at = text.lower().find(known)
        if at < 0 or len(held) >= 26:
            continue
        word = _HOLD.format(chr(ord("a") + len(held)))
        held[word] = text[at : at + len(known)]
        text = f"{text[:at]} {word} {text[at + len(known):]}"
    return text, held


def _release(term: str, parts: tuple[str, ...], held: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    for word, known in held.items():
        if word in term:
            term = term.replace(word, fold(known))
            parts = tuple(fold(known) if p == word else p for p in parts)
    return term, parts


def _joined(groups: list[list[tuple[str, tuple[str, ...]]]], folded: str, synonyms: Dictionary):
    """Two single terms the question joins with の that the dictionary knows as one term are that term:
    「庁内の無線LAN」 is 庁内無線LAN (a neighbour of 公衆無線LAN), not 庁内 and any 無線LAN."""
    out: list[list[tuple[str, tuple[str, ...]]]] = []
    for group in groups:
        last = out[-1] if out else None
        if (last is not None and len(last) == 1 and len(group) == 1 and last[0][0] + group[0][0] in synonyms.equivalents
                and f"{last[0][0]}の{group[0][0]}" in folded):
            out[-1] = [(last[0][0] + group[0][0], last[0][1] + group[0][1])]
        else:
            out.append(group)
    return out


def topic(question: str, drop: frozenset[str] = frozenset(), synonyms: Dictionary | None = None) -> tuple[Group, ...]:
    """The topic groups of ``question`` (``drop``: words to ignore, e.g. the corpus's city names)."""
    synonyms = synonyms or dictionary()
    out = []
    plain = unicodedata.normalize("NFKC", question)
    text, held = _hold_known(plain, drop, synonyms)
    # a term the asker quotes (「書かない窓口」) is one term as written, verbs and all: its own nouns
    # (窓口) would let any passage about a counter stand for it
    for quoted in _QUOTED.findall(text):
        quoted = _release(quoted, (), held)[0] if held else quoted
        parts = tuple(p for g in _terms(quoted, drop) for t, ps in g for p in ps) or (fold(quoted),)
        out.append(Group((Term(fold(quoted), parts, synonyms.variants(fold(quoted)), _shown(fold(quoted), plain, synonyms)),)))
    for group in _joined(_terms(_QUOTED.sub("、", text), drop), fold(text), synonyms):
        released = [_release(t, parts, held) for t, parts in group]
        terms = tuple(dict.fromkeys(Term(t, parts, synonyms.variants(t), _shown(t, plain, synonyms)) for t, parts in released))
        out.append(Group(terms))
    return tuple(out)


def _shown(term: str, question: str, synonyms: Dictionary) -> str:
    """``term`` (folded) as the question writes it (「無線LAN」), else as the dictionary does, else folded."""
    found = re.search(r"\s*".join(map(re.escape, term)), question, re.IGNORECASE)
    return re.sub(r"\s+", "", found.group(0)) if found else synonyms.shown(term)


# 「内部業務系（文書決裁・庶務事務）システム」: items in brackets that share the noun after them
_SHARED = re.compile(r"\(([^()]{2,40})\)([一-龥々ァ-ヶーa-z0-9]{1,12})")


def spelled_out(folded: str) -> str:
    """``folded`` with what its bracketed lists say in full appended: 「（文書決裁・庶務事務）システム」
    holds 文書決裁システム and 庶務事務システム."""
    extra = [item + shared for inside, shared in _SHARED.findall(folded)
             for item in re.split(r"[・、,/]", inside) if item]
    return folded + ("\n" + "\n".join(extra) if extra else "")


KEEP_GROUPS = 256  # topic groups whose passages a Salience keeps (a server answers many questions)


class Passages:
    """Folded passages held in a list, searched by scanning (``index.substrings.SubstringIndex``
    answers the same questions from postings)."""

    def __init__(self, folded: list[str]):
        self.texts = folded

    def __len__(self) -> int:
        return len(self.texts)

    def folded(self, position: int) -> str:
        return self.texts[position]

    def holding(self, string: str) -> np.ndarray:
        return np.asarray([i for i, t in enumerate(self.texts) if string in t], dtype=np.int64)


class Salience:
    """IDF of topic groups over a corpus of passages, computed on demand.

    ``passages``: folded texts (a list), or anything with ``len``, ``folded(i)`` and
    ``holding(string)`` -> sorted positions (``index.substrings.SubstringIndex``).
    """

    def __init__(self, passages):
        self.passages = Passages(passages) if isinstance(passages, list) else passages
        self._found: OrderedDict[Group, np.ndarray] = OrderedDict()  # the most recent KEEP_GROUPS groups

    def positions(self, group: Group) -> np.ndarray:
        """Sorted positions of the passages that hold the group (``Group.found_in``)."""
        if group not in self._found:
            found = []
            for term in group.terms:
                found += [self.passages.holding(s) for s in (term.text, *term.variants)]
                if term.by_parts:
                    found.append(reduce(np.intersect1d, [self.passages.holding(p) for p in term.parts]))
            self._found[group] = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
            while len(self._found) > KEEP_GROUPS:
                self._found.popitem(last=False)
        return self._found[group]

    def df(self, group: Group) -> int:
        return len(self.positions(group))

    def idf(self, group: Group) -> float:
        n = len(self.passages)
        return math.log((n + 1) / (self.df(group) + 0.5))


@dataclass(frozen=True)
class Match:
    """How much of a question's topic one passage holds."""

    coverage: float  # IDF-weighted share of the topic groups the passage holds
    head: bool  # it holds the rarest group
    missing: tuple[str, ...]  # labels of the groups it lacks: the head first, then rarest first
    nowhere: bool = False  # the head is a word no passage of the corpus holds (ブロックチェーン)


class TopicMatcher:
    """Matches passages against one question's topic, weighted by the corpus."""

    def __init__(self, groups: tuple[Group, ...], salience: Salience):
        self.groups = groups
        self.weights = {g: salience.idf(g) for g in groups}
        self.known = [g for g in groups if salience.df(g) > 0]
        # a loanword no passage holds (「ブロックチェーン」「メタバース」) names a thing no plan has: it is the
        # rarest of all, and no city is listed for its neighbours. An everyday word (「動き」「具合」「部署ごと」)
        # or a compound (「一人暮らし高齢者」) no passage holds is only worded otherwise in the plans: the head
        # is then the rarest group they do hold
        self.unheard = [g for g in groups if g not in self.known and all(_LOANWORD.fullmatch(t.text) for t in g.terms)]
        heads = self.unheard or self.known
        self.head = max(heads, key=lambda g: self.weights[g]) if heads else None
        self.total = sum(self.weights.values())

    def anchor(self, passages: list[str]) -> None:
        """Make the head the rarest group that ``passages`` (the question's best-ranked passages, any city)
        hold, when they do not hold the rarest of all: the word that tells a question from its
        neighbours is one the passages about it use, not an incidental one (「教室に」「自分の市」). A
        loanword no passage holds stays the head."""
        if self.head is None or self.unheard:
            return
        folded = [spelled_out(fold(p)) for p in passages]
        held = [g for g in self.known if any(g.found_in(f) for f in folded)]
        if held and self.head not in held:
            self.head = max(held, key=lambda g: self.weights[g])

    @property
    def empty(self) -> bool:
        return not self.groups

    def match(self, text: str) -> Match:
        folded = spelled_out(fold(text))
        held = {g for g in self.groups if g.found_in(folded)}
        coverage = sum(self.weights[g] for g in held) / self.total if self.total else 0.0
        # the head leads: a passage that lacks it is "not about 「head」", whatever rarer word it also lacks
        ranked = sorted(self.groups, key=lambda g: (g is not self.head, -self.weights[g]))
        missing = tuple(g.label for g in ranked if g not in held)
        return Match(round(coverage, 4), self.head is not None and self.head in held, missing,
                     self.head is not None and self.head in self.unheard)

    def mentions(self, line: str) -> bool:
        """Does ``line`` speak of the topic (its head term; any of its terms when none is known)?"""
        folded = spelled_out(fold(line))
        if self.head is not None:
            return self.head.found_in(folded)
        return any(g.found_in(folded) for g in self.groups)

    def searched(self) -> list[str]:
        """What was looked for, for the answer: each group with its dictionary variants."""
        out = []
        for g in self.groups:
            names = [t.shown or t.text for t in g.terms] + [dictionary().shown(v) for t in g.terms for v in t.variants]
            out.append("・".join(dict.fromkeys(names)))
        return out
