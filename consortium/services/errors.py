"""Errors that services raise for the web layer and the CLI to show to people (defined in
`consortium.errors`, below the models, which raise them too)."""

from consortium.errors import Conflict, NotAllowed, ServiceError

__all__ = ["Conflict", "NotAllowed", "ServiceError"]
