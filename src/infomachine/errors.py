"""Every exception the library raises on purpose.

The CLI turns an ``InfomachineError`` into a one-line message and a non-zero
exit status; the web app turns it into an HTTP status in one handler.
"""

from __future__ import annotations


class InfomachineError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1
    http_status = 500


class ConfigError(InfomachineError):
    """Bad configuration (flags, environment or infomachine.toml)."""

    exit_code = 2
    http_status = 500


class StoreError(InfomachineError):
    """The database cannot be opened, migrated, read or written.

    Every store backend raises this (or a subclass) and never its driver's
    own exceptions, so callers catch ``StoreError`` whatever the backend.
    """


class BackendError(StoreError):
    """The database backend itself failed: locked, read-only, corrupt, disk full.

    A backend raises it in place of its driver's own exceptions (the original
    is ``__cause__``); the message is the driver's ("database is locked").
    """


class MigrationError(StoreError):
    """A schema migration failed or the database is newer than this code."""


class NotFoundError(InfomachineError):
    """A story, item, version or source that does not exist."""

    http_status = 404


class InputError(InfomachineError):
    """Input a user gave that cannot be used (bad path, bad argument)."""

    exit_code = 2
    http_status = 400


class ParseError(InfomachineError):
    """A document that cannot be parsed; recorded, never fatal for a batch."""


class FetchError(InfomachineError):
    """An HTTP fetch failed (network, status, size or time cap)."""


class UnsafeURLError(FetchError):
    """A URL whose scheme or resolved address is not allowed."""


class HTTPStatusError(FetchError):
    """A fetch answered with a 4xx/5xx status (``retry_after`` in seconds, if sent)."""

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class SynthesisError(InfomachineError):
    """A brief could not be synthesized."""


class LLMError(SynthesisError):
    """The LLM endpoint failed or answered with something unusable."""
