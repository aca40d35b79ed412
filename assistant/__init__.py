"""Semantic search and Q&A over Japanese municipal plans."""

from assistant.core import Assistant, build

__all__ = ["Assistant", "build"]
