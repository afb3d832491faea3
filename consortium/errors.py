"""Errors that use cases raise for the web layer and the CLI to show to people.

They live below every layer (models raise them too: a forbidden status change is a NotAllowed);
`consortium.services.errors` is where services import them from.
"""


class ServiceError(Exception):
    """A use case refused: the message says why, in words a user can act on."""


class NotAllowed(ServiceError):
    """The user may not do this (for example: the round is closed)."""


class Conflict(ServiceError):
    """Someone else changed the row first; `current` holds the newer values."""

    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}
