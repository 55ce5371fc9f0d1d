"""Errors that name the request field they are about.

Raised anywhere below the API (an unknown product id, an unknown session); the API answers them as a 4xx
whose `errors` list carries `field` and `message` as they are, never parsed back out of a string.
"""

from __future__ import annotations


class FieldError(ValueError):
    """A request value that cannot be used: `field` names it (`product_id`, `session_id`, ...)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(FieldError, LookupError):
    """The value names something that does not exist (a 404 over HTTP)."""
