"""The two shapes a domain's refusal takes, written once; each domain keeps its own subclass so an
error table can tell them apart (a leaf module: it imports nothing of the server)."""

from __future__ import annotations


class StatusError(Exception):
    """A refusal with the HTTP status it maps to and one message a person reads (Chinese)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ProblemsError(ValueError):
    """A document (rules, a holiday arrangement, guidance) that failed validation; ``errors`` lists
    every problem, in Chinese, for the admin who sent it."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = errors
