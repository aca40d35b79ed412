"""Serve the PDF a citation comes from, so that 「p. 12」 opens the file at that page.

Only files the live index was built from are served, and only PDFs: the route takes a
``doc_id`` (never a path), looks it up in the index's ``documents.jsonl`` and streams the
file recorded there. Nothing else on disk is reachable through it, and ``ui.auth.Guard``
(outside this middleware) asks for the login first when one is set.
"""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import quote, unquote

ROUTE = "/plan-pdf/"


def pdf_link(doc_id: str, page: int | None) -> str:
    """A link relative to the app's page (it also works behind a reverse proxy's path prefix)."""
    return f"{ROUTE.lstrip('/')}{quote(doc_id, safe='')}" + (f"#page={int(page)}" if page else "")


def pdf_path(documents: dict[str, dict], doc_id: str) -> Path | None:
    """The PDF file of ``doc_id`` if the index holds it as a PDF and it is still a regular file."""
    row = documents.get(doc_id)
    if not row or row.get("format") != "pdf" or not row.get("path"):
        return None
    path = Path(row["path"])
    try:
        if path.suffix.lower() != ".pdf" or not stat.S_ISREG(path.stat().st_mode):
            return None
    except OSError:
        return None
    return path


class PlanFiles:
    """ASGI middleware answering ``GET /plan-pdf/<doc_id>`` from the documents of ``source().index``."""

    def __init__(self, app, source=None):
        self.app, self.source = app, source

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(ROUTE) or self.source is None:
            return await self.app(scope, receive, send)
        from starlette.responses import FileResponse, PlainTextResponse

        if scope.get("method") not in ("GET", "HEAD"):
            return await PlainTextResponse("method not allowed", status_code=405)(scope, receive, send)
        doc_id = unquote(scope["path"][len(ROUTE):])
        path = pdf_path(self.source().index.documents, doc_id)
        if path is None:
            return await PlainTextResponse("no such PDF plan in the index", status_code=404)(scope, receive, send)
        response = FileResponse(path, media_type="application/pdf", filename=path.name,
                                content_disposition_type="inline", headers={"cache-control": "private, max-age=60"})
        return await response(scope, receive, send)
