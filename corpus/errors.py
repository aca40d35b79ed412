"""Typed errors of the library; only the CLI and UI turn them into messages."""


class AssistantError(Exception):
    """Base class of every error this project raises on purpose."""


class CorpusError(AssistantError):
    """A plan file cannot be read or understood."""


class ModelError(AssistantError):
    """The embedding model cannot be found, converted or loaded."""


class IndexStateError(AssistantError):
    """An index directory is missing, damaged, stale or built for another model."""


class QueryError(AssistantError):
    """A question or search request cannot be served as given."""


class IndexBusyError(AssistantError):
    """Another writer holds the index folder (and the caller chose not to wait)."""


class ClusterError(AssistantError):
    """A distributed build cannot run: Ray is missing, unreachable, or lost every worker."""
