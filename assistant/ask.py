"""Answer a question from the plans, extractively, citing the passages it quotes.

1. ``intent.parse`` decides: across cities, about named cities, or general.
2. Across cities, each city's plan is searched on its own, so one verbose plan
   cannot crowd the others out of the top ranks; otherwise one search.
3. Every passage gets an ``evidence.Support``; only passages at or above the
   threshold are cited. A city is listed when one of its passages is cited.
   Nothing cited: ``found`` is false and the answer says what was searched.
4. The answer is composed from quotes (``quotes.pick_quotes``) and statuses
   (``status.read_status``); an optional generator may rewrite it (``generator``).
"""

from __future__ import annotations

from assistant import intent as intents
from assistant.answer import Answer, Citation, CityAnswer
from assistant.evidence import Scorer, min_support, name_terms
from assistant.quotes import pick_quotes
from assistant.status import combine, read_status
from index.search import Hit, Index

PER_CITY = 5  # passages searched in each city's plan for a cross-city question (the best 3 are cited)
TOP_K = 5  # passages searched for other questions
CITED_PER_CITY = 3
QUOTE_CHARS = 80  # characters of a quote in the answer text


def cite(index: Index, question: str, hit: Hit, scorer: Scorer) -> Citation:
    dense = hit.dense_score if hit.dense_score is not None else index.dense_scores(question, [hit.chunk_id])[0]
    support = scorer.support(dense, hit.text, hit.section)
    source = index.sources.get(hit.doc_id, "")
    quotes = tuple(index.paged(hit.doc_id, q) for q in pick_quotes(source, hit.start, hit.end, scorer))
    status = read_status(hit.section, hit.text.split("\n"), scorer.terms)
    return Citation(hit, quotes, support.score, status)


def _city_answer(city: str, citations: list[Citation]) -> CityAnswer:
    citations = sorted(citations, key=lambda c: -c.support)[:CITED_PER_CITY]
    current, previous = combine([c.status for c in citations if c.status])
    best = citations[0]
    quote = best.quotes[0].text if best.quotes else best.hit.text
    summary = _clip(quote, QUOTE_CHARS)
    return CityAnswer(city, current, summary, tuple(citations), previous)


def _group(citations: list[Citation]) -> list[CityAnswer]:
    by_city: dict[str, list[Citation]] = {}
    for c in citations:
        by_city.setdefault(c.hit.city, []).append(c)
    return [_city_answer(city, cs) for city, cs in by_city.items()]


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
    scorer = Scorer(question, index.bm25.idf(), index.bm25.vocab, name_terms(index.cities))
    threshold = min_support()
    if intent.kind == intents.CROSS:
        searched = list(intent.cities) or index.cities
        cited: list[Citation] = []
        for city in searched:
            hits = index.search(question, k=PER_CITY, method=method, cities=[city])
            cited += [c for c in (cite(index, question, h, scorer) for h in hits) if c.support >= threshold]
        city_answers = sorted(_group(cited), key=lambda c: -c.citations[0].support)
    else:
        searched = list(intent.cities) or index.cities
        hits = index.search(question, k=TOP_K, method=method, cities=list(intent.cities) or None)
        cited = [c for c in (cite(index, question, h, scorer) for h in hits) if c.support >= threshold]
        city_answers = _group(cited)
    citations = tuple(c for city in city_answers for c in city.citations)
    text = compose(intent.kind, question, city_answers, searched)
    answer = Answer(question, bool(city_answers), text, tuple(city_answers), citations, intent.kind, tuple(searched))
    if generator is not None and answer.found:
        from assistant.generator import rewrite

        answer = rewrite(answer, generator)
    return answer
