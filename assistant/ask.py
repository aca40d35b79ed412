"""Answer a question from the plans, extractively, citing the passages it quotes.

1. ``intent.parse`` decides: across cities, about named cities, or general, and which
   status the question asks for (implemented, planned, under study, any).
2. Across cities, each city's plan is searched on its own, so one verbose plan cannot
   crowd the others out; a city is listed only on evidence that holds the question's
   specific terms and is the city's own text (``crosscity``), first the cities with the
   status asked, then the others that mention the topic; every other city gets its
   nearest passage and the reason it was not enough.
3. Other questions: one search; every passage gets an ``evidence.Support`` and only
   passages at or above the threshold are cited. Nothing cited: ``found`` is false.
4. The answer is composed from quotes (``quotes.pick_quotes``) and statuses
   (``status.read_statuses``); an optional generator may rewrite it (``generator``).
"""

from __future__ import annotations

from assistant import crosscity
from assistant import intent as intents
from assistant import national
from assistant.answer import Absent, Answer, Citation, CityAnswer
from assistant.evidence import Scorer, min_support, name_terms
from assistant.quotes import pick_quotes
from assistant.status import combine, plan_start, read_statuses
from assistant.topic import TopicMatcher
from index.search import Hit, Index

TOP_K = 5  # passages searched for other questions
CITED_PER_CITY = 3
QUOTE_CHARS = 80  # characters of a quote in the answer text
LIST_LINES = 30  # cities quoted in each list of a cross-city answer; more are counted (the UI's table has them all)


def cite(index: Index, question: str, hit: Hit, scorer: Scorer, mentions=None) -> Citation:
    """``mentions(line)``: does a line speak of the topic (its status counts); default: holds a question word."""
    dense = hit.dense_score if hit.dense_score is not None else index.dense_scores(question, [hit.chunk_id])[0]
    support = scorer.support(dense, hit.text, hit.section)
    source = index.sources.get(hit.doc_id, "")
    quotes = tuple(index.paged(hit.doc_id, q) for q in pick_quotes(source, hit.start, hit.end, scorer))
    mentions = mentions or (lambda line: any(t in line for t in scorer.terms))
    start = plan_start(index.documents.get(hit.doc_id, {}).get("period"))
    statuses = tuple(read_statuses(hit.section, hit.text.split("\n"), mentions, start, crosscity.tags(index, hit.doc_id)))
    return Citation(hit, quotes, support.score, statuses[0] if statuses else None, statuses)


def _city_answer(city: str, citations: list[Citation], asked: str = intents.ANY) -> CityAnswer:
    """The city's entry: its status (the one asked for, if its evidence has it) and its best citations."""
    status, matches = crosscity.city_status(citations, asked)
    _, previous = combine([c.status for c in citations if c.status])
    if previous is not None and status is not None and previous.status == status.status:
        previous = None  # 「実施済、前計画では実施済」 says nothing more
    # the citation that shows the status comes first, then the best supported
    ranked = sorted(citations, key=lambda c: (c.status is not status, -c.support))[:CITED_PER_CITY]
    best = ranked[0]
    quote = best.quotes[0].text if best.quotes else best.hit.text
    return CityAnswer(city, status, _clip(quote, QUOTE_CHARS), tuple(ranked), previous, matches)


def _group(citations: list[Citation], asked: str = intents.ANY) -> list[CityAnswer]:
    by_city: dict[str, list[Citation]] = {}
    for c in citations:
        by_city.setdefault(c.hit.city, []).append(c)
    return [_city_answer(city, cs, asked) for city, cs in by_city.items()]


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _status_words(city: CityAnswer) -> str:
    parts = [city.status.label] if city.status else []
    if city.previous_status:
        parts.append(f"前計画では{city.previous_status.label}")
    return f"（{'、'.join(parts)}）" if parts else ""


def _line(city: CityAnswer) -> str:
    section = city.citations[0].hit.section or city.citations[0].hit.doc_title
    return f"・{city.city}{_status_words(city)}：「{city.summary}」〔{section}〕"


def _absent_line(absent: Absent) -> str:
    if absent.nearest is None:
        return f"・{absent.city}：計画に近い記述もありません。"
    quote = absent.nearest.quotes[0].text if absent.nearest.quotes else absent.nearest.hit.text
    section = absent.nearest.hit.section or absent.nearest.hit.doc_title
    return f"・{absent.city}：近い記述「{_clip(quote, 50)}」〔{section}〕（{absent.reason}）"


def _unit(names: list[str]) -> str:
    """How the answer counts places: 市 when every searched plan is a city's, else 自治体."""
    return "市" if names and all(n.endswith("市") for n in names) else "自治体"


def _more(shown: int, total: int, unit: str) -> list[str]:
    return [f"…ほか{total - shown}{unit}（全件は表・CSVで）"] if total > shown else []


def compose_cross(question: str, asked: str, cities: list[CityAnswer], absent: list[Absent], terms: list[str],
                  searched: list[str] | None = None) -> str:
    """The cross-city answer: the cities with the status asked, then the others that mention the topic,
    then every other searched city with its nearest passage and the reason it is not listed.

    Over many plans it summarizes: the first ``LIST_LINES`` cities of each list with their quotes,
    then a count of the rest; cities without the topic are counted by reason."""
    matching = [c for c in cities if c.matches_status]
    others = [c for c in cities if not c.matches_status]
    unit = _unit(searched or [c.city for c in cities] + [a.city for a in absent])
    phrase = crosscity.status_phrase(asked)
    out = []
    if len(cities) + len(absent) > LIST_LINES:
        out.append(f"{len(cities) + len(absent)}{unit}の計画を調べました。")
    if asked == intents.ANY:
        out.append(f"計画に該当する記述があるのは{len(matching)}{unit}です：{_names(matching)}。"
                   if matching else "該当する記述のある計画は見つかりませんでした。")
    elif matching:
        out.append(f"「{phrase}」と読める記述がある{unit}（{len(matching)}{unit}）：{_names(matching)}。")
    else:
        out.append(f"「{phrase}」と読める記述のある{unit}は見つかりませんでした。")
    out += [_line(c) for c in matching[:LIST_LINES]] + _more(min(len(matching), LIST_LINES), len(matching), unit)
    if others:
        out.append(f"話題には触れているが「{phrase}」とは書かれていない{unit}（{len(others)}{unit}）：" +
                   "、".join(f"{c.city}（{crosscity.label(c.status)}）" for c in others[:LIST_LINES * 2]) +
                   ("、…" if len(others) > LIST_LINES * 2 else "") + "。")
        out += [_line(c) for c in others[:LIST_LINES]] + _more(min(len(others), LIST_LINES), len(others), unit)
    if len(absent) > LIST_LINES:
        reasons: dict[str, int] = {}
        for a in absent:
            reasons[a.reason] = reasons.get(a.reason, 0) + 1
        out.append(f"記述が見つからなかった{unit}（{len(absent)}{unit}）：" +
                   "、".join(f"{reason} {n}" for reason, n in sorted(reasons.items(), key=lambda r: -r[1])[:5]) + "。")
    elif absent:
        out.append(f"記述が見つからなかった{unit}（{len(absent)}{unit}）：")
        out += [_absent_line(a) for a in absent]
    if terms:
        out.append(f"検索した語：{' / '.join(terms)}")
    return "\n".join(out)


def _names(cities: list[CityAnswer]) -> str:
    names = "、".join(c.city for c in cities[: LIST_LINES * 2])
    return names + ("、…" if len(cities) > LIST_LINES * 2 else "")


def compose(kind: str, question: str, cities: list[CityAnswer], searched: list[str]) -> str:
    """Readable Japanese from the cited passages; every quoted phrase comes from a citation."""
    where = "、".join(searched)
    if not cities:
        return (f"ご質問「{_clip(question, 60)}」に当てはまる記述は、検索した計画（{where}）には見つかりませんでした。"
                "言い換えるか、対象の市を指定してお試しください。")
    lines = [_line(c) for c in cities]
    if kind == intents.CROSS:
        named = "、".join(c.city for c in cities)
        head = f"計画に該当する記述があるのは{len(cities)}市です：{named}。"
        missing = [c for c in searched if c not in {x.city for x in cities}]
        tail = [f"該当する記述が見つからなかった市：{'、'.join(missing)}。"] if missing else []
        return "\n".join([head, *lines, *tail])
    if kind == intents.CITY:
        head = f"{'・'.join(c.city for c in cities)}の計画には次の記述があります。"
        return "\n".join([head, *lines])
    return "\n".join(["計画には次の記述があります。", *lines])


def ask(index: Index, question: str, cities: list[str] | None = None, method: str = "hybrid",
        generator=None) -> Answer:
    """Answer ``question`` from ``index``; ``cities`` (already resolved) restricts and overrides detection."""
    intent = intents.parse(question, index.cities, cities)
    scorer = Scorer(question, index.terms.idf(), index.terms.vocab, name_terms(index.cities))
    threshold = min_support()
    searched = list(intent.cities) or index.cities
    absent: list[Absent] = []
    terms: list[str] = []
    if intent.kind == intents.CROSS:
        city_answers, absent, terms = cross_city(index, question, searched, intent.status, method, scorer)
        text = compose_cross(question, intent.status, city_answers, absent, terms, searched)
    else:
        hits = index.search(question, k=TOP_K, method=method, cities=list(intent.cities) or None)
        cited = [c for c in (cite(index, question, h, scorer) for h in hits) if c.support >= threshold]
        city_answers = _group(cited, intent.status)
        text = compose(intent.kind, question, city_answers, searched)
    citations = tuple(c for city in city_answers for c in city.citations)
    answer = Answer(question, bool(city_answers), text, tuple(city_answers), citations, intent.kind, tuple(searched),
                    asked_status=intent.status, absent=tuple(absent), terms=tuple(terms))
    if generator is not None and answer.found:
        from assistant.generator import rewrite

        answer = rewrite(answer, generator)
    return answer


def cross_city(index: Index, question: str, searched: list[str], asked: str, method: str,
               scorer: Scorer, matcher: TopicMatcher | None = None) -> tuple[list[CityAnswer], list[Absent], list[str]]:
    """(listed cities, matching status first; the other searched cities; the terms searched).
    ``matcher``: the question's topic when the caller has read it already (``crosscity.matcher_for``)."""
    matcher = matcher or crosscity.matcher_for(index, question, name_terms(index.cities))
    if len(searched) >= national.ONE_PASS_FROM:  # many plans: one pass over the head term's passages
        listed, absent = national.one_pass(index, question, searched, asked, matcher, _city_answer)
        return listed, absent, matcher.searched()
    threshold = crosscity.min_coverage()
    listed: list[CityAnswer] = []
    absent: list[Absent] = []
    for city in searched:
        judged = [crosscity.judge(matcher, h) for h in crosscity.candidates(index, matcher, question, city, method)]
        evidence = [cite(index, question, j.hit, scorer, matcher.mentions) for j in judged if j.evidence(threshold)]
        if evidence:
            listed.append(_city_answer(city, evidence, asked))
            continue
        nearest = max(judged, key=lambda j: (j.match.head, j.match.coverage, -j.hit.rank), default=None)
        absent.append(Absent(city, cite(index, question, nearest.hit, scorer) if nearest else None,
                             nearest.reason(threshold) if nearest else "計画に検索語を含む記述がない"))
    listed.sort(key=lambda c: (not c.matches_status, -max(x.support for x in c.citations)))
    return listed, absent, matcher.searched()
